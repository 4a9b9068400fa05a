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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerasbook import cli
from kerasbook.data import DatasetSpec, register, tfds_prepared

CHAPTER = "ch13_transformer"
PROG = "python -m kerasbook.chapters.ch13_transformer"
PARTS = ("translator", "bert", "gpt", "vit")
HUB_PARTS = ("translator", "bert", "gpt")
SAMPLERS = ("greedy", "top_k", "top_p", "beam")
NAMES = {"rnn": "GRU + additive attention", "ours": "Transformer (our layers)", "hub": "Transformer (keras-hub layers)"}
LENGTH_BUCKETS = ((3, 8), (9, 14), (15, 20), (21, 99))      # English tokens, as in chapter 12
SPECIAL = ("", "[UNK]", "[CLS]", "[MASK]")                   # ids 0-3 of the BERT vocabulary


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 13 depends on."""

    # translator: chapter 12's English -> Korean pairs
    train_size: int = 10_000
    val_size: int = 500
    test_size: int = 1_000
    max_source: int = 40
    max_target: int = 32
    d_model: int = 128
    num_heads: int = 4
    ff_dim: int = 256
    num_layers: int = 2             # encoder blocks, and as many decoder blocks
    dropout: float = 0.1
    epochs: int = 12
    batch_size: int = 32
    learning_rate: float = 1e-3     # peak: linear warm-up over the first tenth of the steps, then cosine decay
    rnn_units: int = 128            # chapter 12's GRU + additive attention, with chapter 12's settings
    rnn_embed: int = 64
    rnn_epochs: int = 12
    rnn_learning_rate: float = 3e-3
    bleu_sentences: int = 100       # validation sentences translated after every epoch: BLEU against time
    beam_width: int = 4
    length_alpha: float = 0.6
    beam_sentences: int = 300
    # bert: the negation task (or IMDB reviews with --data full)
    pretrain_size: int = 20_000     # unlabelled sentences for the masked language model
    label_sizes: tuple = (200,)     # labelled sentences to fine-tune on (the small-label point first)
    label_val_size: int = 500
    label_test_size: int = 2_000
    max_length: int = 16            # [CLS] + tokens
    vocab_size: int | None = None   # keep the most frequent words only (None: all)
    pretrain_epochs: int = 6
    pretrain_batch_size: int = 128
    pretrain_learning_rate: float = 2e-3   # peak, with the translator's warm-up and cosine decay
    finetune_epochs: int = 20
    finetune_learning_rate: float = 1e-3
    # bert, gpt and vit share one small size
    small_d: int = 64
    small_heads: int = 4
    small_ff: int = 128
    small_layers: int = 2
    # gpt: the Korean side of the translator's training pairs
    gpt_epochs: int = 6
    samples: int = 4                # sentences written by each sampler
    sample_stats: int = 50          # sentences each sampler writes from [start] alone, for how many are distinct
    # vit: chapter 3's shapes
    image_train_size: int = 5_000
    image_val_size: int = 500
    image_test_size: int = 1_000
    patch_size: int = 8
    vit_layers: int = 4
    image_epochs: int = 10
    image_batch_size: int = 64
    image_learning_rate: float = 1e-3
    cnn_widths: tuple = (16, 32, 64)
    parts: tuple = PARTS
    hub: tuple = ()                 # parts also rebuilt from keras-hub layers and trained alike (`--hub all`)

    def quick(self) -> "Config":
        """A short preset that still shows the chapter's two headline points, the Transformer translator
        against the RNN and what pre-training buys, with smaller models and fewer epochs. GPT and the ViT are
        left to the default run (`--parts translator,bert,gpt,vit` adds them back), and so is the BLEU clock."""
        return dataclasses.replace(self, train_size=4_000, val_size=200, test_size=300, epochs=8, num_layers=1,
                                   learning_rate=2e-3, rnn_epochs=6, bleu_sentences=0, beam_sentences=100,
                                   pretrain_epochs=4, label_val_size=200, label_test_size=1_000, gpt_epochs=5,
                                   sample_stats=10, parts=("translator", "bert"))

    def full(self) -> "Config":
        """Sizes for IMDB reviews (`--data full`, the bert part): longer inputs, a capped vocabulary."""
        return dataclasses.replace(self, max_length=128, vocab_size=20_000, label_sizes=(200, 1_000),
                                   pretrain_size=25_000, label_test_size=5_000)
# --8<-- [end:config]


SPEC = register(DatasetSpec(
    name="reviews",
    builtin="two-clause sentences whose label turns on a 'not' (datasets/negation_twins), for the bert part; "
            "the translator and gpt parts use chapter 12's pairs (datasets/enko_pairs), the vit part shapes32",
    full="IMDB movie reviews through TFDS (imdb_reviews: 25,000 labelled for training, 25,000 for testing, "
         "50,000 unlabelled for pre-training), for the bert part",
    full_available=tfds_prepared("imdb_reviews", "IMDB reviews"),
    full_url="https://www.tensorflow.org/datasets/catalog/imdb_reviews",
))


# --8<-- [start:schedule]
def warmup_cosine(peak: float, steps: int, warmup: float = 0.1):
    """Linear warm-up from 0 to `peak` over the first `warmup` of the steps, then cosine decay to 5 % of it.
    A Transformer trained at its full rate from the first step can diverge while its attention is still random."""
    import keras

    warm = max(1, int(steps * warmup))
    return keras.optimizers.schedules.CosineDecay(0.0, max(1, steps - warm), alpha=0.05, warmup_target=peak,
                                                  warmup_steps=warm)
# --8<-- [end:schedule]


def bleu_by_length(references, hypotheses, lengths) -> list:
    """Corpus BLEU of the sentences in each `LENGTH_BUCKETS` band of English length (None when a band is empty)."""
    from kerasbook import seq2seq

    return seq2seq.bleu_by_length(references, hypotheses, lengths, LENGTH_BUCKETS)


class WholeModelStepper:
    """Decoding by running the whole translator on `[source, prefix]` at every step (for keras-hub's
    Transformer, whose blocks `TransformerStepper` does not take apart); no attention weights."""

    def __init__(self, model):
        self.model = model

    def encode(self, source_ids):
        return np.asarray(source_ids, np.int32), [np.zeros((len(source_ids), 0), np.int32)]

    def step(self, tokens, encoded, source_ids, state):
        from keras import ops

        prefix = np.concatenate([np.asarray(state[0], np.int32), np.asarray(tokens, np.int32).reshape(-1, 1)], axis=1)
        logits = self.model([np.asarray(encoded, np.int32), prefix], training=False)[:, -1, :]
        return ops.convert_to_numpy(ops.log_softmax(logits, axis=-1)), [prefix], None


def Translator(model, source_vocab: list, target_vocab: list, max_source: int, max_target: int):
    """`seq2seq.Translator` with the stepper the model needs: ours for our Transformer, the whole model per
    token for keras-hub's, chapter 12's for the recurrent translator."""
    from kerasbook import seq2seq as s2s
    from kerasbook.layers.transformer import TransformerDecoderBlock
    from kerasbook.transformer_models import TransformerStepper

    if any(isinstance(layer, TransformerDecoderBlock) for layer in model.layers):
        stepper = TransformerStepper(model)
    elif model.name == "hub_transformer":
        stepper = WholeModelStepper(model)
    else:
        stepper = s2s.Stepper(model)
    return s2s.Translator(model, source_vocab, target_vocab, max_source, max_target, stepper)


def bleu_clock(translate, sources, references):
    """A callback that keeps `(training seconds so far, greedy BLEU on a few validation sentences)` after
    every epoch; the time spent translating is not counted as training."""
    import keras

    from kerasbook.seq2seq import corpus_bleu

    class BleuClock(keras.callbacks.Callback):
        points: list = []

        def on_train_begin(self, logs=None):
            self.points, self.seconds = [], 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds += time.perf_counter() - self.started
            self.points.append((self.seconds, corpus_bleu(references, translate(self.model, sources))))

    return BleuClock()


def seconds_to_reach(points, target):
    """Training seconds at the first epoch whose BLEU reached `target` (None if none did)."""
    return next((s for s, b in points if b >= target - 1e-9), None)


# --8<-- [start:translator]
def build_translator(kind: str, cfg: Config, source_vocab: int, target_vocab: int):
    """"ours" / "hub": the Transformer from our layers or keras-hub's; "rnn": chapter 12's GRU + additive attention."""
    from kerasbook import hub_models, seq2seq, transformer_models

    if kind == "rnn":
        return seq2seq.build_translator("gru_additive", source_vocab, target_vocab, cfg.rnn_units, cfg.rnn_embed)
    build = transformer_models.build_transformer_translator if kind == "ours" else hub_models.build_hub_translator
    return build(source_vocab, target_vocab, cfg.d_model, cfg.num_heads, cfg.ff_dim, cfg.num_layers, cfg.dropout)


def train_translator(kind, data, vocab, cfg, run, out):
    """Build, train (best epoch by validation loss) and return `(Translator, history, info, BLEU clock points)`."""
    from kerasbook import seq2seq as s2s
    from kerasbook import training

    (src_v, tgt_v), (train, val) = vocab, data
    x = s2s.encode(src_v, [p["en"] for p in train])
    din, dout = s2s.teacher_forcing(s2s.encode(tgt_v, [f"{s2s.START} {p['ko_tokens']} {s2s.END}" for p in train]))
    xv = s2s.encode(src_v, [p["en"] for p in val])
    dvin, dvout = s2s.teacher_forcing(s2s.encode(tgt_v, [f"{s2s.START} {p['ko_tokens']} {s2s.END}" for p in val]))
    epochs = cfg.rnn_epochs if kind == "rnn" else cfg.epochs
    steps = epochs * (len(x) // cfg.batch_size)
    with run.strategy.scope():
        model = build_translator(kind, cfg, src_v.vocabulary_size(), tgt_v.vocabulary_size())
        rate = cfg.rnn_learning_rate if kind == "rnn" else warmup_cosine(cfg.learning_rate, steps)
        s2s.compile_translator(model, rate, run.jit)
    short = not run.jit                      # without XLA, batches of similar length cut to their longest sentence
    train_ds = s2s.batches((x, din), dout, cfg.batch_size, aligned=(1,), seed=run.seed, bucket=short, trim=short)
    val_ds = s2s.batches((xv, dvin), dvout, 256, aligned=(1,), bucket=False, trim=short)
    vocabularies = (src_v.get_vocabulary(), tgt_v.get_vocabulary(), cfg.max_source, cfg.max_target)
    clock = bleu_clock(lambda m, s: Translator(m, *vocabularies).greedy(s)[0],
                       [p["en"] for p in val[: cfg.bleu_sentences]], [p["ko_tokens"] for p in val[: cfg.bleu_sentences]])
    clocked = kind != "hub" and cfg.bleu_sentences > 0      # keras-hub's decodes slowly: not clocked
    info = run.run_info()
    model, history = training.fit(model, train_ds, val_ds, epochs=epochs, out=out, info=info, train_examples=len(x),
                                  verbose=run.verbose(), extra_callbacks=(clock,) if clocked else ())
    return Translator(model, *vocabularies), history, info, clock.points if clocked else []
# --8<-- [end:translator]


def evaluate_translator(translator, test: list, cfg: Config) -> dict:
    """Test BLEU (greedy, by length, and by beam search on the first `beam_sentences`), and decoding speed."""
    from kerasbook import seq2seq as s2s

    refs = [p["ko_tokens"] for p in test]
    start = time.perf_counter()
    hyps, _ = translator.greedy([p["en"] for p in test])
    greedy_s = time.perf_counter() - start
    n = min(cfg.beam_sentences, len(test))
    start = time.perf_counter()
    beams = translator.beam([p["en"] for p in test[:n]], cfg.beam_width, cfg.length_alpha)
    beam_s = time.perf_counter() - start
    return {"bleu": s2s.corpus_bleu(refs, hyps),
            "bleu_by_length": bleu_by_length(refs, hyps, [len(p["en"].split()) for p in test]),
            "exact_match": float(np.mean([h == r for h, r in zip(hyps, refs)])),
            "beam_sentences": n, "bleu_greedy_on_beam_sentences": s2s.corpus_bleu(refs[:n], hyps[:n]),
            "bleu_beam": s2s.corpus_bleu(refs[:n], beams),
            "greedy_sentences_per_s": len(test) / greedy_s, "beam_sentences_per_s": n / beam_s,
            "params": translator.model.count_params()}


def translation_part(splits, vocab, cfg, run, out) -> dict:
    """Chapter 12's best RNN, our Transformer and (if asked) keras-hub's, trained and scored on the same pairs."""
    kinds = ["rnn", "ours"] + (["hub"] if "translator" in cfg.hub else [])
    where = {"rnn": out / "rnn_translator", "ours": out, "hub": out / "hub_translator"}
    results, models, histories = {}, {}, {}
    for kind in kinds:
        print(f"translator: training {NAMES[kind]} ...", flush=True)
        start = time.perf_counter()
        translator, history, info, points = train_translator(kind, (splits["train"], splits["validation"]), vocab,
                                                             cfg, run, where[kind])
        train_s = time.perf_counter() - start
        r = evaluate_translator(translator, splits["test"], cfg)
        r.update(train_s=train_s, epochs_run=info.epochs_run, bleu_clock=points, info=info)
        results[kind], models[kind], histories[kind] = r, translator, history
        print(f"  {NAMES[kind]}: BLEU {r['bleu']:.1f} greedy, {r['bleu_beam']:.1f} beam; trained in {train_s:.0f}s; "
              f"{r['greedy_sentences_per_s']:.0f} sentences/s greedy")
    target = max((b for _, b in results["rnn"]["bleu_clock"]), default=None)
    for r in results.values():
        r["seconds_to_rnn_best_bleu"] = seconds_to_reach(r["bleu_clock"], target) if r["bleu_clock"] else None
    return {"results": results, "translators": models, "histories": histories, "rnn_best_validation_bleu": target}


# --8<-- [start:bert]
def word_vocabulary(texts, size: int | None = None) -> list:
    """`SPECIAL` then the words of `texts`, most frequent first (ties alphabetical), at most `size` in all."""
    from collections import Counter

    counts = Counter(w for t in texts for w in t.split())
    words = sorted(counts, key=lambda w: (-counts[w], w))
    return list(SPECIAL) + words[: None if size is None else size - len(SPECIAL)]


def encode_texts(texts, index: dict, max_length: int) -> np.ndarray:
    """`(N, max_length)` ids: `[CLS]` then the words (unknown ones `[UNK]`), cut and padded with 0."""
    cls, unk = SPECIAL.index("[CLS]"), SPECIAL.index("[UNK]")
    out = np.zeros((len(texts), max_length), np.int32)
    for row, text in enumerate(texts):
        ids = [cls] + [index.get(w, unk) for w in text.split()]
        out[row, : min(len(ids), max_length)] = ids[:max_length]
    return out


def pretrain_mlm(encoder, vocab: int, x, x_val, cfg: Config, run, name: str):
    """Masked-language-model pre-training of `encoder` on the id rows `x`, masked afresh every epoch
    (the validation rows once, so their loss is comparable across epochs); returns the history."""
    import keras

    from kerasbook import pretraining as P
    from kerasbook.seq2seq import TokenAccuracy

    mlm = P.build_mlm(encoder, vocab)
    steps = cfg.pretrain_epochs * (len(x) // cfg.pretrain_batch_size)
    mlm.compile(optimizer=keras.optimizers.Adam(warmup_cosine(cfg.pretrain_learning_rate, steps)), jit_compile=run.jit,
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
                metrics=[TokenAccuracy(name="masked_accuracy")])
    masker = P.mlm_generator(vocab, SPECIAL.index("[MASK]"), range(len(SPECIAL)), max_selections=cfg.max_length)
    val = P.mask_tokens(x_val, masker)
    history = {}
    for epoch in range(cfg.pretrain_epochs):
        inputs, labels = P.mask_tokens(x, masker)
        if run.verbose():
            print(f"{name}: masked-language-model epoch {epoch + 1}/{cfg.pretrain_epochs}", flush=True)
        h = mlm.fit(inputs, labels, batch_size=cfg.pretrain_batch_size, epochs=1, validation_data=val,
                    verbose=run.verbose(2))
        for k, v in h.history.items():
            history.setdefault(k, []).extend(v)
    return history


def finetune(encoder, x, y, x_val, y_val, x_test, y_test, cfg: Config, run, seed: int):
    """A `[CLS]` classifier on `encoder`, trained on `(x, y)`; `(test accuracy, history, classifier)`."""
    import keras

    from kerasbook import pretraining as P

    keras.utils.set_random_seed(seed)
    classifier = P.build_classifier(encoder, 2, cfg.dropout)
    classifier.compile(optimizer=keras.optimizers.Adam(cfg.finetune_learning_rate), jit_compile=run.jit,
                       loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    h = classifier.fit(x, y, batch_size=32, epochs=cfg.finetune_epochs, validation_data=(x_val, y_val),
                       verbose=run.verbose(2))
    return float(classifier.evaluate(x_test, y_test, verbose=0)[1]), h.history, classifier


def bag_of_words(x, y, x_test, y_test, vocab: int, seed: int) -> float:
    """Test accuracy of logistic regression on which words a sentence holds (word order thrown away)."""
    import keras

    def multi_hot(ids):
        out = np.zeros((len(ids), vocab), np.float32)
        rows = np.repeat(np.arange(len(ids)), ids.shape[1])
        out[rows, ids.ravel()] = 1.0
        out[:, : len(SPECIAL)] = 0.0
        return out

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((vocab,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
    model.fit(multi_hot(x), y, batch_size=256, epochs=20, verbose=0)
    return float(model.evaluate(multi_hot(x_test), y_test, verbose=0)[1])
# --8<-- [end:bert]


def load_labelled(cfg: Config, source: str, data_dir, seed: int) -> dict:
    """`{"pretrain", "train", "validation", "test"}`: lists of `{"text", "label"}` (pre-training labels unused)."""
    if source == "builtin":
        from kerasbook.data import negation

        return negation.load_builtin(cfg.pretrain_size, max(cfg.label_sizes), cfg.label_val_size,
                                     cfg.label_test_size, seed)
    from kerasbook.data import imdb

    r = imdb.load_reviews({"unsupervised": cfg.pretrain_size, "train": max(cfg.label_sizes) + cfg.label_val_size,
                           "test": cfg.label_test_size}, seed=seed, data_dir=data_dir, max_words=cfg.max_length - 1)
    n_val = min(cfg.label_val_size, len(r["train"]) // 5)
    return {"pretrain": r["unsupervised"], "train": r["train"][n_val:], "validation": r["train"][:n_val],
            "test": r["test"]}


def bert_part(splits: dict, cfg: Config, run, out, builtin: bool) -> dict:
    """MLM pre-training, then fine-tuning at each labelled size against the same model from scratch."""
    from kerasbook import hub_models
    from kerasbook import pretraining as P

    words = word_vocabulary([e["text"] for e in splits["pretrain"] + splits["train"]], cfg.vocab_size)
    index = {w: i for i, w in enumerate(words)}
    ids = {k: encode_texts([e["text"] for e in v], index, cfg.max_length) for k, v in splits.items()}
    labels = {k: np.array([e["label"] for e in v], np.int32) for k, v in splits.items()}
    n_val = max(1, len(ids["pretrain"]) // 20)
    x_pre, x_pre_val = ids["pretrain"][n_val:], ids["pretrain"][:n_val]
    size = dict(d_model=cfg.small_d, num_heads=cfg.small_heads, ff_dim=cfg.small_ff, num_layers=cfg.small_layers,
                max_length=cfg.max_length, dropout=cfg.dropout)
    builders = {"ours": P.build_bert_encoder}
    if "bert" in cfg.hub:
        builders["hub"] = hub_models.build_hub_bert_encoder
    report = {"vocabulary": len(words), "pretrain_sentences": len(x_pre), "models": {}, "curves": {}}
    test = (ids["test"], labels["test"])
    val = (ids["validation"], labels["validation"])
    for kind, build in builders.items():
        import keras

        keras.utils.set_random_seed(run.seed)
        encoder = build(len(words), **size)
        weights = encoder.get_weights()
        print(f"bert ({kind}): masked-language-model pre-training on {len(x_pre)} unlabelled sentences ...", flush=True)
        start = time.perf_counter()
        mlm_history = pretrain_mlm(encoder, len(words), x_pre, x_pre_val, cfg, run, f"bert ({kind})")
        r = {"params": encoder.count_params(), "pretrain_s": time.perf_counter() - start,
             "mlm_history": mlm_history, "by_labels": {}}
        pretrained = encoder.get_weights()
        for n in cfg.label_sizes:
            x, y = ids["train"][:n], labels["train"][:n]
            found = {}
            for start_from, w in (("pretrained", pretrained), ("scratch", weights)):
                encoder.set_weights(w)              # the same initial weights as pre-training began with
                acc, history, classifier = finetune(encoder, x, y, *val, *test, cfg, run, seed=run.seed + 1)
                found[start_from] = acc
                report["curves"][f"{kind} {start_from} {n}"] = history["val_accuracy"]
                if kind == "ours" and start_from == "pretrained" and n == cfg.label_sizes[0]:
                    (out / "bert").mkdir(parents=True, exist_ok=True)
                    classifier.save(out / "bert" / "classifier.keras")
                    if builtin:
                        r["twin_flip_share"] = twin_flip_share(classifier, splits["test"], index, cfg)
            found["gain"] = found["pretrained"] - found["scratch"]
            r["by_labels"][str(n)] = found
            print(f"  {n} labels: pre-trained {found['pretrained']:.1%}, from scratch {found['scratch']:.1%}")
        report["models"][kind] = r
    for n in cfg.label_sizes:
        report.setdefault("bag_of_words", {})[str(n)] = bag_of_words(
            ids["train"][:n], labels["train"][:n], *test, len(words), run.seed)
    report["bag_of_words"]["pretrain_labels"] = bag_of_words(
        ids["pretrain"], labels["pretrain"], *test, len(words), run.seed) if builtin else None
    (out / "bert" / "vocab.json").write_text(json.dumps({"words": words, "max_length": cfg.max_length}))
    return report


def twin_flip_share(classifier, test: list, index: dict, cfg: Config) -> float:
    """Share of test sentences whose predicted label flips when the "not" moves to the other clause
    (the same words, the opposite answer): 1.0 for a model that reads where the negation is."""
    from kerasbook.data.negation import move_negation

    x = encode_texts([e["text"] for e in test], index, cfg.max_length)
    twins = encode_texts([move_negation(e["text"]) for e in test], index, cfg.max_length)
    a, b = (classifier.predict(v, batch_size=512, verbose=0).argmax(-1) for v in (x, twins))
    return float(np.mean(a != b))


# --8<-- [start:gpt]
def train_gpt(kind: str, data: dict, cfg: Config, run, out):
    """A causal language model ("ours" or "hub") on `[start] sentence [end]` rows; `(model, history, info)`."""
    import keras

    from kerasbook import hub_models, training
    from kerasbook import pretraining as P
    from kerasbook import seq2seq as s2s

    (x, y), (xv, yv), vocab = data["train"], data["validation"], data["vocabulary"]
    build = P.build_gpt if kind == "ours" else hub_models.build_hub_gpt
    steps = cfg.gpt_epochs * (len(x) // cfg.batch_size)
    with run.strategy.scope():
        keras.utils.set_random_seed(run.seed)
        model = build(vocab, d_model=cfg.small_d, num_heads=cfg.small_heads, ff_dim=cfg.small_ff,
                      num_layers=cfg.small_layers, max_length=cfg.max_target + 2, dropout=cfg.dropout)
        model.compile(optimizer=keras.optimizers.Adam(warmup_cosine(1e-3, steps)), jit_compile=run.jit,
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
                      metrics=[s2s.TokenAccuracy()])
    short = not run.jit
    train_ds = s2s.batches(x, y, cfg.batch_size, aligned=(0,), seed=run.seed, bucket=short, trim=short)
    val_ds = s2s.batches(xv, yv, 256, aligned=(0,), bucket=False, trim=short)
    info = run.run_info()
    model, history = training.fit(model, train_ds, val_ds, epochs=cfg.gpt_epochs, out=out, info=info,
                                  train_examples=len(x), verbose=run.verbose())
    return model, history, info


def write_samples(model, vocabulary: list, prompts: list, cfg: Config, seed: int) -> dict:
    """`{sampler: [sentence, ...]}`: each prompt (a first word, or nothing) continued by every sampler."""
    from kerasbook import pretraining as P
    from kerasbook import seq2seq as s2s

    start, end = vocabulary.index(s2s.START), vocabulary.index(s2s.END)
    index = {w: i for i, w in enumerate(vocabulary)}
    rows = [[start] + [index[w] for w in p.split()] for p in prompts]
    out = {}
    for sampler in SAMPLERS:
        written = P.generate(model, rows, cfg.max_target + 2, sampler=sampler, end_id=end, seed=seed)
        out[sampler] = [" ".join(vocabulary[i] for i in ids[1:] if i != end) for ids in written]
    return out
# --8<-- [end:gpt]


def gpt_part(splits: dict, tgt_v, cfg: Config, run, out) -> dict:
    """Perplexity of our GPT (and keras-hub's) against a Kneser-Ney bigram, and samples by every sampler."""
    from kerasbook import seq2seq as s2s
    from kerasbook.ngram import UNK, NGramLM

    texts = {k: [p["ko_tokens"] for p in v] for k, v in splits.items() if k in ("train", "validation", "test")}

    def rows(split):
        return s2s.teacher_forcing(s2s.encode(tgt_v, [f"{s2s.START} {t} {s2s.END}" for t in texts[split]]))

    vocabulary = tgt_v.get_vocabulary()
    data = {"train": rows("train"), "validation": rows("validation"), "vocabulary": len(vocabulary)}
    xt, yt = rows("test")
    known = set(vocabulary)
    plain = {k: [" ".join(w if w in known else UNK for w in t.split()) for t in v] for k, v in texts.items()}
    report = {"perplexity": {"bigram, Kneser-Ney": NGramLM(n=2, smoothing="kneser-ney").fit(plain["train"])
                             .perplexity(plain["test"])}, "params": {}, "seconds": {}}
    kinds = ["ours"] + (["hub"] if "gpt" in cfg.hub else [])
    models = {}
    for kind in kinds:
        print(f"gpt ({kind}): a causal language model of {len(texts['train'])} Korean sentences ...", flush=True)
        start = time.perf_counter()
        model, history, info = train_gpt(kind, data, cfg, run, out / ("gpt" if kind == "ours" else "hub_gpt"))
        report["seconds"][kind] = time.perf_counter() - start
        report["perplexity"][f"GPT ({kind})"] = s2s.perplexity(model, xt, yt)
        report["params"][kind] = model.count_params()
        models[kind] = model
    prompts = [""] + [t.split()[0] for t in texts["test"][: cfg.samples - 1]]
    report["prompts"] = prompts
    report["samples"] = write_samples(models["ours"], vocabulary, prompts, cfg, run.seed)
    seen = set(texts["train"])
    many = write_samples(models["ours"], vocabulary, [""] * cfg.sample_stats, cfg, run.seed + 1)
    report["sample_stats"] = {s: {"distinct": len(set(v)) / len(v), "copied_from_training": float(np.mean(
        [t in seen for t in v]))} for s, v in many.items()}
    (out / "gpt" / "vocab.json").write_text(json.dumps({"target": vocabulary, "max_target": cfg.max_target},
                                                       ensure_ascii=False))
    print("  perplexity: " + ", ".join(f"{k} {v:.1f}" for k, v in report["perplexity"].items()))
    return report


# --8<-- [start:vit]
def build_cnn(widths=(16, 32, 64), num_classes: int = 10):
    """Chapter 3's design, small: standardised image -> [3x3 conv, BN, ReLU] x 2 + max-pool per width ->
    global average pool -> classifier. Same input as the ViT, so only the architecture differs."""
    import keras
    from keras import layers

    from kerasbook.layers.vit import Standardize

    images = keras.Input((32, 32, 3), name="images")
    x = Standardize(name="standardize")(images)
    for b, width in enumerate(widths, 1):
        for j in (1, 2):
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"block{b}_conv{j}")(x)
            x = layers.BatchNormalization(name=f"block{b}_bn{j}")(x)
            x = layers.ReLU(name=f"block{b}_relu{j}")(x)
        x = layers.MaxPooling2D(2, name=f"block{b}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(images, layers.Dense(num_classes, name="class_logits")(x), name="cnn")


def train_image_model(kind: str, splits: dict, cfg: Config, run, out):
    """Train the ViT or the CNN with the same optimiser, schedule, batches and epochs; `(model, history, info)`."""
    import keras
    import tensorflow as tf

    from kerasbook import training
    from kerasbook.transformer_models import build_vit

    (x, y), (xv, yv) = splits["train"], splits["validation"]
    steps = cfg.image_epochs * (len(x) // cfg.image_batch_size)
    with run.strategy.scope():
        keras.utils.set_random_seed(run.seed)
        if kind == "vit":
            model = build_vit(32, 3, 10, cfg.patch_size, cfg.small_d, cfg.small_heads, cfg.small_ff, cfg.vit_layers,
                              cfg.dropout)
        else:
            model = build_cnn(cfg.cnn_widths)
        model.compile(optimizer=keras.optimizers.AdamW(warmup_cosine(cfg.image_learning_rate, steps),
                                                       weight_decay=0.05),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                      jit_compile=run.jit)
    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=run.seed).batch(
        cfg.image_batch_size, drop_remainder=True).prefetch(2)
    val_ds = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(256)
    info = run.run_info()
    model, history = training.fit(model, train_ds, val_ds, epochs=cfg.image_epochs, out=out, info=info,
                                  train_examples=len(x), verbose=run.verbose())
    return model, history, info


def class_token_attention(model, images) -> np.ndarray:
    """`(N, heads, rows, cols)`: how much the class token attends to each patch in the ViT's last block."""
    from keras import ops

    from kerasbook.layers.transformer import TransformerEncoderBlock

    x = model.get_layer("standardize")(images)
    x = model.get_layer("patch_projection")(model.get_layer("patches")(x))
    x = model.get_layer("class_token")(x)
    x = model.get_layer("with_positions")([x, model.get_layer("positions")(x)])
    blocks = [layer for layer in model.layers if isinstance(layer, TransformerEncoderBlock)]
    for block in blocks:
        x, weights = block(x, return_attention_scores=True, training=False)
    w = ops.convert_to_numpy(weights)[:, :, 0, 1:]                         # class token -> every patch
    side = int(round(np.sqrt(w.shape[-1])))
    return w.reshape(len(w), w.shape[1], side, side)
# --8<-- [end:vit]


def vit_part(cfg: Config, run, out) -> dict:
    from kerasbook.data import shapes

    splits = shapes.load_builtin(cfg.image_train_size, cfg.image_val_size, cfg.image_test_size, run.seed)
    report, models, histories = {}, {}, {}
    for kind in ("vit", "cnn"):
        print(f"vit: training the {'Vision Transformer' if kind == 'vit' else 'CNN'} on "
              f"{len(splits['train'][0])} shapes ...", flush=True)
        start = time.perf_counter()
        model, history, info = train_image_model(kind, splits, cfg, run, out / kind)
        seconds = time.perf_counter() - start
        accuracy = float(model.evaluate(*splits["test"], batch_size=256, verbose=0)[1])
        report[kind] = {"test_accuracy": accuracy, "params": model.count_params(), "train_s": seconds,
                        "train_accuracy": history["accuracy"][-1], "samples_per_s": info.samples_per_s}
        models[kind], histories[kind] = model, history
        print(f"  test accuracy {accuracy:.1%}, {model.count_params():,} parameters, {seconds:.0f}s")
    return {"report": report, "models": models, "histories": histories, "test": splits["test"]}


# --8<-- [start:figures]
def translator_attention(model, source_ids, target_ids):
    """Per-head weights of our Transformer on one batch: the last encoder block's self-attention
    `(B, heads, S, S)` and the last decoder block's cross-attention `(B, heads, T, S)`."""
    from keras import ops

    from kerasbook.layers.transformer import TransformerDecoderBlock, TransformerEncoderBlock

    def embed(name, ids):
        x = model.get_layer(f"{name}_embedding")(ids)
        return model.get_layer(f"{name}_with_positions")([x, model.get_layer(f"{name}_positions")(x)])

    source_ids, target_ids = np.asarray(source_ids, np.int32), np.asarray(target_ids, np.int32)
    x = embed("source", source_ids)
    for block in [layer for layer in model.layers if isinstance(layer, TransformerEncoderBlock)]:
        x, self_w = block(x, padding_mask=source_ids != 0, return_attention_scores=True, training=False)
    y = embed("target", target_ids)
    for block in [layer for layer in model.layers if isinstance(layer, TransformerDecoderBlock)]:
        y, (_, cross_w) = block([y, x], decoder_mask=target_ids != 0, encoder_mask=source_ids != 0,
                                return_attention_scores=True, training=False)
    return ops.convert_to_numpy(self_w), ops.convert_to_numpy(cross_w)


def _korean_labels(tokens):
    from kerasbook.data.enko import romanize
    from kerasbook.plots import korean_font

    return tokens if korean_font() else [romanize(t) for t in tokens]


def attention_heads_figure(path, translator, sentence: str, translation: str):
    """One unseen sentence: each head's self-attention in the last encoder block (top) and its
    cross-attention in the last decoder block (bottom)."""
    import matplotlib.pyplot as plt

    from kerasbook import seq2seq as s2s

    src = sentence.split()
    tgt = [s2s.START] + translation.split()
    index = {w: i for i, w in enumerate(translator.target_vocab)}
    self_w, cross_w = translator_attention(translator.model, translator.ids([sentence]),
                                           np.array([[index.get(t, 1) for t in tgt]], np.int32))
    heads = self_w.shape[1]
    labels = _korean_labels(tgt)
    fig, axes = plt.subplots(2, heads, figsize=(3.3 * heads, 6.8))
    for h in range(heads):
        axes[0, h].imshow(self_w[0, h, : len(src), : len(src)], cmap="viridis", vmin=0, vmax=1)
        axes[0, h].set_xticks(range(len(src)), src, rotation=70, fontsize=6)
        axes[0, h].set_yticks(range(len(src)), src if h == 0 else [], fontsize=6)
        axes[0, h].set_title(f"encoder self-attention, head {h + 1}", fontsize=8)
        axes[1, h].imshow(cross_w[0, h, : len(tgt), : len(src)], cmap="viridis", vmin=0, vmax=1, aspect="auto")
        axes[1, h].set_xticks(range(len(src)), src, rotation=70, fontsize=6)
        axes[1, h].set_yticks(range(len(tgt)), labels if h == 0 else [], fontsize=6)
        axes[1, h].set_title(f"cross-attention, head {h + 1}", fontsize=8)
    fig.suptitle(f"{sentence}  →  {' '.join(labels[1:])}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def positional_encoding_figure(path, length: int = 64, d_model: int = 128):
    """The sinusoids added to the embeddings, and how similar the encodings of two positions are."""
    import matplotlib.pyplot as plt
    from keras import ops

    from kerasbook.layers.transformer import SinusoidalPositionEncoding

    pe = ops.convert_to_numpy(SinusoidalPositionEncoding()(np.zeros((1, length, d_model), np.float32)))[0]
    unit = pe / np.linalg.norm(pe, axis=1, keepdims=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.6, 1]})
    im = axes[0].imshow(pe, cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    axes[0].set_xlabel("dimension (sines in the even ones, cosines in the odd ones)")
    axes[0].set_ylabel("position")
    axes[0].set_title(f"sinusoidal position encoding, d_model = {d_model}", fontsize=9)
    fig.colorbar(im, ax=axes[0], fraction=0.04)
    im = axes[1].imshow(unit @ unit.T, cmap="viridis", vmin=0, vmax=1)
    axes[1].set_xlabel("position")
    axes[1].set_ylabel("position")
    axes[1].set_title("cosine similarity of two positions' encodings", fontsize=9)
    fig.colorbar(im, ax=axes[1], fraction=0.04)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def scaling_numbers(d_ks=(4, 16, 64, 256), keys: int = 16, n: int = 4_000, seed: int = 0) -> dict:
    """For random unit-variance queries and keys: the variance of q·k and of q·k/√d_k, and the mean of
    the largest softmax weight over `keys` keys without and with the scaling."""
    from keras import ops

    from kerasbook.layers.transformer import attention_weights

    rng = np.random.default_rng(seed)
    out = {}
    for d in d_ks:
        q = rng.standard_normal((n, 1, d)).astype(np.float32)
        k = rng.standard_normal((n, keys, d)).astype(np.float32)
        dots = (q @ k.transpose(0, 2, 1))[:, 0]
        scaled = ops.convert_to_numpy(attention_weights(q, k))[:, 0]
        unscaled = ops.convert_to_numpy(attention_weights(q * np.sqrt(d), k))[:, 0]     # cancels the 1/√d_k
        out[d] = {"var_dot": float(dots.var()), "var_scaled": float((dots / np.sqrt(d)).var()),
                  "max_weight_unscaled": float(unscaled.max(-1).mean()), "max_weight_scaled": float(scaled.max(-1).mean())}
    return out


def scaling_figure(path, numbers: dict):
    import matplotlib.pyplot as plt

    d = list(numbers)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    axes[0].plot(d, [numbers[k]["var_dot"] for k in d], "o-", label="q · k")
    axes[0].plot(d, [numbers[k]["var_scaled"] for k in d], "o-", label="q · k / √d_k")
    axes[0].set_xscale("log", base=2)
    axes[0].set_yscale("log", base=2)
    axes[0].set_title("variance of the score (random unit-variance q, k)", fontsize=9)
    axes[1].plot(d, [numbers[k]["max_weight_unscaled"] for k in d], "o-", label="softmax(q · k)")
    axes[1].plot(d, [numbers[k]["max_weight_scaled"] for k in d], "o-", label="softmax(q · k / √d_k)")
    axes[1].set_xscale("log", base=2)
    axes[1].set_ylim(0, 1.02)
    axes[1].set_title("mean largest attention weight over 16 keys", fontsize=9)
    for ax in axes:
        ax.set_xlabel("d_k")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def bleu_clock_figure(path, results: dict, target: float):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.6, 3.8))
    for kind, r in results.items():
        if not r["bleu_clock"]:
            continue
        s, b = zip(*r["bleu_clock"])
        ax.plot(s, b, "o-", ms=3, label=NAMES[kind])
    ax.axhline(target, color="grey", lw=0.8, ls="--", label=f"best BLEU of the RNN ({target:.1f})")
    ax.set_xlabel("training seconds (translating the checks not counted)")
    ax.set_ylabel("BLEU, validation sentences, greedy")
    ax.set_ylim(0, 102)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def pretraining_figure(path, bert: dict, n: int):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for kind, r in bert["models"].items():
        h = r["mlm_history"]
        epochs = np.arange(1, len(h["loss"]) + 1)
        axes[0].plot(epochs, h["val_masked_accuracy"], "o-", ms=3, label=f"{kind}: masked tokens guessed")
    axes[0].set_xlabel("pre-training epoch")
    axes[0].set_ylabel("validation accuracy at the masked positions")
    axes[0].set_title("masked-language-model pre-training", fontsize=9)
    for name, curve in bert["curves"].items():
        kind, start_from, size = name.split()
        if int(size) == n:
            axes[1].plot(np.arange(1, len(curve) + 1), curve, "-" if start_from == "pretrained" else "--",
                         label=f"{kind}, {'pre-trained' if start_from == 'pretrained' else 'from scratch'}")
    axes[1].axhline(0.5, color="grey", lw=0.8, ls=":", label="chance")
    axes[1].set_xlabel("fine-tuning epoch")
    axes[1].set_ylabel("validation accuracy")
    axes[1].set_title(f"fine-tuning on {n} labelled sentences", fontsize=9)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def samples_figure(path, samples: dict, prompts: list):
    """The sentences each sampler wrote, as text (Korean joined into words)."""
    import matplotlib.pyplot as plt

    from kerasbook.data.enko import join_korean

    hangul = _korean_labels(["가"]) == ["가"]
    import textwrap

    lines = []
    for sampler, texts in samples.items():
        lines.append(f"{sampler}:")
        for p, t in zip(prompts, texts):
            shown = join_korean(t) if hangul else " ".join(_korean_labels(t.split()))
            lines += textwrap.wrap(f"[{p or 'start'}] {shown}", 80, initial_indent="    ", subsequent_indent="        ")
    fig = plt.figure(figsize=(10, 0.21 * len(lines) + 0.3))
    fig.text(0.01, 1 - 0.1 / (0.21 * len(lines) + 0.3), "\n".join(lines), va="top", fontsize=9, linespacing=1.5)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def vit_figure(path, vit: dict, model, count: int = 6):
    """Validation accuracy of the ViT and the CNN per epoch, and where the ViT's class token looks."""
    import matplotlib.pyplot as plt

    from kerasbook.data.shapes import CLASSES

    images, labels = vit["test"][0][:count], vit["test"][1][:count]
    attention = class_token_attention(model, images.astype(np.float32)).mean(axis=1)
    fig = plt.figure(figsize=(2.1 * count, 6.2))
    ax = fig.add_subplot(2, 1, 1)
    for kind, h in vit["histories"].items():
        ax.plot(np.arange(1, len(h["val_accuracy"]) + 1), h["val_accuracy"], "o-", ms=3,
                label=f"{'ViT' if kind == 'vit' else 'CNN'} ({vit['report'][kind]['params']:,} parameters)")
    ax.axhline(0.1, color="grey", lw=0.8, ls=":", label="chance")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    for i in range(count):
        a = fig.add_subplot(2, count, count + i + 1)
        a.imshow(images[i])
        a.imshow(np.kron(attention[i], np.ones((32 // attention.shape[1],) * 2)), cmap="magma", alpha=0.55)
        a.set_title(CLASSES[labels[i]], fontsize=8)
        a.axis("off")
    fig.suptitle("ViT: the class token's attention over the patches in the last block (mean of heads)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
# --8<-- [end:figures]


def measure_step_times(cfg: Config, part: str = "translator", steps=10, modes=(True, False), seed=0):
    """Seconds per training step of one part's model (ours), XLA on and off. The translator and the GPT
    are timed as they train: whole-length batches with XLA (one compiled shape), and batches cut to the
    typical bucketed length without it; BERT's and the ViT's batches have one shape either way."""
    import keras

    from kerasbook import seq2seq as s2s
    from kerasbook import training

    rng = np.random.default_rng(seed)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)

    def compiled(build, jit, plain_loss=False):
        keras.utils.set_random_seed(seed)
        model = build()
        model.compile(optimizer=keras.optimizers.Adam(1e-4), jit_compile=jit,
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True) if plain_loss else loss)
        return model

    out = {}
    for jit in modes:
        if part in ("translator", "gpt"):
            source, target = (cfg.max_source, cfg.max_target + 1) if jit else s2s.typical_batch_lengths(cfg.batch_size)
            din, y = (rng.integers(2, 300, (cfg.batch_size, target)).astype("int32") for _ in range(2))
            if part == "translator":
                x = [rng.integers(2, 200, (cfg.batch_size, source)).astype("int32"), din]
                build = lambda: build_translator("ours", cfg, 200, 300)                  # noqa: E731
            else:
                from kerasbook.pretraining import build_gpt

                x = din
                build = lambda: build_gpt(300, cfg.small_d, cfg.small_heads, cfg.small_ff, cfg.small_layers,  # noqa: E731
                                          cfg.max_target + 2, cfg.dropout)
            out.update(training.time_train_steps(lambda j: compiled(build, j), x, y, steps=steps, modes=(jit,)))
            out[jit]["lengths"] = [source, target]
        elif part == "bert":
            from kerasbook import pretraining as P

            x = rng.integers(4, 200, (cfg.pretrain_batch_size, cfg.max_length)).astype("int32")
            y = np.where(rng.random(x.shape) < 0.15, x, 0).astype("int32")
            build = lambda: P.build_mlm(P.build_bert_encoder(200, cfg.small_d, cfg.small_heads, cfg.small_ff,  # noqa: E731
                                                             cfg.small_layers, cfg.max_length, cfg.dropout), 200)
            out.update(training.time_train_steps(lambda j: compiled(build, j), x, y, steps=steps, modes=(jit,)))
        else:
            from kerasbook.transformer_models import build_vit

            x = rng.integers(0, 256, (cfg.image_batch_size, 32, 32, 3)).astype("float32")
            y = rng.integers(0, 10, (cfg.image_batch_size,)).astype("int32")
            build = lambda: build_vit(32, 3, 10, cfg.patch_size, cfg.small_d, cfg.small_heads, cfg.small_ff,  # noqa: E731
                                      cfg.vit_layers, cfg.dropout)
            out.update(training.time_train_steps(lambda j: compiled(build, j, True), x, y, steps=steps, modes=(jit,)))
    return out


def run_steps(cfg: Config, part: str) -> int:
    """Training steps a run of `part` takes (the steps XLA's compile time is spread over)."""
    per_epoch = {"translator": cfg.train_size // cfg.batch_size, "gpt": cfg.train_size // cfg.batch_size,
                 "bert": cfg.pretrain_size // cfg.pretrain_batch_size, "vit": cfg.image_train_size // cfg.image_batch_size}[part]
    epochs = {"translator": cfg.epochs, "gpt": cfg.gpt_epochs, "bert": cfg.pretrain_epochs,
              "vit": cfg.image_epochs}[part]
    return per_epoch * epochs


def part_xla(run, part: str):
    """`(jit, why)` for one part: the chapter's decision for the translator, and each other part's own
    (`python -m kerasbook.bench ch13` measures them and records them as `ch13_transformer.PART`)."""
    from kerasbook import training

    if part == "translator":
        return run.jit, run.why
    return training.resolve_xla(run.args.xla, f"{CHAPTER}.{part}", measure=lambda: training.seconds_per_step(
        measure_step_times(run.cfg, part, steps=5), run_steps(run.cfg, part)))


def diagram_models():
    """The models the site draws."""
    from kerasbook import pretraining as P
    from kerasbook.transformer_models import build_vit

    cfg = Config()
    return {"transformer": build_translator("ours", cfg, 230, 400),
            "bert_classifier": P.build_classifier(P.build_bert_encoder(120, cfg.small_d, cfg.small_heads,
                                                                       cfg.small_ff, cfg.small_layers, cfg.max_length), 2),
            "vit": build_vit(32, 3, 10, cfg.patch_size, cfg.small_d, cfg.small_heads, cfg.small_ff, cfg.vit_layers)}


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
        chosen(args.parts, PARTS, "--parts")
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

    dataset = run.dataset(0, 0, 0)
    if {"translator", "gpt"} & set(cfg.parts):
        from kerasbook.data import enko

        start = time.perf_counter()
        splits = enko.load_builtin(cfg.train_size, cfg.val_size, cfg.test_size, 0, run.seed)
        run.require_batch(len(splits["train"]), "training pairs")
        src_v, tgt_v = s2s.make_vectorizers([p["en"] for p in splits["train"]],
                                            [p["ko_tokens"] for p in splits["train"]], cfg.max_source, cfg.max_target)
        seconds["data: sentence pairs"] = time.perf_counter() - start
        dataset = run.dataset(len(splits["train"]), len(splits["validation"]), len(splits["test"]),
                              name="translation", source="builtin", source_vocabulary=src_v.vocabulary_size(),
                              target_vocabulary=tgt_v.vocabulary_size())
        print(f"data: {len(splits['train'])} / {len(splits['validation'])} / {len(splits['test'])} English -> Korean "
              f"pairs; vocabularies {src_v.vocabulary_size()} and {tgt_v.vocabulary_size()} tokens")

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
            dataset = run.dataset(n, len(labelled["validation"]), len(labelled["test"]),
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
    import kerasbook.seq2seq  # noqa: F401
    import kerasbook.transformer_models  # noqa: F401
    from kerasbook.data.enko import join_korean

    model = cli.load_model(args.model, "chapter 13")
    translator = Translator(model, vocab["source"], vocab["target"], vocab["max_source"], vocab["max_target"])
    sentences = [" ".join(re.sub(r"[^\w\s']", " ", s.lower()).split()) for s in args.sentences]   # punctuation dropped
    for s in sentences:
        unknown = translator.unknown(s)
        if unknown:
            raise cli.UsageError(f"unknown word(s) {', '.join(repr(w) for w in unknown)} in {s!r}; the model knows "
                                 f"{len(vocab['source']) - 2} English words, listed in the vocab.json beside it")
        if len(s.split()) > translator.max_source:
            raise cli.UsageError(f"{s!r} has {len(s.split())} words; the model reads at most {translator.max_source}")
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

    model = cli.load_model(args.model, "chapter 13")
    cfg = dataclasses.replace(Config(), max_target=vocab["max_target"])
    texts = write_samples(model, vocab["target"], [args.prompt] * args.n, cfg, args.seed)[args.sampler]
    for t in texts:
        print(join_korean(t))
    return 0


def main(argv=None):
    """Train (the default, or `train`), `translate` or `generate`; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "generate":
        return cli.run_main(_generate, argv[1:], f"{PROG} generate")
    return cli.train_or_predict(argv, _train, _translate, PROG, command="translate")


if __name__ == "__main__":
    sys.exit(main())
