"""MobileNet's depthwise-separable convolution: a k x k depthwise step, then a 1x1 pointwise step."""

from __future__ import annotations

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="kerasbook")
class DepthwiseSeparableConv(layers.Layer):
    """DepthwiseConv-BN-ReLU, then Conv1x1-BN-ReLU (one MobileNet v1 unit).

    A standard convolution looks at space and channels at once: every output
    channel has a full `k x k x C_in` filter. MobileNet splits the two jobs.
    The depthwise step filters each input channel on its own with one `k x k`
    filter (space, no mixing); the pointwise 1x1 step then mixes the channels at
    every pixel (channels, no space). Same output shape, about `1/C_out + 1/k^2`
    of the parameters and multiply-adds (see `kerasbook.layers.costs`).

    Args:
        filters: int. Output channels of the pointwise step.
        kernel_size: int. Size of the depthwise filter.
        strides: int. Stride of the depthwise step.
        bn_momentum: float. Momentum of the batch-norm moving statistics.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: tensor `(B, H, W, C_in)`.
        training: bool, for batch norm.

    Example:
        >>> block = DepthwiseSeparableConv(64, strides=2)
        >>> block(keras.ops.zeros((1, 32, 32, 32))).shape
        (1, 16, 16, 64)

    Reference: Howard et al., "MobileNets: Efficient Convolutional Neural
    Networks for Mobile Vision Applications", 2017.
    """

    def __init__(self, filters, kernel_size=3, strides=1, bn_momentum=0.9, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.bn_momentum = bn_momentum
        # No biases: the batch norm right after each step has its own shift (beta).
        self.depthwise = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="same",
                                                use_bias=False, name="depthwise")
        self.depthwise_bn = layers.BatchNormalization(momentum=bn_momentum, name="depthwise_bn")
        self.pointwise = layers.Conv2D(filters, 1, use_bias=False, name="pointwise")
        self.pointwise_bn = layers.BatchNormalization(momentum=bn_momentum, name="pointwise_bn")

    def build(self, input_shape):
        self.depthwise.build(input_shape)
        mid = self.depthwise.compute_output_shape(input_shape)
        self.depthwise_bn.build(mid)
        self.pointwise.build(mid)
        self.pointwise_bn.build(self.pointwise.compute_output_shape(mid))

    # --8<-- [start:call]
    def call(self, inputs, training=None):
        x = keras.ops.relu(self.depthwise_bn(self.depthwise(inputs), training=training))  # (B, H/s, W/s, C_in)
        return keras.ops.relu(self.pointwise_bn(self.pointwise(x), training=training))     # (B, H/s, W/s, filters)
    # --8<-- [end:call]

    def compute_output_shape(self, input_shape):
        return self.pointwise.compute_output_shape(self.depthwise.compute_output_shape(input_shape))

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "bn_momentum": self.bn_momentum}
