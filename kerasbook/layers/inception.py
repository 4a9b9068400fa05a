"""GoogLeNet's Inception block: four branches with different receptive fields, concatenated."""

from __future__ import annotations

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="kerasbook")
class InceptionBlock(layers.Layer):
    """1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 | 3x3 max pool -> 1x1, concatenated on channels.

    Instead of choosing one filter size, the block runs several side by side and
    lets training decide which to use. The 1x1 convolutions in front of the
    3x3 and 5x5 branches ("reductions") shrink the channels first, which is what
    keeps the block affordable (see `kerasbook.layers.costs.inception_params`).
    Every convolution has a bias and a ReLU, as in GoogLeNet.

    Args:
        f1: int. Channels of the 1x1 branch.
        f3_reduce: int. Channels of the 1x1 reduction before the 3x3.
        f3: int. Channels of the 3x3 branch.
        f5_reduce: int. Channels of the 1x1 reduction before the 5x5.
        f5: int. Channels of the 5x5 branch.
        pool_proj: int. Channels of the 1x1 after the max pool.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: tensor `(B, H, W, C)`.

    Example:
        >>> block = InceptionBlock(64, 96, 128, 16, 32, 32)   # GoogLeNet's "3a"
        >>> block(keras.ops.zeros((1, 28, 28, 192))).shape
        (1, 28, 28, 256)

    Reference: Szegedy et al., "Going Deeper with Convolutions", 2015.
    """

    def __init__(self, f1, f3_reduce, f3, f5_reduce, f5, pool_proj, **kwargs):
        super().__init__(**kwargs)
        self.f1, self.f3_reduce, self.f3 = f1, f3_reduce, f3
        self.f5_reduce, self.f5, self.pool_proj = f5_reduce, f5, pool_proj

        def conv(filters, k, name):
            return layers.Conv2D(filters, k, padding="same", activation="relu", name=name)

        self.b1 = conv(f1, 1, "b1_1x1")
        self.b3_reduce = conv(f3_reduce, 1, "b3_reduce")
        self.b3 = conv(f3, 3, "b3_3x3")
        self.b5_reduce = conv(f5_reduce, 1, "b5_reduce")
        self.b5 = conv(f5, 5, "b5_5x5")
        self.pool = layers.MaxPooling2D(3, strides=1, padding="same", name="pool")
        self.pool_conv = conv(pool_proj, 1, "pool_proj")

    def build(self, input_shape):
        for layer in (self.b1, self.b3_reduce, self.b5_reduce, self.pool_conv):
            layer.build(input_shape)
        self.b3.build((*input_shape[:-1], self.f3_reduce))
        self.b5.build((*input_shape[:-1], self.f5_reduce))

    # --8<-- [start:call]
    def call(self, inputs):
        branches = [
            self.b1(inputs),                              # (B, H, W, f1)
            self.b3(self.b3_reduce(inputs)),              # (B, H, W, f3)
            self.b5(self.b5_reduce(inputs)),              # (B, H, W, f5)
            self.pool_conv(self.pool(inputs)),            # (B, H, W, pool_proj)
        ]
        return keras.ops.concatenate(branches, axis=-1)   # (B, H, W, f1 + f3 + f5 + pool_proj)
    # --8<-- [end:call]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.f1 + self.f3 + self.f5 + self.pool_proj)

    def get_config(self):
        return {**super().get_config(), "f1": self.f1, "f3_reduce": self.f3_reduce, "f3": self.f3,
                "f5_reduce": self.f5_reduce, "f5": self.f5, "pool_proj": self.pool_proj}
