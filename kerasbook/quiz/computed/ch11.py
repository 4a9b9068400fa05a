"""Chapter 11 answers, computed from `kerasbook.chapters.ch11_colorization`, `kerasbook.layers.fusion`,
`kerasbook.colour` and `kerasbook.data.colorscenes`.

Every number here comes out of the chapter's real code: output shapes, channel
and parameter counts from models built by `build_colorizer` (with and without
the fusion layer; built, never trained), the fusion layer's kernel from a real
`FusionLayer`, the joint loss from a model compiled by `compile_colorizer`,
Lab, CMYK and HSV values of given colours from `kerasbook.colour`, ab errors
from the chapter's `ab_errors`, the pipeline's shapes from `lab_pipeline`, the
landscapes' colours and emblems from `kerasbook.data.colorscenes`, output sizes
from calling a real `Conv2D`, and the settings from `Config`. Keras is imported
inside the functions, so listing the banks never pays for it; each model is
built once per process and shared by the questions about it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from fractions import Fraction

import numpy as np

from kerasbook.quiz.compute import choice_name as _choice_name
from kerasbook.quiz.compute import computed
from kerasbook.quiz.compute import pick_choices as _pick
from kerasbook.quiz.compute import number_spellings as _number_spellings
from kerasbook.quiz.compute import shape_spellings as _shape_spellings
from kerasbook.quiz.schema import LETTERS

# -- spellings ----------------------------------------------------------------------

def _square_spellings(size: int) -> list[str]:
    """A spatial size `n` as `n x n` and its other spellings."""
    return [f"{size} x {size}", f"{size}x{size}", f"{size} × {size}", f"({size}, {size})", str(size)]


def _list_spellings(values) -> list[str]:
    """`(0, 0.5, 1, 0)` and the other ways to write a short list of numbers."""
    text = [_number_spellings(v)[0] for v in values]
    return list(dict.fromkeys([f"({', '.join(text)})", f"[{', '.join(text)}]", ", ".join(text), " ".join(text),
                               ",".join(text)]))


def _answer(question, value):
    """A number for a numeric question, its spellings for a written one."""
    return value if question.type == "numeric" else _number_spellings(value)


def _clean(value: float, digits: int) -> float:
    """`value` rounded to `digits` decimals, without a negative zero."""
    return round(float(value), digits) + 0.0


# -- the chapter's models -------------------------------------------------------------

def _config(preset: str = "default", **overrides):
    from kerasbook.chapters.ch11_colorization import Config

    cfg = Config()
    cfg = {"default": cfg, "quick": cfg.quick(), "full": cfg.full()}[preset]
    return dataclasses.replace(cfg, **{k: v for k, v in overrides.items() if v is not None})


def _num_classes() -> int:
    from kerasbook.data import colorscenes as cs

    return len(cs.CLASSES)


@functools.cache
def _colorizer(fusion: bool = True, global_size: int | None = None, width: int | None = None):
    """`build_colorizer` for the builtin landscapes' classes, `Config()` changed only where an argument is given."""
    from kerasbook.chapters.ch11_colorization import build_colorizer

    cfg = _config(global_size=global_size, width=width)
    return build_colorizer(cfg, _num_classes(), fusion=fusion)


@functools.cache
def _low_output_shape(layer: str, size: int, width: int | None = None) -> tuple:
    """Shape (batch axis left out) of one layer of the low-level network when it reads a `size` x `size` image."""
    import keras

    low = _colorizer(width=width).get_layer("low_level")
    probe = keras.Model(low.input, low.get_layer(layer).output)
    out = probe(np.zeros((1, size, size, 1), "float32"))
    return tuple(int(d) for d in out.shape[1:])


def _output_shape(layer: str, fusion: bool = True, global_size: int | None = None, width: int | None = None,
                  size: int | None = None) -> tuple:
    """Shape (batch axis left out) of a layer of `build_colorizer`.

    "ab" and "scene" are the model's two outputs; "low1" ... "low6" (and
    "low_level") are the shared low-level network reading the full image (or
    a `size` x `size` one).
    """
    if layer == "low_level" or (layer.startswith("low") and layer[3:].isdigit()):
        return _low_output_shape("low6" if layer == "low_level" else layer,
                                 size or _config().image_size, width)
    model = _colorizer(fusion, global_size, width)
    if layer in ("ab", "scene"):
        shape = model.output[layer].shape
    else:
        shape = model.get_layer(layer).output.shape
    return tuple(int(d) for d in shape[1:])


@computed("ch11.shape")
def output_shape(question, layer: str, fusion: bool = True, global_size: int | None = None,
                 width: int | None = None, size: int | None = None):
    """Output shape of one layer (or output) of `build_colorizer(Config(), 4)`, batch axis left out."""
    return _shape_spellings(_output_shape(layer, fusion, global_size, width, size))


@computed("ch11.side")
def side(question, layer: str, fusion: bool = True, global_size: int | None = None, size: int | None = None):
    """Height (= width) of the output of one layer of `build_colorizer`."""
    shape = _output_shape(layer, fusion, global_size, None, size)
    assert shape[0] == shape[1]
    return shape[0] if question.type == "numeric" else _square_spellings(shape[0])


@computed("ch11.params")
def params(question, layer: str | None = None, fusion: bool = True, global_size: int | None = None):
    """Parameters of `build_colorizer` (with or without fusion), or of one of its layers."""
    model = _colorizer(fusion, global_size)
    return _answer(question, (model.get_layer(layer) if layer else model).count_params())


@computed("ch11.param_gap")
def param_gap(question):
    """Parameters of the colouriser with fusion minus those of its twin without the global path."""
    return _answer(question, _colorizer(True).count_params() - _colorizer(False).count_params())


@computed("ch11.weightless_layers")
def weightless_layers(question, fusion: bool = True):
    """The choices (each naming a layer of `build_colorizer`) whose layer has no parameters."""
    model = _colorizer(fusion)
    return _pick(question, [LETTERS[k] for k, choice in enumerate(question.choices)
                            if model.get_layer(_choice_name(choice)).count_params() == 0])


@computed("ch11.only_with_fusion")
def only_with_fusion(question):
    """The choices naming a layer the colouriser with fusion has and its twin without the global path lacks."""
    with_fusion = {layer.name for layer in _colorizer(True).layers}
    without = {layer.name for layer in _colorizer(False).layers}
    return _pick(question, [LETTERS[k] for k, choice in enumerate(question.choices)
                            if _choice_name(choice) in with_fusion and _choice_name(choice) not in without])


@computed("ch11.low_calls")
def low_calls(question, global_size: int | None = None):
    """How many times the model calls its one low-level network (both paths share its weights)."""
    return _answer(question, len(_colorizer(True, global_size).get_layer("low_level")._inbound_nodes))


@computed("ch11.stride2_layers")
def stride2_layers(question, path: str = "low"):
    """How many convolutions with stride 2 the low-level network ("low") or the global path ("global") has."""
    from keras import layers

    if path == "low":
        convs = [l for l in _colorizer().get_layer("low_level").layers if isinstance(l, layers.Conv2D)]
    else:
        convs = [l for l in _colorizer().layers if isinstance(l, layers.Conv2D) and l.name.startswith("global")]
    return _answer(question, sum(tuple(l.strides) == (2, 2) for l in convs))


@computed("ch11.factor")
def factor(question, kind: str = "down"):
    """How many times smaller the mid-level map is than the image ("down"), or how many times larger the ab
    output is than the fused map ("up"), for `Config().image_size`."""
    if kind == "down":
        value = _config().image_size / _output_shape("mid2_relu")[0]
    else:
        value = _output_shape("ab")[0] / _output_shape("fusion")[0]
    return _answer(question, int(value) if float(value).is_integer() else value)


@computed("ch11.conv_size")
def conv_size(question, input_size: int, strides: int = 2, kernel: int = 3, padding: str = "same"):
    """Height (= width) of what a real `Conv2D(1, kernel, strides, padding)` gives for an n x n map."""
    from keras import layers

    out = layers.Conv2D(1, kernel, strides=strides, padding=padding)(np.zeros((1, input_size, input_size, 1),
                                                                                "float32"))
    result = int(out.shape[1])
    assert int(out.shape[2]) == result
    return result if question.type == "numeric" else _square_spellings(result)


# -- the fusion layer -----------------------------------------------------------------

@computed("ch11.fusion_in_channels")
def fusion_in_channels(question):
    """Input channels of the fusion layer's 1x1 convolution in `build_colorizer(Config(), 4)`."""
    return _answer(question, int(_colorizer().get_layer("fusion").conv.kernel.shape[2]))


@computed("ch11.fusion_kernel")
def fusion_kernel(question):
    """The shape of the fusion layer's 1x1 convolution kernel in `build_colorizer(Config(), 4)`."""
    return _list_spellings([int(d) for d in _colorizer().get_layer("fusion").conv.kernel.shape])


def _fusion(local, glob, units):
    """A real `FusionLayer(units)` called on zeros of shape `local` and `glob` (with a batch of 2)."""
    from keras import ops

    from kerasbook.layers.fusion import FusionLayer

    layer = FusionLayer(units)
    out = layer([ops.zeros((2, *local)), ops.zeros((2, *glob))])
    return layer, tuple(int(d) for d in out.shape)


@computed("ch11.fusion_params")
def fusion_params(question, local, glob, units: int):
    """Parameters of a `FusionLayer(units)` fusing local features `local` (H, W, C) with a global vector `glob` (C,)."""
    layer, _ = _fusion(local, glob, units)
    return _answer(question, layer.count_params())


@computed("ch11.fusion_shape")
def fusion_shape(question, local, glob, units: int, part: str = "out"):
    """Shape of what `FusionLayer(units).call` returns ("out") or of the concatenated map `joined` ("joined").

    Both come from a real layer: the output by calling it, the concatenation
    from the input channels its 1x1 convolution was built for. Batch axis left out.
    """
    layer, out = _fusion(local, glob, units)
    if part == "out":
        return _shape_spellings(out[1:])
    return _shape_spellings((*out[1:-1], int(layer.conv.kernel.shape[2])))


# -- settings and the loss -------------------------------------------------------------

@computed("ch11.config")
def config_value(question, field: str, preset: str = "default"):
    """One setting of `Config()` (`preset` "default"), `Config().quick()` or `Config().full()`."""
    return _answer(question, getattr(_config(preset), field))


@computed("ch11.alpha")
def alpha(question):
    """`Config().alpha`, the weight of the scene cross-entropy: a number, or written as a fraction and a decimal."""
    value = _config().alpha
    if question.type == "numeric":
        return value
    frac = Fraction(value).limit_denominator(10_000)
    return list(dict.fromkeys([f"{frac.numerator}/{frac.denominator}", f"{value:.4g}", f"{value:.3g}", f"{value:.5f}",
                               f"{value:.6f}", f"{frac.numerator} / {frac.denominator}"]))


@computed("ch11.joint_loss")
def joint_loss(question, mse: float, ce: float, fusion: bool = True):
    """The loss of a model compiled by `compile_colorizer` when its colour MSE is `mse` and its scene
    cross-entropy is `ce` (the twin without fusion, `fusion` false, has no scene output to score).

    The targets are built so that the two parts take exactly those values: ab
    off by sqrt(mse) everywhere, and logits that give the true class the
    probability exp(-ce). The model adds them with the weights it was compiled with.
    """
    from keras import ops

    from kerasbook.chapters.ch11_colorization import compile_colorizer

    model = _colorizer(fusion)
    cfg, k, batch = _config(), _num_classes(), 2
    compile_colorizer(model, cfg, 10, False)
    size = cfg.image_size
    y = {"ab": np.full((batch, size, size, 2), math.sqrt(mse), "float32")}
    y_pred = {"ab": np.zeros((batch, size, size, 2), "float32")}
    if fusion:
        p = math.exp(-ce)
        logits = np.zeros((batch, k), "float32")
        logits[:, 1] = math.log((k - 1) * p / (1 - p))
        y["scene"], y_pred["scene"] = np.ones(batch, "int64"), logits
    value = float(ops.convert_to_numpy(model.compute_loss(x=None, y=y, y_pred=y_pred)))
    return _answer(question, round(value, 6))


@computed("ch11.uniform_ce")
def uniform_ce(question, num_classes: int | None = None):
    """The scene cross-entropy (Keras' `SparseCategoricalCrossentropy(from_logits=True)`) of a uniform guess."""
    import keras
    from keras import ops

    k = num_classes or _num_classes()
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    value = float(ops.convert_to_numpy(loss(np.zeros(3, "int64"), np.zeros((3, k), "float32"))))
    return _answer(question, round(value, 6))


@computed("ch11.ab_target")
def ab_target(question, ab: float):
    """The target the pipeline stores for an a* (or b*) of `ab`: ab / `AB_SCALE`."""
    from kerasbook.chapters.ch11_colorization import AB_SCALE

    return _answer(question, ab / AB_SCALE)


@computed("ch11.ab_from_output")
def ab_from_output(question, output: float):
    """The a* (or b*) in Lab units that `predict_ab` makes of a network output (tanh) of `output`."""
    from kerasbook.chapters.ch11_colorization import AB_SCALE

    return _answer(question, output * AB_SCALE)


@computed("ch11.scaled_lightness")
def scaled_lightness(question, lightness: float):
    """What the model's `scale` layer makes of a pixel whose L* is `lightness`."""
    from keras import ops

    out = _colorizer().get_layer("scale")(np.full((1, 1, 1, 1), lightness, "float32"))
    return _answer(question, _clean(ops.convert_to_numpy(out).item(), 6))


@computed("ch11.pipeline_shape")
def pipeline_shape(question, part: str = "ab", batch_size: int = 32):
    """Shape of the lightness ("L"), the ab target ("ab") or the scene target ("scene") in one batch of
    `lab_pipeline` on the builtin landscapes' image size, batch axis left out."""
    from kerasbook.chapters.ch11_colorization import lab_pipeline

    size = _config().image_size
    images = np.zeros((4, size, size, 3), np.uint8)
    spec = lab_pipeline(images, np.zeros(4, np.int64), batch_size).element_spec
    shape = spec[0].shape if part == "L" else spec[1][part].shape
    return _shape_spellings([int(d) for d in shape[1:]])


# -- colour spaces -------------------------------------------------------------------------

@computed("ch11.lab")
def lab(question, rgb, channel: str | None = None, digits: int = 2):
    """`rgb_to_lab` of one sRGB colour in [0, 1]: one channel ("L", "a", "b") or all three, rounded."""
    from keras import ops

    from kerasbook.colour import rgb_to_lab

    values = ops.convert_to_numpy(rgb_to_lab(np.asarray(rgb, "float32")))
    if channel is not None:
        return _answer(question, _clean(values["Lab".index(channel)], digits))
    return _list_spellings([_clean(v, digits) for v in values])


@computed("ch11.cmyk")
def cmyk(question, rgb, channel: str | None = None):
    """`rgb_to_cmyk` of one sRGB colour in [0, 1]: one channel ("C", "M", "Y", "K") or all four."""
    from kerasbook.colour import rgb_to_cmyk

    values = rgb_to_cmyk(np.asarray(rgb, np.float64))
    if channel is not None:
        return _answer(question, _clean(values["CMYK".index(channel)], 4))
    return _list_spellings([_clean(v, 4) for v in values])


@computed("ch11.hue_degrees")
def hue_degrees(question, rgb):
    """The hue `rgb_to_hsv` gives one sRGB colour, in degrees around the colour circle."""
    from kerasbook.colour import rgb_to_hsv

    return _answer(question, _clean(rgb_to_hsv(np.asarray(rgb, np.float64))[0] * 360, 4))


# -- the ab error -----------------------------------------------------------------------------

def _ab_errors(pred, truth, dependent=None):
    """`ab_errors` of one image whose pixels are lists of (a*, b*); `dependent` defaults to every pixel."""
    from kerasbook.chapters.ch11_colorization import ab_errors

    pred = np.asarray(pred, np.float64).reshape(1, 1, -1, 2)
    truth = np.asarray(truth, np.float64).reshape(1, 1, -1, 2)
    dependent = np.ones(pred.shape[:3], np.uint8) if dependent is None else np.asarray(dependent).reshape(1, 1, -1)
    return ab_errors(pred, truth, dependent, np.zeros(1, int), 1)


@computed("ch11.ab_error")
def ab_error(question, pred, truth, dependent=None, which: str = "scene"):
    """`ab_errors(...)["ab_error_scene"]` (or `"ab_error_all"`) of pixels given as lists of (a*, b*)."""
    value = _ab_errors(pred, truth, dependent)[f"ab_error_{which}"]
    return _answer(question, _clean(value, 6))


def _class_colours(part: str) -> np.ndarray:
    from kerasbook.data import colorscenes as cs

    return {"sky": cs.SKY_AB, "ground": cs.GROUND_AB}[part].astype(np.float64)


@computed("ch11.grey_error")
def grey_error(question, part: str, cls: str):
    """The ab error of a grey guess (a* = b* = 0) on the sky or ground of a class, by `ab_errors`."""
    from kerasbook.data import colorscenes as cs

    truth = _class_colours(part)[cs.CLASSES.index(cls)]
    return _answer(question, _clean(_ab_errors([[0.0, 0.0]], [truth])["ab_error_scene"], 4))


@computed("ch11.mean_guess")
def mean_guess(question, part: str, channel: str | None = None):
    """The single (a*, b*) with the lowest mean squared error over the four classes' sky (or ground) colours:
    their mean, the best a colouriser can do when it cannot tell the class."""
    mean = _class_colours(part).mean(axis=0)
    if channel is not None:
        return _answer(question, _clean(mean["ab".index(channel)], 4))
    return _list_spellings([_clean(v, 4) for v in mean])


@computed("ch11.mean_guess_error")
def mean_guess_error(question, part: str):
    """The ab error, by `ab_errors`, of always guessing the mean sky (or ground) colour, one pixel per class."""
    colours = _class_colours(part)
    guess = np.repeat(colours.mean(axis=0, keepdims=True), len(colours), axis=0)
    return _answer(question, _clean(_ab_errors(guess, colours)["ab_error_scene"], 4))


# -- the landscapes ---------------------------------------------------------------------------

EMBLEM_KO = {"disc": ["원", "원판", "동그라미", "원반"], "triangle": ["삼각형", "세모"],
             "square": ["정사각형", "사각형", "네모"], "cross": ["십자", "십자가", "십자 모양", "십자형"]}
CLASS_KO = {"meadow": ["초원", "풀밭", "목초지"], "sunset": ["노을", "석양", "일몰", "해질녘"],
            "desert": ["사막"], "autumn": ["가을"]}


@computed("ch11.emblem")
def emblem(question, cls: str):
    """The emblem the builtin landscapes draw in the sky of class `cls`."""
    from kerasbook.data import colorscenes as cs

    name = cs.EMBLEMS[cs.CLASSES.index(cls)]
    return [name, f"a {name}", f"{name}s", *EMBLEM_KO.get(name, [])]


@computed("ch11.class_of_emblem")
def class_of_emblem(question, emblem: str):
    """The class of a builtin landscape whose sky shows `emblem`."""
    from kerasbook.data import colorscenes as cs

    name = cs.CLASSES[cs.EMBLEMS.index(emblem)]
    return [name, *CLASS_KO.get(name, [])]
