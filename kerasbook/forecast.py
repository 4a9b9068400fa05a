"""The forecasting set-up chapters 5 and 6 share: windows, splits, baselines, the forecaster.

The course's set-up: values 1-30 predict value 31, values 2-31 predict 32, and
so on. A series of N values gives N - 30 such windows. The series is split in
time order (the model never trains on the future), the scaler is fitted on the
training part alone, and every model and baseline is scored on the *same* test
windows, in the series' own units.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


# --8<-- [start:split]
@dataclass(frozen=True)
class Split:
    """Where each part's *targets* lie: `train` = [first, a), `validation` = [a, b), `test` = [b, N).

    `first` is `window` (every window that fits) unless `--train-size` keeps only the latest ones.
    """

    window: int
    a: int
    b: int
    n: int
    first: int = 0

    @classmethod
    def chronological(cls, n: int, window: int, val_fraction=0.15, test_fraction=0.15) -> "Split":
        b = n - int(round(n * test_fraction))
        a = b - int(round(n * val_fraction))
        if a - window < 2 or b - a < 1 or n - b < 1:
            raise ValueError(f"{n} values are too few for windows of {window} and three parts")
        return cls(window, a, b, n, first=window)

    def latest(self, train_size: int | None) -> "Split":
        """The same split with only the latest `train_size` training windows."""
        if train_size is None or train_size >= self.a - self.window:
            return self
        return replace(self, first=self.a - train_size)

    def span(self, part: str) -> tuple[int, int]:
        return {"train": (self.first, self.a), "validation": (self.a, self.b), "test": (self.b, self.n)}[part]

    def count(self, part: str) -> int:
        start, stop = self.span(part)
        return stop - start


class Scaler:
    """Standardise with the mean and standard deviation of the training values only."""

    def __init__(self, train_values):
        self.mean = float(np.mean(train_values))
        self.std = float(np.std(train_values)) or 1.0

    def transform(self, v):
        return (np.asarray(v, "float64") - self.mean) / self.std

    def inverse(self, z):
        return np.asarray(z, "float64") * self.std + self.mean
# --8<-- [end:split]


# --8<-- [start:windows]
def windows(values, window: int, start: int, stop: int, batch_size: int = 256, shuffle_seed=None):
    """A `tf.data.Dataset` of `(x, y)`: x = values[t - window : t] as `(window, 1)`, y = values[t], t in [start, stop).

    The inputs of the first windows reach back before `start` (into the
    previous part): they are the past, which a forecaster may read; only the
    targets are confined to the part.
    """
    import keras

    data = np.asarray(values, "float32")[start - window: stop]                   # (stop - start + window,)
    return keras.utils.timeseries_dataset_from_array(
        data[:-1, None],                 # the inputs; the last value is only ever a target
        targets=data[window:],           # target of the window that starts at i is data[i + window]
        sequence_length=window, batch_size=batch_size,
        shuffle=shuffle_seed is not None, seed=shuffle_seed,
    )
# --8<-- [end:windows]


def window_arrays(values, window: int, start: int, stop: int):
    """The windows of `windows(...)` as NumPy arrays `x (n, window)`, `y (n,)`, in time order."""
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in windows(values, window, start, stop, batch_size=4096)])
    return np.concatenate(xs)[..., 0], np.concatenate(ys)


# --8<-- [start:baselines]
def persistence(x):
    """Naive forecast: the next value equals the last one seen ("tomorrow = today")."""
    return x[:, -1]


def seasonal_naive(values, season: int, start: int, stop: int):
    """The value one season before each target: values[t - season] for t in [start, stop)."""
    return np.asarray(values)[start - season: stop - season]


def ridge_autoregression(x_train, y_train, x_val, y_val, alphas=(1e-3, 1e-2, 1e-1, 1, 10, 100)):
    """A linear model on the same lags (scikit-learn's Ridge), its strength chosen on validation MAE."""
    from sklearn.linear_model import Ridge

    best = None
    for alpha in alphas:
        model = Ridge(alpha=alpha).fit(x_train, y_train)
        err = float(np.mean(np.abs(model.predict(x_val) - y_val)))
        if best is None or err < best[0]:
            best = (err, alpha, model)
    return best[2], best[1]
# --8<-- [end:baselines]


def scores(y_true, y_pred) -> dict:
    """MAE and RMSE in the series' own units."""
    from kerasbook.metrics import mae, rmse

    return {"mae": mae(y_true, y_pred), "rmse": rmse(y_true, y_pred)}


# --8<-- [start:forecaster]
def build_forecaster(window: int, recurrent, head_units: int = 32, name: str = "forecaster"):
    """Many-to-one: `window` past values -> recurrent layer -> MLP head -> the change -> the next value.

    `recurrent` is a layer named `rnn` that reads `(B, window, 1)` and returns
    its last state `(B, units)`. The head predicts
    the change from the last value seen, which is added back, so a network
    that has learned nothing still starts from "tomorrow = today".
    """
    import keras
    from keras import layers

    past = keras.Input((window, 1), name="window")                                 # (B, 30, 1)
    h = recurrent(past)                                                             # (B, units)
    z = layers.Dense(head_units, activation="relu", name="head_hidden")(h)          # (B, head_units)
    change = layers.Dense(1, name="change")(z)                                      # (B, 1)
    last = layers.Reshape((1,), name="last_value")(layers.Cropping1D((window - 1, 0), name="crop_last")(past))
    forecast = layers.Add(name="forecast")([last, change])                          # (B, 1)
    return keras.Model(past, forecast, name=name)
# --8<-- [end:forecaster]


def fit_forecaster(model, values, split: Split, *, epochs, batch_size, learning_rate, jit, out, info, seed,
                   verbose=1, clipnorm=1.0):
    """Adam + MSE on the scaled series, best epoch by validation loss (`training.fit`); returns `(model, history)`."""
    import keras

    from kerasbook import training

    training.compile_model(model, optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm), loss="mse",
                           metrics=[keras.metrics.MeanAbsoluteError(name="mae")], jit_compile=jit)
    train_ds = windows(values, split.window, *split.span("train"), batch_size=batch_size, shuffle_seed=seed)
    val_ds = windows(values, split.window, *split.span("validation"), batch_size=1024)
    return training.fit(model, train_ds, val_ds, epochs=epochs, out=out, info=info,
                        train_examples=split.count("train"), verbose=verbose)


def compare(values, run, *, models: dict, window, season, epochs, batch_size, learning_rate, head_units,
            val_fraction=0.15, test_fraction=0.15, train_size=None, verbose=1):
    """Baselines and recurrent forecasters on the same windows of one series; their test scores.

    `run` is the chapter's `runs.Run`; `models` is `{name: (make_recurrent_layer,
    out_dir)}`, each trained with the same windows, epochs, batch size and
    optimiser. `season` (steps) adds the seasonal-naive baseline.
    """
    split = Split.chronological(len(values), window, val_fraction, test_fraction).latest(train_size)
    run.require_batch(split.count("train"), "training windows")
    raw = np.asarray(values, "float64")
    scaler = Scaler(raw[:split.a])                      # fitted on the training span only
    z = scaler.transform(raw)
    w = window
    x_tr, y_tr = window_arrays(z, w, *split.span("train"))
    x_va, y_va = window_arrays(z, w, *split.span("validation"))
    x_te, y_te = window_arrays(z, w, *split.span("test"))
    truth = scaler.inverse(y_te)
    preds = {"persistence": scaler.inverse(persistence(x_te))}
    if season:
        preds[f"seasonal naive ({season})"] = seasonal_naive(raw, season, *split.span("test"))
    ridge, alpha = ridge_autoregression(x_tr, y_tr, x_va, y_va)
    preds[f"linear AR ({w} lags)"] = scaler.inverse(ridge.predict(x_te))
    fits = {}
    for name, (make, out) in models.items():
        info = run.run_info()
        with run.strategy.scope():
            model = build_forecaster(w, make(), head_units, name=name.replace(" ", "_"))
        model, history = fit_forecaster(model, z, split, epochs=epochs, batch_size=batch_size,
                                        learning_rate=learning_rate, jit=run.jit, out=out, info=info,
                                        seed=run.seed, verbose=verbose)
        preds[name] = scaler.inverse(model.predict(x_te[..., None], batch_size=1024, verbose=0)[:, 0])
        fits[name] = {"model": model, "history": history, "info": info}
    return {"split": split, "scaler": scaler, "z": z, "truth": truth, "preds": preds, "fits": fits,
            "table": {k: scores(truth, p) for k, p in preds.items()}, "alpha": alpha,
            "index": values.index[split.b: split.n],
            "sizes": (split.count("train"), split.count("validation"), split.count("test"))}


# --8<-- [start:state-gradients]
def state_gradient_norms(cell, head, x, y):
    """Mean norm of d loss / d h_t at every step t of `x (B, T, 1)`, for an MSE loss on `head(h_T)`.

    We unroll the cell by hand so that every hidden state h_t is a tensor the
    gradient tape can be asked about. The result's entry k is the gradient at
    distance k from the end (k = 0 is the last step).
    """
    import tensorflow as tf

    x = tf.constant(x, "float32")
    batch, steps = x.shape[0], x.shape[1]
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    states = [tf.zeros((batch, s)) for s in sizes]
    hidden = []
    with tf.GradientTape() as tape:
        for t in range(steps):
            h, states = cell(x[:, t], states)                                     # (B, units)
            hidden.append(h)
        loss = tf.reduce_mean(tf.square(head(hidden[-1], x)[:, 0] - y))
    grads = tape.gradient(loss, hidden)                                           # T tensors (B, units)
    norms = np.array([float(tf.reduce_mean(tf.norm(g, axis=-1))) for g in grads])
    return norms[::-1]
# --8<-- [end:state-gradients]


def forecaster_head(model):
    """`head(h_T, window) -> forecast` of a `build_forecaster` model, for `state_gradient_norms`."""
    hidden, change = model.get_layer("head_hidden"), model.get_layer("change")

    def head(h, x):
        return change(hidden(h)) + x[:, -1]
    return head


def plot_forecasts(path, index, truth, forecasts: dict, title: str, units: str, last: int = 24 * 14):
    """The test period's last `last` steps: truth and each forecast, plus each one's absolute error."""
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    index, truth = index[-last:], np.asarray(truth)[-last:]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5.2), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    top.plot(index, truth, color="black", lw=1.6, label="truth")
    for (name, pred), style in zip(forecasts.items(), ("-", "--", ":", "-.", "-")):
        pred = np.asarray(pred)[-last:]
        top.plot(index, pred, style, lw=1.1, label=name)
        bottom.plot(index, np.abs(pred - truth), style, lw=1.0, label=name)
    top.set_ylabel(units)
    top.set_title(title, fontsize=10)
    top.legend(fontsize=8, ncol=3)
    bottom.set_ylabel("|error|")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_scores(path, table: dict, title: str, units: str):
    """Bars of test MAE and RMSE for every model and baseline in `table` (`{name: {"mae", "rmse"}}`)."""
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(table)
    pos = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(1.3 * len(names) + 2.5, 3.4))
    for offset, key in ((-0.2, "mae"), (0.2, "rmse")):
        vals = [table[n][key] for n in names]
        bars = ax.bar(pos + offset, vals, width=0.4, label=key.upper())
        ax.bar_label(bars, fmt="%.3g", fontsize=7)
    ax.set_xticks(pos, names, fontsize=8)
    ax.set_ylabel(f"test error ({units})")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
