"""Chapter 14's settings: `Config` (everything a run depends on) and the chapter's constants."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

CHAPTER = "ch14_gan"
PROG = "python -m kerasbook.chapters.ch14_gan"
TITLE = "GAN"  # its name in the site's navigation
TRACK = "Generative track"
TOPIC = ("a DCGAN with its own train_step, judged by a digit classifier and a Fréchet distance; an SRGAN "
         "against bicubic up-sampling")
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
