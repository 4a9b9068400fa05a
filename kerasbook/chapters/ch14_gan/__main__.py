"""Chapter 14: generative adversarial networks, a DCGAN that writes digits and an SRGAN that sharpens photos.

A GAN trains two networks against each other: the generator turns random noise
into images, the discriminator tells real images from generated ones, and
each gets better by beating the other. This chapter builds

* **dcgan**: the DCGAN the course draws (noise -> transposed convolutions with
  batch norm and ReLU -> a tanh image; a LeakyReLU discriminator with twice
  the generator's channels) trained by our own `train_step`
  (`kerasbook.layers.gan.GAN`) on handwritten digits, with its noise drawn
  from a mixture of Gaussians (`NoiseMixture`) so that fewer digits fall
  between two classes, and judges it honestly: a classifier
  the book trains on real digits says how many generated digits it reads with
  confidence and how evenly they cover the ten classes (mode collapse shows
  there), and a Fréchet distance in that classifier's feature space compares
  them with held-out real digits;
* **dead**: dead neurons made visible, the share of the discriminator's units
  that never fire with ReLU, LeakyReLU and PReLU;
* **srgan**: x4 super-resolution of real photographs: an SRResNet trained on
  pixel loss, then the same network trained on as an SRGAN (perceptual +
  adversarial loss), both against bicubic up-sampling on three held-out
  photos, by PSNR and SSIM and by eye.

Run it:

    python -m kerasbook.chapters.ch14_gan                   # default run, builtin digits and photos
    python -m kerasbook.chapters.ch14_gan --quick           # a short run that shows the same points
    python -m kerasbook.chapters.ch14_gan --parts dcgan --d-widths same   # D as narrow as the generator
    python -m kerasbook.chapters.ch14_gan --data full       # MNIST through TFDS; VGG19 perceptual loss
    python -m kerasbook.chapters.ch14_gan sample --model RUN/generator.keras --n 64
    python -m kerasbook.chapters.ch14_gan upscale --model RUN/model.keras photo.png

References:
    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014. Radford,
    Metz and Chintala, "Unsupervised Representation Learning with Deep
    Convolutional Generative Adversarial Networks", ICLR 2016. Heusel et al.,
    "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
    Equilibrium" (the FID), NeurIPS 2017. Ledig et al., "Photo-Realistic Single
    Image Super-Resolution Using a Generative Adversarial Network", CVPR 2017.
    Gurumurthy, Sarvadevabhatla and Babu, "DeLiGAN: Generative Adversarial
    Networks for Diverse and Limited Data", CVPR 2017.
    Wang et al., "Image Quality Assessment: From Error Visibility to Structural
    Similarity", IEEE TIP 2004.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerasbook import cli
from kerasbook.data import digits as dg
from kerasbook.data import photos as ph

CHAPTER = "ch14_gan"
PROG = "python -m kerasbook.chapters.ch14_gan"
PARTS = ("dcgan", "dead", "srgan")
ACTIVATIONS = ("relu", "leaky_relu", "prelu")
SIDE = 32                     # digits padded from 28x28 to 32x32, so the generator doubles 4 -> 8 -> 16 -> 32


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 14 depends on."""

    # dcgan
    latent_dim: int = 100               # the noise vector z, as in the course
    modes: int = 50                     # z is turned into a draw from a mixture of this many Gaussians (0: one)
    mode_spread: float = 2.0            # the mixture's centres come from N(0, mode_spread^2 I)
    widths: tuple = (128, 64, 32)       # generator channels at 4x4, 8x8, 16x16 (the course: 512, 256, ...)
    d_widths: tuple | None = (256, 128, 64)  # the discriminator's, mirrored (None: the same as the generator's);
                                        # twice the generator's: more digits read with confidence, and steadier
                                        # class shares, at twice the step time
    epochs: int = 100                   # passes over the training digits (19 steps each)
    batch_size: int = 64
    learning_rate: float = 5e-4         # Adam for the generator (DCGAN's 2e-4 learns too slowly for a short run)
    d_learning_rate: float = 5e-4       # and for the discriminator
    beta_1: float = 0.5
    real_label: float = 0.9             # one-sided label smoothing of D's "real" target
    d_dropout: float = 0.0              # dropout in D after each hidden layer (0: none, as DCGAN)
    shift: int = 0                      # when > 0, D sees every digit, real or fake, moved by up to this many pixels
    ema: float = 0.995                  # keep a moving average of G's weights with this momentum (0: none)
    spectral_norm: bool = False         # spectral normalisation in D instead of its batch norm
    decay_after: float = 1.0            # both rates fall to 0 by a cosine after this fraction of the run (1: never)
    train_size: int | None = None       # training digits to use; None = all
    judge_epochs: int = 30              # the digit classifier that scores the generated digits
    generated: int = 10_000             # generated digits the classifier scores (a class share to about ±0.35 points)
    confidence: float = 0.9             # "classified with confidence" means a top probability at least this
    eval_every: int = 5                 # epochs between two scorings during training
    keep_best: bool = True              # keep G as of the scoring that read best (on its own noise batch) ...
    class_range: tuple = (0.06, 0.14)   # ... among those with every class's share inside this range, a point
                                        # inside the bar's 5-15 % on each side
    # dead neurons
    dead_steps: int = 200               # training steps of each of the three small GANs
    # srgan
    scale: int = 4
    patch: int = 64                     # high-resolution patch side (the low-resolution input is patch / 4)
    patches: int = 4_000                # training patches per epoch, cut afresh for every epoch from the seven photos
    sr_filters: int = 32
    sr_blocks: int = 4                  # residual blocks (SRResNet has 16, at 64 filters)
    sr_batch_size: int = 16
    sr_epochs: int = 5                  # SRResNet on pixel loss
    sr_learning_rate: float = 3e-4
    srgan_epochs: int = 1               # then as an SRGAN, starting from the SRResNet's weights
    srgan_steps: int | None = 100       # SRGAN steps per epoch (None: a whole epoch of patches, as the SRResNet)
    srgan_learning_rate: float = 1e-4
    adversarial_weight: float = 1e-3    # SRGAN's weight of the adversarial term
    pixel_weight: float = 1.0           # keeps colours right where the perceptual features are coarse
    content_weight: float = 0.1         # perceptual loss, on features scaled to mean square 1
    feature_epochs: int = 1             # the book's own feature network (which photo is this patch from?)
    parts: tuple = PARTS

    def quick(self) -> "Config":
        """A short preset that still shows both headline points, digits the classifier reads and an SRResNet
        ahead of bicubic, with fewer epochs and patches, and a discriminator as wide as the generator (the
        default's wider one doubles the step time). The dead-unit comparison is left to the default run
        (`--parts dcgan,dead,srgan` adds it back)."""
        return dataclasses.replace(self, epochs=32, d_widths=None, ema=0.99, judge_epochs=10, generated=1_000,
                                   eval_every=4, patches=1_200, sr_epochs=4, srgan_epochs=1, srgan_steps=25,
                                   parts=("dcgan", "srgan"))

    def mnist(self) -> "Config":
        """Sizes for MNIST (`--data full`): 55,000 training digits, so far fewer epochs."""
        return dataclasses.replace(self, epochs=5, judge_epochs=3, eval_every=1, batch_size=128)
# --8<-- [end:config]


def to_gan_pixels(images) -> np.ndarray:
    """uint8 `(N, 28, 28, 1)` in [0, 255] -> float32 `(N, 32, 32, 1)` in [-1, 1], padded with background."""
    x = np.asarray(images, "float32") / 127.5 - 1.0
    return np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), constant_values=-1.0)


# --8<-- [start:dcgan]
def build_generator(latent_dim: int, widths=(128, 64, 32), modes: int = 0, mode_seed: int = 0,
                    mode_spread: float = 2.0, name="generator"):
    """z `(B, latent_dim)` -> image `(B, 32, 32, 1)` in [-1, 1], the course's DCGAN generator.

    The first transposed convolution turns the 1x1 noise "image" into a 4x4
    map; each next one doubles the side (stride 2) and halves the channels,
    with batch norm and ReLU between; the last one makes one tanh channel.
    With `modes` > 0, a `NoiseMixture` layer first turns the standard normal z
    into a draw from a mixture of that many Gaussians (centres drawn once from
    N(0, mode_spread^2 I) with `mode_seed`); the input stays a standard normal
    vector either way.
    """
    import keras
    from keras import layers

    from kerasbook.layers.gan import NoiseMixture

    z = keras.Input((latent_dim,), name="z")
    x = NoiseMixture(modes, mode_spread, mode_seed, name="mixture")(z) if modes else z                 # (B, 100)
    x = layers.Reshape((1, 1, latent_dim), name="as_image")(x)                                  # (B, 1, 1, 100)
    x = layers.Conv2DTranspose(widths[0], 4, padding="valid", use_bias=False, name="up0")(x)     # (B, 4, 4, w0)
    x = layers.BatchNormalization(name="bn0")(x)
    x = layers.ReLU(name="relu0")(x)
    for i, width in enumerate(widths[1:], start=1):
        x = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False, name=f"up{i}")(x)  # side x2
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
    image = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh", name="image")(x)  # (B, 32, 32, 1)
    return keras.Model(z, image, name=name)


def build_discriminator(widths=(128, 64, 32), activation: str = "leaky_relu", dropout: float = 0.0,
                        spectral_norm: bool = False, name="discriminator"):
    """image `(B, 32, 32, 1)` -> logit `(B, 1)`: the generator mirrored, stride-2 convolutions down to 4x4.

    `activation` is the hidden layers' nonlinearity: "leaky_relu" (slope 0.2
    below zero, as DCGAN), "relu" or "prelu" (a slope learned per channel).
    The output is a logit; the sigmoid that turns it into P(real) sits in the loss.
    `dropout` after each hidden layer keeps D from memorising a small training set.
    `spectral_norm` wraps every weight layer in `keras.layers.SpectralNormalization`
    (Miyato et al., 2018), which bounds how fast D's output can change with its
    input, in place of D's batch norm.
    """
    import keras
    from keras import layers

    def act(i):
        if activation == "relu":
            return layers.ReLU(name=f"act{i}")
        if activation == "leaky_relu":
            return layers.LeakyReLU(negative_slope=0.2, name=f"act{i}")
        if activation == "prelu":
            return layers.PReLU(shared_axes=[1, 2], name=f"act{i}")
        raise ValueError(f"unknown activation {activation!r}; use one of {', '.join(ACTIVATIONS)}")

    def weighted(make, name):                                      # `make(name)` builds the weight layer
        return layers.SpectralNormalization(make(f"{name}_inner"), name=name) if spectral_norm else make(name)

    image = keras.Input((SIDE, SIDE, 1), name="image")
    x = image
    for i, width in enumerate(widths[::-1]):                       # 32 -> 16 -> 8 -> 4
        x = weighted(lambda n: layers.Conv2D(width, 4, strides=2, padding="same", name=n), f"conv{i}")(x)
        if i and not spectral_norm:                                # DCGAN: no batch norm on the input layer
            x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = act(i)(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    x = layers.Flatten(name="flatten")(x)                          # (B, 4 * 4 * w0)
    return keras.Model(image, weighted(lambda n: layers.Dense(1, name=n), "logit")(x), name=name)
# --8<-- [end:dcgan]


# --8<-- [start:judge]
def build_judge(name="judge"):
    """image `(B, 32, 32, 1)` in [-1, 1] -> 10 class probabilities; its layer "features" (64 numbers) is the
    space the Fréchet distance is measured in."""
    import keras
    from keras import layers

    image = keras.Input((SIDE, SIDE, 1), name="image")
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1")(image)
    x = layers.MaxPooling2D(name="pool1")(x)                                                  # (B, 16, 16, 32)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)                                                  # (B, 8, 8, 64)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    features = layers.Dense(64, activation="relu", name="features")(x)                        # (B, 64)
    return keras.Model(image, layers.Dense(10, activation="softmax", name="probs")(features), name=name)


def score_digits(judge, images, reference_features=None, confidence: float = 0.9) -> dict:
    """What the judge makes of `images`: the share it reads with confidence, the share of each class it
    predicts, and (given features of real digits) the Fréchet distance to them."""
    import keras

    from kerasbook.metrics import frechet_distance

    both = keras.Model(judge.input, [judge.output, judge.get_layer("features").output])
    # Called eagerly, batch by batch: `predict` would trace a new function for every new model and size.
    parts = [both(images[i:i + 512], training=False) for i in range(0, len(images), 512)]
    probs = np.concatenate([keras.ops.convert_to_numpy(p) for p, _ in parts])
    features = np.concatenate([keras.ops.convert_to_numpy(f) for _, f in parts])
    classes = probs.argmax(axis=1)
    shares = np.bincount(classes, minlength=10) / len(classes)
    out = {"confident_share": float((probs.max(axis=1) >= confidence).mean()), "class_shares": shares.tolist(),
           "min_class_share": float(shares.min()), "max_class_share": float(shares.max()), "features": features}
    if reference_features is not None:
        out["frechet_distance"] = frechet_distance(features, reference_features)
    return out
# --8<-- [end:judge]


# --8<-- [start:srresnet]
def build_srresnet(filters: int = 32, blocks: int = 4, scale: int = 4, name="srresnet"):
    """low-resolution `(B, h, w, 3)` in [0, 1] -> `(B, scale*h, scale*w, 3)`: SRResNet, at a CPU's size.

    A 9x9 convolution with PReLU, `blocks` residual blocks (conv-PReLU-conv plus
    the block's input), a convolution added back to the first features (the
    long skip), then log2(scale) sub-pixel steps that each double the side, and
    a 9x9 convolution to three channels. Two changes from the paper, both for a
    short training: no batch norm (as EDSR found, it hurts super-resolution, and
    at batch 16 it held our small network at bicubic's output), and the bicubic
    up-sampling of the input is added to the output, with the last convolution
    starting at zero, so the network starts exactly at bicubic and learns only
    the detail bicubic misses (a residual, as in VDSR).
    """
    import keras
    from keras import layers

    from kerasbook.layers.gan import BicubicUpsampling, SubPixelUpsampling

    low = keras.Input((None, None, 3), name="low")
    first = layers.Conv2D(filters, 9, padding="same", name="head")(low)
    first = layers.PReLU(shared_axes=[1, 2], name="head_prelu")(first)                        # (B, h, w, F)
    x = first
    for i in range(blocks):
        y = layers.Conv2D(filters, 3, padding="same", name=f"block{i}_conv1")(x)
        y = layers.PReLU(shared_axes=[1, 2], name=f"block{i}_prelu")(y)
        y = layers.Conv2D(filters, 3, padding="same", name=f"block{i}_conv2")(y)
        x = layers.Add(name=f"block{i}_add")([x, y])
    x = layers.Conv2D(filters, 3, padding="same", name="trunk_conv")(x)
    x = layers.Add(name="long_skip")([first, x])
    for i in range(int(np.log2(scale))):
        x = layers.Conv2D(filters * 4, 3, padding="same", name=f"up{i}_conv")(x)               # (B, ., ., 4F)
        x = SubPixelUpsampling(2, name=f"up{i}_shuffle")(x)                                  # (B, 2., 2., F)
        x = layers.PReLU(shared_axes=[1, 2], name=f"up{i}_prelu")(x)
    detail = layers.Conv2D(3, 9, padding="same", kernel_initializer="zeros", name="detail")(x)   # (B, sh, sw, 3)
    bicubic = BicubicUpsampling(scale, name="bicubic")(low)                                  # (B, sh, sw, 3)
    return keras.Model(low, layers.Add(name="high")([bicubic, detail]), name=name)


def build_sr_discriminator(widths=(32, 64, 128), name="sr_discriminator"):
    """high-resolution patch -> logit: SRGAN's discriminator, shortened (strided LeakyReLU convolutions,
    then global average pooling so any patch size works)."""
    import keras
    from keras import layers

    image = keras.Input((None, None, 3), name="image")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_pm1")(image)
    for i, width in enumerate(widths):
        x = layers.Conv2D(width, 3, padding="same", name=f"conv{i}a")(x)
        if i:
            x = layers.BatchNormalization(name=f"bn{i}a")(x)
        x = layers.LeakyReLU(0.2, name=f"act{i}a")(x)
        x = layers.Conv2D(width, 3, strides=2, padding="same", name=f"conv{i}b")(x)
        x = layers.BatchNormalization(name=f"bn{i}b")(x)
        x = layers.LeakyReLU(0.2, name=f"act{i}b")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dense(128, name="dense")(x)
    x = layers.LeakyReLU(0.2, name="dense_act")(x)
    return keras.Model(image, layers.Dense(1, name="logit")(x), name=name)


def build_patch_net(classes: int, name="patch_net"):
    """patch in [0, 1] -> which training photo it came from. Trained by the book, its second block's
    features ("features") are the builtin perceptual loss's view of an image."""
    import keras
    from keras import layers

    image = keras.Input((None, None, 3), name="image")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_pm1")(image)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1a")(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1b")(x)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2a")(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="features")(x)        # (B, H/2, W/2, 64)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    return keras.Model(image, layers.Dense(classes, activation="softmax", name="photo")(x), name=name)
# --8<-- [end:srresnet]


def shrink(high, scale: int):
    """`(N, H, W, 3)` in [0, 1] -> `(N, H/scale, W/scale, 3)` tensor: bicubic with anti-aliasing, like MATLAB's
    imresize, clipped to [0, 1]. Works eagerly and inside a `tf.data` map."""
    import tensorflow as tf

    h, w = high.shape[1] // scale, high.shape[2] // scale
    return tf.clip_by_value(tf.image.resize(high, (h, w), method="bicubic", antialias=True), 0.0, 1.0)


def downscale(high, scale: int) -> np.ndarray:
    """`shrink` as a float32 NumPy array."""
    return np.asarray(shrink(high, scale)).astype("float32")


def bicubic_up(low, scale: int) -> np.ndarray:
    """True bicubic up-sampling, `tf.image.resize(..., "bicubic")`, clipped to [0, 1]."""
    import tensorflow as tf

    h, w = low.shape[1] * scale, low.shape[2] * scale
    return np.clip(tf.image.resize(low, (h, w), method="bicubic").numpy(), 0, 1).astype("float32")


def vgg19_features():
    """`keras.applications` VGG19 (ImageNet weights) up to block5_conv4, SRGAN's "VGG54", reading [0, 1] RGB."""
    import keras

    vgg = keras.applications.VGG19(include_top=False, weights="imagenet")
    image = keras.Input((None, None, 3), name="image")
    x = keras.applications.vgg19.preprocess_input(image * 255.0)
    return keras.Model(image, keras.Model(vgg.input, vgg.get_layer("block5_conv4").output)(x), name="vgg54")


def dead_units(discriminator, images) -> list:
    """For each hidden activation of a `build_discriminator` model, the share of its units (a channel at a
    position) whose input is never above zero on any of `images`: units that never fire."""
    import keras

    acts = [l for l in discriminator.layers if l.name.startswith("act")]
    probe = keras.Model(discriminator.input, [l.input for l in acts])
    pre = [keras.ops.convert_to_numpy(p) for p in probe(images, training=False)]   # eager: no function to trace
    return [float((np.max(p, axis=0) <= 0).mean()) for p in pre]


def run_steps(cfg: Config, part: str) -> int:
    """Training steps a run of `part` takes (the steps XLA's compile time is spread over)."""
    if part == "dcgan":
        train = 1_257 if cfg.train_size is None else cfg.train_size       # 1,257: the builtin training digits
        return cfg.epochs * (train // cfg.batch_size)                       # whole batches only (drop_remainder)
    return cfg.sr_epochs * (cfg.patches // cfg.sr_batch_size) + cfg.srgan_epochs * srgan_steps(cfg)


def srgan_steps(cfg: Config) -> int:
    """The SRGAN's training steps per epoch."""
    return cfg.patches // cfg.sr_batch_size if cfg.srgan_steps is None else cfg.srgan_steps


def measure_step_times(cfg: Config, part: str = "dcgan", steps=10, modes=(True, False), seed=0):
    """Seconds per training step, XLA on and off: the DCGAN's `GAN.train_step`, or the SRResNet's pixel step."""
    import keras

    from kerasbook import training
    from kerasbook.layers.gan import GAN

    rng = np.random.default_rng(seed)
    if part == "dcgan":
        x = rng.uniform(-1, 1, (cfg.batch_size, SIDE, SIDE, 1)).astype("float32")

        def make(jit):
            keras.utils.set_random_seed(seed)
            gan = GAN(build_generator(cfg.latent_dim, cfg.widths, cfg.modes),
                      build_discriminator(cfg.d_widths or cfg.widths), cfg.latent_dim)
            gan.compile(d_optimizer=keras.optimizers.Adam(cfg.d_learning_rate, beta_1=cfg.beta_1),
                        g_optimizer=keras.optimizers.Adam(cfg.learning_rate, beta_1=cfg.beta_1, use_ema=cfg.ema > 0,
                                                          ema_momentum=cfg.ema or 0.99), jit_compile=jit)
            return gan

        return training.time_train_steps(make, x, None, steps=steps, modes=modes)
    low = rng.random((cfg.sr_batch_size, cfg.patch // cfg.scale, cfg.patch // cfg.scale, 3)).astype("float32")
    high = rng.random((cfg.sr_batch_size, cfg.patch, cfg.patch, 3)).astype("float32")

    def make_sr(jit):
        keras.utils.set_random_seed(seed)
        model = build_srresnet(cfg.sr_filters, cfg.sr_blocks, cfg.scale)
        model.compile(optimizer=keras.optimizers.Adam(cfg.sr_learning_rate), loss="mse", jit_compile=jit)
        return model

    out = {}
    for jit in modes:
        try:
            out.update(training.time_train_steps(make_sr, low, high, steps=steps, modes=(jit,)))
        except Exception as e:                      # XLA has no kernel for the bicubic resize on some devices
            if not jit:
                raise
            out[jit] = {"compile_s": float("nan"), "step_s": float("inf"), "samples_per_s": 0.0,
                        "error": f"XLA cannot compile this step here ({type(e).__name__})"}
    return out


def part_xla(run, part: str):
    """`(jit, why)`: the chapter's decision for the DCGAN, and the SR part's own (recorded as `ch14_gan.srgan`)."""
    from kerasbook import training

    if part == "dcgan":
        return run.jit, run.why
    return training.resolve_xla(run.args.xla, f"{CHAPTER}.{part}", measure=lambda: training.seconds_per_step(
        measure_step_times(run.cfg, part, steps=5), run_steps(run.cfg, part)))


def diagram_models():
    """The models the site draws."""
    cfg = Config()
    return {"generator": build_generator(cfg.latent_dim, cfg.widths, cfg.modes),
            "discriminator": build_discriminator(cfg.d_widths or cfg.widths),
            "srresnet": build_srresnet(cfg.sr_filters, 2, cfg.scale)}


def load_digits(run) -> dict:
    """`{split: (pixels float32 (N, 32, 32, 1) in [-1, 1], labels)}` from the builtin digits or MNIST."""
    splits = dg.load_builtin() if run.sources["digits"] == "builtin" else dg.load_mnist(run.args.data_dir)
    out = {}
    for name, (x, y) in splits.items():
        if name == "train" and run.cfg.train_size is not None:
            x, y = x[: run.cfg.train_size], y[: run.cfg.train_size]
        out[name] = (to_gan_pixels(x), np.asarray(y))
    return out


def grid_image(images, cols: int = 8, pad: int = 2) -> np.ndarray:
    """`(N, H, W, 1)` in [-1, 1] -> one uint8 grey picture of the images in rows of `cols`, on white."""
    n, h, w = len(images), images.shape[1], images.shape[2]
    rows = -(-n // cols)
    canvas = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), 255, "uint8")
    pixels = np.clip((1.0 - (np.asarray(images)[..., 0] + 1.0) / 2.0) * 255.0, 0, 255).astype("uint8")  # ink dark
    for i, img in enumerate(pixels):
        r, c = divmod(i, cols)
        canvas[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = img
    return canvas


def generate(generator, z) -> np.ndarray:
    """`generator(z)` in inference mode, eagerly in batches of 512, as a NumPy array."""
    import keras

    return np.concatenate([keras.ops.convert_to_numpy(generator(z[i:i + 512], training=False))
                           for i in range(0, len(z), 512)])


def better_scoring(score: dict, best: dict | None, class_range) -> bool:
    """Does `score` (from `score_digits`) beat `best` (None: nothing kept yet)? Only a scoring with every
    class's share inside `class_range` counts, and then the larger confident share wins."""
    low, high = class_range
    balanced = low <= score["min_class_share"] and score["max_class_share"] <= high
    return balanced and (best is None or score["confident_share"] > best["confident_share"])


def epoch_samples(*args, **kwargs):
    """A Keras callback: after every epoch, the generator's digits for one fixed noise batch (PNG per
    epoch, kept for the animation) and, every `every` epochs, the judge's scores of `score_noise`'s digits,
    keeping in `best` the averaged weights of the best-read scoring whose classes all lie inside
    `cfg.class_range`. Defined when called, so importing the chapter does not import Keras."""
    import keras

    class _Callback(keras.callbacks.Callback):
        def __init__(self, gan, noise, folder, judge, real_features, every, cfg, score_noise):
            super().__init__()
            self.gan, self.noise, self.folder = gan, noise, Path(folder)
            self.judge, self.real_features, self.every, self.cfg = judge, real_features, every, cfg
            self.score_noise = score_noise
            self.frames, self.scores = [], []
            self.best = None            # {"epoch", "confident_share", "weights"} of the best balanced scoring
            self.folder.mkdir(parents=True, exist_ok=True)

        def on_epoch_end(self, epoch, logs=None):
            from PIL import Image

            with self.gan.averaged_generator() as generator:
                frame = grid_image(generate(generator, self.noise))
                self.frames.append(frame)
                Image.fromarray(frame).save(self.folder / f"epoch_{epoch + 1:03d}.png")
                last = epoch + 1 == self.params.get("epochs")
                if (epoch + 1) % self.every == 0 or last or epoch == 0:
                    fake = generate(generator, self.score_noise)
                    s = score_digits(self.judge, fake, self.real_features, self.cfg.confidence)
                    self.scores.append({"epoch": epoch + 1, **{k: v for k, v in s.items() if k != "features"}})
                    if better_scoring(s, self.best, self.cfg.class_range):
                        self.best = {"epoch": epoch + 1, "confident_share": s["confident_share"],
                                     "weights": generator.get_weights()}

    return _Callback(*args, **kwargs)


def judge_part(digits, cfg, run, out):
    """Train the digit classifier on real training digits; its test accuracy and its features of the test set."""
    import keras
    import tensorflow as tf

    from kerasbook import training

    (x, y), (xv, yv), (xt, yt) = digits["train"], digits["validation"], digits["test"]
    info = run.run_info()
    with run.strategy.scope():
        judge = build_judge()
    training.compile_model(judge, optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                           metrics=["accuracy"], jit_compile=run.jit)
    train_ds = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=run.seed).batch(64)
                .prefetch(tf.data.AUTOTUNE))
    judge, history = training.fit(judge, train_ds, tf.data.Dataset.from_tensor_slices((xv, yv)).batch(512),
                                  epochs=cfg.judge_epochs, out=out, info=info, train_examples=len(x),
                                  verbose=run.verbose(0))
    accuracy = float((judge.predict(xt, batch_size=512, verbose=0).argmax(axis=1) == yt).mean())
    return judge, {"test_accuracy": accuracy, "seconds": info.train_seconds}


def late_decay(rate: float, total_steps: int, after: float):
    """`rate` held for the first `after` of `total_steps`, then a cosine down to 0 (`after` >= 1: a constant).

    A constant rate keeps the two players moving to the end, so the generator's digits still change
    from epoch to epoch; bringing both rates down over the last part lets them settle.
    """
    import keras

    hold = int(total_steps * after)
    if hold >= total_steps:
        return rate
    # CosineDecay's warm-up from `rate` to `rate` is the flat start.
    return keras.optimizers.schedules.CosineDecay(rate, total_steps - hold, alpha=0.0, warmup_target=rate,
                                                  warmup_steps=max(hold, 1))


def dcgan_part(digits, judge, cfg, run, out):
    """Train the DCGAN with `GAN.train_step`; score its digits with the judge against held-out real ones."""
    import keras
    import tensorflow as tf

    from kerasbook import training
    from kerasbook.layers.gan import GAN

    x = digits["train"][0]
    real_test = score_digits(judge, digits["test"][0], confidence=cfg.confidence)
    real_train = score_digits(judge, x, real_test["features"], cfg.confidence)
    rng = np.random.default_rng([run.seed, 14])
    fixed = rng.normal(size=(64, cfg.latent_dim)).astype("float32")                   # the same 64 digits every epoch
    scored = rng.normal(size=(cfg.generated, cfg.latent_dim)).astype("float32")          # the final numbers
    # Scorings during training (and the choice of epoch) use noise of their own, so the final numbers
    # come from digits the choice never saw.
    watched = np.random.default_rng([run.seed, 14, 1]).normal(size=(cfg.generated, cfg.latent_dim)).astype("float32")
    with run.strategy.scope():
        gan = GAN(build_generator(cfg.latent_dim, cfg.widths, cfg.modes, run.seed, cfg.mode_spread),
                  build_discriminator(cfg.d_widths or cfg.widths, dropout=cfg.d_dropout,
                                                                        spectral_norm=cfg.spectral_norm),
                  cfg.latent_dim, seed=run.seed, real_label=cfg.real_label, shift=cfg.shift)
        total = cfg.epochs * (len(x) // cfg.batch_size)
        gan.compile(d_optimizer=keras.optimizers.Adam(late_decay(cfg.d_learning_rate, total, cfg.decay_after),
                                                      beta_1=cfg.beta_1),
                    g_optimizer=keras.optimizers.Adam(late_decay(cfg.learning_rate, total, cfg.decay_after),
                                                      beta_1=cfg.beta_1, use_ema=cfg.ema > 0,
                                                      ema_momentum=cfg.ema or 0.99),
                    jit_compile=run.jit)
    ds = (tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=run.seed)
          .batch(cfg.batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    samples = epoch_samples(gan, fixed, out / "figures" / "epochs", judge, real_test["features"],
                           cfg.eval_every, cfg, watched)
    nan_stop, timer = training.StopOnNaN(), training.EpochTimer()
    info = run.run_info()
    start = time.perf_counter()
    history = gan.fit(ds, epochs=cfg.epochs, verbose=run.verbose(2), callbacks=[
        keras.callbacks.CSVLogger(str(out / "dcgan_history.csv")), nan_stop, timer, samples])
    info.train_seconds = time.perf_counter() - start
    training.check_jit(gan, run.jit)
    if nan_stop.where is not None:
        raise FloatingPointError("a GAN loss became NaN/inf; lower the learning rate")
    info.epochs_run = len(timer.seconds)
    steady = timer.seconds[1:] or timer.seconds
    info.samples_per_s = len(x) // cfg.batch_size * cfg.batch_size * len(steady) / sum(steady)
    gan.g_optimizer.finalize_variable_values(gan.generator.trainable_variables)   # keep the averaged weights
    if cfg.keep_best and samples.best is not None:
        gan.generator.set_weights(samples.best["weights"])
    kept_epoch = samples.best["epoch"] if cfg.keep_best and samples.best is not None else info.epochs_run
    gan.generator.save(out / "generator.keras")
    gan.discriminator.save(out / "discriminator.keras")
    fake = generate(gan.generator, scored)
    judged = score_digits(judge, fake, real_test["features"], cfg.confidence)
    nearest = {"generated": nearest_training_distance(fake[:300], x),
               "real_test": nearest_training_distance(digits["test"][0][:300], x)}
    return {
        "generator": gan.generator, "history": history.history, "frames": samples.frames, "scores": samples.scores,
        "fake": fake, "fake_probs_of": judged, "info": info,
        "report": {
            "confident_share": judged["confident_share"], "class_shares": judged["class_shares"],
            "min_class_share": judged["min_class_share"], "max_class_share": judged["max_class_share"],
            "frechet_distance": judged["frechet_distance"],
            "frechet_distance_real_train_vs_test": real_train["frechet_distance"],
            "real_test_confident_share": real_test["confident_share"],
            "real_test_class_shares": real_test["class_shares"],
            "nearest_training_mse": nearest, "seconds": info.train_seconds,
            "scores_over_training": samples.scores, "kept_epoch": kept_epoch,
        },
    }


def nearest_training_distance(fake, train) -> dict:
    """Median and smallest pixel MSE from each image in `fake` to its nearest training digit. A generator
    that copied its training digits would sit at 0; held-out real digits, passed the same way, give the
    yardstick of "new but like the training set"."""
    f = fake.reshape(len(fake), -1)
    t = train.reshape(len(train), -1)
    d = (f ** 2).sum(1)[:, None] + (t ** 2).sum(1)[None, :] - 2 * f @ t.T
    nearest = np.maximum(d.min(axis=1), 0) / f.shape[1]
    return {"median": float(np.median(nearest)), "min": float(nearest.min())}


def dead_part(digits, cfg, run):
    """Three small GANs, identical but for D's hidden activation: the share of D's units that never fire,
    before and after `dead_steps` steps, on real and generated digits."""
    import keras
    import tensorflow as tf

    from kerasbook.layers.gan import GAN

    x = digits["train"][0]
    out = {}
    for activation in ACTIVATIONS:
        keras.utils.set_random_seed(run.seed)
        gan = GAN(build_generator(cfg.latent_dim, cfg.widths, cfg.modes, run.seed, cfg.mode_spread),
                  build_discriminator(cfg.widths, activation),
                  cfg.latent_dim, seed=run.seed, real_label=cfg.real_label)
        gan.compile(d_optimizer=keras.optimizers.Adam(cfg.learning_rate, beta_1=cfg.beta_1),
                    g_optimizer=keras.optimizers.Adam(cfg.learning_rate, beta_1=cfg.beta_1), jit_compile=run.jit)
        probe_noise = np.random.default_rng(1).normal(size=(256, cfg.latent_dim)).astype("float32")

        def probe():
            fake = generate(gan.generator, probe_noise)
            return dead_units(gan.discriminator, np.concatenate([x[:256], fake]))

        before = probe()
        ds = (tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=run.seed).repeat()
              .batch(cfg.batch_size, drop_remainder=True))
        history = gan.fit(ds, epochs=1, steps_per_epoch=cfg.dead_steps, verbose=run.verbose(2))
        out[activation] = {"before": before, "after": probe(),
                           "d_loss": float(history.history["d_loss"][-1]), "g_loss": float(history.history["g_loss"][-1])}
    return out


def sr_part(photos, cfg, run, out, perceptual: str):
    """SRResNet on pixel loss, then SRGAN from its weights; both against bicubic on the held-out photos."""
    import keras
    import tensorflow as tf

    from kerasbook import training
    from kerasbook.layers.gan import SRGAN

    # Fresh patches for every epoch, each turned by one of the square's eight symmetries: a small network
    # learns more from 20,000 different patches than from 4,000 seen five times.
    n_sr, n_gan = cfg.sr_epochs * cfg.patches, cfg.srgan_epochs * srgan_steps(cfg) * cfg.sr_batch_size
    high_u8, which = ph.random_patches(photos["train"], n_sr + n_gan, cfg.patch, run.seed, min_std=0.04)
    high_u8 = ph.dihedral(high_u8, run.seed)                                      # (N, 64, 64, 3) uint8
    high = high_u8[:cfg.patches].astype("float32") / 255.0                        # one epoch's worth, in [0, 1]
    report, seconds = {}, {}
    steps = cfg.patches // cfg.sr_batch_size

    def pairs(patches):
        """uint8 patches -> batches of (bicubic-downscaled input, target), made on the fly."""
        def pair(h):
            h = tf.cast(h, "float32") / 255.0
            return shrink(h, cfg.scale), h

        return (tf.data.Dataset.from_tensor_slices(patches).batch(cfg.sr_batch_size, drop_remainder=True)
                .map(pair, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE))

    # 1. The feature network of the perceptual loss.
    start = time.perf_counter()
    if perceptual == "vgg19":
        try:
            features = vgg19_features()
        except Exception as e:                                        # no network, or a broken download
            raise cli.UsageError(f"VGG19's ImageNet weights could not be loaded ({type(e).__name__}); "
                                 "use --data builtin for the book's own feature network") from None
    else:
        net = build_patch_net(len(photos["train"]))
        net.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"], jit_compile=run.jit)
        h = net.fit(high, which[:cfg.patches], batch_size=64, epochs=cfg.feature_epochs, verbose=run.verbose(2),
                    shuffle=True)
        report["patch_net_train_accuracy"] = float(h.history["accuracy"][-1])
        features = keras.Model(net.input, net.get_layer("features").output, name="patch_features")
    feature_scale = float(np.mean(np.square(features.predict(high[:256], batch_size=64, verbose=0))))
    seconds["features"] = time.perf_counter() - start

    # 2. SRResNet on pixel MSE.
    start = time.perf_counter()
    with run.strategy.scope():
        srresnet = build_srresnet(cfg.sr_filters, cfg.sr_blocks, cfg.scale)
        srresnet.compile(optimizer=keras.optimizers.Adam(cfg.sr_learning_rate), loss="mse", jit_compile=run.jit)
    h = srresnet.fit(pairs(high_u8[:n_sr]), epochs=cfg.sr_epochs, steps_per_epoch=steps, verbose=run.verbose(2),
                     callbacks=[keras.callbacks.CSVLogger(str(out / "srresnet_history.csv"))])
    report["srresnet_history"] = h.history
    srresnet.save(out / "srresnet.keras")
    seconds["srresnet"] = time.perf_counter() - start

    # 3. SRGAN: the same generator, trained on from the SRResNet's weights against a discriminator.
    start = time.perf_counter()
    with run.strategy.scope():
        generator = build_srresnet(cfg.sr_filters, cfg.sr_blocks, cfg.scale, name="srgan_generator")
        generator.set_weights(srresnet.get_weights())
        srgan = SRGAN(generator, build_sr_discriminator(), features, content_weight=cfg.content_weight / feature_scale,
                      pixel_weight=cfg.pixel_weight, adversarial_weight=cfg.adversarial_weight)
        srgan.compile(d_optimizer=keras.optimizers.Adam(cfg.srgan_learning_rate, beta_1=0.9),
                      g_optimizer=keras.optimizers.Adam(cfg.srgan_learning_rate, beta_1=0.9), jit_compile=run.jit)
    h = srgan.fit(pairs(high_u8[n_sr:]), epochs=cfg.srgan_epochs, steps_per_epoch=srgan_steps(cfg),
                  verbose=run.verbose(2),
                  callbacks=[keras.callbacks.CSVLogger(str(out / "srgan_history.csv"))])
    report["srgan_history"] = h.history
    generator.save(out / "model.keras")
    seconds["srgan"] = time.perf_counter() - start

    # 4. The held-out photos, whole.
    results = evaluate_sr(photos["test"], {"SRResNet": srresnet, "SRGAN": generator}, cfg.scale)
    report.update(results["report"])
    report["seconds"] = seconds
    report["perceptual_features"] = perceptual
    return {"report": report, "images": results["images"]}


def evaluate_sr(photos: dict, models: dict, scale: int) -> dict:
    """PSNR and SSIM of bicubic and of each model on whole photos (cropped to a multiple of `scale`), with
    a border of `scale` pixels left out as is usual; the mean over photos and each photo's own numbers."""
    import keras

    from kerasbook.metrics import psnr, ssim

    per_photo, images = {}, {}
    for name, photo in photos.items():
        h, w = photo.shape[0] // scale * scale, photo.shape[1] // scale * scale
        high = photo[None, :h, :w].astype("float32") / 255.0
        low = downscale(high, scale)
        outputs = {"bicubic": bicubic_up(low, scale)}
        for label, model in models.items():
            outputs[label] = np.clip(keras.ops.convert_to_numpy(model(low, training=False)), 0, 1)
        b = scale
        per_photo[name] = {label: {"psnr": float(psnr(high[:, b:-b, b:-b], y[:, b:-b, b:-b])[0]),
                                   "ssim": float(ssim(high[:, b:-b, b:-b], y[:, b:-b, b:-b])[0])}
                           for label, y in outputs.items()}
        images[name] = {"high": high[0], "low": low[0], **{k: v[0] for k, v in outputs.items()}}
    labels = ["bicubic", *models]
    mean = {label: {m: float(np.mean([per_photo[p][label][m] for p in per_photo])) for m in ("psnr", "ssim")}
            for label in labels}
    return {"report": {"mean": mean, "per_photo": per_photo,
                       "srresnet_gain_db": mean["SRResNet"]["psnr"] - mean["bicubic"]["psnr"]},
            "images": images}


def samples_figure(path: Path, frame, epoch: int, share: float, cfg):
    """The 64 digits of the fixed noise batch from the generator the run kept (`frame`: its grid)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 5.6))
    ax.imshow(frame, cmap="gray", vmin=0, vmax=255)
    ax.axis("off")
    ax.set_title(f"64 digits from fixed noise, the generator as of epoch {epoch}\n{share:.0%} of "
                 f"{cfg.generated:,} generated digits read with confidence ≥ {cfg.confidence}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def gan_figures(figs: Path, dcgan, real_shares, cfg):
    """Samples, progress over epochs, the animation, both losses, the judge's scores and the class shares."""
    import matplotlib.pyplot as plt
    from PIL import Image

    figs.mkdir(parents=True, exist_ok=True)
    frames = dcgan["frames"]
    r = dcgan["report"]
    kept_epoch = r.get("kept_epoch") or len(frames)
    samples_figure(figs / "samples.png", frames[kept_epoch - 1], kept_epoch, r["confident_share"], cfg)

    picks = sorted({1, *(e for e in (2, 5, 10, 20, 40, 70) if e < len(frames)), len(frames)})
    fig, axes = plt.subplots(len(picks), 1, figsize=(6.4, 0.95 * len(picks)))
    for ax, epoch in zip(np.atleast_1d(axes), picks):
        strip = frames[epoch - 1][: 34 + 2]                                        # the first row of the grid
        ax.imshow(strip, cmap="gray", vmin=0, vmax=255)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(f"epoch {epoch}", rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle("the same eight noise vectors, epoch by epoch", fontsize=9)
    fig.tight_layout()
    fig.savefig(figs / "progress.png", dpi=100)
    plt.close(fig)

    # The animation: the top half of the grid (32 digits), every second epoch and the last, kept small.
    kept = frames[::2] + ([frames[-1]] if len(frames) % 2 == 0 else [])
    pictures = [Image.fromarray(f[: f.shape[0] // 2 + 1]) for f in kept]
    pictures[0].save(figs / "training.gif", save_all=True, append_images=pictures[1:], duration=150, loop=0,
                     optimize=True)

    h = dcgan["history"]
    epochs = np.arange(1, len(h["d_loss"]) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.3))
    a.plot(epochs, h["d_loss"], label="D loss (real + fake)")
    a.plot(epochs, h["g_loss"], label="G loss")
    a.set_xlabel("epoch")
    a.set_ylabel("binary cross-entropy")
    a.legend(fontsize=8)
    a.grid(alpha=0.3)
    b.plot(epochs, h["d_real_accuracy"], label="D right on real")
    b.plot(epochs, h["d_fake_accuracy"], label="D right on fake")
    b.axhline(0.5, color="grey", lw=0.8, ls="--")
    b.set_ylim(0, 1.02)
    b.set_xlabel("epoch")
    b.legend(fontsize=8)
    b.grid(alpha=0.3)
    fig.suptitle("the two players (means over each epoch's steps)", fontsize=9)
    fig.tight_layout()
    fig.savefig(figs / "losses.png", dpi=100)
    plt.close(fig)

    s = dcgan["report"]["scores_over_training"]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.3))
    a.plot([p["epoch"] for p in s], [p["confident_share"] for p in s], "o-", label="generated")
    a.axhline(r["real_test_confident_share"], color="grey", ls="--", lw=1, label="real unseen digits")
    if r.get("kept_epoch") in [p["epoch"] for p in s]:
        kept = next(p for p in s if p["epoch"] == r["kept_epoch"])
        a.plot([kept["epoch"]], [kept["confident_share"]], "o", ms=11, mfc="none", mec="C3", label="generator kept")
    a.set_xlabel("epoch")
    a.set_ylabel(f"share read with confidence ≥ {cfg.confidence}")
    a.set_ylim(0, 1.02)
    a.legend(fontsize=8)
    a.grid(alpha=0.3)
    b.plot([p["epoch"] for p in s], [p["frechet_distance"] for p in s], "o-", label="generated vs real test")
    b.axhline(r["frechet_distance_real_train_vs_test"], color="grey", ls="--", lw=1, label="real train vs real test")
    b.set_yscale("log")
    b.set_xlabel("epoch")
    b.set_ylabel("Fréchet distance (judge's features)")
    b.legend(fontsize=8)
    b.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(figs / "judge_scores.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3.2))
    digits = np.arange(10)
    ax.bar(digits - 0.2, r["class_shares"], width=0.4, label="generated")
    ax.bar(digits + 0.2, real_shares, width=0.4, label="real unseen digits")
    for y in (0.05, 0.15):
        ax.axhline(y, color="grey", ls="--", lw=0.8)
    ax.set_xticks(digits)
    ax.set_xlabel("class the judge reads")
    ax.set_ylabel("share")
    ax.legend(fontsize=8)
    ax.set_title("how evenly the generated digits cover the ten classes (bar: 5-15 % each)", fontsize=9)
    fig.tight_layout()
    fig.savefig(figs / "class_shares.png", dpi=100)
    plt.close(fig)


def dead_figure(path: Path, dead: dict, steps: int):
    import matplotlib.pyplot as plt

    layers = len(next(iter(dead.values()))["after"])
    fig, ax = plt.subplots(figsize=(6.4, 3.3))
    width = 0.8 / len(dead)
    for k, (activation, r) in enumerate(dead.items()):
        xs = np.arange(layers) + (k - (len(dead) - 1) / 2) * width
        ax.bar(xs, np.array(r["after"]) * 100, width=width, label=activation)
    ax.set_xticks(range(layers))
    ax.set_xticklabels([f"hidden layer {i + 1}" for i in range(layers)])
    ax.set_ylabel("% of units never above 0")
    ax.set_title(f"discriminator units that never fire after {steps} steps (512 real + fake digits)", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def sr_figure(path: Path, images: dict, report: dict, scale: int, crop: int = 96):
    """Per held-out photo, one zoomed crop: the input, bicubic, SRResNet, SRGAN and the original."""
    import matplotlib.pyplot as plt

    columns = ["low", "bicubic", "SRResNet", "SRGAN", "high"]
    titles = {"low": f"input (1/{scale})", "high": "original"}
    fig, axes = plt.subplots(len(images), len(columns), figsize=(2.1 * len(columns), 2.25 * len(images)),
                             squeeze=False)
    for row, (name, im) in zip(axes, images.items()):
        h, w = im["high"].shape[:2]
        top, left = (h - crop) // 2, (w - crop) // 2                                # the middle of the photo
        for ax, col in zip(row, columns):
            if col == "low":
                t, l, c = top // scale, left // scale, crop // scale
                picture = np.repeat(np.repeat(im["low"][t:t + c, l:l + c], scale, 0), scale, 1)
            else:
                picture = im[col][top:top + crop, left:left + crop]
            ax.imshow(np.clip(picture, 0, 1), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if col in report["per_photo"][name]:
                m = report["per_photo"][name][col]
                ax.set_title(f"{col}\n{m['psnr']:.2f} dB, SSIM {m['ssim']:.3f}", fontsize=8)
            else:
                ax.set_title(titles[col], fontsize=8)
        row[0].set_ylabel(name, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _parts(text):
    if text is None:
        return None
    picked = tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    unknown = [p for p in picked if p not in PARTS]
    if unknown or not picked:
        raise cli.UsageError(f"unknown part {(unknown or [text])[0]!r} in --parts; choose from {', '.join(PARTS)}")
    return picked


def _d_widths(text):
    """`--d-widths` -> a tuple of three channel counts, or None for 'same' (and for no flag)."""
    if text is None or text.strip() == "same":
        return None
    try:
        widths = tuple(int(w) for w in text.split(","))
    except ValueError:
        widths = ()
    if len(widths) != 3 or min(widths) < 1:
        raise cli.UsageError(f"--d-widths takes three positive channel counts such as 256,128,64, or 'same'; "
                             f"got {text!r}")
    return widths


def _train(argv):
    from kerasbook import runs

    def add_arguments(parser):
        parser.add_argument("--parts", default=None,
                            help=f"comma-separated parts to run (default: all of {','.join(PARTS)})")
        parser.add_argument("--modes", type=int, default=None,
                            help=f"Gaussians in the DCGAN's noise mixture, 0 for one plain Gaussian "
                                 f"(default: {Config().modes})")
        parser.add_argument("--d-widths", default=None, metavar="C4,C8,C16",
                            help="the discriminator's channels at 4x4, 8x8 and 16x16, or 'same' for the generator's "
                                 f"(default: {','.join(map(str, Config().d_widths))}; with --quick: same)")

    def validate(args, cfg, sources):
        _parts(args.parts)
        if args.modes is not None and (args.modes < 0 or args.modes == 1):
            raise cli.UsageError(f"--modes must be 0 (one Gaussian) or at least 2, got {args.modes}")
        _d_widths(args.d_widths)

    def config(sources):
        return Config().mnist() if sources.get("digits") == "full" else Config()

    # Only the datasets of the parts asked for: `--data full --parts dcgan` needs MNIST, not VGG19's weights.
    asked = _parts(next((a.split("=", 1)[1] if "=" in a else (argv[i + 1] if i + 1 < len(argv) else "")
                         for i, a in enumerate(argv) if a.split("=", 1)[0] == "--parts"), None)) or PARTS
    specs = tuple(spec for spec, parts in ((dg.SPEC, {"dcgan", "dead"}), (ph.SPEC, {"srgan"})) if parts & set(asked))
    run = runs.setup(argv, chapter=CHAPTER, prog=PROG, specs=specs, config=config,
                     validate=validate,
                     description="GANs: a DCGAN with its own train_step, dead neurons, SRGAN (chapter 14).",
                     measure=lambda run: measure_step_times(run.cfg, "dcgan", steps=5), add_arguments=add_arguments,
                     data_dir_hint="give the TFDS data folder that holds mnist/")
    run.cfg = dataclasses.replace(run.cfg, parts=_parts(run.args.parts) or run.cfg.parts,
                                  modes=run.cfg.modes if run.args.modes is None else run.args.modes,
                                  d_widths=(run.cfg.d_widths if run.args.d_widths is None
                                            else _d_widths(run.args.d_widths)))
    cfg, out = run.cfg, run.out
    figs = out / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    seconds, final, extra = {}, {}, {}
    chapter_jit, chapter_why = run.jit, run.why
    info = None
    dataset = run.dataset(0, 0, 0)

    if {"dcgan", "dead"} & set(cfg.parts):
        start = time.perf_counter()
        digits = load_digits(run)
        run.require_batch(len(digits["train"][0]), "training digits")
        seconds["data: digits"] = time.perf_counter() - start
        dataset = run.dataset(*(len(digits[s][0]) for s in ("train", "validation", "test")), name="digits")
        print(f"data: {run.sources['digits']} digits, {dataset['train']} train / {dataset['validation']} validation "
              f"/ {dataset['test']} test, padded to {SIDE}x{SIDE}")

    if "dcgan" in cfg.parts:
        start = time.perf_counter()
        judge, judge_report = judge_part(digits, cfg, run, out / "judge")
        seconds["judge"] = time.perf_counter() - start
        print(f"judge: {judge_report['test_accuracy']:.1%} on unseen real digits")
        start = time.perf_counter()
        dcgan = dcgan_part(digits, judge, cfg, run, out)
        seconds["dcgan"] = time.perf_counter() - start
        info = dcgan["info"]
        r = dcgan["report"]
        gan_figures(figs, dcgan, r["real_test_class_shares"], cfg)
        final.update(confident_share=r["confident_share"], min_class_share=r["min_class_share"],
                     max_class_share=r["max_class_share"], frechet_distance=r["frechet_distance"],
                     frechet_distance_real=r["frechet_distance_real_train_vs_test"],
                     judge_accuracy=judge_report["test_accuracy"], kept_epoch=r["kept_epoch"])
        extra["dcgan"] = {**r, "judge": judge_report, "xla": run.jit}
        print(f"dcgan: {r['confident_share']:.1%} of {cfg.generated} generated digits read with confidence "
              f"≥ {cfg.confidence}; class shares {r['min_class_share']:.1%}-{r['max_class_share']:.1%}; "
              f"Fréchet distance {r['frechet_distance']:.2f} (real vs real {r['frechet_distance_real_train_vs_test']:.2f}); "
              f"generator of epoch {r['kept_epoch']}")

    if "dead" in cfg.parts:
        start = time.perf_counter()
        dead = dead_part(digits, cfg, run)
        seconds["dead"] = time.perf_counter() - start
        dead_figure(figs / "dead_neurons.png", dead, cfg.dead_steps)
        final.update({f"dead_share_{a}": float(np.mean(r["after"])) for a, r in dead.items()})
        extra["dead"] = dead

    if "srgan" in cfg.parts:
        run.jit, run.why = part_xla(run, "srgan")
        print(f"srgan: XLA {'on' if run.jit else 'off'} ({run.why})")
        start = time.perf_counter()
        photos = ph.load_builtin()
        seconds["data: photos"] = time.perf_counter() - start
        perceptual = "vgg19" if run.sources.get("photos") == "full" else "own"
        start = time.perf_counter()
        sr = sr_part(photos, cfg, run, out, perceptual)
        seconds["srgan"] = time.perf_counter() - start
        m = sr["report"]["mean"]
        sr_figure(figs / "super_resolution.png", sr["images"], sr["report"], cfg.scale)
        final.update(psnr_bicubic=m["bicubic"]["psnr"], psnr_srresnet=m["SRResNet"]["psnr"],
                     psnr_srgan=m["SRGAN"]["psnr"], ssim_bicubic=m["bicubic"]["ssim"],
                     ssim_srresnet=m["SRResNet"]["ssim"], ssim_srgan=m["SRGAN"]["ssim"],
                     srresnet_gain_db=sr["report"]["srresnet_gain_db"])
        if dataset["train"] == 0:
            seen = cfg.sr_epochs * cfg.patches + cfg.srgan_epochs * srgan_steps(cfg) * cfg.sr_batch_size
            dataset = run.dataset(seen, 0, len(ph.TEST), name="photos",
                                  train_photos=len(ph.TRAIN))
        extra["srgan"] = {**sr["report"], "xla": run.jit, "train_photos": list(ph.TRAIN), "test_photos": list(ph.TEST)}
        print("super-resolution x{} on {} held-out photos: ".format(cfg.scale, len(ph.TEST))
              + ", ".join(f"{k} {v['psnr']:.2f} dB / SSIM {v['ssim']:.3f}" for k, v in m.items()))

    run.jit, run.why = chapter_jit, chapter_why
    run.finish(dataset=dataset, info=info or run.run_info(), final=final, seconds=seconds, parts=list(cfg.parts),
               **extra)
    print(f"XLA {'on' if chapter_jit else 'off'} for the DCGAN; wrote {out}")
    return 0


def _sample(argv):
    parser = cli.OneLineParser(prog=f"{PROG} sample", description="Write a grid of digits from a chapter 14 generator.")
    parser.add_argument("--model", required=True, help="RUN/generator.keras of a chapter 14 run")
    parser.add_argument("--n", type=cli.positive_int, default=64, help="digits to draw (default: 64)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise (default: 0)")
    parser.add_argument("--out", default=None, help="the PNG to write (default: samples-seedN.png beside the model)")
    parser.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    args = parser.parse_args(argv)
    if not Path(args.model).is_file():
        raise cli.UsageError(f"--model {args.model} does not exist; train first with `{PROG}` and pass "
                             "RUN/generator.keras")
    target = Path(args.out) if args.out else Path(args.model).parent / f"samples-seed{args.seed}.png"
    if target.suffix.lower() != ".png":
        raise cli.UsageError(f"--out {target} must end in .png")
    if target.exists() and not args.overwrite:
        raise cli.UsageError(f"{target} already exists; pass --overwrite or another --out")
    model = cli.load_model(args.model, "chapter 14")
    if len(model.inputs[0].shape) != 2:
        raise cli.UsageError(f"{args.model} is not a generator of noise vectors; pass RUN/generator.keras")
    from PIL import Image

    z = np.random.default_rng(args.seed).normal(size=(args.n, model.inputs[0].shape[-1])).astype("float32")
    grid = grid_image(model.predict(z, verbose=0), cols=min(8, args.n))
    target.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).resize((grid.shape[1] * 2, grid.shape[0] * 2), Image.NEAREST).save(target)
    print(f"wrote {args.n} digits to {target}")
    return 0


def _upscale(argv):
    parser = cli.OneLineParser(prog=f"{PROG} upscale", description="Upscale images x4 with a chapter 14 model.")
    parser.add_argument("--model", required=True, help="RUN/model.keras (SRGAN) or RUN/srresnet.keras")
    parser.add_argument("--out", default=None, help="folder for the results (default: beside each image)")
    parser.add_argument("--overwrite", action="store_true", help="replace results that already exist")
    parser.add_argument("images", nargs="+", help="image files (PNG, JPEG, ...)")
    args = parser.parse_args(argv)
    from PIL import Image, UnidentifiedImageError

    if not Path(args.model).is_file():
        raise cli.UsageError(f"--model {args.model} does not exist; train first with `{PROG}` and pass RUN/model.keras")
    pictures, targets = [], []
    for name in args.images:
        path = Path(name)
        if not path.is_file():
            raise cli.UsageError(f"image {name} does not exist")
        try:
            pictures.append(np.asarray(Image.open(path).convert("RGB"), "float32")[None] / 255.0)
        except (UnidentifiedImageError, OSError):
            raise cli.UsageError(f"{name} is not an image Pillow can read; give PNG or JPEG files") from None
        target = (Path(args.out) if args.out else path.parent) / f"{path.stem}_x4.png"
        if target.exists() and not args.overwrite:
            raise cli.UsageError(f"{target} already exists; pass --overwrite or another --out")
        targets.append(target)
    import kerasbook.layers.gan  # noqa: F401  (registers the layers the saved model holds)

    model = cli.load_model(args.model, "chapter 14")
    if len(model.inputs[0].shape) != 4 or model.inputs[0].shape[-1] != 3:
        raise cli.UsageError(f"{args.model} is not an up-scaling model; pass RUN/model.keras or RUN/srresnet.keras")
    for picture, target in zip(pictures, targets):
        high = np.clip(model.predict(picture, verbose=0)[0], 0, 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.round(high * 255).astype("uint8")).save(target)
        print(f"{target} ({high.shape[1]}x{high.shape[0]})")
    return 0


def main(argv=None):
    """Train (the default, or `train`), `sample` or `upscale`; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "sample":
        return cli.run_main(_sample, argv[1:], f"{PROG} sample")
    return cli.train_or_predict(argv, _train, _upscale, PROG, command="upscale")


if __name__ == "__main__":
    sys.exit(main())
