"""Chapter 1: foundations, from least squares to a training checklist you can run.

The chapter is a sequence of small, fast experiments, each one a figure:
linear regression solved twice (closed-form least squares and gradient
descent, full-batch and mini-batch) with MAE/MSE/RMSE/R²; k-nearest neighbours
and how accuracy moves with k; a linear softmax classifier that cannot separate
interleaved spirals next to a small MLP that can; and the checklist every
training run deserves: the initial loss is about log C, one tiny batch can be
learned by heart, a learning-rate sweep, Xavier vs He initialisation, step /
cosine / linear schedules, dropout and early stopping.

The saved `model.keras` is the MLP classifier of the main task: three spiral
arms on builtin data, the MNIST digits (through TFDS) with `--data full`.

Run it:

    python -m kerasbook.chapters.ch01_foundations            # default run, builtin data
    python -m kerasbook.chapters.ch01_foundations --quick    # about a minute on a laptop
    python -m kerasbook.chapters.ch01_foundations --data full

References:
    Glorot and Bengio, "Understanding the difficulty of training deep
    feedforward neural networks", 2010. He et al., "Delving Deep into
    Rectifiers", 2015. Srivastava et al., "Dropout", 2014. Loshchilov and
    Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", 2017.
    Karpathy, "A Recipe for Training Neural Networks", 2019.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerasbook import cli
from kerasbook.data import DatasetSpec, register, toy
from kerasbook.metrics import mae, mse, r2, rmse

CHAPTER = "ch01_foundations"
PROG = "python -m kerasbook.chapters.ch01_foundations"
MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz"


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 1 depends on."""

    # The main task: spirals (builtin) or MNIST (full).
    train_size: int = 3_000         # spiral points drawn for training (MNIST: a cap)
    val_size: int = 600
    test_size: int = 600
    classes: int = 3                # spiral arms
    noise: float = 0.15             # angular noise of the spirals, in radians
    epochs: int = 60                # main MLP and the linear softmax model
    batch_size: int = 64
    learning_rate: float = 1e-2     # Adam, for every classifier in the chapter
    hidden: tuple = (64, 64)        # MLP hidden widths
    # Linear regression: closed form vs gradient descent.
    reg_samples: int = 500
    reg_features: int = 3
    gd_learning_rate: float = 0.1
    gd_steps: int = 300
    sgd_batch: int = 16
    # k-NN on Gaussian blobs (MNIST: a subset).
    knn_train: int = 600
    knn_test: int = 300
    knn_ks: tuple = (1, 3, 5, 9, 15, 25, 45, 75, 125)
    # The checklist.
    loss_check_classes: tuple = (2, 3, 5, 10, 20, 50, 100)
    tiny_batch: int = 16            # examples the MLP must learn by heart
    tiny_steps: int = 150
    sweep_lrs: tuple = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
    sweep_epochs: int = 8
    init_depth: int = 10            # layers in the initialisation experiment
    init_width: int = 256
    schedule_epochs: int = 25
    overfit_train: int = 300        # a small training set, so that the MLP overfits
    label_noise: float = 0.25       # share of its labels we flip to a wrong class
    overfit_width: int = 256
    overfit_epochs: int = 200
    dropout: float = 0.3
    patience: int = 25              # early stopping: epochs without a better val_loss

    def quick(self) -> Config:
        """A preset that finishes in about a minute on a laptop CPU."""
        return dataclasses.replace(self, train_size=1_500, val_size=300, test_size=300, epochs=30,
                                   sweep_epochs=4, tiny_steps=100, schedule_epochs=12, overfit_epochs=100)

    def mnist(self) -> Config:
        """Sizes for MNIST (`--data full`): fewer epochs over many more examples."""
        return dataclasses.replace(self, train_size=60_000, classes=10, epochs=8, batch_size=128, learning_rate=1e-3,
                                   hidden=(128, 64), knn_train=5_000, knn_test=1_000, sweep_epochs=1,
                                   schedule_epochs=3, overfit_train=1_000, overfit_epochs=60, patience=8)
# --8<-- [end:config]


# --8<-- [start:data]
def _mnist_available(data_dir):
    import tensorflow_datasets as tfds

    if data_dir and not Path(data_dir).is_dir():
        raise cli.UsageError(f"--data-dir {data_dir} is not a folder; give the TFDS data folder that holds mnist/")
    try:
        prepared = tfds.builder("mnist", data_dir=data_dir).is_prepared()
    except Exception:  # noqa: BLE001 - a broken cache is the same as no cache
        prepared = False
    return prepared, "" if prepared else "MNIST is not in the TFDS data folder"


SPEC = register(DatasetSpec(
    name="ch01_main",
    builtin="three interleaved spirals drawn with NumPy (kerasbook.data.toy)",
    full="MNIST digits through tensorflow_datasets",
    full_available=_mnist_available,
    full_url=MNIST_URL,
))


def load_spirals(cfg: Config, seed: int):
    """`{split: (x (N, 2) float32, y (N,) int32)}` of the spiral task."""
    n = cfg.train_size + cfg.val_size + cfg.test_size
    x, y = toy.spirals(n, cfg.classes, noise=cfg.noise, seed=seed)
    a, b = cfg.train_size, cfg.train_size + cfg.val_size
    return {"train": (x[:a], y[:a]), "validation": (x[a:b], y[a:b]), "test": (x[b:], y[b:])}


def load_mnist(data_dir=None, seed: int = 0):
    """`{split: (x (N, 784) float32 in [0, 1], y (N,) int32)}` from TFDS.

    The last twelfth of TFDS's train split (5,000 of 60,000) becomes our validation set.
    """
    import tensorflow_datasets as tfds

    def arrays(split):
        ds = tfds.load("mnist", split=split, as_supervised=True, data_dir=data_dir).batch(10_000)
        xs, ys = zip(*tfds.as_numpy(ds))
        x = np.concatenate(xs).reshape(-1, 28 * 28).astype("float32") / 255.0     # (N, 784)
        return x, np.concatenate(ys).astype("int32")

    x, y = arrays("train")
    n_val = max(1, len(x) // 12)
    return {"train": (x[:-n_val], y[:-n_val]), "validation": (x[-n_val:], y[-n_val:]), "test": arrays("test")}
# --8<-- [end:data]


# --8<-- [start:regression]
def ols(x, y):
    """Least squares in closed form: solve the normal equations (XᵀX) θ = Xᵀy.

    A column of ones is appended to `x` so that the bias is the last entry of θ.
    Returns `(w (d,), b)`.
    """
    xb = np.concatenate([x, np.ones((len(x), 1))], axis=1)                    # (n, d + 1)
    theta = np.linalg.solve(xb.T @ xb, xb.T @ y)                              # (d + 1,)
    return theta[:-1], float(theta[-1])


def gradient_descent(x, y, learning_rate, steps, batch_size=None, seed=0):
    """Minimise the MSE of `x @ w + b` by (mini-batch) gradient descent.

    With `batch_size=None` every step uses all the data (gradient descent);
    otherwise each step uses the next `batch_size` examples of a shuffled pass
    (stochastic gradient descent). Returns `(w, b, losses)`, where `losses[t]`
    is the MSE on all the data before step `t` (and `losses[-1]` after the last).
    """
    rng = np.random.default_rng(seed)
    n, d = x.shape
    w, b = np.zeros(d), 0.0
    losses, order, pos = [], rng.permutation(n), 0
    for _ in range(steps):
        losses.append(float(np.mean((x @ w + b - y) ** 2)))
        if batch_size is None:
            xb, yb = x, y
        else:
            if pos + batch_size > n:                                          # a new epoch: reshuffle
                order, pos = rng.permutation(n), 0
            idx = order[pos:pos + batch_size]
            pos += batch_size
            xb, yb = x[idx], y[idx]
        err = xb @ w + b - yb                                                 # (batch,)
        # d/dw mean(err²) = 2/B Xᵀ err and d/db mean(err²) = 2 mean(err)
        w = w - learning_rate * 2.0 * xb.T @ err / len(xb)
        b = b - learning_rate * 2.0 * float(np.mean(err))
    losses.append(float(np.mean((x @ w + b - y) ** 2)))
    return w, b, np.asarray(losses)
# --8<-- [end:regression]


# --8<-- [start:knn]
def knn_predict(x_train, y_train, x_query, k: int, chunk: int = 512):
    """Majority vote of the `k` nearest training points (Euclidean distance).

    Ties between classes go to the smallest class id, as in scikit-learn.
    Queries are processed `chunk` at a time so the distance matrix stays small.
    """
    classes = int(y_train.max()) + 1
    train_sq = np.sum(x_train.astype("float64") ** 2, axis=1)                 # (n,)
    out = []
    for start in range(0, len(x_query), chunk):
        q = x_query[start:start + chunk].astype("float64")                    # (m, d)
        # |q - x|² = |q|² - 2 q·x + |x|², for all pairs at once
        d2 = np.sum(q ** 2, axis=1)[:, None] - 2.0 * q @ x_train.T + train_sq[None, :]   # (m, n)
        nearest = np.argpartition(d2, k - 1, axis=1)[:, :k]                   # (m, k), unordered
        votes = np.zeros((len(q), classes), np.int64)
        np.add.at(votes, (np.arange(len(q))[:, None], y_train[nearest]), 1)   # (m, classes)
        out.append(votes.argmax(axis=1))
    return np.concatenate(out).astype("int32")


def distance_contrast(dims, n=500, queries=50, seed=0):
    """How much farther the farthest point is than the nearest, (max − min) / min, by dimension.

    Points are uniform in the unit cube. As the dimension grows the ratio
    shrinks towards 0: every point is about as far away as every other, which
    is why "nearest" stops meaning much (the curse of dimensionality).
    """
    rng = np.random.default_rng(seed)
    out = []
    for d in dims:
        pts, qs = rng.uniform(size=(n, d)), rng.uniform(size=(queries, d))
        dist = np.sqrt(((qs[:, None, :] - pts[None, :, :]) ** 2).sum(-1))     # (queries, n)
        out.append(float(np.mean((dist.max(1) - dist.min(1)) / dist.min(1))))
    return out
# --8<-- [end:knn]


# --8<-- [start:models]
def build_linear(inputs: int, classes: int):
    """A linear softmax classifier: scores s = Wx + b, probabilities softmax(s)."""
    import keras
    from keras import layers

    x = keras.Input((inputs,), name="features")
    logits = layers.Dense(classes, name="logits")(x)                          # (B, C)
    probs = layers.Softmax(name="probs")(logits)
    return keras.Model(x, probs, name="linear_softmax")


def build_mlp(inputs: int, classes: int, hidden=(64, 64), dropout=0.0, init="he_normal", name="mlp"):
    """A multi-layer perceptron: Dense + ReLU blocks (He initialisation), then softmax."""
    import keras
    from keras import layers

    x = keras.Input((inputs,), name="features")
    h = x
    for i, units in enumerate(hidden, 1):
        h = layers.Dense(units, activation="relu", kernel_initializer=init, name=f"dense{i}")(h)   # (B, units)
        if dropout:
            h = layers.Dropout(dropout, name=f"dropout{i}")(h)
    logits = layers.Dense(classes, name="logits")(h)                          # (B, C)
    probs = layers.Softmax(name="probs")(logits)
    return keras.Model(x, probs, name=name)


def compile_classifier(model, learning_rate, jit_compile: bool):
    """Adam on the cross-entropy of the softmax output, with accuracy."""
    import keras

    from kerasbook.training import compile_model

    compile_model(model, optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")], jit_compile=jit_compile)
    return model


def diagram_models() -> dict:
    """The chapter's two classifiers for the spiral task, untrained."""
    cfg = Config()
    return {"linear_softmax": build_linear(2, cfg.classes), "mlp": build_mlp(2, cfg.classes, cfg.hidden)}
# --8<-- [end:models]


# --8<-- [start:checklist]
def predict_probs(model, x, batch_size: int = 4096):
    """Class probabilities `(N, C)`, calling the model directly (no `predict` tracing)."""
    from keras import ops

    return np.concatenate([ops.convert_to_numpy(model(x[i:i + batch_size], training=False))
                           for i in range(0, len(x), batch_size)])


def accuracy(model, x, y) -> float:
    """Share of examples whose most probable class is the label."""
    return float(np.mean(predict_probs(model, x).argmax(axis=1) == y))


def initial_loss(model, x, y) -> float:
    """Mean cross-entropy of an untrained model: about log C when it guesses uniformly."""
    probs = predict_probs(model, x)                                           # (N, C)
    return float(-np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-7))))


def activation_stats(init, activation: str, depth: int, width: int, n: int = 1000, seed: int = 0):
    """Standard deviation of every layer's output in a deep stack of Dense layers.

    The input is `n` standard-normal vectors of size `width`. A good
    initialisation keeps the standard deviation roughly constant with depth:
    Xavier (Glorot) for tanh, He for ReLU.
    """
    import keras

    keras.utils.set_random_seed(seed)
    x = np.random.default_rng(seed).normal(size=(n, width)).astype("float32")
    stds = []
    for i in range(depth):
        layer = keras.layers.Dense(width, activation=activation, use_bias=False,
                                   kernel_initializer=keras.initializers.get(init))
        x = keras.ops.convert_to_numpy(layer(x))                              # (n, width)
        stds.append(float(x.std()))
    return stds


def lr_schedule(kind: str, learning_rate: float, total_steps: int):
    """A Keras learning-rate schedule: constant, step, cosine or linear decay to 0."""
    import keras

    s = keras.optimizers.schedules
    if kind == "constant":
        return learning_rate
    if kind == "step":          # ×0.1 after half of training and again after three quarters
        return s.PiecewiseConstantDecay([total_steps // 2, (3 * total_steps) // 4],
                                        [learning_rate, learning_rate * 0.1, learning_rate * 0.01])
    if kind == "cosine":
        return s.CosineDecay(learning_rate, total_steps, alpha=0.0)
    if kind == "linear":
        return s.PolynomialDecay(learning_rate, total_steps, end_learning_rate=0.0, power=1.0)
    raise ValueError(f"unknown schedule {kind!r}; use constant, step, cosine or linear")
# --8<-- [end:checklist]


def measure_step_times(cfg: Config, inputs=2, batch_size=None, steps=10, modes=(True, False), seed=0):
    """Seconds per training step of the main MLP with XLA on and off, plus compile time."""
    import keras

    from kerasbook import training

    batch_size = batch_size or cfg.batch_size
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch_size, inputs)).astype("float32")
    y = rng.integers(0, cfg.classes, batch_size).astype("int32")

    def make(jit):
        keras.utils.set_random_seed(seed)
        return compile_classifier(build_mlp(inputs, cfg.classes, cfg.hidden), cfg.learning_rate, jit)

    return training.time_train_steps(make, x, y, steps=steps, modes=modes)


# Experiments. Each one runs in seconds, draws its figure into `figs` and
# returns the numbers that go into metrics.json.

def _plt():
    import matplotlib.pyplot as plt

    import kerasbook.plots  # noqa: F401  (selects the file-only Agg backend)

    return plt


def _save(fig, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    _plt().close(fig)


def _regions(ax, predict, x, y, title, classes):
    """Colour the plane by the predicted class and draw the points on top."""
    lo, hi = x.min(0) - 0.3, x.max(0) + 0.3
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 150), np.linspace(lo[1], hi[1], 150))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype("float32")                # (150², 2)
    from matplotlib.colors import ListedColormap

    colours = np.array(_plt().cm.tab10.colors[:classes])
    ax.contourf(gx, gy, predict(grid).reshape(gx.shape), levels=np.arange(classes + 1) - 0.5,
                cmap=ListedColormap(colours), alpha=0.25)
    ax.scatter(x[:, 0], x[:, 1], c=colours[y], s=4)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def experiment_regression(cfg: Config, seed: int, figs: Path) -> dict:
    """OLS and gradient descent on the same table; they must agree."""
    x, y, w_true, b_true = toy.regression(cfg.reg_samples, cfg.reg_features, seed=seed)
    n_train = int(0.8 * len(x))
    (x_tr, y_tr), (x_te, y_te) = (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
    w_ols, b_ols = ols(x_tr, y_tr)
    w_gd, b_gd, gd_losses = gradient_descent(x_tr, y_tr, cfg.gd_learning_rate, cfg.gd_steps)
    w_sgd, b_sgd, sgd_losses = gradient_descent(x_tr, y_tr, cfg.gd_learning_rate / 2, cfg.gd_steps,
                                                batch_size=cfg.sgd_batch, seed=seed)
    diff = float(np.max(np.abs(np.append(w_ols, b_ols) - np.append(w_gd, b_gd))))
    pred = x_te @ w_ols + b_ols
    result = {
        "ols_gd_max_abs_diff": diff,
        "ols_gd_max_abs_diff_text": f"{diff:.2e}",    # metrics.json rounds floats to 6 decimals
        "ols_sgd_max_abs_diff": float(np.max(np.abs(np.append(w_ols, b_ols) - np.append(w_sgd, b_sgd)))),
        "w_true": list(w_true), "b_true": b_true, "w_ols": list(w_ols), "b_ols": b_ols,
        "test_mae": mae(y_te, pred), "test_mse": mse(y_te, pred), "test_rmse": rmse(y_te, pred),
        "test_r2": r2(y_te, pred), "train_mse_ols": mse(y_tr, x_tr @ w_ols + b_ols),
    }
    plt = _plt()
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(11, 3.2))
    a.plot(gd_losses, label="gradient descent (all data)")
    a.plot(sgd_losses, label=f"SGD (batches of {cfg.sgd_batch})", alpha=0.7)
    a.axhline(result["train_mse_ols"], color="k", ls="--", lw=1, label="OLS (closed form)")
    a.set(yscale="log", xlabel="step", ylabel="training MSE", title="loss per step")
    a.legend(fontsize=7)
    b.bar(np.arange(len(w_ols) + 1) - 0.2, np.append(w_ols, b_ols), 0.4, label="OLS")
    b.bar(np.arange(len(w_ols) + 1) + 0.2, np.append(w_gd, b_gd), 0.4, label="GD")
    b.set_xticks(range(len(w_ols) + 1), [f"w{i + 1}" for i in range(len(w_ols))] + ["b"])
    b.set_title(f"coefficients (max |OLS − GD| = {diff:.1e})", fontsize=9)
    b.legend(fontsize=7)
    c.scatter(y_te, pred, s=6)
    lims = [min(y_te.min(), pred.min()), max(y_te.max(), pred.max())]
    c.plot(lims, lims, "k--", lw=1)
    c.set(xlabel="true y", ylabel="predicted y",
          title=f"test: RMSE {result['test_rmse']:.2f}, R² {result['test_r2']:.3f}")
    _save(fig, figs / "regression.png")
    return result


def experiment_knn(cfg: Config, data, seed: int, figs: Path) -> dict:
    """Train and test accuracy of k-NN for every k, and the curse of dimensionality."""
    (x_tr, y_tr), (x_te, y_te) = data
    ks = [k for k in cfg.knn_ks if k <= len(x_tr)]
    train_acc = [float(np.mean(knn_predict(x_tr, y_tr, x_tr, k) == y_tr)) for k in ks]
    test_acc = [float(np.mean(knn_predict(x_tr, y_tr, x_te, k) == y_te)) for k in ks]
    best = ks[int(np.argmax(test_acc))]
    dims = [2, 10, 100, 1000]
    contrast = distance_contrast(dims, seed=seed)
    plt = _plt()
    two_d = x_tr.shape[1] == 2
    fig, axes = plt.subplots(1, 4 if two_d else 2, figsize=(13 if two_d else 7, 3.2))
    axes[0].plot(ks, train_acc, "o-", ms=3, label="train (each point votes for itself)")
    axes[0].plot(ks, test_acc, "s-", ms=3, label="test")
    axes[0].set(xscale="log", xlabel="k", ylabel="accuracy", title=f"accuracy vs k (best test k = {best})")
    axes[0].legend(fontsize=7)
    if two_d:
        classes = int(y_tr.max()) + 1
        for ax, k in zip(axes[1:3], (1, best)):
            _regions(ax, lambda g, k=k: knn_predict(x_tr, y_tr, g, k), x_tr, y_tr, f"k = {k}", classes)
    axes[-1].plot(dims, contrast, "o-")
    axes[-1].set(xscale="log", yscale="log", xlabel="dimension", ylabel="(max − min) / min distance",
                 title="curse of dimensionality")
    _save(fig, figs / "knn.png")
    return {"ks": ks, "train_accuracy": train_acc, "test_accuracy": test_acc, "best_k": best,
            "best_test_accuracy": max(test_acc), "dims": dims, "distance_contrast": contrast}


def _fit(model, x, y, val, epochs, batch_size, callbacks=()):
    history = model.fit(x, y, validation_data=val, epochs=epochs, batch_size=batch_size, verbose=0,
                        callbacks=list(callbacks))
    return history.history


def experiment_initial_loss(cfg: Config, x, seed: int, figs: Path) -> dict:
    """The untrained MLP's cross-entropy against log C, for several class counts."""
    import keras

    rng = np.random.default_rng(seed)
    measured = []
    for c in cfg.loss_check_classes:
        keras.utils.set_random_seed(seed)
        y = rng.integers(0, c, len(x)).astype("int32")
        measured.append(initial_loss(build_mlp(x.shape[1], c, cfg.hidden), x, y))
    expected = [math.log(c) for c in cfg.loss_check_classes]
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 3.2))
    ax.plot(cfg.loss_check_classes, expected, "k--", label="log C")
    ax.plot(cfg.loss_check_classes, measured, "o", label="untrained MLP")
    ax.set(xscale="log", xlabel="classes C", ylabel="initial cross-entropy", title="initial loss ≈ log C")
    ax.legend()
    _save(fig, figs / "initial_loss.png")
    return {"classes": list(cfg.loss_check_classes), "measured": measured, "log_c": expected}


def experiment_tiny_batch(cfg: Config, x, y, jit: bool, seed: int, figs: Path) -> dict:
    """Learn one tiny batch by heart: if this fails, something is wired wrong."""
    import keras

    keras.utils.set_random_seed(seed)
    model = compile_classifier(build_mlp(x.shape[1], cfg.classes, cfg.hidden), cfg.learning_rate, jit)
    xb, yb = x[: cfg.tiny_batch], y[: cfg.tiny_batch]
    h = _fit(model, xb, yb, None, cfg.tiny_steps, cfg.tiny_batch)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 3.2))
    ax.plot(h["loss"], label="loss")
    ax.set(yscale="log", xlabel=f"step (one batch of {len(xb)})", ylabel="cross-entropy")
    ax2 = ax.twinx()
    ax2.plot(h["accuracy"], color="C1", label="accuracy")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("accuracy")
    ax.set_title(f"overfit one batch: accuracy {h['accuracy'][-1]:.0%}", fontsize=9)
    _save(fig, figs / "tiny_batch.png")
    return {"examples": len(xb), "steps": cfg.tiny_steps, "first_loss": h["loss"][0],
            "final_loss": h["loss"][-1], "final_accuracy": h["accuracy"][-1]}


def experiment_lr_sweep(cfg: Config, train, val, jit: bool, seed: int, figs: Path) -> dict:
    """The same MLP trained briefly at learning rates a factor of 10 apart."""
    import keras

    final_loss, val_acc = [], []
    for lr in cfg.sweep_lrs:
        keras.utils.set_random_seed(seed)
        model = compile_classifier(build_mlp(train[0].shape[1], cfg.classes, cfg.hidden), lr, jit)
        h = _fit(model, *train, val, cfg.sweep_epochs, cfg.batch_size)
        loss = h["loss"][-1]
        final_loss.append(loss if math.isfinite(loss) else float("nan"))
        val_acc.append(h["val_accuracy"][-1])
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.8, 3.2))
    ax.plot(cfg.sweep_lrs, final_loss, "o-", label="final training loss")
    ax.set(xscale="log", yscale="log", xlabel="learning rate (Adam)", ylabel="training loss",
           title=f"learning-rate sweep, {cfg.sweep_epochs} epochs each")
    ax2 = ax.twinx()
    ax2.plot(cfg.sweep_lrs, val_acc, "s--", color="C1", label="validation accuracy")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("validation accuracy")
    _save(fig, figs / "lr_sweep.png")
    return {"learning_rates": list(cfg.sweep_lrs), "final_loss": final_loss, "val_accuracy": val_acc,
            "best_learning_rate": cfg.sweep_lrs[int(np.nanargmax(val_acc))]}


INITS = {"small N(0, 0.01)": {"class_name": "RandomNormal", "config": {"stddev": 0.01}},
         "Xavier (Glorot normal)": "glorot_normal", "He normal": "he_normal"}


def experiment_init(cfg: Config, seed: int, figs: Path) -> dict:
    """Activation standard deviation by depth, for three initialisations and two activations."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    result = {}
    for ax, act in zip(axes, ("tanh", "relu")):
        for name, init in INITS.items():
            stds = activation_stats(init, act, cfg.init_depth, cfg.init_width, seed=seed)
            result[f"{act} / {name}"] = stds
            ax.plot(range(1, cfg.init_depth + 1), stds, "o-", ms=3, label=name)
        ax.set(yscale="log", xlabel="layer", ylabel="std of activations", title=f"{act}, width {cfg.init_width}")
        ax.legend(fontsize=7)
    _save(fig, figs / "init_stats.png")
    return result


def experiment_schedules(cfg: Config, train, val, jit: bool, seed: int, figs: Path) -> dict:
    """Constant, step, cosine and linear schedules: their shape, and training with each."""
    import keras

    from kerasbook.training import compile_model

    steps_per_epoch = math.ceil(len(train[0]) / cfg.batch_size)
    total = cfg.schedule_epochs * steps_per_epoch
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    result = {}
    for kind in ("constant", "step", "cosine", "linear"):
        sched = lr_schedule(kind, cfg.learning_rate, total)
        t = np.arange(total)
        a.plot(t, [float(sched(int(i))) if callable(sched) else sched for i in t], label=kind)
        keras.utils.set_random_seed(seed)
        model = build_mlp(train[0].shape[1], cfg.classes, cfg.hidden)
        compile_model(model, optimizer=keras.optimizers.Adam(sched),
                      loss=keras.losses.SparseCategoricalCrossentropy(),
                      metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")], jit_compile=jit)
        h = _fit(model, *train, val, cfg.schedule_epochs, cfg.batch_size)
        b.plot(range(1, len(h["val_loss"]) + 1), h["val_loss"], label=kind)
        result[kind] = {"final_val_loss": h["val_loss"][-1], "final_val_accuracy": h["val_accuracy"][-1]}
    a.set(xlabel="step", ylabel="learning rate", title="schedules")
    a.legend(fontsize=7)
    b.set(yscale="log", xlabel="epoch", ylabel="validation loss", title="training with each")
    b.legend(fontsize=7)
    _save(fig, figs / "schedules.png")
    return result


def flip_labels(y, fraction: float, classes: int, seed: int = 0):
    """A copy of `y` with `round(fraction * len(y))` labels moved to a different, random class."""
    rng = np.random.default_rng(seed)
    y = np.array(y, copy=True)
    idx = rng.choice(len(y), round(fraction * len(y)), replace=False)
    y[idx] = (y[idx] + rng.integers(1, classes, len(idx))) % classes          # never the same class
    return y


def experiment_regularisation(cfg: Config, train, val, test, jit: bool, seed: int, figs: Path) -> dict:
    """A wide MLP on a small training set with some wrong labels: plain, dropout, early stopping.

    Only the training labels are flipped; validation and test labels stay
    correct, so memorising the wrong labels shows up as worse validation loss
    and test accuracy.
    """
    import keras

    x_small = train[0][: cfg.overfit_train]
    y_small = flip_labels(train[1][: cfg.overfit_train], cfg.label_noise, cfg.classes, seed)
    hidden = (cfg.overfit_width, cfg.overfit_width)
    runs, result = {}, {}
    for name, dropout, stop in (("plain", 0.0, False), ("dropout", cfg.dropout, False),
                                ("early_stopping", 0.0, True)):
        keras.utils.set_random_seed(seed)
        model = compile_classifier(build_mlp(x_small.shape[1], cfg.classes, hidden, dropout), cfg.learning_rate, jit)
        callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.patience,
                                                   restore_best_weights=True)] if stop else []
        runs[name] = h = _fit(model, x_small, y_small, val, cfg.overfit_epochs, cfg.batch_size, callbacks)
        test_acc = accuracy(model, *test)
        result[name] = {"epochs_run": len(h["loss"]), "best_epoch": int(np.argmin(h["val_loss"])) + 1,
                        "min_val_loss": min(h["val_loss"]), "final_val_loss": h["val_loss"][-1],
                        "final_train_loss": h["loss"][-1], "test_accuracy": float(test_acc)}
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
    for ax, name in zip(axes, ("plain", "dropout")):
        h = runs[name]
        ax.plot(range(1, len(h["loss"]) + 1), h["loss"], label="train")
        ax.plot(range(1, len(h["val_loss"]) + 1), h["val_loss"], label="validation")
        label = f"dropout {cfg.dropout}" if name == "dropout" else "no dropout"
        ax.set(yscale="log", xlabel="epoch", title=f"{label}: test accuracy {result[name]['test_accuracy']:.1%}")
    stopped = result["early_stopping"]
    axes[0].axvline(stopped["epochs_run"], color="k", ls="--", lw=1,
                    label=f"early stopping ends (epoch {stopped['epochs_run']}, best {stopped['best_epoch']}, "
                          f"test {stopped['test_accuracy']:.1%})")
    axes[0].set_ylabel("cross-entropy")
    for ax in axes:
        ax.legend(fontsize=7)
    _save(fig, figs / "dropout_early_stopping.png")
    return result


def save_main_figures(out: Path, history, models, test, classes):
    """curves.png, and linear_vs_mlp.png (2-D data) or predictions.png (images)."""
    from kerasbook.plots import image_grid, plot_history

    figs = out / "figures"
    plot_history(history, figs / "curves.png", title="MLP on the main task")
    x, y = test
    if x.shape[1] == 2:
        plt = _plt()
        fig, axes = plt.subplots(1, len(models), figsize=(4 * len(models), 3.6))
        for ax, (name, (model, acc)) in zip(axes, models.items()):
            _regions(ax, lambda g, m=model: predict_probs(m, g).argmax(1), x, y,
                     f"{name}: test accuracy {acc:.1%}", classes)
        _save(fig, figs / "linear_vs_mlp.png")
    else:
        model = models["MLP"][0]
        pred = predict_probs(model, x[:16]).argmax(1)
        images = (x[:16].reshape(-1, 28, 28) * 255).astype("uint8")
        image_grid(images, [f"{p} (true {t})" if p != t else str(p) for p, t in zip(pred, y[:16])],
                   figs / "predictions.png", wrong=pred != y[:16], title="MLP on test digits")


def _validate(args, cfg, sources):
    if sources[SPEC.name] == "builtin" and cfg.train_size < cfg.tiny_batch:
        raise cli.UsageError(f"--train-size {cfg.train_size} is smaller than the tiny batch of {cfg.tiny_batch}; raise it")


def _train(argv):
    from kerasbook import runs, training

    def base(sources):
        return Config().mnist() if sources[SPEC.name] == "full" else Config()

    def measure(run):
        return measure_step_times(run.cfg, inputs=784 if run.source == "full" else 2, steps=10)

    run = runs.setup(argv, chapter=CHAPTER, prog=PROG,
                     description="Chapter 1: regression, k-NN, linear vs MLP, and the training checklist.",
                     config=base, specs=(SPEC,), measure=measure, validate=_validate)
    cfg, out, args, jit, source = run.cfg, run.out, run.args, run.jit, run.source
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    inputs = 784 if source == "full" else 2

    start = time.perf_counter()
    splits = load_spirals(cfg, args.seed) if source == "builtin" else load_mnist(args.data_dir, args.seed)
    train, val, test = (splits[k] for k in ("train", "validation", "test"))
    train = (train[0][: cfg.train_size], train[1][: cfg.train_size])
    run.require_batch(len(train[0]))
    if source == "builtin":
        knn_x, knn_y = toy.blobs(cfg.knn_train + cfg.knn_test, centers=4, spread=1.5, seed=args.seed)
        knn_data = ((knn_x[: cfg.knn_train], knn_y[: cfg.knn_train]), (knn_x[cfg.knn_train:], knn_y[cfg.knn_train:]))
    else:
        knn_data = ((train[0][: cfg.knn_train], train[1][: cfg.knn_train]), (test[0][: cfg.knn_test], test[1][: cfg.knn_test]))
    data_seconds = time.perf_counter() - start
    print(f"data: {source}, {len(train[0])} train / {len(val[0])} validation / {len(test[0])} test "
          f"({data_seconds:.0f}s)")

    figs = out / "figures"
    exp, seconds = {}, {"data": data_seconds}

    def step(i, name, fn, *a):
        say(f"[{i}/9] {name} ...")
        t = time.perf_counter()
        exp[name] = fn(*a)
        seconds[name] = time.perf_counter() - t

    step(1, "regression", experiment_regression, cfg, args.seed, figs)
    step(2, "knn", experiment_knn, cfg, knn_data, args.seed, figs)

    # 3. The main task: a linear softmax model and the MLP, same data, same optimiser.
    say("[3/9] linear softmax vs MLP ...")
    t = time.perf_counter()
    linear = compile_classifier(build_linear(inputs, cfg.classes), cfg.learning_rate, jit)
    linear_hist = _fit(linear, *train, val, cfg.epochs, cfg.batch_size)
    linear_acc = accuracy(linear, *test)
    import tensorflow as tf

    train_ds = (tf.data.Dataset.from_tensor_slices(train).shuffle(len(train[0]), seed=args.seed)
                .batch(cfg.batch_size).prefetch(tf.data.AUTOTUNE))
    val_ds = tf.data.Dataset.from_tensor_slices(val).batch(1024)
    info = run.run_info()
    with run.strategy.scope():
        mlp = compile_classifier(build_mlp(inputs, cfg.classes, cfg.hidden), cfg.learning_rate, jit)
    loss_at_init = initial_loss(mlp, *val)
    mlp, history = training.fit(mlp, train_ds, val_ds, epochs=cfg.epochs, out=out, info=info,
                                train_examples=len(train[0]), verbose=0 if args.quiet else 2)
    test_acc = accuracy(mlp, *test)
    save_main_figures(out, history, {"linear softmax": (linear, linear_acc), "MLP": (mlp, test_acc)}, test, cfg.classes)
    exp["linear_vs_mlp"] = {"linear_test_accuracy": linear_acc, "mlp_test_accuracy": test_acc,
                            "linear_final_train_loss": linear_hist["loss"][-1],
                            "mlp_final_train_loss": history["loss"][-1]}
    seconds["linear_vs_mlp"] = time.perf_counter() - t

    step(4, "initial_loss", experiment_initial_loss, cfg, train[0][:2000], args.seed, figs)
    exp["initial_loss"]["main_task"] = {"classes": cfg.classes, "log_c": math.log(cfg.classes),
                                        "measured": loss_at_init}
    step(5, "tiny_batch", experiment_tiny_batch, cfg, *train, jit, args.seed, figs)
    step(6, "lr_sweep", experiment_lr_sweep, cfg, train, val, jit, args.seed, figs)
    step(7, "init", experiment_init, cfg, args.seed, figs)
    step(8, "schedules", experiment_schedules, cfg, train, val, jit, args.seed, figs)
    step(9, "regularisation", experiment_regularisation, cfg, train, val, test, jit, args.seed, figs)

    seconds["train_main"] = info.train_seconds
    final = {"test_accuracy": test_acc, "linear_test_accuracy": linear_acc,
             "ols_gd_max_abs_diff": exp["regression"]["ols_gd_max_abs_diff"],
             "tiny_batch_accuracy": exp["tiny_batch"]["final_accuracy"]}
    metrics = run.finish(dataset=run.dataset(len(train[0]), len(val[0]), len(test[0])), info=info,
                         seconds=seconds, final=final, experiments=exp)
    print(f"MLP test accuracy {test_acc:.3f}, linear softmax {linear_acc:.3f}; "
          f"OLS vs GD max |diff| {final['ols_gd_max_abs_diff']:.1e}; tiny batch {final['tiny_batch_accuracy']:.0%}; "
          f"XLA {'on' if jit else 'off'}; {metrics['seconds']['total']:.0f}s; wrote {out}")
    return 0


def main(argv=None):
    """Run every experiment of the chapter; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    return cli.run_main(_train, argv, PROG)


if __name__ == "__main__":
    sys.exit(main())
