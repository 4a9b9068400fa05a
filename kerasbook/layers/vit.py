"""The Vision Transformer's own layers: cut an image into patches, and prepend a class token.

ViT reads an image as a sentence of patches: a 32×32 image in 8×8 patches is
a sequence of 16 "words" of 8·8·3 = 192 numbers each. A dense layer projects
every patch to `d_model`, a learned class token is put in front (its output is
what the classifier reads, like BERT's `[CLS]`), learned position embeddings
are added, and ordinary Transformer encoder blocks do the rest.

Reference: Dosovitskiy et al., "An Image is Worth 16x16 Words: Transformers for
Image Recognition at Scale", ICLR 2021.
"""

from __future__ import annotations

import keras
from keras import layers, ops


# --8<-- [start:patches]
@keras.saving.register_keras_serializable(package="kerasbook")
class Standardize(layers.Layer):
    """Each image to mean 0 and variance 1 over all its pixels and channels (as
    `tf.image.per_image_standardization`, whose floor on the deviation it keeps)."""

    def call(self, images):
        x = ops.cast(images, "float32")
        n = ops.cast(ops.prod(ops.shape(x)[1:]), "float32")
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        std = ops.maximum(ops.std(x, axis=(1, 2, 3), keepdims=True), 1.0 / ops.sqrt(n))
        return (x - mean) / std


@keras.saving.register_keras_serializable(package="kerasbook")
class Patches(layers.Layer):
    """`(B, H, W, C)` -> `(B, (H/p)·(W/p), p·p·C)`: non-overlapping p×p patches, row by row, each flattened
    row by row with its channels last (the layout of `keras.ops.image.extract_patches`).

    Args:
        patch_size: int. The side p of a patch; H and W must be multiples of it.
    """

    def __init__(self, patch_size: int, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = patch_size

    def call(self, images):
        p = self.patch_size
        _, h, w, c = images.shape
        x = ops.reshape(images, (-1, h // p, p, w // p, p, c))         # split rows and columns into blocks
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))                       # (B, rows, cols, p, p, C)
        return ops.reshape(x, (-1, (h // p) * (w // p), p * p * c))

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        p = self.patch_size
        return (b, (h // p) * (w // p), p * p * c)

    def get_config(self):
        return {**super().get_config(), "patch_size": self.patch_size}


@keras.saving.register_keras_serializable(package="kerasbook")
class ClassToken(layers.Layer):
    """`(B, N, d)` -> `(B, N + 1, d)`: one learned vector put in front of every sequence."""

    def build(self, input_shape):
        self.token = self.add_weight(name="token", shape=(1, 1, input_shape[-1]), initializer="zeros")

    def call(self, inputs):
        token = ops.broadcast_to(ops.cast(self.token, inputs.dtype), (ops.shape(inputs)[0], 1, inputs.shape[-1]))
        return ops.concatenate([token, inputs], axis=1)

    def compute_output_shape(self, input_shape):
        n = None if input_shape[1] is None else input_shape[1] + 1
        return (input_shape[0], n, input_shape[2])
# --8<-- [end:patches]
