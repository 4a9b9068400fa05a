"""Chapter 6 answers, computed from `kerasbook.layers.recurrent` and `kerasbook.forecast`.

Every number here comes out of the real layers: parameter counts from built
`GateLSTM` / `ElmanRNN` / `keras.layers.LSTM` layers, shapes from calling
them, one-step cell updates from a `GateLSTMCell` with assigned weights, and
Keras' gate order from what `GateLSTMCell.set_from_keras_lstm` does with a
labelled kernel. Keras is imported inside the functions, so listing the banks
never pays for it.
"""

from __future__ import annotations

import math

import numpy as np

from kerasbook.quiz.compute import computed
from kerasbook.quiz.compute import number_spellings as _number_spellings
from kerasbook.quiz.compute import shape_spellings as _shape_spellings
from kerasbook.quiz.schema import LETTERS

GATE_LETTER = {"input": "i", "forget": "f", "candidate": "c", "output": "o"}
GATE_WORDS = {"input": ["input", "입력"], "forget": ["forget", "망각"],
              "candidate": ["candidate", "cell", "후보"], "output": ["output", "출력"]}


def _matrix_shape_spellings(shape) -> list[str]:
    dims = [str(d) for d in shape]
    return [f"({', '.join(dims)})", " x ".join(dims), " × ".join(dims), "x".join(dims), "×".join(dims)]


def _lstm_layer(impl: str, units: int, inputs: int):
    """A built LSTM layer: ours (`GateLSTM`) or Keras' own."""
    import keras

    from kerasbook.layers.recurrent import GateLSTM

    layer = GateLSTM(units) if impl == "ours" else keras.layers.LSTM(units)
    layer.build((None, None, inputs))
    return layer


@computed("ch06.lstm_params")
def lstm_params(question, units: int, inputs: int, impl: str = "ours"):
    """Parameters of an LSTM layer with `units` units reading `inputs` features per step."""
    count = _lstm_layer(impl, units, inputs).count_params()
    return count if question.type == "numeric" else _number_spellings(count)


@computed("ch06.rnn_params")
def rnn_params(question, units: int, inputs: int):
    """Parameters of our simple (Elman) RNN with `units` units reading `inputs` features."""
    from kerasbook.layers.recurrent import ElmanRNN

    layer = ElmanRNN(units)
    layer.build((None, None, inputs))
    return layer.count_params()


@computed("ch06.param_ratio")
def param_ratio(question, units: int, inputs: int):
    """LSTM parameters over simple-RNN parameters, same units and inputs."""
    return _lstm_layer("ours", units, inputs).count_params() / rnn_params(question, units, inputs)


@computed("ch06.weight_count")
def weight_count(question, impl: str = "ours", kind: str = "matrix", units: int = 4, inputs: int = 3):
    """How many weight arrays a built LSTM holds: `kind` "matrix" (2-D), "bias" (1-D) or "all"."""
    layer = _lstm_layer(impl, units, inputs)
    ndim = {"matrix": (2,), "bias": (1,), "all": (1, 2)}[kind]
    return sum(len(w.shape) in ndim for w in layer.weights)


@computed("ch06.gate_matrix_shape")
def gate_matrix_shape(question, units: int, inputs: int, gate: str = "forget"):
    """The shape of one gate's matrix in our `GateLSTMCell`: `(units + inputs, units)`."""
    from kerasbook.layers.recurrent import GateLSTMCell

    cell = GateLSTMCell(units)
    cell.build((None, inputs))
    return _matrix_shape_spellings(cell.w[gate].shape)


@computed("ch06.concat_width")
def concat_width(question, units: int, inputs: int):
    """The shape of z = [h_{t-1}, x_t] that every gate of `GateLSTMCell` reads, `(B, units + inputs)`."""
    from kerasbook.layers.recurrent import GateLSTMCell

    cell = GateLSTMCell(units)
    cell.build((None, inputs))
    return _shape_spellings([cell.w["forget"].shape[0]])


@computed("ch06.keras_weight_shape")
def keras_weight_shape(question, units: int, inputs: int, weight: str = "kernel"):
    """The shape of `kernel`, `recurrent_kernel` or `bias` in a built `keras.layers.LSTM`."""
    layer = _lstm_layer("keras", units, inputs)
    found = {w.path.split("/")[-1]: w for w in layer.weights}
    return _matrix_shape_spellings(found[weight].shape)


def _keras_columns(units: int, inputs: int = 2) -> dict[str, list[int]]:
    """For each gate, the columns of Keras' kernel that `set_from_keras_lstm` copies into it.

    The kernel, recurrent kernel and bias are filled with their own column
    numbers, so after the copy each of our per-gate matrices says where it came from.
    """
    from keras import ops

    from kerasbook.layers.recurrent import GateLSTMCell

    cols = np.arange(4 * units, dtype="float32")
    cell = GateLSTMCell(units)
    cell.build((None, inputs))
    cell.set_from_keras_lstm(np.tile(cols, (inputs, 1)), np.tile(cols, (units, 1)), cols)
    out = {}
    for gate in GateLSTMCell.GATES:
        w = ops.convert_to_numpy(cell.w[gate])
        from_kernel = w[units:].astype(int)            # the x_t rows come from `kernel`
        assert (from_kernel == from_kernel[0]).all() and (w[:units].astype(int) == from_kernel[0]).all()
        assert (ops.convert_to_numpy(cell.b[gate]).astype(int) == from_kernel[0]).all()
        out[gate] = [int(c) for c in from_kernel[0]]
    return out


def _keras_order() -> list[str]:
    """Our gate names in the order Keras lays them side by side."""
    starts = {gate: cols[0] for gate, cols in _keras_columns(units=3).items()}
    return sorted(starts, key=starts.get)


@computed("ch06.keras_gate_columns")
def keras_gate_columns(question, gate: str, units: int, inputs: int = 2, part: str = "range"):
    """Where one gate sits in Keras' `kernel` (and bias): `part` "start" (first column, 0-based),
    "block" (which of the four blocks, 0-based) or "range" (a Python slice like `32:64`)."""
    cols = _keras_columns(units, inputs)[gate]
    start, stop = cols[0], cols[-1] + 1
    if part == "start":
        return start
    if part == "block":
        return start // units
    return [f"{start}:{stop}", f"[:, {start}:{stop}]", f"{start} to {stop - 1}", f"{start}-{stop - 1}",
            f"{start}~{stop - 1}", f"{start}부터 {stop - 1}까지"]


@computed("ch06.keras_gate_order")
def keras_gate_order(question):
    """Keras' gate order: spellings for a short answer, the matching letter for a choice question.

    A choice matches when its English text names the gates in Keras' order,
    written as single letters (`i, f, c, o`).
    """
    order = _keras_order()
    letters = [GATE_LETTER[g] for g in order]
    if question.type in ("single", "multiple"):
        want = "".join(letters)
        hits = [LETTERS[k] for k, choice in enumerate(question.choices)
                if "".join(ch for ch in choice.en.lower() if ch.isalpha()) == want]
        if question.type == "single":
            if len(hits) != 1:
                raise ValueError(f"{len(hits)} choices spell the order {want}; a single choice needs exactly one")
            return hits[0]
        return hits
    words = [GATE_WORDS[g][0] for g in order]
    ko = [GATE_WORDS[g][-1] for g in order]
    return [", ".join(letters), "".join(letters), " ".join(letters), ", ".join(words), " ".join(words),
            ", ".join(w if w != "candidate" else "cell" for w in words), ", ".join(ko), " ".join(ko)]


def _inverse(activation: str, value: float) -> float:
    """The pre-activation that gives `value` after the sigmoid or tanh."""
    if activation == "sigmoid":
        return math.log(value / (1 - value))
    return math.atanh(value)


def _cell(w=None, b=None, gates=None, inputs: int = 1, units: int = 1):
    """A `GateLSTMCell` with the given per-gate weights and biases.

    `w[gate]` is the matrix `[[rows for h_{t-1}], [rows for x_t]]`, `(units + inputs, units)`,
    `b[gate]` the bias. `gates` instead gives each gate's *value* directly: the
    weights are zero and the bias is the pre-activation that produces the value.
    """
    from kerasbook.layers.recurrent import GateLSTMCell

    cell = GateLSTMCell(units)
    cell.build((None, inputs))
    for gate in GateLSTMCell.GATES:
        if gates is not None:
            act = "tanh" if gate == "candidate" else "sigmoid"
            cell.w[gate].assign(np.zeros((units + inputs, units), "float32"))
            cell.b[gate].assign(np.full((units,), _inverse(act, gates[gate]), "float32"))
        else:
            cell.w[gate].assign(np.asarray(w[gate], "float32").reshape(units + inputs, units))
            cell.b[gate].assign(np.asarray(b[gate], "float32").reshape(units))
    return cell


@computed("ch06.cell_step")
def cell_step(question, want: str, c: float, h: float = 0.0, x: float = 0.0, w=None, b=None, gates=None):
    """One step of a one-unit, one-input `GateLSTMCell`: a gate value, the new c_t or the new h_t.

    `want` is "forget", "input", "candidate", "output", "c" or "h".
    """
    from keras import ops

    cell = _cell(w, b, gates)
    xs = np.array([[x]], "float32")
    states = [np.array([[h]], "float32"), np.array([[c]], "float32")]
    if want in ("forget", "input", "candidate", "output"):
        value = ops.convert_to_numpy(cell.gates(xs, states)[want])[0, 0]
    else:
        h_new, (_, c_new) = cell(xs, states)
        value = ops.convert_to_numpy({"h": h_new, "c": c_new}[want])[0, 0]
    value = round(float(value), 6)
    return value if question.type == "numeric" else _number_spellings(value)


@computed("ch06.fresh_gate")
def fresh_gate(question, gate: str = "forget", units: int = 4, inputs: int = 3):
    """A gate's value in a freshly built `GateLSTMCell` when x_t and h_{t-1} are all zeros (only the bias acts)."""
    from keras import ops

    from kerasbook.layers.recurrent import GateLSTMCell

    cell = GateLSTMCell(units)
    cell.build((None, inputs))
    zeros = np.zeros((1, inputs), "float32")
    states = [np.zeros((1, units), "float32"), np.zeros((1, units), "float32")]
    value = ops.convert_to_numpy(cell.gates(zeros, states)[gate])
    assert np.allclose(value, value.flat[0])
    return round(float(value.flat[0]), 6)


@computed("ch06.memory_left")
def memory_left(question, steps: int, forget_bias: float):
    """The share of c_0 left after `steps` steps of a `GateLSTMCell` whose forget gate sees only its bias
    and whose input gate is shut, so nothing new is written."""
    from keras import ops

    cell = _cell(w={g: [[0.0], [0.0]] for g in ("forget", "input", "candidate", "output")},
                 b={"forget": forget_bias, "input": -60.0, "candidate": 0.0, "output": 0.0})
    x = np.zeros((1, 1), "float32")
    h, c = np.zeros((1, 1), "float32"), np.ones((1, 1), "float32")
    for _ in range(steps):
        h, (h, c) = cell(x, [h, c])
    return round(float(ops.convert_to_numpy(c)[0, 0]), 6)


@computed("ch06.activation")
def activation(question, fn: str, x: float):
    """`keras.ops.sigmoid(x)` or `keras.ops.tanh(x)`, the activations the cell uses."""
    from keras import ops

    f = {"sigmoid": ops.sigmoid, "tanh": ops.tanh}[fn]
    value = round(float(ops.convert_to_numpy(f(np.array(x, "float32")))), 6)
    return value if question.type == "numeric" else _number_spellings(value)


@computed("ch06.output_shapes")
def output_shapes(question, units: int, steps: int, features: int, return_sequences: bool = False,
                  return_state: bool = False, which: str = "all"):
    """The shapes `GateLSTM(units, return_sequences, return_state)` returns for `(B, steps, features)`.

    `which` is "all" (every output, in order) or an index into the returned list.
    """
    from kerasbook.layers.recurrent import GateLSTM

    out = GateLSTM(units, return_sequences=return_sequences, return_state=return_state)(
        np.zeros((2, steps, features), "float32"))
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    shapes = [tuple(o.shape[1:]) for o in outs]
    if which != "all":
        return _shape_spellings(shapes[int(which)])
    if len(shapes) == 1:
        return _shape_spellings(shapes[0])
    forms = []
    for head, sep in (("B", ", "), ("None", ", "), ("batch", ", "), ("B", "; "), ("B", " "), ("B", " and "),
                      ("", ", "), ("", " "), ("", " and ")):
        parts = [f"({head + ', ' if head else ''}{', '.join(map(str, s))})" for s in shapes]
        forms.append(sep.join(parts))
    forms.append("[" + ", ".join(f"(B, {', '.join(map(str, s))})" for s in shapes) + "]")
    return forms


@computed("ch06.state_sizes")
def state_sizes(question, units: int):
    """`GateLSTMCell(units).state_size`: the sizes of the states the RNN loop carries."""
    from kerasbook.layers.recurrent import GateLSTMCell

    sizes = list(GateLSTMCell(units).state_size)
    return [f"[{', '.join(map(str, sizes))}]", " ".join(map(str, sizes)), ", ".join(map(str, sizes)),
            " and ".join(map(str, sizes))]


def _lstm_forecaster(units: int, window: int):
    from kerasbook.forecast import build_forecaster
    from kerasbook.layers.recurrent import GateLSTM

    return build_forecaster(window, GateLSTM(units, name="rnn"))


@computed("ch06.forecaster_shape")
def forecaster_shape(question, units: int, window: int, layer: str):
    """Output shape of one layer of `build_forecaster(window, GateLSTM(units))`."""
    return _shape_spellings(_lstm_forecaster(units, window).get_layer(layer).output.shape[1:])


@computed("ch06.forecaster_params")
def forecaster_params(question, units: int, window: int, layer: str | None = None):
    """Parameters of `build_forecaster(window, GateLSTM(units))`, or of one of its layers."""
    model = _lstm_forecaster(units, window)
    return (model.get_layer(layer) if layer else model).count_params()


@computed("ch06.window_count")
def window_count(question, n: int, window: int):
    """How many (window, next value) pairs `kerasbook.forecast.windows` cuts from a series of `n` values."""
    from kerasbook.forecast import window_arrays

    x, y = window_arrays(np.arange(n, dtype="float32"), window, window, n)
    assert len(x) == len(y)
    return len(y)


@computed("ch06.persistence")
def persistence_forecast(question, values):
    """The persistence baseline's forecast for one window of `values`."""
    from kerasbook.forecast import persistence

    value = float(persistence(np.asarray([values], "float64"))[0])
    return value if question.type == "numeric" else _number_spellings(value)


# -- the chapter's adding problem and its models ----------------------------------

@computed("ch06.adding_baseline")
def adding_baseline(question, n: int = 1_000_000, length: int = 10, seed: int = 0):
    """MSE of always answering the mean target, on `n` sequences of the chapter's `adding_problem`.

    The targets do not depend on `length`, so short sequences keep this cheap;
    a million of them pin the estimate of the variance, 1/6, to about ±0.0002.
    """
    from kerasbook.chapters.ch06_lstm import adding_problem

    _, y = adding_problem(n, length, seed)
    y = y.astype("float64")
    return round(float(np.mean((y - y.mean()) ** 2)), 3)


@computed("ch06.adding_shape")
def adding_shape(question, n: int, length: int, seed: int = 0, part: str = "x"):
    """The shape of the `x` or `y` array the chapter's `adding_problem(n, length, seed)` returns."""
    from kerasbook.chapters.ch06_lstm import adding_problem

    x, y = adding_problem(n, length, seed)
    return _matrix_shape_spellings({"x": x, "y": y}[part].shape)


@computed("ch06.adding_min_gap")
def adding_min_gap(question, length: int, n: int = 20_000, seed: int = 0):
    """The smallest distance in steps between the two marks over `n` draws of `adding_problem`."""
    from kerasbook.chapters.ch06_lstm import adding_problem

    x, _ = adding_problem(n, length, seed)
    marks = x[..., 1]
    assert (marks.sum(axis=1) == 2).all()
    positions = np.sort(np.argsort(-marks, axis=1, kind="stable")[:, :2], axis=1)
    gap = int((positions[:, 1] - positions[:, 0]).min())
    return gap if question.type == "numeric" else _number_spellings(gap)


@computed("ch06.sequence_model_params")
def sequence_model_params(question, kind: str):
    """Parameters of the chapter's adding-problem model (`build_sequence_model`) with its default `Config`."""
    from kerasbook.chapters.ch06_lstm import Config, build_sequence_model

    count = build_sequence_model(kind, Config()).count_params()
    return count if question.type == "numeric" else _number_spellings(count)


@computed("ch06.gate_trace_shape")
def gate_trace_shape(question, units: int, length: int, key: str = "input"):
    """The shape of one entry of the chapter's `gate_trace` for a fresh `GateLSTMCell(units)` over `(length, 2)`."""
    from kerasbook.chapters.ch06_lstm import adding_problem, gate_trace
    from kerasbook.layers.recurrent import GateLSTMCell

    x, _ = adding_problem(1, length, 0)
    cell = GateLSTMCell(units)
    cell.build((None, x.shape[-1]))
    return _matrix_shape_spellings(gate_trace(cell, x[0])[key].shape)
