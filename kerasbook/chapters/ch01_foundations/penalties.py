"""Weight penalties next to dropout: L1, L2 and elastic net on one MLP that overfits.

`python -m kerasbook.chapters.ch01_foundations penalties` trains the same wide
MLP five times on the checklist's noisy spirals (a few hundred points, a
quarter of their labels flipped to a wrong class): with no penalty, with an L1
penalty, with an L2 penalty, with both (elastic net) and with dropout. For
each it records the clean validation cross-entropy per epoch, the test accuracy,
how many of the wrong training labels the network learned by heart, and two
numbers about the weights: their L1 norm and the share that are (almost) zero.
It writes `metrics.json`, `penalties.md` (the table) and `figures/penalties.png`
into the run folder.

The penalties are added to the loss for every weight matrix:

    L1:          lambda1 * sum |w|
    L2:          lambda2 * sum w^2
    elastic net: (lambda1 / 2) * sum |w| + (lambda2 / 2) * sum w^2

We train with SGD and momentum here, not Adam: Adam divides each weight's step
by that weight's own recent gradient size, so a weight that only ever feels the
penalty moves at full speed whichever penalty it is, and the difference between
L1 and L2 that this experiment is about blurs.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerasbook.chapters.ch01_foundations.config import Config
from kerasbook.chapters.ch01_foundations.data import load_spirals
from kerasbook.chapters.ch01_foundations.figures import _plt, _save
from kerasbook.chapters.ch01_foundations.methods import (accuracy, build_mlp, flip_labels, initial_loss,
                                                         predict_probs)

METHODS = ("none", "l1", "l2", "elastic_net", "dropout")
LABELS = {"none": "no penalty", "l1": "L1", "l2": "L2", "elastic_net": "elastic net", "dropout": "dropout"}


# --8<-- [start:penalties]
@dataclass(frozen=True)
class PenaltyConfig:
    """The experiment's settings: one wide MLP, a small noisy training set, five ways to restrain it."""

    train: int = 300              # spiral points to learn from: few, so that the MLP can memorise them
    label_noise: float = 0.25     # share of their labels flipped to a wrong class
    width: int = 256              # two hidden layers this wide: about 67,000 weights
    epochs: int = 40              # an epoch here is `steps` updates, not one pass ...
    steps: int = 50               # ... so 2,000 updates in all, about 430 passes over the points
    batch_size: int = 64
    learning_rate: float = 0.05   # SGD with momentum 0.9
    l1: float = 1e-4              # lambda1 of the L1 penalty
    l2: float = 1e-3              # lambda2 of the L2 penalty
    dropout: float = 0.3          # share of hidden units switched off at each step
    near_zero: float = 1e-3       # a weight with |w| below this counts as zero

    def quick(self) -> "PenaltyConfig":
        """A toy size that runs in seconds (for tests); the numbers mean little."""
        return dataclasses.replace(self, train=60, width=16, epochs=2, steps=5)


def penalty(method: str, cfg: PenaltyConfig):
    """The Keras regulariser each method adds to every weight matrix (None: no penalty)."""
    import keras

    if method == "l1":
        return keras.regularizers.L1(cfg.l1)                         # lambda1 * sum |w|
    if method == "l2":
        return keras.regularizers.L2(cfg.l2)                         # lambda2 * sum w^2
    if method == "elastic_net":
        return keras.regularizers.L1L2(l1=cfg.l1 / 2, l2=cfg.l2 / 2)  # half of each
    return None


def build_penalised_mlp(method: str, cfg: PenaltyConfig, inputs: int = 2, classes: int = 3):
    """The chapter's MLP with two hidden layers of `cfg.width`, restrained by `method`, compiled."""
    import keras

    model = build_mlp(inputs, classes, (cfg.width, cfg.width), dropout=cfg.dropout if method == "dropout" else 0.0,
                      penalty=penalty(method, cfg), name=f"mlp_{method}")
    # The loss Keras minimises is the cross-entropy plus the penalty; the `ce` metric is
    # the cross-entropy alone, so that the five runs can be compared on it.
    model.compile(optimizer=keras.optimizers.SGD(cfg.learning_rate, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalCrossentropy(name="ce"),
                           keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


def weight_stats(model, near_zero: float = 1e-3) -> dict:
    """L1 norm of all weight matrices (biases left out) and the share of weights with |w| < `near_zero`."""
    w = np.concatenate([np.ravel(v.numpy()) for v in model.trainable_weights if v.path.endswith("kernel")])
    return {"weights": int(w.size), "l1_norm": float(np.abs(w).sum()), "l2_norm": float(np.sqrt(np.sum(w**2))),
            "near_zero_share": float(np.mean(np.abs(w) < near_zero))}
# --8<-- [end:penalties]


def noisy_spirals(cfg: PenaltyConfig, seed: int):
    """`(train, flipped, val, test)`: the first `cfg.train` spiral points with some labels flipped.

    `flipped` marks the training points whose label is now wrong. Validation and test labels stay clean.
    """
    splits = load_spirals(Config(), seed)
    x, y = (a[: cfg.train] for a in splits["train"])
    y_noisy = flip_labels(y, cfg.label_noise, Config().classes, seed)
    return (x, y_noisy), y_noisy != y, splits["validation"], splits["test"]


def compare_penalties(cfg: PenaltyConfig, seed: int = 0, methods=METHODS, say=print) -> dict:
    """Train the MLP once per method from the same start; `{method: numbers}` plus the curves."""
    import keras
    import tensorflow as tf

    (x, y), flipped, val, test = noisy_spirals(cfg, seed)
    results = {}
    for method in methods:
        start = time.perf_counter()
        keras.utils.set_random_seed(seed)                # the same first weights and batches for every method
        model = build_penalised_mlp(method, cfg)
        train_ds = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).repeat()
                    .batch(cfg.batch_size))
        history = model.fit(train_ds, steps_per_epoch=cfg.steps, epochs=cfg.epochs, verbose=0, shuffle=False,
                            validation_data=tf.data.Dataset.from_tensor_slices(val).batch(1024)).history
        predicted = predict_probs(model, x).argmax(1)
        results[method] = {
            "train_ce": initial_loss(model, x, y),        # the mean cross-entropy, against the noisy labels
            "val_ce": history["val_ce"][-1],
            "best_val_ce": min(history["val_ce"]),
            "test_accuracy": accuracy(model, *test),
            "memorised": float(np.mean(predicted[flipped] == y[flipped])),   # wrong labels it reproduces
            **weight_stats(model, cfg.near_zero),
            "val_ce_per_epoch": history["val_ce"],
            "kernel_abs": np.abs(np.concatenate([np.ravel(v.numpy()) for v in model.trainable_weights
                                                 if v.path.endswith("kernel")])),
            "seconds": time.perf_counter() - start,
        }
        r = results[method]
        say(f"{LABELS[method]:>12}: test accuracy {r['test_accuracy']:.1%}, validation CE {r['val_ce']:.3f}, "
            f"L1 norm {r['l1_norm']:,.0f}, {r['near_zero_share']:.1%} of weights near zero ({r['seconds']:.1f}s)")
    return results


def results_table(results: dict, cfg: PenaltyConfig) -> str:
    """The page's table, in Markdown."""
    rows = [("training cross-entropy (noisy labels)", "train_ce", "{:.3f}"),
            ("validation cross-entropy (clean labels), last epoch", "val_ce", "{:.3f}"),
            ("test accuracy", "test_accuracy", "{:.1%}"),
            ("wrong training labels learned by heart", "memorised", "{:.1%}"),
            ("L1 norm of the weights, Σ \\|w\\|", "l1_norm", "{:,.0f}"),
            (f"weights with \\|w\\| < {cfg.near_zero:g}", "near_zero_share", "{:.1%}"),
            ("seconds to train", "seconds", "{:.1f}")]
    methods = list(results)
    lines = ["| | " + " | ".join(LABELS[m] for m in methods) + " |", "|---" * (len(methods) + 1) + "|"]
    for title, key, fmt in rows:
        lines.append(f"| {title} | " + " | ".join(fmt.format(results[m][key]).replace("%", " %") for m in methods)
                     + " |")
    return "\n".join(lines)


def save_penalty_figure(results: dict, cfg: PenaltyConfig, path: Path):
    """Validation cross-entropy per epoch, and where the weights' sizes lie, for every method."""
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.4))
    for method, r in results.items():
        a.plot(range(1, len(r["val_ce_per_epoch"]) + 1), r["val_ce_per_epoch"], label=LABELS[method])
    a.set(xlabel=f"epoch ({cfg.steps} updates each)", ylabel="validation cross-entropy",
          title="clean validation labels")
    a.legend(fontsize=7)
    bins = np.logspace(-8, 1, 46)
    for method, r in results.items():
        # Weights that are exactly 0.0 would vanish from a log axis: put them in the first bin.
        b.hist(np.clip(r["kernel_abs"], bins[0], None), bins=bins, histtype="step", lw=1.4,
               label=f"{LABELS[method]}: {r['near_zero_share']:.0%} < {cfg.near_zero:g}")
    b.axvline(cfg.near_zero, color="k", ls=":", lw=1)
    b.set(xscale="log", xlabel="|w|", ylabel="weights", title="sizes of the weights after training")
    b.legend(fontsize=7)
    _save(fig, path)


def run(cfg: PenaltyConfig, seed: int, out: Path, say=print) -> dict:
    """The `penalties` command: train, then write the table, the figure and metrics.json into `out`."""
    from kerasbook.training import environment, write_metrics

    start = time.perf_counter()
    results = compare_penalties(cfg, seed, say=say)
    out.mkdir(parents=True, exist_ok=True)
    save_penalty_figure(results, cfg, out / "figures" / "penalties.png")
    table = results_table(results, cfg)
    (out / "penalties.md").write_text(table + "\n")
    kept = {m: {k: v for k, v in r.items() if k != "kernel_abs"} for m, r in results.items()}
    write_metrics(out, {"chapter": "ch01_foundations", "command": "penalties", "config": dataclasses.asdict(cfg),
                        "seed": seed, "results": kept, "seconds": {"total": time.perf_counter() - start},
                        "environment": environment()})
    return results
