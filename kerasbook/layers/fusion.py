"""The fusion layer of "Let there be Color!": one global vector joined to every pixel.

A convolution only sees a neighbourhood, so a colouriser built from
convolutions alone colours each patch by what the patch looks like. Whether a
smooth grey region is sky at noon or sky at sunset is not in the patch; it is
in the rest of the picture. The global features network summarises the whole
image into one vector; the fusion layer copies (broadcasts) that vector to
every position of the mid-level feature map, concatenates it with the local
features on the channel axis, and mixes the two with a 1x1 convolution, so
every pixel's colour is decided with the scene in view.

Reference: Iizuka, Simo-Serra, Ishikawa, "Let there be Color!: Joint
End-to-end Learning of Global and Local Image Priors for Automatic Image
Colorization with Simultaneous Classification", SIGGRAPH 2016.
"""

from __future__ import annotations

import keras
from keras import layers, ops


# --8<-- [start:fusion]
@keras.saving.register_keras_serializable(package="kerasbook")
class FusionLayer(keras.layers.Layer):
    """Broadcast a global vector to every pixel, concatenate, and fuse with a 1x1 convolution.

    For local features `(B, H, W, C_local)` and a global vector `(B, C_global)`
    the output at pixel (i, j) is `act(W [local[i, j]; global] + b)`, with one
    weight matrix `W` of shape `(C_local + C_global, units)` shared by every
    pixel: the 1x1 convolution.

    Args:
        units: int. Channels of the fused map.
        activation: activation of the 1x1 convolution (default `"relu"`).
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: list `[local (B, H, W, C_local), global (B, C_global)]`.

    Example:
        >>> fused = FusionLayer(8)([keras.ops.zeros((2, 4, 4, 6)), keras.ops.zeros((2, 5))])
        >>> fused.shape
        (2, 4, 4, 8)
    """

    def __init__(self, units: int, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.conv = layers.Conv2D(units, 1, activation=self.activation, name="fuse_1x1")

    def build(self, input_shape):
        local_shape, global_shape = input_shape
        self.conv.build((*local_shape[:-1], local_shape[-1] + global_shape[-1]))

    def call(self, inputs):
        local, glob = inputs
        batch, height, width = ops.shape(local)[0], ops.shape(local)[1], ops.shape(local)[2]
        tiled = ops.broadcast_to(glob[:, None, None, :], (batch, height, width, ops.shape(glob)[-1]))   # (B, H, W, C_global)
        joined = ops.concatenate([local, ops.cast(tiled, local.dtype)], axis=-1)                         # (B, H, W, C_l + C_g)
        return self.conv(joined)                                                                         # (B, H, W, units)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": keras.activations.serialize(self.activation)}
# --8<-- [end:fusion]
