"""The maths and the models of chapter 1, as the page shows them.

Least squares in closed form and by gradient descent, k-nearest neighbours and
the curse of dimensionality, the linear softmax classifier and the MLP, and the
helpers of the training checklist (initial loss, activation statistics,
learning-rate schedules, label noise, step times).
"""

from __future__ import annotations

import numpy as np

from kerasbook.chapters.ch01_foundations.config import Config


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


def build_mlp(inputs: int, classes: int, hidden=(64, 64), dropout=0.0, init="he_normal", name="mlp", penalty=None):
    """A multi-layer perceptron: Dense + ReLU blocks (He initialisation), then softmax.

    `penalty` (a `keras.regularizers` object, e.g. `L1(1e-4)`) is added to the loss for
    the weight matrix of every Dense layer; the biases are never penalised.
    """
    import keras
    from keras import layers

    x = keras.Input((inputs,), name="features")
    h = x
    for i, units in enumerate(hidden, 1):
        h = layers.Dense(units, activation="relu", kernel_initializer=init, kernel_regularizer=penalty,
                         name=f"dense{i}")(h)                                 # (B, units)
        if dropout:
            h = layers.Dropout(dropout, name=f"dropout{i}")(h)
    logits = layers.Dense(classes, kernel_regularizer=penalty, name="logits")(h)   # (B, C)
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

    from kerasbook import xla

    batch_size = batch_size or cfg.batch_size
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch_size, inputs)).astype("float32")
    y = rng.integers(0, cfg.classes, batch_size).astype("int32")

    def make(jit):
        keras.utils.set_random_seed(seed)
        return compile_classifier(build_mlp(inputs, cfg.classes, cfg.hidden), cfg.learning_rate, jit)

    return xla.time_train_steps(make, x, y, steps=steps, modes=modes)


def flip_labels(y, fraction: float, classes: int, seed: int = 0):
    """A copy of `y` with `round(fraction * len(y))` labels moved to a different, random class."""
    rng = np.random.default_rng(seed)
    y = np.array(y, copy=True)
    idx = rng.choice(len(y), round(fraction * len(y)), replace=False)
    y[idx] = (y[idx] + rng.integers(1, classes, len(idx))) % classes          # never the same class
    return y
