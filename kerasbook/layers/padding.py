"""Padding a feature map with zeros, a mirror image, or copies of its edge."""

from __future__ import annotations

import keras
from keras import ops

PADDING_MODES = ("zero", "reflect", "replicate")


# --8<-- [start:padding2d]
@keras.saving.register_keras_serializable(package="kerasbook")
class Padding2D(keras.layers.Layer):
    """Pad the height and width of `(B, H, W, C)` images.

    `Conv2D(padding="same")` always pads with zeros. Other borders are a layer
    of their own placed before a `padding="valid"` convolution:

    * `"zero"`: zeros around the image (what `"same"` does);
    * `"reflect"`: a mirror image that does not repeat the edge pixel
      (`[1, 2, 3]` padded by 2 gives `[3, 2, 1, 2, 3, 2, 1]`, NumPy's and
      PyTorch's `"reflect"`);
    * `"replicate"`: copies of the edge pixel (`[1, 1, 1, 2, 3, 3, 3]`,
      NumPy's `"edge"`).

    Args:
        padding: int or tuple `(pad_h, pad_w)`. Pixels added on each side.
        mode: one of `"zero"`, `"reflect"`, `"replicate"`.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: tensor `(B, H, W, C)`. For `"reflect"` the padding must be
            smaller than the height and the width.

    Example:
        >>> x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
        >>> Padding2D(1, "replicate")(x).shape
        (1, 5, 5, 1)
    """

    def __init__(self, padding=1, mode="zero", **kwargs):
        super().__init__(**kwargs)
        if mode not in PADDING_MODES:
            raise ValueError(f"mode must be one of {', '.join(PADDING_MODES)}, not {mode!r}")
        pad = (padding, padding) if isinstance(padding, int) else tuple(padding)
        if len(pad) != 2 or any(int(p) != p or p < 0 for p in pad):
            raise ValueError(f"padding must be a whole number >= 0 or a pair of them, not {padding!r}")
        self.padding = padding
        self.mode = mode
        self._pad = tuple(int(p) for p in pad)

    def call(self, inputs):
        ph, pw = self._pad
        if self.mode == "replicate":
            # TensorFlow's pad has no "edge" mode, so we repeat the edge rows, then columns.
            x = inputs
            if ph:
                top = ops.repeat(x[:, :1], ph, axis=1)
                bottom = ops.repeat(x[:, -1:], ph, axis=1)
                x = ops.concatenate([top, x, bottom], axis=1)              # (B, H + 2ph, W, C)
            if pw:
                left = ops.repeat(x[:, :, :1], pw, axis=2)
                right = ops.repeat(x[:, :, -1:], pw, axis=2)
                x = ops.concatenate([left, x, right], axis=2)              # (B, H + 2ph, W + 2pw, C)
            return x
        widths = [(0, 0), (ph, ph), (pw, pw), (0, 0)]
        mode = "constant" if self.mode == "zero" else "reflect"
        return ops.pad(inputs, widths, mode=mode)                          # (B, H + 2ph, W + 2pw, C)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        ph, pw = self._pad
        return (b, None if h is None else h + 2 * ph, None if w is None else w + 2 * pw, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "mode": self.mode}
# --8<-- [end:padding2d]


@keras.saving.register_keras_serializable(package="kerasbook")
class RandomPadCrop(keras.layers.Layer):
    """Augmentation: pad the image, then cut a random window of the original size.

    The classic CIFAR shift (pad by 4, crop 32x32), one random offset per
    image. The border comes from `Padding2D`, so it can be zeros, a mirror
    image or the repeated edge. At inference the image passes unchanged.
    Unlike `keras.layers.RandomCrop` and `RandomTranslation`, it compiles with
    XLA: the crop is two one-hot matrix products instead of a gather.

    Args:
        padding: int. Largest shift in pixels, in each direction.
        mode: border of the padded image: `"zero"`, `"reflect"` or `"replicate"`.
        seed: int or None. Seed of the random offsets.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: tensor `(B, H, W, C)` with a known height and width.
        training: bool. Shift only while training.
    """

    def __init__(self, padding=4, mode="reflect", seed=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = padding
        self.mode = mode
        self.seed = seed
        self.pad = Padding2D(padding, mode)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.pad.build(input_shape)

    def call(self, inputs, training=None):
        if not training or not self.padding:
            return inputs
        x = ops.cast(inputs, self.compute_dtype)
        b = ops.shape(x)[0]
        h, w = x.shape[1], x.shape[2]
        size = 2 * self.padding + 1                                   # possible offsets per axis
        dy = keras.random.randint((b,), 0, size, seed=self.seed_generator)
        dx = keras.random.randint((b,), 0, size, seed=self.seed_generator)
        rows = ops.one_hot(dy[:, None] + ops.arange(h)[None], h + 2 * self.padding)   # (B, H, H + 2p)
        cols = ops.one_hot(dx[:, None] + ops.arange(w)[None], w + 2 * self.padding)   # (B, W, W + 2p)
        padded = self.pad(x)                                                          # (B, H + 2p, W + 2p, C)
        x = ops.einsum("bhi,biwc->bhwc", ops.cast(rows, x.dtype), padded)             # (B, H, W + 2p, C)
        return ops.einsum("bwj,bhjc->bhwc", ops.cast(cols, x.dtype), x)               # (B, H, W, C)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "mode": self.mode, "seed": self.seed}
