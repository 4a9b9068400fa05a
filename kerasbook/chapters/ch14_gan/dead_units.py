"""The dead part: the share of the discriminator's units that never fire, with ReLU, LeakyReLU and PReLU."""

from __future__ import annotations

import numpy as np

from kerasbook.chapters.ch14_gan.config import ACTIVATIONS
from kerasbook.chapters.ch14_gan.dcgan import build_discriminator, build_generator, generate


def dead_units(discriminator, images) -> list:
    """For each hidden activation of a `build_discriminator` model, the share of its units (a channel at a
    position) whose input is never above zero on any of `images`: units that never fire."""
    import keras

    acts = [l for l in discriminator.layers if l.name.startswith("act")]
    probe = keras.Model(discriminator.input, [l.input for l in acts])
    pre = [keras.ops.convert_to_numpy(p) for p in probe(images, training=False)]   # eager: no function to trace
    return [float((np.max(p, axis=0) <= 0).mean()) for p in pre]


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
