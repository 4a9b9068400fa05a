"""Chapter 4 answers, computed from `kerasbook.chapters.ch04_resnet` and `kerasbook.layers`.

Keras is imported inside the functions, so listing the banks never pays for
it. The chapter's models are built once per process and shared.
"""

from __future__ import annotations

import functools

import numpy as np

from kerasbook.quiz.compute import computed, max_slope


@functools.cache
def _models():
    from kerasbook.chapters import ch04_resnet

    return ch04_resnet.diagram_models()


def _spellings(shape) -> list[str]:
    dims = [str(d) for d in shape[1:]]
    return [f"(B, {', '.join(dims)})", f"(None, {', '.join(dims)})", f"({', '.join(dims)})",
            " x ".join(dims), " × ".join(dims), "x".join(dims), "×".join(dims)]


def _grid_spellings(grid) -> list[str]:
    rows = [[f"{v:g}" for v in row] for row in np.asarray(grid, float)]
    return ["[[" + "], [".join(", ".join(r) for r in rows) + "]]",
            "[[" + "],[".join(",".join(r) for r in rows) + "]]",
            " / ".join(" ".join(r) for r in rows), "; ".join(" ".join(r) for r in rows),
            " ".join(" ".join(r) for r in rows), ", ".join(", ".join(r) for r in rows)]


@computed("ch04.pooling_grid")
def pooling_grid(question, kind: str, grid=None):
    """The 2x2 output of max or average pooling (2x2, stride 2) by the real Keras layers."""
    from kerasbook.chapters import ch04_resnet

    return _grid_spellings(ch04_resnet.pooling_example(grid or ch04_resnet.POOL_EXAMPLE)[kind])


@computed("ch04.pooling_value")
def pooling_value(question, kind: str, row: int, col: int, grid=None):
    """One output cell of max or average pooling of the course's 4x4 example."""
    from kerasbook.chapters import ch04_resnet

    return float(ch04_resnet.pooling_example(grid or ch04_resnet.POOL_EXAMPLE)[kind][row, col])


@computed("ch04.global_average")
def global_average(question):
    """Global average pooling of the 4x4 example: one number."""
    from kerasbook.chapters import ch04_resnet

    return ch04_resnet.pooling_example()["global_average"]


@computed("ch04.sigmoid_max_slope")
def sigmoid_max_slope(question, layers: int = 1):
    """The largest value of sigmoid'(x), measured with autodiff, raised to the number of layers."""
    return max_slope("sigmoid") ** layers


@computed("ch04.conv_params")
def conv_params(question, k: int, c_in: int, c_out: int, bias: bool = True):
    from kerasbook.layers import costs

    return costs.conv_params(k, c_in, c_out, bias)


@computed("ch04.conv_macs")
def conv_macs(question, h: int, k: int, c_in: int, c_out: int):
    from kerasbook.layers import costs

    return costs.conv_macs(h, h, k, c_in, c_out)


@computed("ch04.separable_params")
def separable_params(question, k: int, c_in: int, c_out: int):
    from kerasbook.layers import costs

    return costs.separable_params(k, c_in, c_out)


@computed("ch04.separable_macs")
def separable_macs(question, h: int, k: int, c_in: int, c_out: int):
    from kerasbook.layers import costs

    return costs.separable_macs(h, h, k, c_in, c_out)


@computed("ch04.separable_saving")
def separable_saving(question, k: int, c_out: int):
    """How many times fewer multiply-adds the separable conv needs (standard / separable)."""
    from kerasbook.layers import costs

    return 1 / costs.separable_ratio(k, c_out)


@computed("ch04.inception_params")
def inception_params(question, naive: bool = False):
    """GoogLeNet's block 3a on 28x28x192, with or without the 1x1 reductions."""
    from kerasbook.layers import costs

    fn = costs.naive_inception_params if naive else costs.inception_params
    return fn(192, costs.INCEPTION_3A)


@computed("ch04.inception_out_channels")
def inception_out_channels(question):
    from kerasbook.layers import costs

    return costs.INCEPTION_3A.out_channels


@computed("ch04.output_shape")
def output_shape(question, model: str, layer: str):
    """Output shape of one layer of one of the chapter's models, in several spellings."""
    return _spellings(_models()[model].get_layer(layer).output.shape)


@computed("ch04.output_size")
def output_size(question, model: str, layer: str):
    """Height (= width) of one layer's output."""
    return int(_models()[model].get_layer(layer).output.shape[1])


@computed("ch04.layer_params")
def layer_params(question, model: str, layer: str, trainable_only: bool = False):
    found = _models()[model].get_layer(layer)
    weights = found.trainable_weights if trainable_only else found.weights
    return int(sum(np.prod(w.shape) for w in weights))


@computed("ch04.model_params")
def model_params(question, model: str, trainable_only: bool = True):
    found = _models()[model]
    weights = found.trainable_weights if trainable_only else found.weights
    return int(sum(np.prod(w.shape) for w in weights))


@computed("ch04.weight_layers")
def weight_layers(question, model: str = "plain"):
    """Convolution and dense layers on the main path of a degradation twin."""
    import keras

    found = _models()[model]
    return sum(1 for layer in found.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))
               and not layer.name.startswith("proj"))


@computed("ch04.global_average_text")
def global_average_text(question):
    """Global average of the 4x4 example, spelled for a code-reading answer."""
    value = global_average(question)
    return [f"{value:g}", f"{value:.4f}", f"{value:.3f}", f"{value:.2f}", "65/16"]
