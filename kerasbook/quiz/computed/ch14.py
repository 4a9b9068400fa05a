"""Chapter 14 answers, computed from `kerasbook.chapters.ch14_gan` (its `config`, `dcgan`, `dead_units` and
`super_resolution` modules), `kerasbook.layers.gan` and `kerasbook.metrics`.

Every number here comes out of the chapter's real code: shapes and parameter
counts of the DCGAN's generator and discriminator and of the SRResNet (built,
never trained), output sizes of real `Conv2DTranspose` layers, what the
discriminator's own activation layers (and `PReLU`'s slope) do to a negative
input and which gradients they pass, the losses `GAN.train_step` writes (the
binary cross-entropy on logits of `_bce`), the discriminator that minimises
that loss at one point, D's accuracy from `_share_right`, where
`SubPixelUpsampling` puts each channel, PSNR, SSIM and the Fréchet distance
from `kerasbook.metrics` on images and features built to the question's
numbers, pixels from `to_gan_pixels`, the share `dead_units` reports, the
nearest-neighbour distance of `nearest_training_distance`, the low-resolution
side `downscale` makes, the part `NoiseMixture` picks, and the settings of
`Config`. Keras is imported inside
the functions, so listing the banks never pays for it; each model is built once
per process and shared by the questions about it.
"""

from __future__ import annotations

import functools
import inspect
import math

import numpy as np

from kerasbook.quiz.compute import answer as _answer
from kerasbook.quiz.compute import choice_name as _choice_name
from kerasbook.quiz.compute import computed
from kerasbook.quiz.compute import pick_choices as _pick
from kerasbook.quiz.compute import shape_spellings as _shape_spellings
from kerasbook.quiz.schema import LETTERS


def _numpy(x) -> np.ndarray:
    from keras import ops

    return np.asarray(ops.convert_to_numpy(x))


def _logit(p: float) -> float:
    """The logit whose sigmoid is the probability `p`: D's output before the loss's sigmoid."""
    return math.log(p / (1.0 - p))


# -- the DCGAN -----------------------------------------------------------------------------

@functools.cache
def _generator(latent_dim: int, widths: tuple):
    from kerasbook.chapters.ch14_gan.dcgan import build_generator

    return build_generator(latent_dim, widths)


@functools.cache
def _discriminator(widths: tuple, activation: str = "leaky_relu"):
    from kerasbook.chapters.ch14_gan.dcgan import build_discriminator

    return build_discriminator(widths, activation)


@computed("ch14.generator_shape")
def generator_shape(question, layer: str, latent_dim: int = 100, widths=(128, 64, 32)):
    """Output shape of one named layer of `build_generator(latent_dim, widths)`, batch axis left out."""
    return _shape_spellings(_generator(latent_dim, tuple(widths)).get_layer(layer).output.shape[1:])


@computed("ch14.generator_params")
def generator_params(question, layer: str | None = None, latent_dim: int = 100, widths=(128, 64, 32)):
    """Parameters of `build_generator(latent_dim, widths)` or of one of its named layers."""
    model = _generator(latent_dim, tuple(widths))
    return _answer(question, (model.get_layer(layer) if layer else model).count_params())


@computed("ch14.discriminator_shape")
def discriminator_shape(question, layer: str, widths=(128, 64, 32), activation: str = "leaky_relu"):
    """Output shape of one named layer of `build_discriminator(widths, activation)`, batch axis left out."""
    return _shape_spellings(_discriminator(tuple(widths), activation).get_layer(layer).output.shape[1:])


@computed("ch14.discriminator_params")
def discriminator_params(question, layer: str | None = None, widths=(128, 64, 32), activation: str = "leaky_relu"):
    """Parameters of `build_discriminator(widths, activation)` or of one of its named layers."""
    model = _discriminator(tuple(widths), activation)
    return _answer(question, (model.get_layer(layer) if layer else model).count_params())


@computed("ch14.weightless_layers")
def weightless_layers(question, model: str = "generator", widths=(128, 64, 32), activation: str = "leaky_relu",
                      latent_dim: int = 100):
    """The choices (each naming a layer of the generator or the discriminator) whose layer has no parameters."""
    net = (_generator(latent_dim, tuple(widths)) if model == "generator"
           else _discriminator(tuple(widths), activation))
    return _pick(question, [LETTERS[i] for i, c in enumerate(question.choices)
                            if net.get_layer(_choice_name(c)).count_params() == 0])


@computed("ch14.transpose_size")
def transpose_size(question, input_size: int, kernel: int = 4, strides: int = 1, padding: str = "valid"):
    """The side a real `Conv2DTranspose(kernel, strides, padding)` makes of an `input_size` square map."""
    import keras

    layer = keras.layers.Conv2DTranspose(1, kernel, strides=strides, padding=padding)
    return _answer(question, int(layer(np.zeros((1, input_size, input_size, 1), "float32")).shape[1]))


# -- activations and dead units ---------------------------------------------------------------

def _activation_layer(activation: str):
    """The discriminator's own first hidden activation ("relu", "leaky_relu", "prelu"), or tanh / sigmoid."""
    import keras

    if activation in ("tanh", "sigmoid"):
        return getattr(keras.activations, activation)
    return _discriminator((8, 8, 8), activation).get_layer("act0")


@computed("ch14.activation")
def activation(question, activation: str, x: float, part: str = "value"):
    """What the discriminator's activation layer of that kind (untrained, as built), or tanh / sigmoid, makes of
    the input `x`: its output ("value"), its derivative with respect to the input ("grad_input"), or, for
    PReLU, with respect to its learned slope ("grad_slope")."""
    import tensorflow as tf

    layer = _activation_layer(activation)
    inputs = tf.constant(np.full((1, 1, 1, 8), x, "float32"))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(inputs)
        out = layer(inputs)
        total = tf.reduce_sum(out[..., 0])
    if part == "value":
        value = float(_numpy(out)[0, 0, 0, 0])
    elif part == "grad_input":
        value = float(_numpy(tape.gradient(total, inputs))[0, 0, 0, 0])
    else:
        value = float(_numpy(tape.gradient(total, layer.trainable_weights[0])).ravel()[0])
    return _answer(question, round(value, 6) + 0.0)


@computed("ch14.prelu_params")
def prelu_params(question, shape, shared_axes=None):
    """Parameters of a real `PReLU(shared_axes=...)` on inputs of `shape` (batch axis left out)."""
    import keras

    layer = keras.layers.PReLU(shared_axes=shared_axes)
    layer.build((None, *shape))
    return _answer(question, layer.count_params())


@computed("ch14.dead_share")
def dead_share(question, biases, activation: str = "relu"):
    """The share `dead_units` reports for the first hidden layer of a `build_discriminator` whose kernels are
    all zero and whose first convolution has the given biases: each unit's input is its channel's bias."""
    from kerasbook.chapters.ch14_gan.config import SIDE
    from kerasbook.chapters.ch14_gan.dcgan import build_discriminator
    from kerasbook.chapters.ch14_gan.dead_units import dead_units

    model = build_discriminator((8, 8, len(biases)), activation)
    for layer in model.layers:
        if layer.name.startswith(("conv", "logit")):
            kernel, bias = layer.get_weights()
            layer.set_weights([np.zeros_like(kernel), np.asarray(biases, "float32") if layer.name == "conv0"
                               else np.zeros_like(bias)])
    images = np.random.default_rng(0).uniform(-1, 1, (16, SIDE, SIDE, 1)).astype("float32")
    return _answer(question, dead_units(model, images)[0])


# -- the game's losses ------------------------------------------------------------------------------

def _bce_terms(probs, real: bool, label: float | None = None):
    """The loss `GAN.train_step` writes for D's outputs `probs` (passed as logits): `_bce` against all-real or
    all-fake targets, or, for a smoothed real label, the same cross-entropy against `label`."""
    import keras
    from keras import ops

    from kerasbook.layers.gan import _bce

    logits = ops.convert_to_tensor(np.array([[_logit(p)] for p in np.atleast_1d(probs)], "float32"))
    if label is None or label == (1.0 if real else 0.0):
        return float(_numpy(_bce(real, logits)))
    target = ops.full_like(logits, label)
    return float(_numpy(ops.mean(keras.losses.binary_crossentropy(target, logits, from_logits=True))))


@computed("ch14.d_loss")
def d_loss(question, real_prob: float = 0.5, fake_prob: float = 0.5, real_label: float = 1.0, part: str = "total",
           what: str = "loss"):
    """D's loss in `GAN.train_step` when it gives a real image the probability `real_prob` of being real and a
    fake one `fake_prob`: the real term ("real"), the fake term ("fake") or both ("total"); with `what`
    "value", the game's value V = E log D(x) + E log(1 - D(G(z))), which is minus the total loss."""
    real = _bce_terms(real_prob, True, real_label)
    fake = _bce_terms(fake_prob, False)
    loss = {"real": real, "fake": fake, "total": real + fake}[part]
    return _answer(question, -loss if what == "value" else loss)


@computed("ch14.g_loss")
def g_loss(question, fake_prob: float, kind: str = "non_saturating", part: str = "value"):
    """The generator's loss when D gives its fakes the probability `fake_prob` of being real, or the size of
    its gradient with respect to D's logit ("grad"): the non-saturating loss -log D(G(z)) that
    `GAN.train_step` uses (`_bce` against "real"), or the minimax loss log(1 - D(G(z))) (minus `_bce`
    against "fake")."""
    import tensorflow as tf

    from kerasbook.layers.gan import _bce

    logits = tf.constant([[_logit(fake_prob)]], "float32")
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = _bce(True, logits) if kind == "non_saturating" else -_bce(False, logits)
    if part == "value":
        return _answer(question, float(_numpy(loss)))
    return _answer(question, round(abs(float(_numpy(tape.gradient(loss, logits))[0, 0])), 6))


@computed("ch14.optimal_d")
def optimal_d(question, p_data: float, p_g: float):
    """The output D should give at a point x where real images have density `p_data` and fakes `p_g`: the
    probability that minimises p_data * BCE(real) + p_g * BCE(fake), the losses of `GAN.train_step` on D's
    logit. The loss falls while its slope is negative and rises after, so we halve the interval around the
    logit where the slope (from the gradient tape) changes sign."""
    import tensorflow as tf

    from kerasbook.layers.gan import _bce

    def slope(logit):
        x = tf.constant([[logit]], "float32")
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = p_data * _bce(True, x) + p_g * _bce(False, x)
        return float(_numpy(tape.gradient(loss, x))[0, 0])

    low, high = -20.0, 20.0
    for _ in range(50):
        middle = (low + high) / 2
        low, high = (middle, high) if slope(middle) < 0 else (low, middle)
    return _answer(question, round(1 / (1 + math.exp(-(low + high) / 2)), 6))


@computed("ch14.share_right")
def share_right(question, logits, real: bool = True):
    """D's accuracy on one half of a batch as `_share_right` computes it from these logits."""
    from keras import ops

    from kerasbook.layers.gan import _share_right

    value = _numpy(_share_right(ops.convert_to_tensor(np.array(logits, "float32")[:, None]), real))
    return _answer(question, round(float(value), 6))


# -- sub-pixel up-sampling ------------------------------------------------------------------------------

@computed("ch14.subpixel_shape")
def subpixel_shape(question, input, factor: int = 2):
    """Shape of what the real `SubPixelUpsampling(factor)` makes of a tensor of shape `input` (batch left out)."""
    from kerasbook.layers.gan import SubPixelUpsampling

    out = SubPixelUpsampling(factor)(np.zeros((1, *input), "float32"))
    return _shape_spellings([int(d) for d in out.shape[1:]])


@computed("ch14.subpixel_source")
def subpixel_source(question, channels: int, factor: int, row: int, col: int, channel: int, size: int = 3):
    """Which input channel `SubPixelUpsampling(factor)` moves to output pixel (row, col), channel `channel`, when
    the input has `channels * factor**2` channels: every input channel holds its own number."""
    from kerasbook.layers.gan import SubPixelUpsampling

    depth = channels * factor * factor
    numbered = np.broadcast_to(np.arange(depth, dtype="float32"), (1, size, size, depth))
    out = _numpy(SubPixelUpsampling(factor)(np.ascontiguousarray(numbered)))
    return _answer(question, int(out[0, row, col, channel]))


# -- PSNR, SSIM and the Fréchet distance -----------------------------------------------------------------

@computed("ch14.psnr")
def psnr(question, mse: float, max_value: float = 1.0):
    """`metrics.psnr` of two images whose mean squared difference is `mse`."""
    from kerasbook.metrics import psnr as psnr_

    clean = np.zeros((1, 4, 4, 1))
    return _answer(question, float(psnr_(clean, clean + math.sqrt(mse), max_value)[0]))


@computed("ch14.psnr_change")
def psnr_change(question, factor: float, mse: float = 0.001):
    """How many dB `metrics.psnr` loses when the mean squared error grows `factor` times."""
    from kerasbook.metrics import psnr as psnr_

    clean = np.zeros((1, 4, 4, 1))
    before = psnr_(clean, clean + math.sqrt(mse))[0]
    after = psnr_(clean, clean + math.sqrt(mse * factor))[0]
    return _answer(question, float(before - after))


@computed("ch14.ssim_constant")
def ssim_constant(question, which: str = "c1", max_value: float = 1.0):
    """SSIM's stabilising constant C1 = (k1 L)^2 or C2 = (k2 L)^2 with the k1, k2 `metrics.ssim` uses."""
    from kerasbook.metrics import ssim

    k = inspect.signature(ssim).parameters["k1" if which == "c1" else "k2"].default
    return _answer(question, round((k * max_value) ** 2, 10))


@computed("ch14.ssim_flat")
def ssim_flat(question, a: float, b: float, size: int = 32, max_value: float = 1.0):
    """`metrics.ssim` of two flat grey images, every pixel `a` in one and `b` in the other."""
    from kerasbook.metrics import ssim

    x = np.full((1, size, size, 1), a)
    y = np.full((1, size, size, 1), b)
    return _answer(question, round(float(ssim(x, y, max_value)[0]), 6))


def _features(means, stds) -> np.ndarray:
    """Feature vectors whose mean is `means` and whose sample covariance (as `np.cov` computes it) is
    diag(stds²): the mean plus and minus a step along each axis, one axis at a time."""
    means, stds = np.asarray(means, float), np.asarray(stds, float)
    d = len(means)
    steps = stds * math.sqrt((2 * d - 1) / 2)
    points = [means + s * steps[i] * np.eye(d)[i] for i in range(d) for s in (1, -1)]
    return np.array(points)


@computed("ch14.frechet")
def frechet(question, mean_a, std_a, mean_b, std_b):
    """`metrics.frechet_distance` between feature sets with the given means and (diagonal) standard deviations."""
    from kerasbook.metrics import frechet_distance

    if len(mean_a) == 1:
        # One feature makes `np.cov` a 0-d array, which `frechet_distance` does not take; a second feature
        # that both sets share (mean 0, standard deviation 1) adds exactly 0 to the distance.
        mean_a, std_a, mean_b, std_b = [*mean_a, 0.0], [*std_a, 1.0], [*mean_b, 0.0], [*std_b, 1.0]
    return _answer(question, round(frechet_distance(_features(mean_a, std_a), _features(mean_b, std_b)), 6))


# -- the data, the yardsticks and the settings ----------------------------------------------------------

@computed("ch14.gan_pixel")
def gan_pixel(question, value: int):
    """What `to_gan_pixels` makes of a digit pixel of `value` (0-255)."""
    from kerasbook.chapters.ch14_gan.dcgan import to_gan_pixels

    x = to_gan_pixels(np.full((1, 28, 28, 1), value, "uint8"))
    return _answer(question, round(float(x[0, 14, 14, 0]), 6))


@computed("ch14.nearest")
def nearest(question, fake, train, part: str = "median"):
    """`nearest_training_distance` of tiny "images" (lists of pixels): the median or the smallest MSE from each
    generated image to its nearest training image."""
    from kerasbook.chapters.ch14_gan.dcgan import nearest_training_distance

    f = np.array(fake, "float64")[:, :, None, None]
    t = np.array(train, "float64")[:, :, None, None]
    return _answer(question, round(nearest_training_distance(f, t)[part], 6))


@computed("ch14.downscale_shape")
def downscale_shape(question, size: int, scale: int = 4):
    """Shape of what `downscale` makes of one `size` x `size` RGB patch (batch axis left out)."""
    from kerasbook.chapters.ch14_gan.super_resolution import downscale

    return _shape_spellings(downscale(np.zeros((1, size, size, 3), "float32"), scale).shape[1:])


@computed("ch14.mixture_part")
def mixture_part(question, z0: float, modes: int = 50):
    """The part `NoiseMixture(modes).parts` picks for a noise vector whose first coordinate is `z0`."""
    from kerasbook.layers.gan import NoiseMixture

    k, _ = NoiseMixture(modes).parts(np.array([[z0, 0.0]], "float32"))
    return _answer(question, int(_numpy(k)[0]))


@computed("ch14.config")
def config(question, field: str, preset: str = "default"):
    """A setting of chapter 14's `Config` (the default run, `quick` or `mnist`)."""
    from kerasbook.chapters.ch14_gan.config import Config

    cfg = Config()
    cfg = {"default": cfg, "quick": cfg.quick(), "mnist": cfg.mnist()}[preset]
    return _answer(question, getattr(cfg, field))


# -- SRResNet -----------------------------------------------------------------------------------------

@functools.cache
def _srresnet(filters: int, blocks: int, scale: int):
    from kerasbook.chapters.ch14_gan.super_resolution import build_srresnet

    return build_srresnet(filters, blocks, scale)


@computed("ch14.srresnet_shape")
def srresnet_shape(question, layer: str, low=(16, 16), filters: int = 32, blocks: int = 4, scale: int = 4):
    """Shape of what a named layer of `build_srresnet(filters, blocks, scale)` gives for a low-resolution
    input of `low` pixels (batch axis left out)."""
    import keras

    model = _srresnet(filters, blocks, scale)
    probe = keras.Model(model.input, model.get_layer(layer).output)
    return _shape_spellings([int(d) for d in probe(np.zeros((1, *low, 3), "float32")).shape[1:]])


@computed("ch14.srresnet_params")
def srresnet_params(question, layer: str | None = None, filters: int = 32, blocks: int = 4, scale: int = 4):
    """Parameters of `build_srresnet(filters, blocks, scale)` or of one of its named layers."""
    model = _srresnet(filters, blocks, scale)
    return _answer(question, (model.get_layer(layer) if layer else model).count_params())
