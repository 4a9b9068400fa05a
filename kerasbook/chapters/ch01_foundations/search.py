"""Grid search and random search for hyper-parameters, with KerasTuner, on handwritten digits.

`python -m kerasbook.chapters.ch01_foundations search` tunes three
hyper-parameters of a 784-units-10 MLP on the builtin handwritten digits (the
UCI set scikit-learn ships, as chapter 2 uses them; `kerasbook.data.digits`):
the number of hidden units, Adam's learning rate and the dropout rate. Both
searches get the same budget of trials and the same box of values:

* **grid search** (`keras_tuner.GridSearch`) tries every combination of two
  values per hyper-parameter, the two ends of each range: 2 x 2 x 2 = 8 models;
* **random search** (`keras_tuner.RandomSearch`) draws the same number of
  models at random from inside the box (the learning rate on a log scale).

Each trial trains for a few epochs and is scored by its best validation loss;
the best model of each search is then tested once on the held-out test digits.
It writes `metrics.json`, `search.md` (the tables), `figures/search.png` and
KerasTuner's own trial records (`tuner/`) into the run folder.

Reference: Bergstra and Bengio, "Random Search for Hyper-Parameter
Optimization", JMLR 2012.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerasbook.chapters.ch01_foundations.figures import _plt
from kerasbook.data import digits as dg

KINDS = ("grid", "random")


# --8<-- [start:search]
@dataclass(frozen=True)
class SearchConfig:
    """The box of values both searches explore, and the budget they share."""

    trials: int = 8                       # models each search may train
    epochs: int = 8                       # epochs per model
    batch_size: int = 32
    units: tuple = (32, 128)              # hidden units: the range, from smallest to largest
    learning_rate: tuple = (1e-3, 3e-2)   # Adam's learning rate (random search draws it on a log scale)
    dropout: tuple = (0.0, 0.5)
    train_size: int | None = None         # None: all 1,257 training digits

    def quick(self) -> "SearchConfig":
        """A toy size that runs in seconds (for tests); the numbers mean little."""
        return dataclasses.replace(self, trials=2, epochs=1, train_size=200)


def search_space(hp, kind: str, cfg: SearchConfig):
    """Declare the three hyper-parameters on `hp`; returns `(units, learning_rate, dropout)`.

    A grid needs a list of values per hyper-parameter (here the two ends of each
    range); random search needs only the ranges and draws from inside them.
    """
    if kind == "grid":
        units = hp.Choice("units", list(cfg.units))
        learning_rate = hp.Choice("learning_rate", list(cfg.learning_rate))
        dropout = hp.Choice("dropout", list(cfg.dropout))
    else:
        units = hp.Int("units", *cfg.units)
        learning_rate = hp.Float("learning_rate", *cfg.learning_rate, sampling="log")
        dropout = hp.Float("dropout", *cfg.dropout)
    return units, learning_rate, dropout


def build_digit_mlp(units: int, learning_rate: float, dropout: float, seed: int = 0):
    """784 pixels -> `units` ReLU -> dropout -> 10 probabilities, compiled with Adam(`learning_rate`)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)               # every trial starts from the same random state
    image = keras.Input((dg.SIZE, dg.SIZE, 1), dtype="uint8", name="image")          # (B, 28, 28, 1)
    x = layers.Flatten(name="flatten")(layers.Rescaling(1 / 255, name="scale")(image))  # (B, 784)
    x = layers.Dense(units, activation="relu", name="hidden")(x)                      # (B, units)
    x = layers.Dropout(dropout, name="dropout")(x)
    probs = layers.Dense(10, activation="softmax", name="probs")(x)                   # (B, 10)
    model = keras.Model(image, probs, name="digit_mlp")
    # Each trial is a new model: compiling it with XLA would cost more time than it saves.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=False)
    return model


def make_tuner(kind: str, cfg: SearchConfig, directory: Path, seed: int = 0):
    """A KerasTuner `GridSearch` or `RandomSearch` over `search_space`, minimising the validation loss."""
    import keras_tuner as kt

    def hypermodel(hp):
        return build_digit_mlp(*search_space(hp, kind, cfg), seed=seed)

    tuner = kt.GridSearch if kind == "grid" else kt.RandomSearch
    return tuner(hypermodel, objective="val_loss", max_trials=cfg.trials, seed=seed,
                 directory=str(directory), project_name=kind, overwrite=True)
# --8<-- [end:search]


def grid_size(cfg: SearchConfig) -> int:
    """How many models a full grid of `search_space` holds (the product of the value counts)."""
    import keras_tuner as kt

    hp = kt.HyperParameters()
    search_space(hp, "grid", cfg)
    return math.prod(len(p.values) for p in hp.space)


def load_digits(cfg: SearchConfig):
    """`(train, validation, test)` of the builtin digits, the training part cut to `cfg.train_size`."""
    splits = dg.load_builtin()
    x, y = splits["train"]
    if cfg.train_size is not None:
        x, y = x[: cfg.train_size], y[: cfg.train_size]
    return (x, y), splits["validation"], splits["test"]


def run_search(kind: str, cfg: SearchConfig, data, directory: Path, seed: int = 0) -> dict:
    """One search: every trial's values and scores, in the order they ran, and the best model's test accuracy."""
    (x, y), val, test = data
    start = time.perf_counter()
    tuner = make_tuner(kind, cfg, directory, seed)
    tuner.search(x, y, validation_data=val, epochs=cfg.epochs, batch_size=cfg.batch_size, verbose=0)
    trials = []
    for trial in sorted(tuner.oracle.trials.values(), key=lambda t: int(t.trial_id)):
        values = trial.hyperparameters.values
        trials.append({"trial": int(trial.trial_id) + 1, "units": int(values["units"]),
                       "learning_rate": float(values["learning_rate"]), "dropout": float(values["dropout"]),
                       "val_loss": float(trial.score),
                       "val_accuracy": float(trial.metrics.get_best_value("val_accuracy"))})
    best = min(trials, key=lambda t: t["val_loss"])
    with warnings.catch_warnings():
        # KerasTuner reloads the best epoch's weights into a fresh model; Keras notes that the
        # optimizer's state is not restored, which does not matter for testing.
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = tuner.get_best_models(1)[0]
    test_accuracy = float(np.mean(model.predict(test[0], verbose=0).argmax(1) == test[1]))
    return {"trials": trials, "best": best, "test_accuracy": test_accuracy, "seconds": time.perf_counter() - start}


def compare_searches(cfg: SearchConfig, directory: Path, seed: int = 0, say=print) -> dict:
    """Grid search, then random search, with the same data, budget and seed."""
    data = load_digits(cfg)
    results = {}
    for kind in KINDS:
        results[kind] = r = run_search(kind, cfg, data, Path(directory), seed)
        b = r["best"]
        say(f"{kind:>6} search: {len(r['trials'])} trials in {r['seconds']:.0f}s; best: {b['units']} units, "
            f"learning rate {b['learning_rate']:.2g}, dropout {b['dropout']:.2f}, validation loss "
            f"{b['val_loss']:.3f}; its test accuracy {r['test_accuracy']:.1%}")
    return results


def results_tables(results: dict) -> str:
    """Every trial of both searches, and a summary, in Markdown."""
    lines = ["| search | trial | units | learning rate | dropout | best validation loss | "
             "best validation accuracy |", "|---|---|---|---|---|---|---|"]
    for kind, r in results.items():
        for t in r["trials"]:
            mark = "**" if t is r["best"] else ""
            lines.append(f"| {kind} | {t['trial']} | {t['units']} | {t['learning_rate']:.2g} | {t['dropout']:.2f} | "
                         f"{mark}{t['val_loss']:.3f}{mark} | {t['val_accuracy']:.1%} |".replace("%", " %"))
    lines += ["", "| | grid search | random search |", "|---|---|---|"]
    distinct = {k: {p: len({t[p] for t in r["trials"]}) for p in ("units", "learning_rate", "dropout")}
                for k, r in results.items()}
    rows = [("trials", lambda k, r: str(len(r["trials"]))),
            ("different values tried: units / learning rate / dropout",
             lambda k, r: " / ".join(str(distinct[k][p]) for p in ("units", "learning_rate", "dropout"))),
            ("best validation loss", lambda k, r: f"{r['best']['val_loss']:.3f}"),
            ("its units / learning rate / dropout",
             lambda k, r: f"{r['best']['units']} / {r['best']['learning_rate']:.2g} / {r['best']['dropout']:.2f}"),
            ("its test accuracy (360 digits)", lambda k, r: f"{r['test_accuracy']:.1%}".replace("%", " %")),
            ("seconds", lambda k, r: f"{r['seconds']:.0f}")]
    for title, cell in rows:
        lines.append(f"| {title} | " + " | ".join(cell(k, results[k]) for k in KINDS if k in results) + " |")
    return "\n".join(lines)


def save_search_figure(results: dict, cfg: SearchConfig, path: Path):
    """Where each search looked: learning rate against dropout, dot size for units, colour for the score."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.6), sharey=True, squeeze=False)
    losses = [t["val_loss"] for r in results.values() for t in r["trials"]]
    for ax, (kind, r) in zip(axes[0], results.items()):
        t = sorted(r["trials"], key=lambda v: -v["units"])      # small dots drawn over large ones
        dots = ax.scatter([v["learning_rate"] for v in t], [v["dropout"] for v in t],
                          s=[20 + 100 * (v["units"] - cfg.units[0]) / max(1, cfg.units[1] - cfg.units[0]) for v in t],
                          c=[v["val_loss"] for v in t], cmap="viridis_r", vmin=min(losses), vmax=max(losses))
        b = r["best"]
        ax.scatter([b["learning_rate"]], [b["dropout"]], marker="*", s=260, facecolors="none", edgecolors="crimson")
        ax.set(xscale="log", xlabel="learning rate", xlim=(cfg.learning_rate[0] / 1.4, cfg.learning_rate[1] * 1.4),
               ylim=(cfg.dropout[0] - 0.05, cfg.dropout[1] + 0.05))
        ax.set_title(f"{kind} search, {len(t)} trials\nbest (star): {b['units']} units, loss {b['val_loss']:.3f}",
                     fontsize=9)
    axes[0][0].set_ylabel("dropout")
    fig.colorbar(dots, ax=list(axes[0]), label="best validation loss (dot size: units)")
    _save_untight(fig, path)


def _save_untight(fig, path: Path):
    from kerasbook.plots import save_figure

    save_figure(fig, path, dpi=100, tight=False, bbox_inches="tight")


def run(cfg: SearchConfig, seed: int, out: Path, say=print) -> dict:
    """The `search` command: both searches, then the tables, the figure and metrics.json in `out`."""
    from kerasbook.training import environment, write_metrics

    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    results = compare_searches(cfg, out / "tuner", seed, say=say)
    save_search_figure(results, cfg, out / "figures" / "search.png")
    (out / "search.md").write_text(results_tables(results) + "\n")
    write_metrics(out, {"chapter": "ch01_foundations", "command": "search", "config": dataclasses.asdict(cfg),
                        "seed": seed, "grid_size": grid_size(cfg), "results": results,
                        "seconds": {"total": time.perf_counter() - start}, "environment": environment()})
    return results
