"""Chapter 13: the Transformer from its parts, then BERT, GPT and the Vision Transformer.

Attention without recurrence: every token looks at every other token in one
step, through scaled dot-product attention in several heads, and positional
encodings put the order back. This chapter builds the encoder-decoder
Transformer from the book's own layers (`kerasbook.layers.transformer`) and
uses its halves the way the large models do:

* **translator** (encoder-decoder): chapter 12's English -> Korean corpus,
  against chapter 12's best recurrent translator (a GRU with additive
  attention) on BLEU, training time to reach that BLEU and decoding speed;
* **bert** (encoder only): masked-language-model pre-training on unlabelled
  sentences, then fine-tuning a `[CLS]` classifier on a few labelled ones,
  against the same model trained on those labels from scratch and against a
  bag of words; the builtin task turns on where a "not" sits, which a bag of
  words cannot see;
* **gpt** (decoder only): a causal language model of the Korean sentences,
  perplexity on unseen ones, and text written by greedy, top-k, top-p and beam
  sampling (`keras_hub.samplers`);
* **vit**: images cut into patches, a class token and learned positions,
  against a small convolutional network at the same training budget.

The translator, the BERT encoder and the GPT are also rebuilt from keras-hub's
layers (`kerasbook.hub_models`) with the same parameter count and trained the
same way, side by side.

The package reads in this order: `__main__.py` (this file: the steps of a
run, and the `translate` and `generate` commands), `config.py` (`Config`),
one module per part (`translator.py`, `bert.py`, `gpt.py`, `vit.py`),
`figures.py` (the figures) and `steps.py` (step times and XLA decisions).
`downstream.py` is read beside `bert.py` and `gpt.py` but not run: BERT's heads
for its other downstream tasks and GPT-1's fine-tuning inputs.

Run it:

    python -m kerasbook.chapters.ch13_transformer                  # default run, builtin data
    python -m kerasbook.chapters.ch13_transformer --quick          # a short run that shows the same points
    python -m kerasbook.chapters.ch13_transformer --parts bert,gpt # only some of the four parts
    python -m kerasbook.chapters.ch13_transformer translate --model RUN/model.keras "the cat slept"
    python -m kerasbook.chapters.ch13_transformer generate --model RUN/gpt/model.keras --sampler top_p

References:
    Vaswani et al., "Attention Is All You Need", NeurIPS 2017. Devlin et al.,
    "BERT: Pre-training of Deep Bidirectional Transformers for Language
    Understanding", NAACL 2019. Radford et al., "Improving Language
    Understanding by Generative Pre-Training", 2018. Holtzman et al., "The
    Curious Case of Neural Text Degeneration", ICLR 2020. Dosovitskiy et al.,
    "An Image is Worth 16x16 Words", ICLR 2021.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import time
from pathlib import Path

from kerasbook import cli, saving
from kerasbook.chapters.ch13_transformer.bert import bert_part, load_labelled
from kerasbook.chapters.ch13_transformer.config import CHAPTER, HUB_PARTS, NAMES, PARTS, PROG, SAMPLERS, SPEC, Config
from kerasbook.chapters.ch13_transformer.figures import (attention_heads_figure, bleu_clock_figure,
                                                         positional_encoding_figure, pretraining_figure, samples_figure,
                                                         scaling_figure, scaling_numbers, vit_figure)
from kerasbook.chapters.ch13_transformer.gpt import gpt_part, write_samples
from kerasbook.chapters.ch13_transformer.translator import make_translator, translation_part
from kerasbook.chapters.ch13_transformer.vit import vit_part
from kerasbook.chapters.ch13_transformer.steps import measure_step_times, part_xla


def _train(argv):
    from kerasbook import runs
    from kerasbook import seq2seq as s2s

    def add_arguments(parser):
        parser.add_argument("--parts", default=None,
                            help=f"comma-separated parts to run (default: all of {','.join(PARTS)})")
        parser.add_argument("--hub", default=None,
                            help="also rebuild these parts from keras-hub layers and train them alike: "
                                 f"comma-separated from {','.join(HUB_PARTS)}, 'all' or 'none' (default: none)")

    def chosen(text, allowed, flag):
        if text is None:
            return None
        if text in ("none", "all"):
            return () if text == "none" else allowed
        picked = [p.strip() for p in text.split(",") if p.strip()]
        unknown = [p for p in picked if p not in allowed]
        if unknown:
            raise cli.UsageError(f"unknown part {unknown[0]!r} in {flag}; choose from {', '.join(allowed)}")
        return tuple(dict.fromkeys(picked))

    def validate(args, cfg, sources):
        parts = chosen(args.parts, PARTS, "--parts")
        if args.strategy == "mirrored" and "bert" in (PARTS if parts is None else parts):
            raise cli.UsageError("--strategy mirrored cannot pre-train the BERT part: an uneven last batch gives the "
                                 "replicas embedding gradients of different shapes; leave bert out of --parts or use "
                                 "--strategy default")
        chosen(args.hub, HUB_PARTS, "--hub")

    def config(sources):
        return Config().full() if sources.get("reviews") == "full" else Config()

    run = runs.setup(argv, chapter=CHAPTER, prog=PROG, specs=(SPEC,), config=config, validate=validate,
                     description="The Transformer from its parts; BERT, GPT and ViT (chapter 13).",
                     measure=lambda run: measure_step_times(run.cfg, "translator", steps=5),
                     add_arguments=add_arguments,
                     data_dir_hint="give the TFDS data folder that holds imdb_reviews")
    parts, hub = chosen(run.args.parts, PARTS, "--parts"), chosen(run.args.hub, HUB_PARTS, "--hub")
    run.cfg = dataclasses.replace(run.cfg, parts=parts or run.cfg.parts, hub=run.cfg.hub if hub is None else hub)
    cfg, out = run.cfg, run.out
    figs = out / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    seconds, final, extra, infos = {}, {}, {}, {}
    chapter_jit, chapter_why = run.jit, run.why

    start = time.perf_counter()
    scaling = scaling_numbers()
    scaling_figure(figs / "scaling.png", scaling)
    positional_encoding_figure(figs / "positional_encoding.png", d_model=cfg.d_model)
    extra["scaling"] = {str(k): v for k, v in scaling.items()}
    seconds["scaling and positions"] = time.perf_counter() - start

    dataset = run.dataset_entry(0, 0, 0)
    if {"translator", "gpt"} & set(cfg.parts):
        from kerasbook.data import enko
        from kerasbook.data.enko import join_korean

        start = time.perf_counter()
        splits = enko.load_builtin(cfg.train_size, cfg.val_size, cfg.test_size, cfg.heldout_size, run.seed)
        splits["compositional"] = enko.compositional_split(run.seed, cfg.compositional_size)
        run.require_batch(len(splits["train"]), "training pairs")
        src_v, tgt_v = s2s.make_vectorizers([p["en"] for p in splits["train"]],
                                            [p["ko_tokens"] for p in splits["train"]], cfg.max_source, cfg.max_target)
        seconds["data: sentence pairs"] = time.perf_counter() - start
        dataset = run.dataset_entry(len(splits["train"]), len(splits["validation"]), len(splits["test"]),
                                    heldout=len(splits["heldout"]), compositional=len(splits["compositional"]),
                                    name="translation", source="builtin", source_vocabulary=src_v.vocabulary_size(),
                                    target_vocabulary=tgt_v.vocabulary_size())
        print(f"data: {len(splits['train'])} / {len(splits['validation'])} / {len(splits['test'])} English -> Korean "
              f"pairs, {len(splits['heldout'])} of held-out structures, {len(splits['compositional'])} compositional; "
              f"vocabularies {src_v.vocabulary_size()} and {tgt_v.vocabulary_size()} tokens")

    if "translator" in cfg.parts:
        start = time.perf_counter()
        tr = translation_part(splits, (src_v, tgt_v), cfg, run, out)
        seconds["translator"] = time.perf_counter() - start
        results = tr["results"]
        for r in results.values():
            infos.setdefault("translator", r.pop("info"))
        (out / "vocab.json").write_text(json.dumps({"source": src_v.get_vocabulary(), "target": tgt_v.get_vocabulary(),
                                                    "max_source": cfg.max_source, "max_target": cfg.max_target},
                                                   ensure_ascii=False))
        if tr["rnn_best_validation_bleu"] is not None:
            bleu_clock_figure(figs / "bleu_over_time.png", results, tr["rnn_best_validation_bleu"])
        pick = next((p for p in splits["test"] if 8 <= len(p["en"].split()) <= 11 and "relative" in p["structure"]),
                    splits["test"][0])
        translator = tr["translators"]["ours"]
        attention_heads_figure(figs / "attention_heads.png", translator, pick["en"], translator.greedy([pick["en"]])[0][0])
        final.update({f"bleu_{k}": r["bleu"] for k, r in results.items()})
        final.update({f"exact_match_{k}": r["exact_match"] for k, r in results.items()})
        if splits["compositional"]:          # the mean over the kinds of the split
            final.update({f"compositional_exact_match_{k}": sum(c["exact_match"] for c in r["compositional"].values())
                          / len(r["compositional"]) for k, r in results.items()})
            s2s.generalisation_figure(figs / "generalisation.png", results, NAMES)
            print("translator: exact match (BLEU), greedy, on unseen sentences, held-out structures and each "
                  f"compositional kind:\n{s2s.generalisation_table(results, NAMES)}\n{NAMES['ours']}, a wrong "
                  f"translation of each kind:\n{s2s.failures_text(results['ours']['compositional'], join_korean)}")
        final.update(bleu_gain_over_rnn=results["ours"]["bleu"] - results["rnn"]["bleu"],
                     seconds_to_rnn_best_bleu_ours=results["ours"]["seconds_to_rnn_best_bleu"],
                     seconds_to_rnn_best_bleu_rnn=results["rnn"]["seconds_to_rnn_best_bleu"])
        extra["translator"] = {"results": results, "rnn_best_validation_bleu": tr["rnn_best_validation_bleu"],
                               "example": {"en": pick["en"], "reference": pick["ko_tokens"]}}

    if "bert" in cfg.parts:
        run.jit, run.why = part_xla(run, "bert")
        print(f"bert: XLA {'on' if run.jit else 'off'} ({run.why})")
        start = time.perf_counter()
        labelled = load_labelled(cfg, run.source, run.args.data_dir, run.seed)
        run.require_batch(len(labelled["pretrain"]), "pre-training sentences")
        bert = bert_part(labelled, cfg, run, out, run.source == "builtin")
        seconds["bert"] = time.perf_counter() - start
        n = cfg.label_sizes[0]
        pretraining_figure(figs / "pretraining.png", bert, n)
        found = bert["models"]["ours"]["by_labels"][str(n)]
        final.update(finetune_accuracy_pretrained=found["pretrained"], finetune_accuracy_scratch=found["scratch"],
                     pretraining_gain=found["gain"], bag_of_words_accuracy=bert["bag_of_words"][str(n)])
        extra["bert"] = {**bert, "xla": run.jit, "source": run.source}
        if dataset["train"] == 0:
            dataset = run.dataset_entry(n, len(labelled["validation"]), len(labelled["test"]),
                                        pretrain=len(labelled["pretrain"]))

    if "gpt" in cfg.parts:
        run.jit, run.why = part_xla(run, "gpt")
        print(f"gpt: XLA {'on' if run.jit else 'off'} ({run.why})")
        start = time.perf_counter()
        gpt = gpt_part(splits, tgt_v, cfg, run, out)
        seconds["gpt"] = time.perf_counter() - start
        samples_figure(figs / "samples.png", gpt["samples"], gpt["prompts"])
        final.update(perplexity_gpt=gpt["perplexity"]["GPT (ours)"],
                     perplexity_kneser_ney=gpt["perplexity"]["bigram, Kneser-Ney"])
        extra["gpt"] = {**gpt, "xla": run.jit}

    if "vit" in cfg.parts:
        run.jit, run.why = part_xla(run, "vit")
        print(f"vit: XLA {'on' if run.jit else 'off'} ({run.why})")
        start = time.perf_counter()
        vit = vit_part(cfg, run, out)
        seconds["vit"] = time.perf_counter() - start
        vit_figure(figs / "vit.png", vit, vit["models"]["vit"])
        final.update(vit_accuracy=vit["report"]["vit"]["test_accuracy"],
                     cnn_accuracy=vit["report"]["cnn"]["test_accuracy"])
        extra["vit"] = {**vit["report"], "xla": run.jit}

    run.jit, run.why = chapter_jit, chapter_why
    info = infos.get("translator") or run.run_info()
    run.finish(dataset=dataset, info=info, final=final, seconds=seconds, parts=list(cfg.parts), **extra)
    print("; ".join(f"{k} {v:.3g}" for k, v in final.items() if isinstance(v, float)) + f"; wrote {out}")
    return 0


def _vocab_beside(model_path: str, what: str) -> dict:
    if not Path(model_path).is_file():
        raise cli.UsageError(f"--model {model_path} does not exist; train first with `{PROG}` and pass {what}")
    path = Path(model_path).parent / "vocab.json"
    if not path.is_file():
        raise cli.UsageError(f"{path} is missing; pass {what} of a chapter 13 run, beside its vocab.json")
    return json.loads(path.read_text())


def _translate(argv):
    parser = cli.OneLineParser(prog=f"{PROG} translate", description="Translate English sentences with a chapter 13 model.")
    parser.add_argument("--model", required=True, help="RUN/model.keras (the Transformer) of a chapter 13 run")
    parser.add_argument("--beam", type=cli.positive_int, default=0, help="beam width (default: greedy decoding)")
    parser.add_argument("sentences", nargs="+", help="English sentences, each in quotes")
    args = parser.parse_args(argv)
    vocab = _vocab_beside(args.model, "RUN/model.keras")
    import kerasbook.hub_models  # noqa: F401  (registers the layers a saved translator may hold)
    import kerasbook.layers.attention  # noqa: F401
    import kerasbook.transformer_models  # noqa: F401
    from kerasbook.data.enko import join_korean
    from kerasbook.seq2seq import check_sentences

    model = saving.load_user_model(args.model, "chapter 13")
    translator = make_translator(model, vocab["source"], vocab["target"], vocab["max_source"], vocab["max_target"])
    sentences = [" ".join(re.sub(r"[^\w\s']", " ", s.lower()).split()) for s in args.sentences]   # punctuation dropped
    check_sentences(translator, sentences, "the vocab.json beside it")
    texts = translator.beam(sentences, args.beam, Config().length_alpha) if args.beam else translator.greedy(sentences)[0]
    for s, t in zip(sentences, texts):
        print(f"{s}\t{join_korean(t)}")
    return 0


def _generate(argv):
    parser = cli.OneLineParser(prog=f"{PROG} generate", description="Write Korean sentences with a chapter 13 GPT.")
    parser.add_argument("--model", required=True, help="RUN/gpt/model.keras of a chapter 13 run")
    parser.add_argument("--sampler", choices=SAMPLERS, default="top_p", help="how to pick each token (default: top_p)")
    parser.add_argument("--n", type=cli.positive_int, default=5, help="sentences to write (default: 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random samplers (default: 0)")
    parser.add_argument("prompt", nargs="?", default="", help="the first Korean word(s), space-separated morphemes")
    args = parser.parse_args(argv)
    vocab = _vocab_beside(args.model, "RUN/gpt/model.keras")
    unknown = [w for w in args.prompt.split() if w not in vocab["target"]]
    if unknown:
        raise cli.UsageError(f"unknown token(s) {', '.join(repr(w) for w in unknown)} in the prompt; the GPT knows "
                             f"the {len(vocab['target'])} tokens listed in the vocab.json beside it")
    import kerasbook.hub_models  # noqa: F401
    import kerasbook.pretraining  # noqa: F401
    import kerasbook.seq2seq  # noqa: F401
    from kerasbook.data.enko import join_korean

    model = saving.load_user_model(args.model, "chapter 13")
    cfg = dataclasses.replace(Config(), max_target=vocab["max_target"])
    texts = write_samples(model, vocab["target"], [args.prompt] * args.n, cfg, args.seed)[args.sampler]
    for t in texts:
        print(join_korean(t))
    return 0


def main(argv=None):
    """Train (the default, or `train`), `translate` or `generate`; returns the exit code."""
    return cli.chapter_main(argv, _train, PROG, translate=_translate, generate=_generate)


if __name__ == "__main__":
    sys.exit(main())
