"""Chapter 5: the recurrent neural network, and forecasting the next value of a series.

An RNN reads a sequence one step at a time and keeps a hidden state h_t, a
summary of everything it has read so far: h_t = tanh(W x_t + U h_{t-1} + b).
The same W, U and b are used at every step, so one small set of weights reads
a sequence of any length. This chapter writes that recurrence as our own cell
(`kerasbook.layers.recurrent.ElmanCell`, proven equal to
`keras.layers.SimpleRNN`), shows the one-to-many / many-to-one / many-to-many
shapes with real layers, and trains the course's many-to-one forecaster:
30 past values in, the next value out.

A forecaster is only as good as the baselines it beats, so every number sits
next to "the next value equals the last one" (persistence), "the value one
season ago" (seasonal naive) and a linear model on the same 30 lags. On real
hourly temperatures the RNN beats persistence clearly; on a random walk, as
on most daily stock prices, nothing does, and the chapter shows that too.
Finally, backpropagation through time: the gradient reaching h_t shrinks with
every step back from the end, which is why the simple RNN forgets (chapter 6).

Run it:

    python -m kerasbook.chapters.ch05_rnn                 # default run, builtin data
    python -m kerasbook.chapters.ch05_rnn --quick         # under 2 minutes on a laptop
    python -m kerasbook.chapters.ch05_rnn --csv NFLX.csv  # your own daily prices (Date, ..., Close)

References:
    Elman, "Finding Structure in Time", 1990. Werbos, "Backpropagation
    Through Time", 1990. Bengio, Simard, Frasconi, "Learning Long-Term
    Dependencies with Gradient Descent is Difficult", 1994.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass

import numpy as np

from kerasbook import cli, forecast
from kerasbook.data import series as sr
from kerasbook import xla

CHAPTER = "ch05_rnn"
PROG = "python -m kerasbook.chapters.ch05_rnn"
TITLE = "RNN"  # its name in the site's navigation
TRACK = "Sequence track"
TOPIC = ("the recurrence as our own cell, weight sharing, sliding-window forecasting against honest baselines,"
         " BPTT and the vanishing gradient")


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 5 depends on."""

    window: int = 30                # past values per forecast (the course's days 1-30 -> day 31)
    units: int = 32                 # size of the hidden state h_t
    head_units: int = 32            # the MLP head after the RNN
    epochs: int = 40
    batch_size: int = 64
    learning_rate: float = 2e-3
    train_size: int | None = None   # training windows (the latest ones); None = all
    val_fraction: float = 0.15      # the split is in time order: train, then validation, then test
    test_fraction: float = 0.15
    season: int | None = 24         # steps per season for the seasonal-naive baseline (24 h); None = no season
    walk_size: int = 3_000          # length of the generated random walk
    walk_epochs: int = 15
    gradient_window: int = 120      # the long window on which BPTT's gradients are measured
    plot_steps: int = 96            # test steps drawn in forecast.png (4 days of hours)

    def quick(self) -> "Config":
        """A preset that finishes in under 2 minutes on a laptop CPU."""
        return dataclasses.replace(self, epochs=12, walk_size=1_500, walk_epochs=6, gradient_window=90)
# --8<-- [end:config]


def measure_step_times(cfg: Config, steps=10, modes=(True, False), seed=0):
    """Seconds per training step of the forecaster with XLA on and off (see `xla.time_train_steps`)."""
    import keras

    from kerasbook import training
    from kerasbook.layers.recurrent import ElmanRNN

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(cfg.batch_size, cfg.window, 1)).astype("float32")
    y = rng.normal(size=(cfg.batch_size, 1)).astype("float32")

    def make(jit):
        keras.utils.set_random_seed(seed)
        model = forecast.build_forecaster(cfg.window, ElmanRNN(cfg.units, name="rnn"), cfg.head_units)
        training.compile_model(model, optimizer=keras.optimizers.Adam(cfg.learning_rate), loss="mse",
                               metrics=[], jit_compile=jit)
        return model

    return xla.time_train_steps(make, x, y, steps=steps, modes=modes)


# --8<-- [start:shapes]
def rnn_shapes(batch=4, steps=30, features=1, units=8) -> dict:
    """The three input/output patterns of the course, as shapes of real Keras layers."""
    import keras
    from keras import layers

    from kerasbook.layers.recurrent import ElmanRNN

    seq = keras.ops.zeros((batch, steps, features))
    one = keras.ops.zeros((batch, features))
    shapes = {
        # many-to-one (a forecast, a sentiment): read every step, keep only the last state.
        "many_to_one": ElmanRNN(units)(seq).shape,                                         # (B, units)
        # many-to-many (tagging every step): the state after every step.
        "many_to_many": ElmanRNN(units, return_sequences=True)(seq).shape,                  # (B, T, units)
        # one-to-many (a caption from one image): repeat one input over T steps.
        "one_to_many": ElmanRNN(units, return_sequences=True)(layers.RepeatVector(steps)(one)).shape,
        # return_state: the outputs and, separately, the final state.
        "with_state": [t.shape for t in ElmanRNN(units, return_state=True)(seq)],
    }
    # Weight sharing: the same W (features x units), U (units x units) and b at every step,
    # so the parameter count does not depend on the length of the sequence.
    shapes["params_by_length"] = {}
    for length in (10, steps, 100):
        layer = ElmanRNN(units)
        layer(keras.ops.zeros((1, length, features)))
        shapes["params_by_length"][length] = layer.count_params()
    return {k: v if isinstance(v, dict) else [tuple(s) for s in v] if isinstance(v, list) else tuple(v)
            for k, v in shapes.items()}
# --8<-- [end:shapes]


def diagram_models():
    """The models the site draws with `keras.utils.plot_model`: the default forecaster."""
    from kerasbook.layers.recurrent import ElmanRNN

    cfg = Config()
    return {"forecaster": forecast.build_forecaster(cfg.window, ElmanRNN(cfg.units, name="rnn"), cfg.head_units)}


def gradient_figure(path, curves: dict, title: str):
    """d loss / d h_t against the distance from the end, log scale."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for name, norms in curves.items():
        ax.semilogy(np.arange(len(norms)), np.maximum(norms, 1e-30), label=name)
    ax.set_xlabel("steps back from the end (k = T - t)")
    ax.set_ylabel("mean ‖∂loss/∂h_t‖")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    save_figure(fig, path, dpi=110)


def bptt_probe(model, cfg: Config, z, split, seed):
    """Gradient norms through the trained cell and a fresh one, on windows of `gradient_window` steps."""
    import keras

    from kerasbook.layers.recurrent import ElmanCell

    t = min(cfg.gradient_window, len(z) - 2)             # a short CSV gets a shorter window
    last = len(z) - t - 1                                 # the last start whose target exists
    starts = np.linspace(max(0, min(split.a, last)), last, 64).astype(int)   # past the training span when it can
    x = np.stack([z[s: s + t] for s in starts])[..., None].astype("float32")
    y = np.array([z[s + t] for s in starts], "float32")
    head = forecast.forecaster_head(model)
    trained = forecast.state_gradient_norms(model.get_layer("rnn").cell, head, x, y)
    keras.utils.set_random_seed(seed)
    fresh_cell = ElmanCell(cfg.units)
    fresh = forecast.state_gradient_norms(fresh_cell, head, x, y)
    return {"trained": trained, "fresh": fresh}


def decay_per_step(norms, span=20):
    """Geometric mean factor by which the gradient norm shrinks per step back, over the first `span` steps."""
    n = np.asarray(norms[: span + 1], "float64")
    return float((n[-1] / n[0]) ** (1 / span))


def _train(argv):
    from kerasbook import runs
    from kerasbook.layers.recurrent import ElmanRNN
    from kerasbook.plots import plot_history

    run = runs.setup(argv, chapter=CHAPTER, prog=PROG, specs=(sr.SPEC,), config=Config(),
                     description="Forecast the next value with a simple RNN, against honest baselines (chapter 5).",
                     measure=lambda run: measure_step_times(run.cfg, steps=10), add_arguments=sr.add_arguments,
                     data_dir_hint=sr.DATA_DIR_HINT, data_path=sr.data_path)
    cfg, out = run.cfg, run.out
    figs = out / "figures"

    start = time.perf_counter()
    values, units_label, season = sr.load(run.source, run.args, cfg.season, cfg.window)
    data_seconds = time.perf_counter() - start
    shapes = rnn_shapes(steps=cfg.window)
    print(f"data: {run.source}, {len(values)} values ({values.index[0]} .. {values.index[-1]})")

    settings = dict(window=cfg.window, batch_size=cfg.batch_size, learning_rate=cfg.learning_rate,
                    head_units=cfg.head_units, val_fraction=cfg.val_fraction, test_fraction=cfg.test_fraction)
    main = forecast.compare(values, run, season=season, epochs=cfg.epochs, train_size=cfg.train_size,
                            verbose=run.verbose(2), **settings,
                            models={"simple RNN": (lambda: ElmanRNN(cfg.units, name="rnn"), out)})
    tr, va, te = main["sizes"]
    print(f"windows of {cfg.window}: {tr} train / {va} validation / {te} test")
    t = time.perf_counter()
    probe = bptt_probe(main["fits"]["simple RNN"]["model"], cfg, main["z"], main["split"], run.seed)
    probe_seconds = time.perf_counter() - t

    t = time.perf_counter()
    walk = sr.random_walk(cfg.walk_size, run.seed)
    rw = forecast.compare(walk, run, season=None, epochs=cfg.walk_epochs, verbose=run.verbose(0), **settings,
                          models={"simple RNN": (lambda: ElmanRNN(cfg.units, name="rnn"), out / "random_walk")})
    walk_seconds = time.perf_counter() - t

    fit = main["fits"]["simple RNN"]
    plot_history(fit["history"], figs / "curves.png", title="simple RNN forecaster (loss = MSE, scaled units)")
    forecast.plot_forecasts(figs / "forecast.png", main["index"], main["truth"], main["preds"],
                            "test period, last 4 days: truth, the RNN and the baselines", units_label,
                            last=min(cfg.plot_steps, te))
    forecast.plot_scores(figs / "scores.png", main["table"], "test MAE and RMSE on the same windows", units_label)
    forecast.plot_forecasts(figs / "random_walk.png", rw["index"], rw["truth"], rw["preds"],
                            "random walk, test period: nothing beats 'tomorrow = today'", "price", last=120)
    gradient_figure(figs / "gradient_norms.png", {"trained RNN cell": probe["trained"], "fresh RNN cell": probe["fresh"]},
                    f"BPTT through a tanh RNN: the gradient reaching h_t over a {len(probe['fresh'])}-step window")

    table, rw_table = main["table"], rw["table"]
    rnn, persist = table["simple RNN"], table["persistence"]
    final = {
        "rnn_test_mae": rnn["mae"], "rnn_test_rmse": rnn["rmse"],
        "persistence_test_mae": persist["mae"], "persistence_test_rmse": persist["rmse"],
        "rnn_vs_persistence_mae": rnn["mae"] / persist["mae"],
        "linear_ar_test_mae": table[f"linear AR ({cfg.window} lags)"]["mae"],
        "walk_rnn_vs_persistence_mae": rw_table["simple RNN"]["mae"] / rw_table["persistence"]["mae"],
        "gradient_decay_per_step_trained": decay_per_step(probe["trained"]),
    }
    if season:
        final["seasonal_naive_test_mae"] = table[f"seasonal naive ({season})"]["mae"]
    run.finish(
        dataset=run.dataset_entry(tr, va, te, values=len(values), units=units_label, season=season),
        info=fit["info"], final=final,
        seconds={"data": data_seconds, "train": fit["info"].train_seconds, "bptt_probe": probe_seconds,
                 "random_walk": walk_seconds},
        results=table, ridge_alpha=main["alpha"],
        random_walk={"values": len(walk), "results": rw_table, "epochs_run": rw["fits"]["simple RNN"]["info"].epochs_run},
        scaler={"mean": main["scaler"].mean, "std": main["scaler"].std},
        gradient_norms={k: v.tolist() for k, v in probe.items()},
        shapes=shapes,
    )
    width = max(len(k) for k in table)
    print(f"test on {te} windows ({units_label}):")
    for name, s in table.items():
        print(f"  {name:<{width}}  MAE {s['mae']:.4f}  RMSE {s['rmse']:.4f}")
    print(f"RNN / persistence MAE: {final['rnn_vs_persistence_mae']:.3f}; random walk: "
          f"{final['walk_rnn_vs_persistence_mae']:.3f}; XLA {'on' if run.jit else 'off'}; wrote {out}")
    return 0


def main(argv=None):
    """Train the forecasters (the series, a random walk); returns the exit code (2 with a one-line error for bad input)."""
    return cli.chapter_main(argv, _train, PROG)


if __name__ == "__main__":
    sys.exit(main())
