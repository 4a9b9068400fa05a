"""Chapter 7 answers, computed from `kerasbook.chapters.ch07_crnn` and `kerasbook.layers.ctc`.

Keras and TensorFlow are imported inside the functions, so listing the banks
or drawing an exam without its key never pays for them. The default model is
built once per process and shared by every question that asks about it.
"""

from __future__ import annotations

import math

import numpy as np

from kerasbook.quiz.compute import chapter_model, computed
from kerasbook.quiz.compute import output_shape_spellings as _shape_spellings
from kerasbook.quiz.schema import LETTERS

BLANK = "_"


def default_model():
    """The chapter's CRNN with its default `Config`, built but never trained."""
    return chapter_model("ch07_crnn")


def _number_spellings(value: float) -> list[str]:
    if float(value).is_integer():
        return [str(int(value)), f"{float(value):.1f}"]
    return [f"{value:.4g}", str(value)]


def _path_ids(path: str) -> list[int]:
    """A path written like `hh_ee_l` (`_` = blank) as class ids."""
    from kerasbook.data import captcha as cap

    return [0 if c == BLANK else cap.encode(c)[0] for c in path]


def _greedy(ids: list[int], classes: int) -> list[int]:
    """Run the chapter's greedy decoder on a path whose argmax is `ids`."""
    from keras import ops

    from kerasbook.layers.ctc import ctc_greedy_decode

    logits = np.full((1, len(ids), classes), -5.0, "float32")
    logits[0, np.arange(len(ids)), ids] = 5.0
    return [int(v) for v in ops.convert_to_numpy(ctc_greedy_decode(logits))[0]]


def _ctc_nll(probs, label) -> float:
    from keras import ops

    from kerasbook.layers.ctc import ctc_loss

    log_probs = np.log(np.asarray(probs, "float32"))[None]             # (1, T, K)
    labels = np.asarray([label], "int32")                                # (1, L)
    return float(ops.convert_to_numpy(ctc_loss(labels, log_probs))[0])


@computed("ch07.layer_params")
def layer_params(question, layer: str, direction: str | None = None):
    """Trainable and non-trainable parameters of one layer of the default model."""
    found = default_model().get_layer(layer)
    if direction == "forward":
        found = found.forward_layer
    return found.count_params()


@computed("ch07.rnn_params")
def rnn_params(question, kind: str, units: int, inputs: int):
    """Parameters of a fresh Keras `GRU` or `LSTM` layer reading `inputs` features."""
    import keras

    layer = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}[kind](units)
    layer.build((None, None, inputs))
    return layer.count_params()


@computed("ch07.output_shape")
def output_shape(question, layer: str):
    """The output shape of one layer of the default model, in several spellings."""
    return _shape_spellings(default_model().get_layer(layer).output.shape)


@computed("ch07.time_steps")
def time_steps(question):
    """How many time steps (columns) the GRUs and CTC see."""
    return default_model().output.shape[1]


@computed("ch07.ctc_probability")
def ctc_probability(question, probs, label):
    """P(label | per-step probabilities), from the chapter's CTC loss."""
    return math.exp(-_ctc_nll(probs, label))


@computed("ch07.ctc_loss")
def ctc_loss_value(question, probs, label):
    """The chapter's CTC loss, -ln P(label), for given per-step probabilities."""
    return _ctc_nll(probs, label)


@computed("ch07.min_steps")
def min_steps(question, text: str):
    """The fewest time steps for which CTC can still produce `text` at all."""
    from kerasbook.chapters.ch07_crnn import NUM_CLASSES
    from kerasbook.data import captcha as cap

    label = cap.encode(text)
    uniform = np.full((NUM_CLASSES,), 1.0 / NUM_CLASSES)
    for steps in range(1, 2 * len(label) + 2):
        # An impossible labelling costs about 1e9 (our stand-in for log 0).
        if _ctc_nll([uniform] * steps, label) < 1e6:
            return steps
    raise ValueError(f"no length up to {2 * len(label) + 1} produces {text!r}")


@computed("ch07.greedy_text")
def greedy_text(question, path: str):
    """The text greedy decoding reads from a path like `hh_ee_l_ll_oo`."""
    from kerasbook.chapters.ch07_crnn import NUM_CLASSES
    from kerasbook.data import captcha as cap

    text = cap.decode(_greedy(_path_ids(path), NUM_CLASSES))
    return [text, f'"{text}"'] if text else _empty_spellings()


@computed("ch07.greedy_ids")
def greedy_ids(question, ids: list[int], classes: int):
    """What `ctc_greedy_decode` returns when the argmax of each step is `ids`."""
    out = _greedy(list(ids), classes)
    return [f"[{', '.join(map(str, out))}]", " ".join(map(str, out))]


@computed("ch07.paths_collapsing_to")
def paths_collapsing_to(question, target: str):
    """The choices (paths in backticks) that greedy decoding turns into `target`."""
    from kerasbook.chapters.ch07_crnn import NUM_CLASSES
    from kerasbook.data import captcha as cap

    hits = [LETTERS[i] for i, choice in enumerate(question.choices)
            if cap.decode(_greedy(_path_ids(choice.en.strip("`")), NUM_CLASSES)) == target]
    if question.type == "single":
        if len(hits) != 1:
            raise ValueError(f"{len(hits)} choices collapse to {target!r}; a single-choice question needs exactly one")
        return hits[0]
    return hits


@computed("ch07.ink")
def ink(question, pixel: int):
    """What the model's first layer (`ink`) makes of one grey pixel value."""
    from keras import ops

    out = default_model().get_layer("ink")(np.full((1, 1, 1, 1), pixel, "uint8"))
    value = round(float(ops.convert_to_numpy(out)[0, 0, 0, 0]), 6)
    return value if question.type == "numeric" else _number_spellings(value)


@computed("ch07.num_classes")
def num_classes(question):
    """How many scores the model gives each time step (symbols plus the blank)."""
    return default_model().output.shape[-1]


def _main_path_convs(model):
    """The convolutions a signal passes on the model's main path, in order."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            yield layer
        # A residual block's main branch; its 1x1 shortcut never widens the view.
        for name in ("conv1", "conv2"):
            inner = getattr(layer, name, None)
            if isinstance(inner, keras.layers.Conv2D):
                yield inner


@computed("ch07.receptive_field")
def receptive_field(question, axis: str = "width"):
    """How many input pixels one output position sees along `axis` ("height" or "width")."""
    i = {"height": 0, "width": 1}[axis]
    field, jump = 1, 1
    for conv in _main_path_convs(default_model()):
        field += (conv.kernel_size[i] - 1) * conv.dilation_rate[i] * jump
        jump *= conv.strides[i]
    return field


def _empty_spellings():
    return ["(empty)", "empty", "empty string", "the empty text", "nothing", '""', "빈 문자열", "없음"]


@computed("ch07.greedy_from_probs")
def greedy_from_probs(question, probs):
    """The text the chapter's greedy decoder reads from per-step probabilities `(T, K)`."""
    from keras import ops

    from kerasbook.data import captcha as cap
    from kerasbook.layers.ctc import ctc_greedy_decode

    logits = np.log(np.asarray(probs, "float32"))[None]                  # (1, T, K)
    text = cap.decode(ops.convert_to_numpy(ctc_greedy_decode(logits))[0])
    return [text, f'"{text}"'] if text else _empty_spellings()


@computed("ch07.beam_text")
def beam_text(question, probs, beam_width: int = 8):
    """The text the chapter's prefix beam search reads from per-step probabilities `(T, K)`."""
    from kerasbook.data import captcha as cap
    from kerasbook.layers.ctc import ctc_beam_search_decode

    labels, _ = ctc_beam_search_decode(np.log(np.asarray(probs, "float64")), beam_width)
    text = cap.decode(labels)
    return [text, f'"{text}"'] if text else _empty_spellings()


@computed("ch07.gate_gru_params")
def gate_gru_params(question, units: int, inputs: int):
    """Weights of our `GateGRUCell` with `units` units reading `inputs` features, from the built layer."""
    import keras

    from kerasbook.layers.recurrent import GateGRUCell

    layer = keras.layers.RNN(GateGRUCell(units))
    layer.build((None, None, inputs))
    return layer.count_params()


@computed("ch07.gru_mix")
def gru_mix(question, z: float, h_prev: float, candidate: float, convention: str = "keras"):
    """h_t of our `GateGRUCell` for one unit whose update gate is `z` and candidate `candidate`.

    The cell's weights are zeroed and its biases set so that the gates take exactly
    these values. With `convention="notes"`, `z` is the share of *new* information,
    as the course notes read the update gate, so the cell's own z is 1 - z.
    """
    from kerasbook.layers.recurrent import GateGRUCell

    keep = z if convention == "keras" else 1.0 - z
    cell = GateGRUCell(1)
    cell.build((None, 1))
    for weights in (cell.w_x, cell.w_h, cell.b_x, cell.b_h):
        for w in weights.values():
            w.assign(np.zeros(w.shape, "float32"))
    cell.b_x["update"].assign(np.array([math.log(keep / (1.0 - keep))], "float32"))    # sigmoid(b) = keep
    cell.b_x["candidate"].assign(np.array([math.atanh(candidate)], "float32"))        # tanh(b) = candidate
    h, _ = cell(np.zeros((1, 1), "float32"), [np.array([[h_prev]], "float32")])
    return round(float(np.asarray(h)[0, 0]), 6)


@computed("ch07.keras_gru_shape")
def keras_gru_shape(question, units: int, inputs: int, weight: str):
    """The shape of one weight (`kernel`, `recurrent_kernel`, `bias`) of a Keras GRU, in several spellings."""
    import keras

    from kerasbook.quiz.compute import tuple_spellings

    layer = keras.layers.GRU(units)
    layer.build((None, None, inputs))
    found = {w.path.split("/")[-1]: w for w in layer.weights}[weight]
    return tuple_spellings(found.shape)
