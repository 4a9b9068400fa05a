"""Chapter 10 answers, computed from `kerasbook.chapters.ch10_autoencoder` and `kerasbook.layers.vae`.

Every number here comes out of the chapter's real code: parameter counts and
output shapes from models built by `build_autoencoder` / `build_vae` /
`linear_autoencoder` (built, never trained), PSNR from the chapter's `psnr`,
the KL term from `kl_divergence`, a sample from the `Sampling` layer, output
sizes from calling real `Conv2D` / `Conv2DTranspose` / `UpSampling2D` layers,
principal angles from `principal_angles`, and the settings from `Config`.
Keras is imported inside the functions, so listing the banks never pays for
it; each model is built once per process and shared by the questions about it.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from kerasbook.quiz.compute import computed, weightless_choices
from kerasbook.quiz.compute import number_spellings as _number_spellings
from kerasbook.quiz.compute import shape_spellings as _shape_spellings

# -- spellings ----------------------------------------------------------------------

def _square_spellings(size: int) -> list[str]:
    """A spatial size `n` as `n x n` and its other spellings."""
    return [f"{size} x {size}", f"{size}x{size}", f"{size} × {size}", f"({size}, {size})", str(size)]


def _answer(question, value):
    """A number for a numeric question, its spellings for a written one."""
    return value if question.type == "numeric" else _number_spellings(value)


# -- the chapter's models -------------------------------------------------------------

def _config(preset: str = "default"):
    from kerasbook.chapters.ch10_autoencoder import Config

    cfg = Config()
    return {"default": cfg, "quick": cfg.quick(), "mnist": cfg.mnist()}[preset]


@functools.cache
def _autoencoder(kind: str, latent: int):
    """`build_autoencoder(kind, latent)`, built but never trained."""
    from kerasbook.chapters.ch10_autoencoder import build_autoencoder

    return build_autoencoder(kind, latent)


@functools.cache
def _vae(latent: int):
    """`build_vae(latent)`, its encoder and decoder built but never trained."""
    from kerasbook.chapters.ch10_autoencoder import build_vae

    return build_vae(latent)


def _latent(latent: int | None) -> int:
    return _config().latent if latent is None else latent


def _vae_part(part: str, latent: int | None):
    vae = _vae(_config().vae_latent if latent is None else latent)
    return {"encoder": vae.encoder, "decoder": vae.decoder}[part]


@computed("ch10.ae_params")
def ae_params(question, kind: str, latent: int | None = None, layer: str | None = None):
    """Parameters of `build_autoencoder(kind, latent)` or of one of its layers (latent defaults to `Config`)."""
    model = _autoencoder(kind, _latent(latent))
    return _answer(question, (model.get_layer(layer) if layer else model).count_params())


@computed("ch10.ae_param_gap")
def ae_param_gap(question, first: str, second: str, latent: int | None = None):
    """Parameters of the `first` kind of autoencoder minus those of the `second`, same latent size."""
    gap = _autoencoder(first, _latent(latent)).count_params() - _autoencoder(second, _latent(latent)).count_params()
    return _answer(question, gap)


@computed("ch10.ae_shape")
def ae_shape(question, kind: str, layer: str, latent: int | None = None):
    """Output shape of one layer of `build_autoencoder(kind, latent)`, batch axis left out."""
    return _shape_spellings(_autoencoder(kind, _latent(latent)).get_layer(layer).output.shape[1:])


@computed("ch10.weightless_layers")
def weightless_layers(question, kind: str, latent: int | None = None):
    """The choices (each naming a layer of `build_autoencoder(kind, latent)`) whose layer has no parameters."""
    return weightless_choices(question, _autoencoder(kind, _latent(latent)))


@computed("ch10.vae_params")
def vae_params(question, part: str, layer: str | None = None, latent: int | None = None):
    """Parameters of the VAE's encoder or decoder (`part`), or of one of its layers."""
    model = _vae_part(part, latent)
    return _answer(question, (model.get_layer(layer) if layer else model).count_params())


@computed("ch10.vae_shape")
def vae_shape(question, part: str, layer: str, latent: int | None = None):
    """Output shape of one layer of the VAE's encoder or decoder, batch axis left out."""
    return _shape_spellings(_vae_part(part, latent).get_layer(layer).output.shape[1:])


@computed("ch10.vae_outputs")
def vae_outputs(question, latent: int | None = None):
    """How many tensors the VAE's encoder returns."""
    return _answer(question, len(_vae_part("encoder", latent).outputs))


@computed("ch10.vae_beta")
def vae_beta(question, latent: int | None = None):
    """The KL weight `beta` of the VAE that `build_vae` returns."""
    return _answer(question, float(_vae(_config().vae_latent if latent is None else latent).beta))


@computed("ch10.config")
def config_value(question, field: str, preset: str = "default"):
    """One setting of `Config()` (`preset` "default"), `Config().quick()` or `Config().mnist()`."""
    value = getattr(_config(preset), field)
    return _answer(question, value)


@computed("ch10.compression_ratio")
def compression_ratio(question, model: str = "transpose", latent: int | None = None):
    """Input numbers per latent number: pixels of the model's input over the size of its latent vector.

    `model` is a `build_autoencoder` kind or "vae"; the latent size defaults to
    the matching `Config` field.
    """
    if model == "vae":
        encoder = _vae_part("encoder", latent)
        pixels, code = math.prod(encoder.input.shape[1:]), encoder.get_layer("z_mean").output.shape[-1]
    else:
        ae = _autoencoder(model, _latent(latent))
        pixels, code = math.prod(ae.input.shape[1:]), ae.get_layer("latent").output.shape[-1]
    return _answer(question, pixels / code)


# -- the chapter's functions ------------------------------------------------------------

@computed("ch10.psnr")
def psnr_of_mse(question, mse: float, max_value: float = 1.0):
    """The chapter's `psnr` for a pair of images whose mean squared difference is `mse`."""
    from kerasbook.chapters.ch10_autoencoder import psnr

    clean = np.zeros((1, 4, 4, 1))
    other = np.full((1, 4, 4, 1), math.sqrt(mse))        # every pixel off by sqrt(mse): MSE = mse
    return _answer(question, round(float(psnr(clean, other, max_value=max_value)[0]), 6))


@computed("ch10.kl")
def kl(question, mean, log_var):
    """`kl_divergence(mean, log_var)` for one example (lists over the latent dimensions)."""
    from keras import ops

    from kerasbook.layers.vae import kl_divergence

    value = kl_divergence(np.asarray([mean], "float32"), np.asarray([log_var], "float32"))
    return _answer(question, round(float(ops.convert_to_numpy(value)[0]), 6))


@computed("ch10.sample_z")
def sample_z(question, mean: float, log_var: float, eps: float, seed: int = 3):
    """The z that `Sampling` gives for one latent dimension when its noise draw is `eps`.

    The layer draws its own noise, so two fresh layers with the same seed are
    used: one on (mean 0, log_var 0), which returns the draw itself, and one
    on (mean, log_var), which returns mean + sigma * draw. That recovers the
    sigma the layer uses, and z = mean + sigma * eps follows.
    """
    from keras import ops

    from kerasbook.layers.vae import Sampling

    shape = (1, 8)
    draw = ops.convert_to_numpy(Sampling(seed=seed)([np.zeros(shape, "float32"), np.zeros(shape, "float32")]))
    out = ops.convert_to_numpy(Sampling(seed=seed)([np.full(shape, mean, "float32"),
                                                    np.full(shape, log_var, "float32")]))
    k = int(np.argmax(np.abs(draw)))                      # the largest draw, for the most accurate ratio
    sigma = (out.flat[k] - mean) / draw.flat[k]
    return _answer(question, round(float(mean + sigma * eps), 4))


@computed("ch10.linear_ae_params")
def linear_ae_params(question, pixels: int, k: int):
    """Parameters of the chapter's `linear_autoencoder(pixels, k)`."""
    from kerasbook.chapters.ch10_autoencoder import linear_autoencoder

    return _answer(question, linear_autoencoder(pixels, k).count_params())


@computed("ch10.principal_angle")
def principal_angle(question, decoder, components, which: str = "max"):
    """The largest (or smallest) angle, in degrees, `principal_angles` finds between two sets of rows."""
    from kerasbook.chapters.ch10_autoencoder import principal_angles

    angles = principal_angles(np.asarray(decoder, "float64"), np.asarray(components, "float64"))
    value = float(angles.max() if which == "max" else angles.min())
    return _answer(question, round(value, 4) + 0.0)


@computed("ch10.noise_range")
def noise_range(question, sigma: float = 5.0):
    """The smallest and largest pixel `add_noise` can return, found by adding strong noise to 0s and 1s."""
    from kerasbook.chapters.ch10_autoencoder import add_noise

    images = np.concatenate([np.zeros((50, 28, 28, 1)), np.ones((50, 28, 28, 1))]).astype("float32")
    out = add_noise(images, sigma, np.random.default_rng(0))
    lo, hi = float(out.min()), float(out.max())
    lo_s, hi_s = (str(int(v)) if v.is_integer() else f"{v:g}" for v in (lo, hi))
    return [f"[{lo_s}, {hi_s}]", f"{lo_s} to {hi_s}", f"{lo_s}-{hi_s}", f"{lo_s}~{hi_s}", f"between {lo_s} and {hi_s}",
            f"{lo_s}과 {hi_s} 사이", f"{lo_s}에서 {hi_s} 사이", f"{lo_s}부터 {hi_s}까지"]


# -- up- and down-sampling with real Keras layers -------------------------------------

def _resample_layer(layer: str, kernel: int = 3, strides: int = 1, padding: str = "valid", size: int = 2,
                    filters: int = 1):
    from keras import layers

    if layer == "transpose":
        return layers.Conv2DTranspose(filters, kernel, strides=strides, padding=padding)
    if layer == "conv":
        return layers.Conv2D(filters, kernel, strides=strides, padding=padding)
    if layer == "upsample":
        return layers.UpSampling2D(size)
    raise ValueError(f"unknown layer {layer!r}; use transpose, conv or upsample")


@computed("ch10.resample_size")
def resample_size(question, layer: str, input_size: int, kernel: int = 3, strides: int = 1,
                  padding: str = "valid", size: int = 2):
    """Height (= width) of the output when a real layer reads an `input_size` x `input_size` image."""
    out = _resample_layer(layer, kernel, strides, padding, size)(np.zeros((1, input_size, input_size, 1), "float32"))
    side = int(out.shape[1])
    assert int(out.shape[2]) == side
    return side if question.type == "numeric" else _square_spellings(side)


@computed("ch10.resample_params")
def resample_params(question, layer: str, channels: int, filters: int = 1, kernel: int = 3, size: int = 2):
    """Parameters of a `Conv2D` / `Conv2DTranspose` / `UpSampling2D` reading `channels` channels."""
    found = _resample_layer(layer, kernel, 2, "same", size, filters)
    found.build((None, 8, 8, channels))
    return _answer(question, found.count_params())


@computed("ch10.course_example")
def course_example(question, step: str = "transpose"):
    """The course's example as the chapter's `updown_example` runs it with real layers.

    A 5x5 image, a 3x3 convolution with stride 1 and no padding (`step` "conv"),
    then a 3x3 transposed convolution with stride 1 and no padding on that
    result ("transpose"), or `UpSampling2D()` on it ("upsampling2d").
    """
    from kerasbook.chapters.ch10_autoencoder import updown_example

    height, width = updown_example()[step]
    assert height == width
    return int(height) if question.type == "numeric" else _square_spellings(int(height))


@computed("ch10.noisy_pairs")
def noisy_pairs(question, images: int, preset: str = "default"):
    """(noisy, clean) training pairs per denoising autoencoder: `Config.noisy_copies` copies of `images` images.

    Counted the way `experiment_denoising` builds them: the clean set repeated
    `noisy_copies` times and corrupted once per copy by `add_noise`.
    """
    from kerasbook.chapters.ch10_autoencoder import add_noise

    cfg = _config(preset)
    x = np.zeros((images, 1, 1, 1), "float32")
    clean = np.concatenate([x] * cfg.noisy_copies)
    noisy = add_noise(clean, cfg.noise, np.random.default_rng(0))
    assert len(noisy) == len(clean)
    return _answer(question, len(clean))
