"""The gpt part: a causal language model of the Korean sentences, its perplexity against a Kneser-Ney bigram,
and the sentences written by greedy, top-k, top-p and beam sampling."""

from __future__ import annotations

import json
import time

import numpy as np

from kerasbook.chapters.ch13_transformer.config import SAMPLERS, Config
from kerasbook.chapters.ch13_transformer.translator import warmup_cosine


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
