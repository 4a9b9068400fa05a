"""The bert part: masked-language-model pre-training of an encoder on unlabelled sentences, then fine-tuning a
`[CLS]` classifier on a few labelled ones, against the same model from scratch and a bag of words."""

from __future__ import annotations

import json
import time

import numpy as np

from kerasbook.chapters.ch13_transformer.config import SPECIAL, Config
from kerasbook.chapters.ch13_transformer.translator import warmup_cosine


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
