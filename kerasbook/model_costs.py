"""Counting what a Keras model costs: parameters and multiply-accumulates, layer by layer.

Chapter 3 sets AlexNet (2012) beside VGG-16 (2014): AlexNet is built here as a
Keras functional model at its ImageNet size, VGG-16 comes from
`keras.applications` with random weights, and `layer_costs` counts both from
the layers themselves, so the page's tables are what the models hold (the
same costs as formulas on a layer's sizes are in `kerasbook.layers.costs`).
Nothing here trains or downloads anything.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:alexnet]
def _local_response_norm(x):
    import tensorflow as tf

    # AlexNet's "brightness normalisation": each value divided by (k + alpha * sum of squares over
    # n = 5 neighbouring channels) ** beta, with the paper's k = 2, alpha = 1e-4, beta = 0.75.
    return tf.nn.local_response_normalization(x, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)


def build_alexnet(num_classes: int = 1000, groups: int = 1, input_shape=(227, 227, 3)):
    """AlexNet (2012) as a Keras functional model, built to be counted, never trained here.

    Five convolutions, three fully connected layers: 11x11 stride 4 (96 filters), 3x3/2 max pool,
    5x5 (256), pool, 3x3 (384), 3x3 (384), 3x3 (256), pool, FC 4096, FC 4096, FC 1000; ReLU after
    all but the last, local response normalisation after the first two convolutions and dropout 0.5
    before the two hidden FC layers. The paper trained on two GPUs and split conv2, conv4 and conv5
    into two halves that each read only their own GPU's channels: `groups=2` builds that, which
    halves those layers' weights. `groups=1` is the one-tower network most libraries count.
    The input is 227x227: (227 - 11) / 4 + 1 = 55, the size the paper's first layer produces.
    """
    import keras
    from keras import layers

    image = keras.Input(input_shape, name="image")                                         # (B, 227, 227, 3)
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(image)            # (B, 55, 55, 96)
    x = layers.Lambda(_local_response_norm, name="lrn1")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)                                  # (B, 27, 27, 96)
    x = layers.Conv2D(256, 5, padding="same", groups=groups, activation="relu", name="conv2")(x)  # (B, 27, 27, 256)
    x = layers.Lambda(_local_response_norm, name="lrn2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)                                  # (B, 13, 13, 256)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)           # (B, 13, 13, 384)
    x = layers.Conv2D(384, 3, padding="same", groups=groups, activation="relu", name="conv4")(x)  # (B, 13, 13, 384)
    x = layers.Conv2D(256, 3, padding="same", groups=groups, activation="relu", name="conv5")(x)  # (B, 13, 13, 256)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)                                  # (B, 6, 6, 256)
    x = layers.Flatten(name="flatten")(x)                                                   # (B, 9216)
    x = layers.Dropout(0.5, name="dropout6")(x)
    x = layers.Dense(4096, activation="relu", name="fc6")(x)                                # (B, 4096)
    x = layers.Dropout(0.5, name="dropout7")(x)
    x = layers.Dense(4096, activation="relu", name="fc7")(x)                                # (B, 4096)
    logits = layers.Dense(num_classes, name="fc8")(x)                                       # (B, 1000)
    return keras.Model(image, logits, name="alexnet" if groups == 1 else f"alexnet_groups{groups}")


def layer_costs(model) -> list[dict]:
    """Parameters and multiply-accumulates (MACs) per image of every Conv2D and Dense layer, in order.

    A convolution computes one dot product of k x k x (C_in / groups) numbers for each of its
    H_out x W_out x C_out outputs, and its kernel has exactly k x k x (C_in / groups) x C_out weights,
    so MACs = H_out x W_out x (kernel weights). A dense layer after `Flatten` does one dot product
    per unit: MACs = its kernel weights. Biases, activations, pooling and normalisation are left out.
    """
    import keras

    rows = []
    for layer in model.layers:
        if not isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            continue
        shape = tuple(layer.output.shape[1:])                      # (H, W, C_out) or (units,)
        positions = int(np.prod(shape[:-1]))                       # H_out x W_out; 1 for a dense layer
        rows.append({"layer": layer.name, "kind": "conv" if isinstance(layer, keras.layers.Conv2D) else "fc",
                     "output": shape, "params": layer.count_params(),
                     "macs": positions * int(np.prod(layer.kernel.shape))})
    return rows
# --8<-- [end:alexnet]


def cost_summary(rows) -> dict:
    """Totals of `layer_costs` rows, and how they split between convolutions and FC layers."""
    total = {k: sum(r[k] for r in rows) for k in ("params", "macs")}
    conv = {k: sum(r[k] for r in rows if r["kind"] == "conv") for k in ("params", "macs")}
    return {"params": total["params"], "macs": total["macs"], "conv_layers": sum(r["kind"] == "conv" for r in rows),
            "fc_layers": sum(r["kind"] == "fc" for r in rows), "conv_params": conv["params"],
            "fc_params": total["params"] - conv["params"], "conv_macs": conv["macs"],
            "fc_macs": total["macs"] - conv["macs"]}


def vgg16_for_counting():
    """VGG-16 as `keras.applications` builds it for ImageNet (224x224x3, 1000 classes), with random weights."""
    import keras

    return keras.applications.VGG16(weights=None)


def by_block(rows) -> list[dict]:
    """VGG's rows summed per block (`block3_conv1`, `block3_conv2`, ... -> `block3`); FC layers stay as they are."""
    out = []
    for r in rows:
        name = r["layer"].split("_")[0] if r["kind"] == "conv" else r["layer"]
        if out and out[-1]["layer"] == name:
            last = out[-1]
            last.update(params=last["params"] + r["params"], macs=last["macs"] + r["macs"], output=r["output"],
                        convs=last["convs"] + 1)
        else:
            out.append({**r, "layer": name, "convs": 1 if r["kind"] == "conv" else 0})
    return out
