"""Chapter 5 answers, computed from `kerasbook.chapters.ch05_rnn`, `kerasbook.forecast` and our RNN cell.

Keras and TensorFlow are imported inside the functions, so listing the banks
or drawing an exam without its key never pays for them. Nothing here trains a
model: parameter counts and shapes come from layers that are built and called
once, window counts from the chapter's own `windows`, errors from its own
baselines and metrics, and gradient ratios from its BPTT probe run on a cell
whose weights are set by hand.
"""

from __future__ import annotations

import numpy as np

from kerasbook.quiz.compute import computed, max_slope
from kerasbook.quiz.compute import output_shape_spellings as _shape_spellings


def _int_spellings(value: int) -> list[str]:
    return [str(int(value)), f"{int(value):,}"]


def _config():
    from kerasbook.chapters import ch05_rnn

    return ch05_rnn.Config()


# -- the recurrence and weight sharing ------------------------------------------------

@computed("ch05.rnn_params")
def rnn_params(question, units: int, inputs: int, steps: int = 30, layer: str = "elman"):
    """Parameters of our `ElmanRNN` (or Keras' `SimpleRNN`) after reading `(1, steps, inputs)`."""
    import keras

    from kerasbook.layers.recurrent import ElmanRNN

    rnn = ElmanRNN(units) if layer == "elman" else keras.layers.SimpleRNN(units)
    rnn(keras.ops.zeros((1, steps, inputs)))
    return rnn.count_params()


@computed("ch05.params_by_length")
def params_by_length(question, length: int, units: int = 8, features: int = 1):
    """The parameter count `rnn_shapes` measures for one sequence length (10, 30 or 100)."""
    from kerasbook.chapters import ch05_rnn

    return ch05_rnn.rnn_shapes(steps=30, features=features, units=units)["params_by_length"][length]


@computed("ch05.rnn_shape")
def rnn_shape(question, pattern: str, batch: int = 4, steps: int = 30, features: int = 1, units: int = 8):
    """One entry of the chapter's `rnn_shapes()` (real layers), spelled with B for the batch."""
    from kerasbook.chapters import ch05_rnn

    got = ch05_rnn.rnn_shapes(batch=batch, steps=steps, features=features, units=units)[pattern]
    if pattern == "with_state":
        parts = [[str(d) for d in s] for s in got]
        with_b = ["(B, " + ", ".join(p[1:]) + ")" for p in parts]
        with_n = ["(" + ", ".join(p) + ")" for p in parts]
        return ["[" + ", ".join(with_n) + "]", ", ".join(with_n), "[" + ", ".join(with_b) + "]",
                ", ".join(with_b), " and ".join(with_n), " and ".join(with_b)]
    concrete = "(" + ", ".join(str(d) for d in got) + ")"
    return [concrete, *_shape_spellings(got), concrete.replace(" ", ""), " x ".join(str(d) for d in got)]


@computed("ch05.cell_output_shape")
def cell_output_shape(question, units: int, inputs: int):
    """The shape of h that one call of our `ElmanCell` returns for a batch of x_t."""
    import keras

    from kerasbook.layers.recurrent import ElmanCell

    cell = ElmanCell(units)
    h, _ = cell(keras.ops.zeros((2, inputs)), [keras.ops.zeros((2, units))])
    return _shape_spellings(h.shape)


@computed("ch05.cell_weight_count")
def cell_weight_count(question, units: int, inputs: int):
    """How many numbers `ElmanCell.build` creates (kernel, recurrent kernel and bias together)."""
    from kerasbook.layers.recurrent import ElmanCell

    cell = ElmanCell(units)
    cell.build((None, inputs))
    total = int(sum(np.prod(w.shape) for w in cell.weights))
    return total if question.type == "numeric" else _int_spellings(total)


@computed("ch05.cell_step")
def cell_step(question, x: float, h_prev: float, w: float, u: float, b: float = 0.0):
    """h_t of a one-unit `ElmanCell` with W, U and b set by hand: tanh(w x + u h_prev + b)."""
    import keras

    from kerasbook.layers.recurrent import ElmanCell

    cell = ElmanCell(1)
    cell.build((None, 1))
    cell.kernel.assign([[w]])
    cell.recurrent_kernel.assign([[u]])
    cell.bias.assign([b])
    h, _ = cell(np.array([[x]], "float32"), [np.array([[h_prev]], "float32")])
    return float(keras.ops.convert_to_numpy(h)[0, 0])


# -- the forecaster ---------------------------------------------------------------------

def _forecaster(window=None, units=None, head_units=None):
    from kerasbook import forecast
    from kerasbook.layers.recurrent import ElmanRNN

    cfg = _config()
    window = window or cfg.window
    return forecast.build_forecaster(window, ElmanRNN(units or cfg.units, name="rnn"), head_units or cfg.head_units)


@computed("ch05.forecaster_params")
def forecaster_params(question, layer: str | None = None, units: int | None = None, head_units: int | None = None):
    """Parameters of the chapter's forecaster (default `Config`), or of one of its layers."""
    model = _forecaster(units=units, head_units=head_units)
    return (model.get_layer(layer) if layer else model).count_params()


@computed("ch05.forecaster_shape")
def forecaster_shape(question, layer: str):
    """The output shape of one layer of the chapter's forecaster (default `Config`)."""
    return _shape_spellings(_forecaster().get_layer(layer).output.shape)


@computed("ch05.config")
def config_value(question, field: str, quick: bool = False):
    """A field of the chapter's `Config` (or of its `--quick` preset)."""
    cfg = _config()
    value = getattr(cfg.quick() if quick else cfg, field)
    return value if question.type == "numeric" else _int_spellings(value)


# -- windows and splits ------------------------------------------------------------------

def _pairs(values, window, start, stop):
    from kerasbook import forecast

    xs, ys = [], []
    for x, y in forecast.windows(values, window, start, stop, batch_size=4096):
        xs.append(np.asarray(x)[..., 0])
        ys.append(np.asarray(y))
    return np.concatenate(xs), np.concatenate(ys)


@computed("ch05.num_windows")
def num_windows(question, n: int, window: int = 30, start: int | None = None, stop: int | None = None):
    """How many (x, y) pairs the chapter's `forecast.windows` yields (default: every window of an n-value series)."""
    start = window if start is None else start
    stop = n if stop is None else stop
    _, y = _pairs(np.arange(n), window, start, stop)
    return len(y) if question.type == "numeric" else _int_spellings(len(y))


@computed("ch05.window_index")
def window_index(question, n: int, window: int, start: int, stop: int, pair: int = 0, what: str = "target",
                 first_day: int = 0):
    """For pair `pair` of `forecast.windows`: the index (or day number, from `first_day`) of its target or inputs.

    The series is `first_day, first_day + 1, ...`, so every value *is* its own position.
    """
    x, y = _pairs(np.arange(first_day, first_day + n), window, start, stop)
    value = {"target": y[pair], "first": x[pair, 0], "last": x[pair, -1]}[what]
    return int(value) if question.type == "numeric" else _int_spellings(int(value))


@computed("ch05.keras_doc_windows")
def keras_doc_windows(question, n: int, window: int = 30):
    """Windows Keras' documented recipe `timeseries_dataset_from_array(x[:-w], x[w:], sequence_length=w)` yields."""
    import keras

    x = np.arange(n)
    ds = keras.utils.timeseries_dataset_from_array(x[:-window], targets=x[window:], sequence_length=window,
                                                   batch_size=4096)
    return int(sum(int(np.asarray(y).shape[0]) for _, y in ds))


@computed("ch05.split_count")
def split_count(question, part: str, n: int | None = None, window: int | None = None, builtin: bool = False):
    """Targets in one part of the chapter's chronological split (of n values, or of the builtin series)."""
    from kerasbook import forecast

    cfg = _config()
    if builtin:
        from kerasbook.data import series

        n = len(series.greensboro_temperature())
    split = forecast.Split.chronological(n, window or cfg.window, cfg.val_fraction, cfg.test_fraction)
    count = split.count(part)
    return count if question.type == "numeric" else _int_spellings(count)


# -- baselines and errors ------------------------------------------------------------------

@computed("ch05.persistence_error")
def persistence_error(question, series, metric: str = "mae", window: int = 1):
    """MAE or RMSE of the chapter's persistence baseline over every window of a short series."""
    from kerasbook import forecast

    x, y = _pairs(np.asarray(series, "float64"), window, window, len(series))
    return forecast.scores(y, forecast.persistence(x))[metric]


@computed("ch05.seasonal_naive_error")
def seasonal_naive_error(question, series, season: int, start: int, metric: str = "mae"):
    """MAE or RMSE of the chapter's seasonal-naive baseline on targets `start .. len(series) - 1`."""
    from kerasbook import forecast

    values = np.asarray(series, "float64")
    pred = forecast.seasonal_naive(values, season, start, len(values))
    return forecast.scores(values[start:], pred)[metric]


@computed("ch05.seasonal_naive_index")
def seasonal_naive_index(question, season: int, start: int, stop: int, pair: int = 0):
    """Which index of `values` the seasonal-naive forecast for target `start + pair` copies."""
    from kerasbook import forecast

    value = int(forecast.seasonal_naive(np.arange(stop + season), season, start, stop)[pair])
    return value if question.type == "numeric" else _int_spellings(value)


@computed("ch05.error_score")
def error_score(question, y_true, y_pred, metric: str):
    """MAE or RMSE of given forecasts, by the chapter's `forecast.scores`."""
    from kerasbook import forecast

    return forecast.scores(np.asarray(y_true, "float64"), np.asarray(y_pred, "float64"))[metric]


@computed("ch05.ar_coefficients")
def ar_coefficients(question, window: int | None = None):
    """How many numbers the chapter's linear AR baseline fits: one weight per lag plus the intercept."""
    from kerasbook import forecast

    window = window or _config().window
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(size=400))
    x, y = _pairs(walk, window, window, len(walk))
    model, _ = forecast.ridge_autoregression(x[:300], y[:300], x[300:], y[300:])
    return int(np.size(model.coef_) + np.size(model.intercept_))


# -- backpropagation through time -------------------------------------------------------------

@computed("ch05.gradient_ratio")
def gradient_ratio(question, u: float, steps: int, w: float = 1.0, x: float = 0.0):
    """‖dL/dh_{T-k}‖ / ‖dL/dh_T‖ for k = `steps`, by the chapter's BPTT probe on a one-unit ElmanCell.

    The cell's W, U and b are set to w, u and 0 and every input is x, so with
    x = 0 the state stays at 0 where tanh' = 1 and the ratio is |u|^k.
    """
    from kerasbook import forecast
    from kerasbook.layers.recurrent import ElmanCell

    cell = ElmanCell(1)
    cell.build((None, 1))
    cell.kernel.assign([[w]])
    cell.recurrent_kernel.assign([[u]])
    cell.bias.assign([0.0])
    xs = np.full((1, steps + 1, 1), x, "float32")
    norms = forecast.state_gradient_norms(cell, lambda h, _x: h, xs, np.array([-1.0], "float32"))
    return float(norms[steps] / norms[0])


@computed("ch05.gradient_ratio_choice")
def gradient_ratio_choice(question, u: float, steps: int, w: float = 1.0, x: float = 0.0):
    """The choice (each one ends in a number, like `about 1e-4`) nearest the probe's ratio on a log scale."""
    from kerasbook.quiz.schema import LETTERS

    ratio = gradient_ratio(question, u, steps, w, x)
    numbers = [float(choice.en.split()[-1]) for choice in question.choices]
    distance = [abs(np.log10(ratio) - np.log10(v)) for v in numbers]
    return LETTERS[int(np.argmin(distance))]


@computed("ch05.tanh_max_slope")
def tanh_max_slope(question, steps: int = 1):
    """The largest value of tanh'(x), measured with autodiff, raised to the number of steps."""
    return max_slope("tanh") ** steps


@computed("ch05.clipped_gradient")
def clipped_gradient(question, gradient, clipnorm: float, component: int = 0):
    """One component of `gradient` after Keras' `clipnorm` (an SGD step of size 1 from zero shows it)."""
    import keras

    var = keras.Variable(np.zeros(len(gradient), "float32"))
    keras.optimizers.SGD(learning_rate=1.0, clipnorm=clipnorm).apply_gradients(
        [(keras.ops.convert_to_tensor(np.asarray(gradient, "float32")), var)])
    return float(-keras.ops.convert_to_numpy(var)[component])
