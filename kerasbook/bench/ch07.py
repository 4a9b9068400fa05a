"""Chapter 7 benchmark: XLA on/off training steps, input pipeline, captcha drawing, CTC.

* compile time, median step time and samples/s of a training step with XLA
  on and off, and the mode `--xla auto` will therefore use;
* input-pipeline throughput against what training consumes;
* our CTC loss (forward + gradient) against `keras.ops.ctc_loss`, batch 64,
  both compiled with XLA and both without.

Bar: at least 95 % exact match on 1,000 unseen captchas within 8 minutes of
wall time, from an empty data cache.
"""

from __future__ import annotations

import time

import numpy as np

from kerasbook.bench.common import chapter_report, chapter_steps, step_rows
from kerasbook.xla import median_time

CHAPTER_MODULE = "kerasbook.chapters.ch07_crnn"
BAR = {"metric": "test_exact_match_beam", "at_least": 0.95, "wall_s_at_most": 8 * 60}


def bench_ctc(batch=64, steps=16, classes=37, max_len=5, repeats=30, seed=0):
    """Seconds per loss+gradient evaluation: ours vs keras.ops.ctc_loss, XLA on/off."""
    import tensorflow as tf
    from keras import ops

    from kerasbook.layers.ctc import ctc_loss

    rng = np.random.default_rng(seed)
    logits = tf.constant(rng.normal(size=(batch, steps, classes)).astype("float32"))
    labels = tf.constant(rng.integers(1, classes, size=(batch, max_len)).astype("int32"))
    label_len = tf.fill([batch], max_len)
    logit_len = tf.fill([batch], steps)

    def ours(z):
        return ctc_loss(labels, z, label_len, logit_len)

    def theirs(z):
        return ops.ctc_loss(labels, z, label_len, logit_len, mask_index=0)

    def loss_and_grad(fn):
        def step(z):
            with tf.GradientTape() as tape:
                tape.watch(z)
                loss = tf.reduce_mean(fn(z))
            return loss, tape.gradient(loss, z)
        return step

    result = {}
    for name, fn in (("ours", ours), ("keras.ops.ctc_loss", theirs)):
        for jit in (True, False):
            compiled = tf.function(loss_and_grad(fn), jit_compile=jit)
            try:
                seconds = median_time(lambda: [t.numpy() for t in compiled(logits)], repeats)
            except Exception as err:  # noqa: BLE001 - a reference that cannot compile is a result too
                seconds = None
                result[f"{name} xla={'on' if jit else 'off'} error"] = f"{err.__class__.__name__}: {str(err)[:200]}"
            result[f"{name} xla={'on' if jit else 'off'}"] = seconds
    on_ours, on_ref = result["ours xla=on"], result["keras.ops.ctc_loss xla=on"]
    off_ours, off_ref = result["ours xla=off"], result["keras.ops.ctc_loss xla=off"]
    result["speedup_xla_on"] = on_ref / on_ours if on_ours and on_ref else None
    result["speedup_xla_off"] = off_ref / off_ours if off_ours and off_ref else None
    result["speedup_ours_xla_on_vs_keras_best"] = (
        min(t for t in (on_ref, off_ref) if t) / on_ours if on_ours and (on_ref or off_ref) else None
    )
    return result


def bench_pipeline(cfg, batch_size, seconds=5.0, seed=0):
    """Batches/s the tf.data pipeline delivers from cached in-memory data."""
    from kerasbook.chapters import ch07_crnn as ch
    from kerasbook.data import captcha as cap

    rng = np.random.default_rng(seed)
    n = 4 * batch_size * 8
    images = rng.integers(0, 256, (n, cap.HEIGHT, cap.WIDTH, 1), dtype=np.uint8)
    labels = rng.integers(1, ch.NUM_CLASSES, (n, cap.TEXT_LENGTH)).astype("int32")
    ds = ch.pipeline(images, labels, batch_size, shuffle_seed=seed).repeat()
    it = iter(ds)
    next(it)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        next(it)
        count += 1
    return count * batch_size / (time.perf_counter() - start)


def bench_draw(n=400):
    """Captchas drawn per second by one process (generation cost of the builtin data)."""
    from kerasbook.data import captcha as cap

    start = time.perf_counter()
    for i in range(n):
        cap.draw_example(0, "bench", i)
    return n / (time.perf_counter() - start)


def step_times(steps, quick=False, cfg=None):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    return chapter_steps(CHAPTER_MODULE, "CRNN + CTC", steps, cfg)


def run(steps, quick, ship=False):
    from kerasbook.chapters import ch07_crnn as ch

    report, cfg = chapter_report(CHAPTER_MODULE, step_times, steps, quick, ship)
    jit = report["resolved_xla_auto"] == "on"
    print("measuring the input pipeline and captcha drawing ...", flush=True)
    consume = report["train_step"]["xla_on" if jit else "xla_off"]["samples_per_s"]
    report["pipeline"] = {
        "pipeline_samples_per_s": bench_pipeline(cfg, cfg.batch_size, seconds=2.0 if quick else 5.0),
        "training_consumes_samples_per_s": consume,
        "draw_captchas_per_s_one_process": bench_draw(100 if quick else 400),
    }
    print(f"profiling one training step (XLA {'on' if jit else 'off'}): front end, GRUs + CTC, optimizer ...",
          flush=True)
    report["step_profile"] = ch.profile_step(cfg, repeats=5 if quick else 10, jit=jit)
    print("measuring CTC: ours vs keras.ops.ctc_loss (batch 64, loss + gradient) ...", flush=True)
    report["ctc"] = bench_ctc(repeats=10 if quick else 30)
    return report


PROFILE_ROWS = (
    ("conv_front_ms", "  convolutional front end, forward + backward"),
    ("gru_and_ctc_ms", "  column projection, BiGRUs, logits and CTC, forward + backward"),
    ("ctc_alone_ms", "    of which the CTC loss and its gradient"),
    ("optimizer_ms", "  Adam update of every weight"),
)


def profile_rows(profile):
    """Table rows for `ch07_crnn.profile_step`: each part in ms and as a share of the parts' sum."""
    parts = profile["parts_ms"]
    out = [(f"step profile (batch {profile['batch_size']}, XLA {'on' if profile['xla'] else 'off'})",
            f"whole step {profile['step_ms']:.1f} ms; its parts timed one by one add up to {parts:.1f} ms")]
    for key, label in PROFILE_ROWS:
        out.append((label, f"{profile[key]:.1f} ms ({profile[key] / parts:.0%})"))
    return out


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    out = step_rows(report)
    p = report["pipeline"]
    out.append(("input pipeline", f"{p['pipeline_samples_per_s']:.0f} samples/s "
                                  f"(training consumes {p['training_consumes_samples_per_s']:.0f})"))
    out.append(("captcha drawing", f"{p['draw_captchas_per_s_one_process']:.0f} images/s per process"))
    if "step_profile" in report:
        out.extend(profile_rows(report["step_profile"]))
    c = report["ctc"]
    for key in ("ours xla=on", "keras.ops.ctc_loss xla=on", "ours xla=off", "keras.ops.ctc_loss xla=off"):
        out.append((f"CTC {key}", "failed" if c[key] is None else f"{c[key] * 1e3:.2f} ms"))
    for key in ("speedup_xla_on", "speedup_xla_off", "speedup_ours_xla_on_vs_keras_best"):
        out.append((key.replace("_", " "), "n/a" if c[key] is None else f"{c[key]:.1f}x"))
    return out
