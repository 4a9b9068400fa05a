"""Chapter 10 benchmark: XLA on/off for the convolutional autoencoder and for the VAE's own train_step.

* compile time, median step time and samples/s of a training step of the
  convolutional autoencoder (batch 64, 28x28) with XLA on and off, and the
  mode `--xla auto` will therefore use;
* the same for one `VAE.train_step` (reconstruction + KL, our sampling layer).

Bars, on the builtin digits within 12 minutes of wall time: the denoising
autoencoder gains at least 6 dB of PSNR over its noisy input at the chapter's
headline noise level, and reconstruction error finds the digit held out of
training with a ROC AUC of at least 0.95.
"""

from __future__ import annotations

from kerasbook.bench.common import chapter_report, chapter_steps, step_rows

CHAPTER_MODULE = "kerasbook.chapters.ch10_autoencoder"
BAR = {"checks": [{"metric": "denoise_gain_db", "at_least": 6.0}, {"metric": "anomaly_auc", "at_least": 0.95}],
       "wall_s_at_most": 12 * 60}


def vae_steps(cfg, steps):
    """Median seconds of one `VAE.train_step`, XLA on and off."""
    import keras
    import numpy as np

    from kerasbook.xla import median_time
    from kerasbook.chapters import ch10_autoencoder as ch

    x = np.random.default_rng(0).random((cfg.batch_size, *ch.SHAPE)).astype("float32")
    out = {}
    for jit in (True, False):
        keras.utils.set_random_seed(0)
        vae = ch.build_vae(cfg.vae_latent)
        vae.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit)
        out["xla_on" if jit else "xla_off"] = median_time(lambda: vae.train_on_batch(x), steps)
    return out


def step_times(steps, quick=False, cfg=None):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    return chapter_steps(CHAPTER_MODULE, "conv autoencoder", steps, cfg)


def run(steps, quick, ship=False):
    report, cfg = chapter_report(CHAPTER_MODULE, step_times, steps, quick, ship)
    print("measuring the VAE's train_step ...", flush=True)
    report["vae_step_s"] = vae_steps(cfg, max(5, steps // 2 if quick else steps))
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    out = step_rows(report)
    v = report["vae_step_s"]
    out.append(("VAE train_step", f"XLA on {v['xla_on'] * 1e3:.1f} ms, off {v['xla_off'] * 1e3:.1f} ms"))
    return out
