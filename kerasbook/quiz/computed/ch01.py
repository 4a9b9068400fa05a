"""Chapter 1 answers, computed from `kerasbook.chapters.ch01_foundations.methods` and `kerasbook.metrics`.

Keras is imported inside the functions, so listing the banks never pays for it.
"""

from __future__ import annotations

import functools

import numpy as np

from kerasbook.quiz.compute import computed


def _chapter():
    from kerasbook.chapters.ch01_foundations import methods

    return methods


def _number_spellings(value: float) -> list[str]:
    if float(value).is_integer():
        return [str(int(value)), f"{float(value):.1f}"]
    spellings = [f"{value:.4g}", str(value), f"{value:.0e}".replace("e-0", "e-")]
    return list(dict.fromkeys(spellings))


@functools.cache
def _models():
    return _chapter().diagram_models()


@computed("ch01.metric")
def metric(question, name: str, y_true, y_pred):
    """MAE, MSE, RMSE or R² of `y_pred` against `y_true`, from the functions the chapter reports them with."""
    from kerasbook import metrics

    return getattr(metrics, name)(np.asarray(y_true, float), np.asarray(y_pred, float))


def _softmax(scores):
    from keras import ops

    return ops.convert_to_numpy(ops.softmax(np.asarray([scores], "float32"), axis=-1))[0]


@computed("ch01.softmax")
def softmax(question, scores, index: int):
    """The softmax probability of class `index` for the given scores."""
    return float(_softmax(scores)[index])


@computed("ch01.cross_entropy")
def cross_entropy(question, scores, label: int):
    """Cross-entropy −log p_label of the softmax of `scores`, via the chapter's `initial_loss` maths."""
    import keras

    probs = _softmax(scores)[None]
    return float(keras.ops.convert_to_numpy(keras.losses.sparse_categorical_crossentropy(np.asarray([label]), probs))[0])


@computed("ch01.uniform_loss")
def uniform_loss(question, classes: int):
    """The loss of an MLP whose output layer is zero (a uniform guess) over `classes` classes."""
    ch = _chapter()
    model = ch.build_mlp(2, classes, hidden=(4,))
    layer = model.get_layer("logits")
    layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 2)).astype("float32")
    return round(ch.initial_loss(model, x, rng.integers(0, classes, 32)), 4)


@computed("ch01.ols")
def ols(question, x, y, part: str):
    """Slope (`part="w"`, one feature) or intercept (`part="b"`) of the chapter's OLS fit."""
    w, b = _chapter().ols(np.asarray(x, float).reshape(-1, 1), np.asarray(y, float))
    return round(float(w[0]) if part == "w" else b, 6)


@computed("ch01.gd_step")
def gd_step(question, x, y, learning_rate: float, part: str):
    """Weight (`part="w"`) or bias after one gradient-descent step from zero (one feature)."""
    w, b, _ = _chapter().gradient_descent(np.asarray(x, float).reshape(-1, 1), np.asarray(y, float),
                                          learning_rate, 1)
    return round(float(w[0]) if part == "w" else b, 6)


@computed("ch01.knn")
def knn(question, points, labels, query, k: int):
    """The class the chapter's k-NN gives `query`."""
    pred = _chapter().knn_predict(np.asarray(points, float), np.asarray(labels), np.asarray([query], float), k)
    return [str(int(pred[0])), f"class {int(pred[0])}"]


@computed("ch01.schedule")
def schedule(question, kind: str, learning_rate: float, total: int, step: int):
    """The learning rate of the chapter's `lr_schedule(kind, ...)` at `step`."""
    s = _chapter().lr_schedule(kind, learning_rate, total)
    value = float(s(step)) if callable(s) else float(s)
    value = round(value, 8)
    return value if question.type == "numeric" else _number_spellings(value)


@computed("ch01.init_std")
def init_std(question, init: str, fan_in: int, fan_out: int):
    """The standard deviation a Keras initialiser aims for, measured on a large sample."""
    import keras

    w = keras.ops.convert_to_numpy(keras.initializers.get(init)((fan_in, fan_out * 64)))
    return round(float(w.std()), 3)


@computed("ch01.dropout_scale")
def dropout_scale(question, rate: float):
    """What Keras' Dropout multiplies the units it keeps by, during training."""
    import keras

    out = keras.ops.convert_to_numpy(keras.layers.Dropout(rate, seed=1)(np.ones((1, 4096), "float32"), training=True))
    return round(float(out[out > 0].mean()), 4)


@computed("ch01.param_count")
def param_count(question, model: str, layer: str | None = None):
    """Parameters of one of the chapter's default models (or one of its layers)."""
    m = _models()[model]
    return (m.get_layer(layer) if layer else m).count_params()


@computed("ch01.output_shape")
def output_shape(question, model: str, layer: str):
    """A layer's output shape in the default spiral MLP, in several spellings."""
    dims = [str(d) for d in _models()[model].get_layer(layer).output.shape[1:]]
    return [f"(B, {', '.join(dims)})", f"(None, {', '.join(dims)})", f"({', '.join(dims)})",
            f"({', '.join(dims)},)", f"(batch, {', '.join(dims)})"]


@computed("ch01.penalty_value")
def penalty_value(question, method: str, weights, l1: float | None = None, l2: float | None = None):
    """The penalty the chapter's `penalties.penalty(method)` adds to the loss for `weights`."""
    import dataclasses

    import keras

    from kerasbook.chapters.ch01_foundations import penalties

    cfg = penalties.PenaltyConfig()
    cfg = dataclasses.replace(cfg, l1=cfg.l1 if l1 is None else l1, l2=cfg.l2 if l2 is None else l2)
    from kerasbook.quiz.compute import answer

    value = float(keras.ops.convert_to_numpy(penalties.penalty(method, cfg)(np.asarray(weights, "float32"))))
    return answer(question, round(value, 8))


@computed("ch01.penalty_step")
def penalty_step(question, method: str, weight: float, learning_rate: float, strength: float):
    """A weight after one plain SGD step on the penalty alone (no data loss), through Keras."""
    import keras
    import tensorflow as tf

    reg = keras.regularizers.L1(strength) if method == "l1" else keras.regularizers.L2(strength)
    w = keras.Variable(np.array([weight], "float32"))
    with tf.GradientTape() as tape:
        loss = reg(w)
    keras.optimizers.SGD(learning_rate).apply_gradients([(tape.gradient(loss, w), w)])
    return round(float(w.numpy()[0]), 6)


@computed("ch01.grid_size")
def grid_size(question, units=None, learning_rate=None, dropout=None):
    """Models in a full grid of the chapter's search space (`search.grid_size`), with other value lists if given."""
    import dataclasses

    from kerasbook.chapters.ch01_foundations import search

    changes = {k: tuple(v) for k, v in (("units", units), ("learning_rate", learning_rate), ("dropout", dropout))
               if v is not None}
    return search.grid_size(dataclasses.replace(search.SearchConfig(), **changes))


@computed("ch01.penalised_weights")
def penalised_weights(question, width: int | None = None):
    """Weights (kernels only) of the `penalties` experiment's MLP: 2 inputs, two hidden layers, 3 classes."""
    import dataclasses

    from kerasbook.chapters.ch01_foundations import penalties

    cfg = penalties.PenaltyConfig()
    cfg = cfg if width is None else dataclasses.replace(cfg, width=width)
    return penalties.weight_stats(penalties.build_penalised_mlp("none", cfg), cfg.near_zero)["weights"]


@computed("ch01.grid_values")
def grid_values(question, name: str):
    """How many values of one hyper-parameter the chapter's default grid (`search.search_space`) tries."""
    import keras_tuner as kt

    from kerasbook.chapters.ch01_foundations import search
    from kerasbook.quiz.compute import answer

    hp = kt.HyperParameters()
    search.search_space(hp, "grid", search.SearchConfig())
    return answer(question, len(next(p.values for p in hp.space if p.name == name)))
