"""Chapter 6: the LSTM, a recurrent cell that can carry information far.

The simple RNN of chapter 5 rewrites its whole state at every step through a
tanh, so what it read long ago fades, and so does the gradient that should
teach it. The LSTM adds a second state, the cell state c_t, that is changed
only by an element-wise product with the forget gate and the addition of new
content chosen by the input gate: c_t = f_t * c_{t-1} + i_t * g_t. With f_t
near 1 the memory, and the gradient, pass through unchanged.

This chapter writes the cell from its gate equations
(`kerasbook.layers.recurrent.GateLSTMCell`, proven equal to
`keras.layers.LSTM` with copied weights, masking and `return_state`
included), then runs the experiment that shows why it exists: the adding
problem, where the answer depends on two values marked far apart in a
100-step sequence. The simple RNN stays at the trivial baseline; the LSTM
solves it, and a figure shows its gates opening and closing on one example.
Last, LSTM against the simple RNN on chapter 5's forecasting data, with the
same windows, epochs and optimiser.

Run it:

    python -m kerasbook.chapters.ch06_lstm                 # default run, builtin data
    python -m kerasbook.chapters.ch06_lstm --quick         # under 2 minutes on a laptop
    python -m kerasbook.chapters.ch06_lstm --csv NFLX.csv  # forecast your own daily prices

References:
    Hochreiter, Schmidhuber, "Long Short-Term Memory", 1997. Gers,
    Schmidhuber, Cummins, "Learning to Forget: Continual Prediction with
    LSTM", 2000. Jozefowicz, Zaremba, Sutskever, "An Empirical Exploration of
    Recurrent Network Architectures", 2015 (the forget bias of 1).
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

CHAPTER = "ch06_lstm"
PROG = "python -m kerasbook.chapters.ch06_lstm"
TITLE = "LSTM"  # its name in the site's navigation
TRACK = "Sequence track"
TOPIC = "an LSTM cell built from its gates; the adding problem, LSTM vs simple RNN; gate activations"


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 6 depends on."""

    # The adding problem: the long-dependency task.
    length: int = 100               # steps per sequence
    train_size: int = 20_000        # training sequences
    val_size: int = 1_000
    test_size: int = 2_000
    units: int = 32                 # hidden (and cell) state size, the same for the RNN and the LSTM
    epochs: int = 12
    batch_size: int = 64
    learning_rate: float = 3e-3
    clipnorm: float = 1.0
    # Chapter 5's forecasting set-up, for LSTM against the simple RNN.
    window: int = 30
    head_units: int = 32
    forecast_epochs: int = 40
    forecast_batch_size: int = 64
    forecast_learning_rate: float = 2e-3
    val_fraction: float = 0.15
    test_fraction: float = 0.15
    season: int | None = 24

    def quick(self) -> "Config":
        """A preset that finishes in under 2 minutes on a laptop CPU: the adding problem as in the default run."""
        return dataclasses.replace(self, epochs=10, forecast_epochs=12)
# --8<-- [end:config]


# --8<-- [start:adding]
def adding_problem(n: int, length: int, seed: int):
    """`x (n, length, 2)`, `y (n, 1)`: channel 0 holds random values in [0, 1), channel 1 marks two of them.

    The target is the sum of the two marked values. The first mark falls in
    the first tenth of the sequence and the second in the second half, so the
    network must hold the first value for at least `length // 2 - length // 10 + 1`
    steps: 41 for length 100 (the first mark at step 9 at the latest, the second
    at step 50 at the earliest). Always
    answering the mean sum, 1, scores an MSE of Var(u1 + u2) = 2/12 = 1/6: the
    trivial baseline.
    """
    rng = np.random.default_rng(seed)
    values = rng.random((n, length)).astype("float32")
    marks = np.zeros((n, length), "float32")
    first = rng.integers(0, max(1, length // 10), n)
    second = rng.integers(length // 2, length, n)
    rows = np.arange(n)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    target = values[rows, first] + values[rows, second]
    return np.stack([values, marks], axis=-1), target[:, None]
# --8<-- [end:adding]


# --8<-- [start:model]
def build_sequence_model(kind: str, cfg: Config):
    """`(length, 2)` -> a recurrent layer ("rnn": our simple RNN, "lstm": our LSTM) -> one number."""
    import keras
    from keras import layers

    from kerasbook.layers.recurrent import ElmanRNN, GateLSTM

    seq = keras.Input((cfg.length, 2), name="sequence")                          # (B, T, 2)
    recurrent = {"rnn": ElmanRNN, "lstm": GateLSTM}[kind](cfg.units, name=kind)  # reads all T steps
    h = recurrent(seq)                                                            # (B, units): the last h_T
    answer = layers.Dense(1, name="answer")(h)                                    # (B, 1)
    return keras.Model(seq, answer, name=f"adding_{kind}")
# --8<-- [end:model]


def measure_step_times(cfg: Config, steps=10, modes=(True, False), seed=0):
    """Seconds per training step of the adding-problem LSTM with XLA on and off."""
    import keras

    from kerasbook import training

    x, y = adding_problem(cfg.batch_size, cfg.length, seed)

    def make(jit):
        keras.utils.set_random_seed(seed)
        model = build_sequence_model("lstm", cfg)
        training.compile_model(model, optimizer=keras.optimizers.Adam(cfg.learning_rate, clipnorm=cfg.clipnorm),
                               loss="mse", metrics=[], jit_compile=jit)
        return model

    return xla.time_train_steps(make, x, y, steps=steps, modes=modes)


def train_adding(kind, cfg: Config, data, run, out, verbose):
    """Train one model on the adding problem; returns `(model, history, info, test_mse)`."""
    import keras
    import tensorflow as tf

    from kerasbook import training

    (x, y), (xv, yv), (xt, yt) = data
    info = run.run_info()
    with run.strategy.scope():
        model = build_sequence_model(kind, cfg)
        training.compile_model(model, optimizer=keras.optimizers.Adam(cfg.learning_rate, clipnorm=cfg.clipnorm),
                               loss="mse", metrics=[], jit_compile=run.jit)
    train_ds = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=run.seed)
                .batch(cfg.batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    val_ds = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(1000)
    model, history = training.fit(model, train_ds, val_ds, epochs=cfg.epochs, out=out, info=info,
                                  train_examples=(len(x) // cfg.batch_size) * cfg.batch_size, verbose=verbose)
    test_mse = float(np.mean((model.predict(xt, batch_size=1000, verbose=0) - yt) ** 2))
    return model, history, info, test_mse


# --8<-- [start:gate-trace]
def gate_trace(cell, x):
    """Run `cell` over one sequence `x (T, features)` step by step; every gate, c_t and h_t, each `(T, units)`."""
    from keras import ops

    states = [ops.zeros((1, cell.units)), ops.zeros((1, cell.units))]
    trace = {k: [] for k in ("forget", "input", "candidate", "output", "cell", "hidden")}
    for t in range(x.shape[0]):
        step = ops.convert_to_tensor(x[None, t])                                   # (1, features)
        for name, value in cell.gates(step, states).items():
            trace[name].append(ops.convert_to_numpy(value)[0])
        h, states = cell(step, states)
        trace["cell"].append(ops.convert_to_numpy(states[1])[0])
        trace["hidden"].append(ops.convert_to_numpy(h)[0])
    return {k: np.stack(v) for k, v in trace.items()}
# --8<-- [end:gate-trace]


def gate_figure(path, x, y, prediction, trace, units_shown=16):
    """The input sequence with its marks, then input gate, forget gate and cell state over time."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    marks = np.flatnonzero(x[:, 1])
    # The units whose cell state moves most at the marked steps tell the story; show those.
    jump = np.abs(np.diff(trace["cell"], axis=0, prepend=0))[marks].sum(axis=0)
    order = np.argsort(-jump)[:units_shown]
    fig, axes = plt.subplots(4, 1, figsize=(8.5, 7.2), sharex=True,
                             gridspec_kw={"height_ratios": [1, 1.4, 1.4, 1.4]})
    axes[0].bar(np.arange(len(x)), x[:, 0], color=np.where(x[:, 1] > 0, "crimson", "lightgray"), width=1.0)
    axes[0].set_xlim(-0.5, len(x) - 0.5)
    axes[0].set_ylabel("value")
    axes[0].set_title(f"one test sequence: the two marked values (red) sum to {float(y):.3f}; "
                      f"the LSTM answers {float(prediction):.3f}", fontsize=9)
    panels = (("input", "input gate i_t\n0 dark, 1 bright", "viridis", (0, 1)),
              ("forget", "forget gate f_t\n0 dark, 1 bright", "viridis", (0, 1)),
              ("cell", "cell state c_t\nblue < 0 < red", "coolwarm", None))
    for ax, (key, label, cmap, limits) in zip(axes[1:], panels):
        data = trace[key][:, order].T
        if limits is None:
            m = float(np.abs(data).max()) or 1.0
            limits = (-m, m)
        ax.imshow(data, aspect="auto", cmap=cmap, vmin=limits[0], vmax=limits[1], interpolation="nearest")
        ax.set_ylabel(label, fontsize=8)
        ax.set_yticks([])
        for m_ in marks:
            ax.axvline(m_, color="crimson", lw=0.8, ls="--")
    axes[-1].set_xlabel(f"time step t (the {units_shown} units whose cell state moves most at the marks)")
    save_figure(fig, path, dpi=110)


def adding_figure(path, histories: dict, baseline: float):
    """Validation MSE per epoch of both models against the trivial baseline (log scale)."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for name, history in histories.items():
        epochs = np.arange(1, len(history["val_loss"]) + 1)
        ax.semilogy(epochs, history["val_loss"], marker="o", label=f"{name}, validation")
        ax.semilogy(epochs, history["loss"], ls=":", color=ax.lines[-1].get_color(), label=f"{name}, training")
    ax.axhline(baseline, color="black", ls="--", lw=1, label="trivial baseline (always 1)")
    ax.axhline(0.1 * baseline, color="gray", ls=":", lw=1, label="10 % of the baseline")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE")
    ax.set_title("the adding problem: who remembers the first marked value?", fontsize=10)
    ax.legend(fontsize=7)
    save_figure(fig, path, dpi=110)


def diagram_models():
    """The models the site draws with `keras.utils.plot_model`: the adding-problem LSTM."""
    return {"adding_lstm": build_sequence_model("lstm", Config())}


def _train(argv):
    from kerasbook import runs
    from kerasbook.layers.recurrent import ElmanRNN, GateLSTM
    from kerasbook.plots import plot_history

    run = runs.setup(argv, chapter=CHAPTER, prog=PROG, specs=(sr.SPEC,), config=Config(),
                     description="Build an LSTM from its gates; LSTM vs RNN on a long dependency and on forecasting (chapter 6).",
                     measure=lambda run: measure_step_times(run.cfg, steps=10), add_arguments=sr.add_arguments,
                     data_dir_hint=sr.DATA_DIR_HINT, data_path=sr.data_path)
    cfg, out = run.cfg, run.out
    figs = out / "figures"
    # The forecasting data is read first, so a bad CSV stops the run before any training.
    values, units_label, season = sr.load(run.source, run.args, cfg.season, cfg.window)

    # 1. The adding problem: the simple RNN against the LSTM, same data and budget.
    start = time.perf_counter()
    data = [adding_problem(n, cfg.length, [run.seed, part])
            for part, n in enumerate((cfg.train_size, cfg.val_size, cfg.test_size))]
    data_seconds = time.perf_counter() - start
    baseline = float(np.mean((data[2][1] - 1.0) ** 2))          # always answer the mean sum, 1
    print(f"adding problem: {cfg.length} steps, {cfg.train_size} train / {cfg.val_size} validation / "
          f"{cfg.test_size} test sequences; trivial baseline MSE {baseline:.4f}")
    results, histories = {}, {}
    for kind, label, where in (("rnn", "simple RNN", out / "adding_rnn"), ("lstm", "LSTM", out)):
        print(f"training the {label} on the adding problem ...", flush=True)
        model, history, info, test_mse = train_adding(kind, cfg, data, run, where, run.verbose(2))
        results[label] = {"test_mse": test_mse, "of_baseline": test_mse / baseline, "seconds": info.train_seconds,
                          "params": model.count_params(), "epochs_run": info.epochs_run}
        histories[label] = history
        print(f"  {label}: test MSE {test_mse:.4f} = {test_mse / baseline:.1%} of the baseline")
        if kind == "lstm":
            lstm, lstm_info = model, info
    adding_figure(figs / "adding.png", histories, baseline)
    plot_history(histories["LSTM"], figs / "curves.png", title="LSTM on the adding problem (loss = MSE)")
    x_te, y_te = data[2]
    trace = gate_trace(lstm.get_layer("lstm").cell, x_te[0])
    gate_figure(figs / "gates.png", x_te[0], y_te[0, 0], lstm.predict(x_te[:1], verbose=0)[0, 0], trace)

    # 2. LSTM against the simple RNN on chapter 5's forecasting data.
    t = time.perf_counter()
    fc = forecast.compare(values, run, season=season, epochs=cfg.forecast_epochs, window=cfg.window,
                          batch_size=cfg.forecast_batch_size, learning_rate=cfg.forecast_learning_rate,
                          head_units=cfg.head_units, val_fraction=cfg.val_fraction, test_fraction=cfg.test_fraction,
                          verbose=run.verbose(0),
                          models={"simple RNN": (lambda: ElmanRNN(cfg.units, name="rnn"), out / "forecast_rnn"),
                                  "LSTM": (lambda: GateLSTM(cfg.units, name="rnn"), out / "forecast_lstm")})
    forecast_seconds = time.perf_counter() - t
    forecast.plot_scores(figs / "forecast_scores.png", fc["table"], "forecasting: test MAE and RMSE, same windows",
                         units_label)
    forecast.plot_forecasts(figs / "forecast.png", fc["index"], fc["truth"],
                            {k: v for k, v in fc["preds"].items() if k in ("persistence", "simple RNN", "LSTM")},
                            "test period, last 4 days: truth, RNN, LSTM and persistence", units_label,
                            last=min(96, len(fc["truth"])))

    table = fc["table"]
    final = {
        "lstm_test_mse": results["LSTM"]["test_mse"], "rnn_test_mse": results["simple RNN"]["test_mse"],
        "baseline_mse": baseline,
        "lstm_of_baseline": results["LSTM"]["of_baseline"], "rnn_of_baseline": results["simple RNN"]["of_baseline"],
        "forecast_lstm_test_mae": table["LSTM"]["mae"], "forecast_rnn_test_mae": table["simple RNN"]["mae"],
        "forecast_persistence_test_mae": table["persistence"]["mae"],
        "forecast_linear_ar_test_mae": table[f"linear AR ({cfg.window} lags)"]["mae"],
    }
    run.finish(
        dataset=run.dataset_entry(cfg.train_size, cfg.val_size, cfg.test_size, name="adding_problem",
                                  source="generated",
                                  forecasting={"name": sr.SPEC.name, "source": run.source, "values": len(values),
                                               "train": fc["sizes"][0], "validation": fc["sizes"][1],
                                               "test": fc["sizes"][2]}),
        info=lstm_info, final=final,
        seconds={"data": data_seconds, "train": lstm_info.train_seconds,
                 "adding_rnn": results["simple RNN"]["seconds"], "forecasting": forecast_seconds},
        adding=results,
        forecasting={"results": table, "epochs": cfg.forecast_epochs,
                     "train_seconds": {k: v["info"].train_seconds for k, v in fc["fits"].items()}},
        gate_means={k: float(trace[k].mean()) for k in ("forget", "input", "output")},
    )
    print(f"adding problem: LSTM {final['lstm_of_baseline']:.1%} of the baseline, simple RNN "
          f"{final['rnn_of_baseline']:.1%}; forecasting MAE: LSTM {final['forecast_lstm_test_mae']:.4f}, RNN "
          f"{final['forecast_rnn_test_mae']:.4f}, persistence {final['forecast_persistence_test_mae']:.4f}; "
          f"XLA {'on' if run.jit else 'off'}; wrote {out}")
    return 0


def main(argv=None):
    """Run the adding problem and the forecasts; returns the exit code (2 with a one-line error for bad input)."""
    return cli.chapter_main(argv, _train, PROG)


if __name__ == "__main__":
    sys.exit(main())
