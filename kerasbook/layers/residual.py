"""The residual basic block: two 3x3 convolutions plus a shortcut, f(x) + x."""

from __future__ import annotations

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="kerasbook")
class ResidualBlock(layers.Layer):
    """Conv-BN-ReLU-Conv-BN, added to the (projected) input, then ReLU.

    When the number of channels or the stride changes, the shortcut becomes a
    1x1 convolution (plus batch norm) so that the two branches can be added.

    Args:
        filters: int. Output channels.
        strides: int or tuple. Stride of the first convolution (and of the
            projection shortcut).
        bn_momentum: float. Momentum of the batch-norm moving statistics.
            0.9 (PyTorch's default, which PyTorch writes as momentum=0.1:
            there the momentum weights the new batch) follows fast-changing
            weights in short training runs; Keras' default 0.99 lags behind
            them, and then the model scores far worse in inference mode than
            in training mode.
        zero_init: bool. Start the residual branch's last batch norm with
            gamma = 0, so that the block begins as the identity (the
            default). Under Adam that gamma grows by about one learning rate
            per step, so the branch joins in slowly; `False` starts it at 1,
            as Keras and PyTorch initialise batch norm, and a short run
            learns much sooner.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: tensor `(B, H, W, C)`.
        training: bool, for batch norm.

    Example:
        >>> block = ResidualBlock(64, strides=(2, 1))
        >>> block(keras.ops.zeros((1, 12, 32, 32))).shape
        (1, 6, 32, 64)

    Reference: He et al., "Deep Residual Learning for Image Recognition", 2016.
    """

    def __init__(self, filters, strides=1, bn_momentum=0.9, zero_init=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.bn_momentum = bn_momentum
        self.zero_init = bool(zero_init)
        self.strides = tuple(strides) if isinstance(strides, (list, tuple)) else (strides, strides)
        self.conv1 = layers.Conv2D(filters, 3, strides=self.strides, padding="same", use_bias=False, name="conv1")
        self.bn1 = layers.BatchNormalization(momentum=bn_momentum, name="bn1")
        self.conv2 = layers.Conv2D(filters, 3, padding="same", use_bias=False, name="conv2")
        # Starting the residual branch's last BN at zero makes every block begin
        # as the identity, which keeps early training well conditioned.
        self.bn2 = layers.BatchNormalization(momentum=bn_momentum, gamma_initializer="zeros" if self.zero_init else "ones",
                                             name="bn2")
        self.proj = None
        self.proj_bn = None

    def build(self, input_shape):
        if input_shape[-1] != self.filters or self.strides != (1, 1):
            self.proj = layers.Conv2D(self.filters, 1, strides=self.strides, use_bias=False, name="proj")
            self.proj_bn = layers.BatchNormalization(momentum=self.bn_momentum, name="proj_bn")
            self.proj.build(input_shape)
            self.proj_bn.build(self.proj.compute_output_shape(input_shape))
        self.conv1.build(input_shape)
        mid = self.conv1.compute_output_shape(input_shape)
        self.bn1.build(mid)
        self.conv2.build(mid)
        self.bn2.build(mid)

    def call(self, inputs, training=None):
        x = keras.ops.relu(self.bn1(self.conv1(inputs), training=training))  # (B, H/s, W/s, F)
        x = self.bn2(self.conv2(x), training=training)
        shortcut = inputs
        if self.proj is not None:
            shortcut = self.proj_bn(self.proj(inputs), training=training)     # (B, H/s, W/s, F)
        return keras.ops.relu(x + shortcut)

    def compute_output_shape(self, input_shape):
        return self.conv1.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "strides": self.strides,
                "bn_momentum": self.bn_momentum, "zero_init": self.zero_init}
