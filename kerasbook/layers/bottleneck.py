"""The bottleneck residual block: 1x1 squeeze, 3x3, 1x1 expand, plus a shortcut."""

from __future__ import annotations

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="kerasbook")
class BottleneckBlock(layers.Layer):
    """ResNet-50's block: Conv1x1-BN-ReLU, Conv3x3-BN-ReLU, Conv1x1-BN, + shortcut, ReLU.

    The first 1x1 convolution squeezes the channels down to `filters`, the 3x3
    convolution does the spatial work on that thin tensor, and the last 1x1
    convolution widens it again to `filters * expansion`. The expensive 3x3 runs
    on a quarter of the channels, which is what lets ResNet-50/101/152 go deep
    for roughly the cost of ResNet-34. As in `ResidualBlock`, the shortcut is a
    1x1 convolution (plus batch norm) whenever the shape changes.

    Args:
        filters: int. Channels of the thin middle; the block outputs
            `filters * expansion`.
        strides: int or tuple. Stride of the 3x3 convolution and of the
            projection shortcut.
        expansion: int. How much the last 1x1 widens (4 in ResNet-50).
        bn_momentum: float. Momentum of the batch-norm moving statistics.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: tensor `(B, H, W, C)`.
        training: bool, for batch norm.

    Example:
        >>> block = BottleneckBlock(64)
        >>> block(keras.ops.zeros((1, 56, 56, 64))).shape
        (1, 56, 56, 256)

    Reference: He et al., "Deep Residual Learning for Image Recognition", 2016, fig. 5.
    """

    def __init__(self, filters, strides=1, expansion=4, bn_momentum=0.9, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.expansion = expansion
        self.bn_momentum = bn_momentum
        self.strides = tuple(strides) if isinstance(strides, (list, tuple)) else (strides, strides)
        out = filters * expansion
        conv = {"use_bias": False, "padding": "same"}
        self.reduce = layers.Conv2D(filters, 1, name="reduce", **conv)
        self.reduce_bn = layers.BatchNormalization(momentum=bn_momentum, name="reduce_bn")
        self.conv = layers.Conv2D(filters, 3, strides=self.strides, name="conv", **conv)
        self.conv_bn = layers.BatchNormalization(momentum=bn_momentum, name="conv_bn")
        self.expand = layers.Conv2D(out, 1, name="expand", **conv)
        # gamma = 0: the residual branch starts silent, so the block starts as (nearly) the identity.
        self.expand_bn = layers.BatchNormalization(momentum=bn_momentum, gamma_initializer="zeros", name="expand_bn")
        self.proj = None
        self.proj_bn = None

    def build(self, input_shape):
        out = self.filters * self.expansion
        if input_shape[-1] != out or self.strides != (1, 1):
            self.proj = layers.Conv2D(out, 1, strides=self.strides, use_bias=False, name="proj")
            self.proj_bn = layers.BatchNormalization(momentum=self.bn_momentum, name="proj_bn")
            self.proj.build(input_shape)
            self.proj_bn.build(self.proj.compute_output_shape(input_shape))
        self.reduce.build(input_shape)
        thin = self.reduce.compute_output_shape(input_shape)
        self.reduce_bn.build(thin)
        self.conv.build(thin)
        small = self.conv.compute_output_shape(thin)
        self.conv_bn.build(small)
        self.expand.build(small)
        self.expand_bn.build(self.expand.compute_output_shape(small))

    # --8<-- [start:call]
    def call(self, inputs, training=None):
        x = keras.ops.relu(self.reduce_bn(self.reduce(inputs), training=training))  # (B, H, W, F)
        x = keras.ops.relu(self.conv_bn(self.conv(x), training=training))           # (B, H/s, W/s, F)
        x = self.expand_bn(self.expand(x), training=training)                        # (B, H/s, W/s, 4F)
        shortcut = inputs
        if self.proj is not None:
            shortcut = self.proj_bn(self.proj(inputs), training=training)            # (B, H/s, W/s, 4F)
        return keras.ops.relu(x + shortcut)
    # --8<-- [end:call]

    def compute_output_shape(self, input_shape):
        thin = self.conv.compute_output_shape(input_shape)
        return (*thin[:-1], self.filters * self.expansion)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "strides": self.strides,
                "expansion": self.expansion, "bn_momentum": self.bn_momentum}
