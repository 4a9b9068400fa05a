"""Chapter 9 answers, computed from `kerasbook.chapters.ch09_unet` and `kerasbook.layers.segmentation`.

Every number here comes out of the chapter's real code: output shapes,
channel counts and parameter counts from models built by `build_unet` (built,
never trained), IoU / Dice / boundary IoU / pixel accuracy of small hand-made
masks from `confusion`, `iou_per_class`, `dice_per_class`, `boundary_band`,
`boundary_iou_per_class` and `scores`, the folded trimap from `fold_trimap`,
loss values and shapes from `CrossEntropyDice`, output sizes from calling a
real `Conv2DTranspose`, instance maps and their matches from `instances_from_semantic` and
`match_instances`, and the settings from `Config`. Keras is imported
inside the functions, so listing the banks never pays for it; each model is
built once per process and shared by the questions about it.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from kerasbook.quiz.compute import computed, weightless_choices
from kerasbook.quiz.compute import number_spellings as _number_spellings
from kerasbook.quiz.compute import shape_spellings as _shape_spellings
from kerasbook.quiz.schema import LETTERS

# -- spellings ----------------------------------------------------------------------

def _square_spellings(size: int) -> list[str]:
    return [f"{size} x {size}", f"{size}x{size}", f"{size} × {size}", f"({size}, {size})", str(size)]


def _list_spellings(values, floats: bool = False) -> list[str]:
    """`[1, 0, 1]` and the other ways to write a short list of numbers (also `[0.0, 0.5]` for `floats`)."""
    spellings = []
    for text in ([_number_spellings(v)[0] for v in values], [str(float(v)) for v in values])[: 2 if floats else 1]:
        spellings += [f"[{', '.join(text)}]", ", ".join(text), " ".join(text), ",".join(text)]
    return list(dict.fromkeys(spellings))


def _answer(question, value):
    """A number for a numeric question, its spellings for a written one."""
    return value if question.type == "numeric" else _number_spellings(value)


# -- the chapter's models -------------------------------------------------------------

def _config(preset: str = "default", **overrides):
    from kerasbook.chapters.ch09_unet import Config

    cfg = Config()
    cfg = {"default": cfg, "quick": cfg.quick()}[preset]
    return dataclasses.replace(cfg, **{k: v for k, v in overrides.items() if v is not None})


@functools.cache
def _unet(base: int | None = None, size: int | None = None, skips: bool = True, up: str | None = None,
          num_classes: int | None = None):
    """`build_unet` with `Config()` changed only where an argument is given; built, never trained.

    `num_classes` defaults to the builtin scenes' four classes.
    """
    from kerasbook.chapters.ch09_unet import build_unet
    from kerasbook.data import segshapes as sg

    cfg = _config(base=base, up=up)
    return build_unet(cfg, num_classes or len(sg.CLASSES), skips=skips, size=size)


def _layer(model, layer: str):
    """A named layer; a block's name (`enc1`, `bottleneck`, `dec2`) stands for the block's last layer."""
    names = {l.name for l in model.layers}
    return model.get_layer(layer if layer in names else f"{layer}_relu2")


def _model_args(base=None, size=None, skips=True, up=None, num_classes=None):
    return {"base": base, "size": size, "skips": skips, "up": up, "num_classes": num_classes}


@computed("ch09.unet_shape")
def unet_shape(question, layer: str, base: int | None = None, size: int | None = None, skips: bool = True,
               up: str | None = None, num_classes: int | None = None):
    """Output shape of one layer (or block) of `build_unet`, batch axis left out."""
    model = _unet(**_model_args(base, size, skips, up, num_classes))
    return _shape_spellings(_layer(model, layer).output.shape[1:])


@computed("ch09.unet_channels")
def unet_channels(question, layer: str, base: int | None = None, size: int | None = None, skips: bool = True,
                  up: str | None = None, num_classes: int | None = None):
    """Channels of the output of one layer (or block) of `build_unet`."""
    model = _unet(**_model_args(base, size, skips, up, num_classes))
    return _answer(question, int(_layer(model, layer).output.shape[-1]))


@computed("ch09.unet_side")
def unet_side(question, layer: str, base: int | None = None, size: int | None = None, skips: bool = True,
              up: str | None = None, num_classes: int | None = None):
    """Height (= width) of the output of one layer (or block) of `build_unet`."""
    shape = _layer(_unet(**_model_args(base, size, skips, up, num_classes)), layer).output.shape
    assert shape[1] == shape[2]
    return int(shape[1]) if question.type == "numeric" else _square_spellings(int(shape[1]))


@computed("ch09.unet_widths")
def unet_widths(question, base: int | None = None):
    """Channels of the three encoder blocks `enc1`, `enc2`, `enc3` of `build_unet`."""
    model = _unet(base=base)
    return _list_spellings([int(_layer(model, f"enc{i}").output.shape[-1]) for i in (1, 2, 3)])


@computed("ch09.unet_params")
def unet_params(question, layer: str | None = None, base: int | None = None, size: int | None = None,
                skips: bool = True, up: str | None = None, num_classes: int | None = None):
    """Parameters of `build_unet`, or of one of its layers."""
    model = _unet(**_model_args(base, size, skips, up, num_classes))
    return _answer(question, (model.get_layer(layer) if layer else model).count_params())


@computed("ch09.skip_param_gap")
def skip_param_gap(question, base: int | None = None, num_classes: int | None = None):
    """Parameters of the U-Net minus those of its twin without skips (same `Config`)."""
    gap = (_unet(base=base, num_classes=num_classes).count_params()
           - _unet(base=base, skips=False, num_classes=num_classes).count_params())
    return _answer(question, gap)


@computed("ch09.weightless_layers")
def weightless_layers(question, base: int | None = None, up: str | None = None, skips: bool = True):
    """The choices (each naming a layer of `build_unet`) whose layer has no parameters."""
    return weightless_choices(question, _unet(base=base, up=up, skips=skips))


@computed("ch09.config")
def config_value(question, field: str, preset: str = "default"):
    """One setting of `Config()` (`preset` "default") or `Config().quick()`."""
    return _answer(question, getattr(_config(preset), field))


# -- pooling and up-sampling with real Keras layers -------------------------------------

@computed("ch09.pooled_choice")
def pooled_choice(question, shape):
    """The choice that spells the shape a real `MaxPooling2D()` gives for an input of `shape` (no batch axis)."""
    from keras import layers

    out = tuple(int(d) for d in layers.MaxPooling2D()(np.zeros((1, *shape), "float32")).shape[1:])
    hits = [LETTERS[k] for k, choice in enumerate(question.choices)
            if tuple(int(t) for t in choice.en.strip("() ").split(",")) == out]
    if len(hits) != 1:
        raise ValueError(f"{len(hits)} choices spell {out}; exactly one must")
    return hits[0]


@computed("ch09.transpose_size")
def transpose_size(question, input_size: int, kernel: int = 2, strides: int = 2, padding: str = "valid"):
    """Height (= width) of what a real `Conv2DTranspose(1, kernel, strides, padding)` gives for an n x n map."""
    from keras import layers

    out = layers.Conv2DTranspose(1, kernel, strides=strides, padding=padding)(
        np.zeros((1, input_size, input_size, 1), "float32"))
    side = int(out.shape[1])
    assert int(out.shape[2]) == side
    return side if question.type == "numeric" else _square_spellings(side)


# -- the data ----------------------------------------------------------------------------

@computed("ch09.fold_trimap")
def fold_trimap(question, trimap):
    """The chapter's `fold_trimap` of a 1-D list of trimap labels, spelled as a list."""
    from kerasbook.chapters.ch09_unet import fold_trimap as fold

    return _list_spellings(fold(np.asarray(trimap)).tolist())


@computed("ch09.pet_pixels")
def pet_pixels(question, trimap):
    """How many pixels `fold_trimap` marks as pet in a trimap (a list of rows)."""
    from kerasbook.chapters.ch09_unet import fold_trimap as fold

    return _answer(question, int(fold(np.asarray(trimap)).sum()))


# -- the scores ---------------------------------------------------------------------------

def _square_masks(size: int, side: int, shrink: int = 0, shift: int = 0, at: int = 2):
    """A true `side` x `side` square at (`at`, `at`) in a `size` x `size` image, and a predicted one.

    The prediction is the same square with `shrink` pixels taken off every side
    (an eroded, blurred-away edge), moved `shift` pixels to the right.
    """
    truth = np.zeros((1, size, size), np.uint8)
    pred = np.zeros((1, size, size), np.uint8)
    truth[0, at:at + side, at:at + side] = 1
    lo, hi = at + shrink, at + side - shrink
    pred[0, lo:hi, lo + shift:hi + shift] = 1
    return truth, pred


def _score(truth, pred, metric: str, cls: int, num_classes: int, width: int):
    from kerasbook.layers.segmentation import scores

    found = scores(truth, pred, num_classes, width)
    if metric in ("mean_iou", "mean_dice", "mean_boundary_iou", "pixel_accuracy"):
        return float(found[metric])
    return float(found[metric][cls])


@computed("ch09.square_score")
def square_score(question, metric: str, size: int, side: int, shrink: int = 0, shift: int = 0, cls: int = 1,
                 width: int = 2):
    """`scores(...)[metric]` (class `cls` for per-class scores) of a square and its shrunk or shifted copy."""
    truth, pred = _square_masks(size, side, shrink, shift)
    return _answer(question, round(_score(truth, pred, metric, cls, 2, width), 6))


@computed("ch09.mask_score")
def mask_score(question, metric: str, truth, pred, num_classes: int = 2, cls: int = 1, width: int = 2):
    """`scores(...)[metric]` of two hand-made label maps (lists of rows)."""
    truth, pred = np.asarray([truth], np.uint8), np.asarray([pred], np.uint8)
    return _answer(question, round(_score(truth, pred, metric, cls, num_classes, width), 6))


@computed("ch09.missed_object")
def missed_object(question, metric: str, size: int, side: int):
    """`scores(...)[metric]` when a `side` x `side` object in a `size` x `size` image is predicted as background."""
    truth = np.zeros((1, size, size), np.uint8)
    truth[0, :side, :side] = 1
    return _answer(question, round(_score(truth, np.zeros_like(truth), metric, 1, 2, 2), 6))


@computed("ch09.dice_from_iou")
def dice_from_iou(question, intersection: int, union: int):
    """Dice of a class whose IoU is `intersection / union`, through `confusion` and `dice_per_class`.

    Two 1-D masks are built with exactly that overlap and union, and the
    chapter's functions score them.
    """
    from kerasbook.layers.segmentation import confusion, dice_per_class, iou_per_class

    extra = union - intersection
    truth = np.array([1] * intersection + [1] * (extra // 2) + [0] * (extra - extra // 2) + [0])
    pred = np.array([1] * intersection + [0] * (extra // 2) + [1] * (extra - extra // 2) + [0])
    cm = confusion(truth, pred, 2)
    assert abs(iou_per_class(cm)[1] - intersection / union) < 1e-12
    return _answer(question, round(float(dice_per_class(cm)[1]), 6))


@computed("ch09.confusion")
def confusion_matrix(question, truth, pred, num_classes: int = 2):
    """The chapter's `confusion(truth, pred, num_classes)` of two 1-D label lists, spelled as nested lists."""
    from kerasbook.layers.segmentation import confusion

    rows = confusion(np.asarray(truth), np.asarray(pred), num_classes).tolist()
    inner = ["[" + ", ".join(map(str, r)) + "]" for r in rows]
    return [f"[{', '.join(inner)}]", ", ".join(inner), "; ".join(", ".join(map(str, r)) for r in rows)]


@computed("ch09.iou_list")
def iou_list(question, truth, pred, num_classes: int = 2, metric: str = "iou"):
    """`iou_per_class` (or `dice_per_class`) of `confusion(truth, pred)` for two 1-D label lists, as a list."""
    from kerasbook.layers.segmentation import confusion, dice_per_class, iou_per_class

    cm = confusion(np.asarray(truth), np.asarray(pred), num_classes)
    values = (iou_per_class if metric == "iou" else dice_per_class)(cm)
    return _list_spellings([round(float(v), 6) for v in values], floats=True)


@computed("ch09.band_pixels")
def band_pixels(question, size: int, side: int, width: int):
    """Pixels of `boundary_band` of a filled `side` x `side` square inside a `size` x `size` image."""
    from kerasbook.layers.segmentation import boundary_band

    mask = np.zeros((size, size), bool)
    mask[1:1 + side, 1:1 + side] = True
    return _answer(question, int(boundary_band(mask, width).sum()))


# -- the loss ------------------------------------------------------------------------------

@computed("ch09.uniform_loss")
def uniform_loss(question, num_classes: int, dice_weight: float = 1.0, size: int = 4):
    """`CrossEntropyDice(num_classes, dice_weight)` when every logit is 0 (a uniform guess).

    The label map gives every class the same number of pixels (`size` x `size`
    pixels, classes in turn), so the value does not depend on which pixel is which.
    """
    from keras import ops

    from kerasbook.layers.segmentation import CrossEntropyDice

    labels = (np.arange(size * size) % num_classes).reshape(1, size, size)
    logits = np.zeros((1, size, size, num_classes), "float32")
    loss = CrossEntropyDice(num_classes, dice_weight=dice_weight)
    value = float(ops.convert_to_numpy(loss(labels, logits)))
    return _answer(question, round(value, 6))


@computed("ch09.dice_term_shape")
def dice_term_shape(question, num_classes: int, batch: int = 2, size: int = 8, part: str = "dice"):
    """Shape of the Dice term inside `CrossEntropyDice.call` ("dice") or of what `call` returns ("loss").

    Both are found by running the real layer pieces on a batch; the batch axis
    is written as B.
    """
    from keras import ops

    from kerasbook.layers.segmentation import CrossEntropyDice

    loss = CrossEntropyDice(num_classes)
    labels = np.zeros((batch, size, size), "int32")
    logits = np.zeros((batch, size, size, num_classes), "float32")
    if part == "dice":
        shape = ops.shape(loss.dice(ops.one_hot(labels, num_classes), ops.softmax(logits, axis=-1)))
    else:
        shape = ops.shape(loss.call(labels, logits))
    assert shape[0] == batch
    return _shape_spellings(shape[1:])


# -- instances from a semantic mask ----------------------------------------------------------

def _grid(rows) -> np.ndarray:
    """A label map written as rows of space-separated numbers, `["1 1 0", "0 0 2"]`."""
    return np.array([[int(v) for v in row.split()] for row in rows], np.int32)


@computed("ch09.instances")
def instances(question, rows, connectivity: int = 2, part: str = "count", cls: int | None = None):
    """`instances_from_semantic` on the label map `rows`: how many instances it finds ("count"; of class
    `cls` only, when given), or the `classes` list it returns ("classes")."""
    from kerasbook.chapters.ch09_unet import instances_from_semantic

    _, classes = instances_from_semantic(_grid(rows), connectivity)
    if part == "classes":
        return _list_spellings(classes)
    return _answer(question, len(classes) if cls is None else classes.count(cls))


@computed("ch09.match_instances")
def match_instances(question, truth, found, key: str):
    """One count of `match_instances(truth, found)` ("objects", "found", "recovered", "merged", "split") for
    instance maps written as rows of space-separated numbers."""
    from kerasbook.chapters.ch09_unet import match_instances as match

    return _answer(question, match(_grid(truth), _grid(found))[key])
