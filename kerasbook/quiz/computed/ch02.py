"""Chapter 2 answers, computed from `kerasbook.chapters.ch02_ann`.

Keras and TensorFlow are imported inside the functions, so listing the banks
never pays for them. The default models are built once per process.
"""

from __future__ import annotations

import functools

import numpy as np

from kerasbook.quiz.compute import computed


@functools.cache
def _models():
    from kerasbook.chapters import ch02_ann

    return ch02_ann.diagram_models()


def _shape_spellings(shape) -> list[str]:
    dims = [str(d) for d in shape[1:]]
    out = [f"(B, {', '.join(dims)})", f"(None, {', '.join(dims)})", f"({', '.join(dims)})",
           " x ".join(dims), " × ".join(dims), f"(batch, {', '.join(dims)})"]
    if len(dims) == 1:
        out += [f"({dims[0]},)", dims[0]]
    return out


@computed("ch02.iterations_per_epoch")
def iterations(question, examples: int, batch_size: int, drop_remainder: bool = False):
    """Updates in one epoch, from the chapter's `iterations_per_epoch`."""
    from kerasbook.chapters.ch02_ann import iterations_per_epoch

    return iterations_per_epoch(examples, batch_size, drop_remainder)


@computed("ch02.total_updates")
def total_updates(question, examples: int, batch_size: int, epochs: int):
    """Weight updates in a whole run: iterations per epoch times epochs."""
    from kerasbook.chapters.ch02_ann import iterations_per_epoch

    return iterations_per_epoch(examples, batch_size) * epochs


@computed("ch02.params")
def params(question, model: str = "classifier", layer: str | None = None):
    """Parameters of one layer (or the whole model) of the chapter's default models."""
    found = _models()[model]
    return (found.get_layer(layer) if layer else found).count_params()


@computed("ch02.output_shape")
def output_shape(question, layer: str, model: str = "classifier"):
    """One layer's output shape in several spellings; the first is canonical."""
    return _shape_spellings(_models()[model].get_layer(layer).output.shape)


@computed("ch02.sine_loss")
def sine_loss(question, coeffs, points: int = 1000):
    """The course's sum-of-squares loss of the cubic `coeffs` (a, b, c, d) against sin(x)."""
    from kerasbook.chapters import ch02_ann as ch

    x, y = ch.sine_data(points)
    return round(float(ch.sum_of_squares(ch.cubic(x, [float(c) for c in coeffs]), y)), 4)


@computed("ch02.best_cubic")
def best_cubic(question, coefficient: str, points: int = 1000):
    """One coefficient of the least-squares cubic through sin(x) on [-pi, pi]."""
    from kerasbook.chapters import ch02_ann as ch

    x, y = ch.sine_data(points)
    value = float(ch.least_squares_cubic(x, y)["abcd".index(coefficient)])
    return round(value, 4) + 0.0          # + 0.0 turns -0.0 into 0.0


@computed("ch02.gd_step")
def gd_step(question, weight: float, gradient: float, learning_rate: float):
    """One update of plain gradient descent, the way the chapter's loop does it."""
    import keras
    import tensorflow as tf

    # The loss g * w has gradient g with respect to w, so one `assign_sub`
    # (the update in `fit_cubic_by_hand`) moves w by lr * g.
    w = keras.Variable(np.float64(weight), dtype="float64")
    with tf.GradientTape() as tape:
        loss = gradient * w
    w.assign_sub(learning_rate * tape.gradient(loss, w))
    return round(float(w.numpy()), 6)


@computed("ch02.regression_metric")
def regression_metric(question, metric: str, y_true, y_pred):
    """MAE, MSE, RMSE or R² from the chapter's `regression_metrics`."""
    from kerasbook.chapters.ch02_ann import regression_metrics

    return round(regression_metrics(y_true, y_pred)[metric], 4)


@computed("ch02.scale_pixel")
def scale_pixel(question, pixel: int):
    """What the classifier's first layer (`scale`) makes of one grey value."""
    from keras import ops

    out = _models()["classifier"].get_layer("scale")(np.full((1, 1), pixel, "uint8"))
    value = round(float(ops.convert_to_numpy(out)[0, 0]), 6)
    if question.type == "numeric":
        return value
    return [f"{value:g}", f"{value:.2f}", f"{value:.1f}", str(value)]


@computed("ch02.true_price")
def true_price(question, **row):
    """The builtin table's noiseless price for one row (missing columns at typical values)."""
    from kerasbook.data import housing as hs

    typical = {"CRIM": 0.0, "ZN": 0.0, "INDUS": 10.0, "CHAS": 0.0, "NOX": 0.55, "RM": 6.3, "AGE": 70.0,
               "DIS": 3.3, "RAD": 5.0, "TAX": 330.0, "PTRATIO": 18.5, "B": 390.0, "LSTAT": 11.0}
    typical.update(row)
    return round(float(hs.true_price(np.array([[typical[f] for f in hs.FEATURES]]))[0]), 4)
