"""XLA and timing: each part's training step timed with XLA on and off, the steps a run takes, each part's
XLA decision, and the models the site draws."""

from __future__ import annotations

import numpy as np

from kerasbook.chapters.ch14_gan.config import SIDE, Config
from kerasbook.chapters.ch14_gan.dcgan import build_discriminator, build_generator
from kerasbook.chapters.ch14_gan.super_resolution import build_srresnet, srgan_steps


def run_steps(cfg: Config, part: str) -> int:
    """Training steps a run of `part` takes (the steps XLA's compile time is spread over)."""
    if part == "dcgan":
        train = 1_257 if cfg.train_size is None else cfg.train_size       # 1,257: the builtin training digits
        return cfg.epochs * (train // cfg.batch_size)                       # whole batches only (drop_remainder)
    return cfg.sr_epochs * (cfg.patches // cfg.sr_batch_size) + cfg.srgan_epochs * srgan_steps(cfg)


def measure_step_times(cfg: Config, part: str = "dcgan", steps=10, modes=(True, False), seed=0):
    """Seconds per training step, XLA on and off: the DCGAN's `GAN.train_step`, or the SRResNet's pixel step."""
    import keras

    from kerasbook import xla
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

        return xla.time_train_steps(make, x, None, steps=steps, modes=modes)
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
            out.update(xla.time_train_steps(make_sr, low, high, steps=steps, modes=(jit,)))
        except Exception as e:                      # XLA has no kernel for the bicubic resize on some devices
            if not jit:
                raise
            out[jit] = {"compile_s": float("nan"), "step_s": float("inf"), "samples_per_s": 0.0,
                        "error": f"XLA cannot compile this step here ({type(e).__name__})"}
    return out


def part_xla(run, part: str):
    """`(jit, why)`: the chapter's decision for the DCGAN, and the SR part's own (recorded as `ch14_gan.srgan`)."""
    from kerasbook import xla

    return xla.part_decision(run, part, "dcgan", measure_step_times, run_steps)


def diagram_models():
    """The models the site draws."""
    cfg = Config()
    return {"generator": build_generator(cfg.latent_dim, cfg.widths, cfg.modes),
            "discriminator": build_discriminator(cfg.d_widths or cfg.widths),
            "srresnet": build_srresnet(cfg.sr_filters, 2, cfg.scale)}
