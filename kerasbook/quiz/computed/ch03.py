"""Chapter 3 answers, computed from `kerasbook.chapters.ch03_cnn` and real Keras layers.

Keras is imported inside the functions, so listing the banks never pays for
it. The default model is built once per process and shared.
"""

from __future__ import annotations

import functools

import numpy as np

from kerasbook.quiz.compute import chapter_model, computed


def default_model():
    """The chapter's VGG-style network with its default `Config`, built but never trained."""
    return chapter_model("ch03_cnn")


def _shape_spellings(shape) -> list[str]:
    dims = [str(d) for d in shape[1:]]
    spellings = [f"(B, {', '.join(dims)})", f"(None, {', '.join(dims)})", f"({', '.join(dims)})",
                 " x ".join(dims), " × ".join(dims), "x".join(dims), "×".join(dims)]
    if len(dims) == 1:
        spellings.append(f"({dims[0]},)")
    return spellings


@computed("ch03.conv_output")
def conv_output(question, n: int, kernel: int, padding: int = 0, stride: int = 1, pool: bool = False):
    """Output side of a real Conv2D (or MaxPooling2D) on an n x n input after `padding` zeros."""
    import keras

    from kerasbook.layers.padding import Padding2D

    x = Padding2D(padding)(np.zeros((1, n, n, 1), "float32"))
    layer = keras.layers.MaxPooling2D(kernel, strides=stride) if pool else keras.layers.Conv2D(1, kernel, strides=stride)
    return int(layer(x).shape[1])


@computed("ch03.conv_params")
def conv_params(question, in_channels: int, filters: int, kernel: int = 3, bias: bool = True):
    """Parameters of a fresh Keras Conv2D."""
    import keras

    layer = keras.layers.Conv2D(filters, kernel, use_bias=bias)
    layer.build((None, 32, 32, in_channels))
    return layer.count_params()


@computed("ch03.dense_params")
def dense_params(question, inputs: int, units: int):
    """Parameters of a fresh Keras Dense layer."""
    import keras

    layer = keras.layers.Dense(units)
    layer.build((None, inputs))
    return layer.count_params()


@computed("ch03.param_count")
def param_count(question, key: str):
    """One entry of `ch03_cnn.parameter_counts` for the default Config."""
    from kerasbook.chapters import ch03_cnn

    return ch03_cnn.parameter_counts(ch03_cnn.Config())[key]


@computed("ch03.param_ratio")
def param_ratio(question):
    """How many times more parameters the MLP's first layer has than all of the CNN's convolutions."""
    from kerasbook.chapters import ch03_cnn

    counts = ch03_cnn.parameter_counts(ch03_cnn.Config())
    return round(counts["mlp_first_layer"] / counts["cnn_conv_layers"], 2)


@computed("ch03.output_shape")
def output_shape(question, layer: str):
    """The output shape of one layer of the default model, in several spellings."""
    return _shape_spellings(default_model().get_layer(layer).output.shape)


@computed("ch03.layer_params")
def layer_params(question, layer: str):
    """Parameters of one layer of the default model."""
    return default_model().get_layer(layer).count_params()


@computed("ch03.max_pool")
def max_pool(question, grid):
    """2x2 max pooling (stride 2) of a small grid, through keras.layers.MaxPooling2D."""
    import keras

    x = np.asarray(grid, "float32")[None, :, :, None]
    y = keras.ops.convert_to_numpy(keras.layers.MaxPooling2D(2)(x))[0, :, :, 0]
    rows = [[int(v) if float(v).is_integer() else float(v) for v in row] for row in y]
    text = "[" + ", ".join("[" + ", ".join(str(v) for v in row) + "]" for row in rows) + "]"
    return [text, text.replace(" ", "")]


@computed("ch03.padded_row")
def padded_row(question, row, padding: int, mode: str):
    """A 1-D row padded by our Padding2D, written like `[3, 2, 1, 2, 3]`."""
    from kerasbook.layers.padding import Padding2D

    x = np.asarray(row, "float32")[None, None, :, None]                         # (1, 1, W, 1)
    y = np.asarray(Padding2D((0, padding), mode)(x))[0, 0, :, 0]
    text = "[" + ", ".join(str(int(v)) for v in y) + "]"
    return [text, text.replace(" ", ""), " ".join(str(int(v)) for v in y)]


@computed("ch03.receptive_field")
def receptive_field(question, upto: str = "flatten"):
    """Input pixels one position sees, along one axis, after the layers up to `upto`."""
    import keras

    field, jump = 1, 1
    for layer in default_model().layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D)):
            k = layer.kernel_size[0] if isinstance(layer, keras.layers.Conv2D) else layer.pool_size[0]
            field += (k - 1) * jump
            jump *= layer.strides[0]
        if layer.name == upto:
            break
    return field


@functools.cache
def _costs(net: str, groups: int = 1):
    """`layer_costs` of AlexNet (`groups` 1 or 2) or VGG-16, built once per process."""
    from kerasbook.chapters import ch03_cnn

    model = ch03_cnn.build_alexnet(groups=groups) if net == "alexnet" else ch03_cnn.vgg16_for_counting()
    return ch03_cnn.layer_costs(model)


@computed("ch03.net_params")
def net_params(question, net: str = "alexnet", layer: str | None = None, groups: int = 1, kind: str | None = None,
               millions: bool = False):
    """Parameters of AlexNet or VGG-16 (`net`), of one layer, or of its `conv` or `fc` layers, from the real model.

    `millions=True` gives the count in millions, to one decimal.
    """
    rows = _costs(net, groups)
    count = sum(r["params"] for r in rows if (layer is None or r["layer"] == layer) and (kind is None or r["kind"] == kind))
    return round(count / 1e6, 1) if millions else count


@computed("ch03.conv_macs")
def conv_macs(question, side: int, channels: int, filters: int, kernel: int = 3):
    """What `layer_costs` reports for a Conv2D(filters, kernel, padding="same") reading side x side x channels."""
    import keras

    from kerasbook.chapters import ch03_cnn
    from kerasbook.quiz.compute import answer

    image = keras.Input((side, side, channels))
    model = keras.Model(image, keras.layers.Conv2D(filters, kernel, padding="same")(image))
    return answer(question, ch03_cnn.layer_costs(model)[0]["macs"])


@computed("ch03.net_macs")
def net_macs(question, net: str = "alexnet", layer: str | None = None, groups: int = 1, scale: float = 1e6):
    """Multiply-accumulates per image of AlexNet or VGG-16 (or one layer), in units of `scale` (millions by default)."""
    rows = _costs(net, groups)
    return round(sum(r["macs"] for r in rows if layer is None or r["layer"] == layer) / scale, 2)


@computed("ch03.net_ratio")
def net_ratio(question, what: str = "params"):
    """How many times VGG-16's parameters (or MACs) are AlexNet's (one tower), to one decimal."""
    from kerasbook.chapters import ch03_cnn

    vgg, alex = (ch03_cnn.cost_summary(_costs(n)) for n in ("vgg16", "alexnet"))
    return round(vgg[what] / alex[what], 1)


@computed("ch03.alexnet_output_shape")
def alexnet_output_shape(question, layer: str):
    """The output shape of one layer of `build_alexnet()`, in several spellings."""
    from kerasbook.chapters import ch03_cnn

    return _shape_spellings(ch03_cnn.build_alexnet().get_layer(layer).output.shape)


@computed("ch03.transfer_trainable")
def transfer_trainable(question, mode: str):
    """Parameters trained by feature extraction or fine-tuning on the default backbone (5 new classes)."""
    from kerasbook.chapters import ch03_cnn

    cfg = ch03_cnn.Config()
    split = ch03_cnn.trainable_split(ch03_cnn.backbone_of(ch03_cnn.build_model(cfg)), 5, cfg)
    from kerasbook.quiz.compute import answer

    return answer(question, split[mode])
