"""Two players in one model: the GAN and the SRGAN, each with its own `train_step`.

A GAN trains two networks against each other. The discriminator D learns to
tell real images (label 1) from the generator's fakes (label 0); the
generator G learns to make fakes that D calls real. One training step
updates both, in turn:

1. D step: draw noise z, make G(z), and lower D's binary cross-entropy on a
   batch of real images and a batch of fakes. G's weights stay still.
2. G step: draw fresh noise and lower the cross-entropy of D(G(z)) against
   the label *real*. D's weights stay still. This is the "non-saturating"
   generator loss, -log D(G(z)), which gives G strong gradients early on when
   D rejects its fakes easily; the minimax form log(1 - D(G(z))) would give
   almost none there.

`GAN` does exactly that, with D returning a logit (the sigmoid sits inside the
loss, which is the numerically safe way to write the same thing) and the noise
drawn from a `keras.random.SeedGenerator` the model owns, so a seeded run is
repeatable. It reports both losses and D's accuracy on the real and on the
fake half of each batch.

`SRGAN` is the same game for super-resolution: G maps a low-resolution image
to a high-resolution one, and its loss adds a content term (the distance
between a fixed feature network's view of the output and of the true image)
to a small adversarial term. `SubPixelUpsampling` is its up-sampling step:
a convolution makes r*r times the channels and `depth_to_space` rearranges
them into an r-times larger image.

References:
    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014. Radford,
    Metz and Chintala, "Unsupervised Representation Learning with Deep
    Convolutional Generative Adversarial Networks" (DCGAN), ICLR 2016. Ledig
    et al., "Photo-Realistic Single Image Super-Resolution Using a Generative
    Adversarial Network" (SRGAN), CVPR 2017. Shi et al., "Real-Time Single
    Image and Video Super-Resolution Using an Efficient Sub-Pixel
    Convolutional Neural Network", CVPR 2016.
"""

from __future__ import annotations

import contextlib

import keras
from keras import ops


# --8<-- [start:subpixel]
@keras.saving.register_keras_serializable(package="kerasbook")
class SubPixelUpsampling(keras.layers.Layer):
    """Rearrange channels into space: `(B, H, W, C * r * r) -> (B, H * r, W * r, C)`.

    Output pixel `(r * i + a, r * j + b)`, channel `c`, is input pixel `(i, j)`,
    channel `(a * r + b) * C + c`: the `r * r` channel groups of one input pixel
    become an `r x r` block of output pixels. A convolution before it learns
    what goes in each block, so the pair up-samples with learned filters and
    without the checkerboard overlaps of a strided transposed convolution.

    Args:
        factor: int. The up-sampling factor r.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: `(B, H, W, C * factor**2)`.

    Example:
        >>> SubPixelUpsampling(2)(keras.ops.zeros((1, 3, 3, 8))).shape
        (1, 6, 6, 2)
    """

    def __init__(self, factor=2, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        import tensorflow as tf

        return tf.nn.depth_to_space(inputs, self.factor)                    # (B, H*r, W*r, C)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        r = self.factor
        return (b, None if h is None else h * r, None if w is None else w * r, c // (r * r))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
# --8<-- [end:subpixel]


@keras.saving.register_keras_serializable(package="kerasbook")
class BicubicUpsampling(keras.layers.Layer):
    """Bicubic up-sampling by a whole factor, for images of any size: `(B, H, W, C) -> (B, H*r, W*r, C)`.

    This is `tf.image.resize(..., method="bicubic")` (Keys' cubic, a = -0.5),
    the baseline every super-resolution model is compared with.

    Args:
        factor: int. The up-sampling factor r.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: `(B, H, W, C)`.
    """

    def __init__(self, factor=4, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        import tensorflow as tf

        h, w = inputs.shape[1], inputs.shape[2]
        if h is None or w is None:                                            # sizes known only when run
            size = tf.shape(inputs)[1:3] * self.factor
        else:                                                                 # static sizes, which XLA needs
            size = (h * self.factor, w * self.factor)
        return tf.image.resize(inputs, size, method="bicubic")                # (B, H*r, W*r, C)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        r = self.factor
        return (b, None if h is None else h * r, None if w is None else w * r, c)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


# --8<-- [start:mixture]
@keras.saving.register_keras_serializable(package="kerasbook")
class NoiseMixture(keras.layers.Layer):
    """Turn standard normal noise into noise from a mixture of `modes` Gaussians: `(B, d) -> (B, d)`.

    Digits are ten separate islands, but a generator is a continuous map, and
    one Gaussian is one connected cloud: whatever the training, some of the
    cloud lands on the paths between islands, and those noise vectors draw
    shapes between two digits. A mixture of well-separated Gaussians gives the
    generator many clouds to place (Gurumurthy et al., "DeLiGAN", CVPR 2017;
    Ben-Yosef and Weinshall, "Gaussian Mixture Generative Adversarial Networks
    for Diverse Datasets", arXiv 2018). Nothing tells it which cloud is which
    digit: the mixture has more parts than there are classes, all equally
    likely, and their centres are random.

    The layer keeps the generator's input a plain standard normal vector, so
    anything that samples the generator needs nothing else. The first
    coordinate picks the part: with u = Phi(z_0) (the normal CDF, uniform on
    [0, 1)), part k = floor(u * modes) and the remainder v = u * modes - k,
    again uniform and independent of k, becomes z_0's replacement
    Phi^-1(v). The output is `centres[k] + z`, with that replacement: exactly a
    draw from the mixture, each part with identity covariance.

    Args:
        modes: int. The number of Gaussians, at least 2.
        spread: float. The centres are drawn once from N(0, spread^2 I), then
            fixed (a non-trainable weight, saved with the model).
        seed: int. The seed of the centres.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: `(B, d)` standard normal noise.
    """

    def __init__(self, modes=50, spread=2.0, seed=0, **kwargs):
        super().__init__(**kwargs)
        if modes < 2:
            raise ValueError(f"a mixture needs at least 2 modes, got {modes}")
        self.modes, self.spread, self.seed = int(modes), float(spread), int(seed)

    def build(self, input_shape):
        self.centres = self.add_weight(
            shape=(self.modes, input_shape[-1]), name="centres", trainable=False,
            initializer=keras.initializers.RandomNormal(stddev=self.spread, seed=self.seed))

    def parts(self, inputs):
        """`(part index (B,), z_0's replacement (B,))` for standard normal `inputs`."""
        u = 0.5 * (1.0 + ops.erf(inputs[:, 0] / 2.0 ** 0.5)) * self.modes          # uniform on [0, modes)
        k = ops.clip(ops.floor(u), 0, self.modes - 1)
        v = ops.clip(u - k, 1e-6, 1.0 - 1e-6)                                         # uniform on (0, 1)
        return ops.cast(k, "int32"), 2.0 ** 0.5 * ops.erfinv(2.0 * v - 1.0)          # Phi^-1(v)

    def call(self, inputs):
        k, first = self.parts(inputs)
        z = ops.concatenate([first[:, None], inputs[:, 1:]], axis=1)                  # fresh N(0, I)
        return ops.take(self.centres, k, axis=0) + z                                  # (B, d)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "modes": self.modes, "spread": self.spread, "seed": self.seed}
# --8<-- [end:mixture]


# --8<-- [start:translate]
def random_translate(images, max_shift, seed_generator, fill=-1.0):
    """Shift each image by its own random whole number of pixels in [-max_shift, max_shift] along each axis,
    filling the uncovered border with `fill`: `(B, H, W, C) -> (B, H, W, C)`.

    Built from padding and gathers, so gradients flow through it: this is the
    "translation" of differentiable augmentation (Zhao et al., DiffAugment,
    NeurIPS 2020). Applied to every image D sees, real and fake, in both steps,
    it keeps D from memorising a small training set without teaching G to
    draw shifted digits, since G's fakes are shifted the same way.
    """
    m = max_shift
    b, h, w = ops.shape(images)[0], images.shape[1], images.shape[2]
    padded = ops.pad(images, [[0, 0], [m, m], [m, m], [0, 0]], constant_values=fill)    # (B, H+2m, W+2m, C)
    shift = keras.random.randint((b, 2), 0, 2 * m + 1, seed=seed_generator)            # top-left corner per image
    rows = ops.arange(h)[None, :] + shift[:, :1]                                         # (B, H)
    cols = ops.arange(w)[None, :] + shift[:, 1:]                                         # (B, W)
    x = ops.take_along_axis(padded, rows[:, :, None, None], axis=1)                      # (B, H, W+2m, C)
    return ops.take_along_axis(x, cols[:, None, :, None], axis=2)                        # (B, H, W, C)
# --8<-- [end:translate]


def _bce(labels_are_real: bool, logits):
    """Mean binary cross-entropy of `logits` against all-ones (real) or all-zeros (fake)."""
    target = ops.ones_like(logits) if labels_are_real else ops.zeros_like(logits)
    return ops.mean(keras.losses.binary_crossentropy(target, logits, from_logits=True))


def _share_right(logits, real: bool):
    """D's accuracy on one half of the batch: logit > 0 means "real"."""
    said_real = ops.cast(logits > 0, "float32")
    return ops.mean(said_real if real else 1.0 - said_real)


class TwoPlayers(keras.Model):
    """What a GAN and an SRGAN share: a generator and a discriminator, one optimizer each, and running means
    of the numbers `train_step` reports.

    Args:
        generator: the model that makes images; `call` runs it.
        discriminator: a model `image -> logit (B, 1)`.
        reports: names of the numbers `train_step` reports, in the order `_report` receives them.
        **kwargs: passed to `keras.Model`.

    Compile with `compile(d_optimizer=..., g_optimizer=...)`: each player has its own.
    """

    def __init__(self, generator, discriminator, reports, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.trackers = {k: keras.metrics.Mean(name=k) for k in reports}
        # Both players arrive built; saying so keeps `fit` under a tf.distribute strategy from building the
        # pair by calling it on a batch of training images (which `call`, the generator, does not take).
        self.built = True

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def _report(self, values):
        for tracker, value in zip(self.trackers.values(), values):
            tracker.update_state(value)
        return {k: t.result() for k, t in self.trackers.items()}


# --8<-- [start:gan]
class GAN(TwoPlayers):
    """A generator and a discriminator trained in turn by one `train_step`.

    Args:
        generator: a model `z (B, latent_dim) -> image`.
        discriminator: a model `image -> logit (B, 1)` (no sigmoid: the losses take logits).
        latent_dim: int. Length of the noise vector z.
        seed: int. Seed of the model's noise, drawn with a `keras.random.SeedGenerator`.
        real_label: float. The target for real images in D's loss; 0.9 is one-sided
            label smoothing, which keeps D from growing over-confident (default 1.0).
        shift: int. When above 0, every image D sees is first moved by up to this many
            pixels (`random_translate`), real and fake alike (default 0: off).
        **kwargs: passed to `keras.Model`.

    Call arguments:
        z: noise `(B, latent_dim)`; returns `generator(z)`.

    Compile with `compile(d_optimizer=..., g_optimizer=...)`: each player has its own.
    """

    def __init__(self, generator, discriminator, latent_dim, seed=0, real_label=1.0, shift=0, **kwargs):
        super().__init__(generator, discriminator, ("d_loss", "g_loss", "d_real_accuracy", "d_fake_accuracy"),
                         **kwargs)
        self.latent_dim, self.seed, self.real_label, self.shift = latent_dim, seed, real_label, shift
        self.seed_generator = keras.random.SeedGenerator(seed)

    @contextlib.contextmanager
    def averaged_generator(self):
        """Inside this `with` block the generator holds the moving average of its weights, when its
        optimizer keeps one (`use_ema=True`); on leaving, the training weights come back."""
        opt = self.g_optimizer
        averages = getattr(opt, "_model_variables_moving_average", None) if opt.use_ema else None
        if not averages:
            yield self.generator
            return
        variables = self.generator.trainable_variables
        saved = [v.numpy() for v in variables]
        opt.finalize_variable_values(variables)
        try:
            yield self.generator
        finally:
            for v, value in zip(variables, saved):
                v.assign(value)

    def noise(self, batch):
        """`(batch, latent_dim)` standard normal noise from the model's seed generator."""
        return keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)

    def judge(self, images, training=True):
        """D's logits for `images`, after the random shift when `shift` is on."""
        if self.shift:
            images = random_translate(images, self.shift, self.seed_generator)
        return self.discriminator(images, training=training)

    def train_step(self, data):
        import tensorflow as tf

        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)             # (B, H, W, C) in [-1, 1]
        batch = ops.shape(real)[0]
        d_vars, g_vars = self.discriminator.trainable_weights, self.generator.trainable_weights

        # 1. The discriminator: real images towards `real_label`, fakes towards 0.
        fake = self.generator(self.noise(batch), training=True)             # (B, H, W, C)
        with tf.GradientTape() as tape:
            real_logits = self.judge(real)                                   # (B, 1)
            fake_logits = self.judge(fake)                                   # (B, 1)
            target = ops.full_like(real_logits, self.real_label)
            d_loss = (ops.mean(keras.losses.binary_crossentropy(target, real_logits, from_logits=True))
                      + _bce(False, fake_logits))
        self.d_optimizer.apply(tape.gradient(d_loss, d_vars), d_vars)

        # 2. The generator: fresh noise, and fakes that D should call real.
        with tf.GradientTape() as tape:
            fooled = self.judge(self.generator(self.noise(batch), training=True))
            g_loss = _bce(True, fooled)
        self.g_optimizer.apply(tape.gradient(g_loss, g_vars), g_vars)

        values = (d_loss, g_loss, _share_right(real_logits, True), _share_right(fake_logits, False))
        return self._report(values)
# --8<-- [end:gan]


# --8<-- [start:srgan]
class SRGAN(TwoPlayers):
    """Super-resolution by a generator trained on content + adversarial loss, against a discriminator.

    The generator's loss is

        content_weight * mse(F(sr), F(hr)) + pixel_weight * mse(sr, hr) + adversarial_weight * bce(D(sr), real)

    where F is a fixed feature network (the perceptual loss). SRGAN's paper
    weights the adversarial term 1e-3: it nudges the output towards what real
    photos look like, while the content term keeps it faithful to this photo.

    Args:
        generator: a model `low-resolution image -> high-resolution image`, pixels in [0, 1].
        discriminator: a model `high-resolution image -> logit (B, 1)`.
        features: a model `image in [0, 1] -> feature maps`; frozen here.
        content_weight: float. Weight of the perceptual (feature) loss.
        pixel_weight: float. Weight of the pixel MSE.
        adversarial_weight: float. Weight of the generator's adversarial loss.
        **kwargs: passed to `keras.Model`.

    Call arguments:
        low: `(B, h, w, 3)`; returns `generator(low)`.

    Compile with `compile(d_optimizer=..., g_optimizer=...)`; fit on `(low, high)` pairs.
    """

    def __init__(self, generator, discriminator, features, content_weight=1.0, pixel_weight=0.0,
                 adversarial_weight=1e-3, **kwargs):
        super().__init__(generator, discriminator, ("d_loss", "g_loss", "content", "pixel", "adversarial",
                                                    "d_real_accuracy", "d_fake_accuracy"), **kwargs)
        self.features = features
        self.features.trainable = False
        self.content_weight, self.pixel_weight = content_weight, pixel_weight
        self.adversarial_weight = adversarial_weight

    def train_step(self, data):
        import tensorflow as tf

        low, high, _ = keras.utils.unpack_x_y_sample_weight(data)             # (B, h, w, 3), (B, 4h, 4w, 3)
        d_vars, g_vars = self.discriminator.trainable_weights, self.generator.trainable_weights

        sr = self.generator(low, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(high, training=True)
            fake_logits = self.discriminator(sr, training=True)
            d_loss = _bce(True, real_logits) + _bce(False, fake_logits)
        self.d_optimizer.apply(tape.gradient(d_loss, d_vars), d_vars)

        target_features = self.features(high, training=False)
        with tf.GradientTape() as tape:
            sr = self.generator(low, training=True)
            content = ops.mean(ops.square(self.features(sr, training=False) - target_features))
            pixel = ops.mean(ops.square(sr - high))
            adversarial = _bce(True, self.discriminator(sr, training=True))
            g_loss = (self.content_weight * content + self.pixel_weight * pixel
                      + self.adversarial_weight * adversarial)
        self.g_optimizer.apply(tape.gradient(g_loss, g_vars), g_vars)

        values = (d_loss, g_loss, content, pixel, adversarial, _share_right(real_logits, True),
                  _share_right(fake_logits, False))
        return self._report(values)
# --8<-- [end:srgan]
