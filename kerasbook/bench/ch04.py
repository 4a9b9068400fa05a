"""Chapter 4 benchmark: XLA on/off training steps, plain vs residual step cost, block costs.

* compile time, median step time and samples/s of a ResNet-18 style training
  step with XLA on and off, and the mode `--xla auto` will therefore use;
* the cost of one training step of the degradation twins (the skips should
  cost almost nothing);
* parameters and multiply-adds of a standard conv, MobileNet's separable conv
  and Inception 3a, checked against `count_params()` of the real layers.

Bar: at least 95 % test accuracy on 2,000 unseen builtin shapes (`shapes32`
1.1.0) within 12 minutes of wall time from an empty data cache (the default
run measured 99.25 % in 10 min 36 s), with the residual twin of the
degradation experiment ending at a training loss at most 0.8 times the plain
one's (`degradation_ok`; measured 1.133 against 1.892, a ratio of 0.60).
"""

from __future__ import annotations

import time

import numpy as np

from kerasbook.bench.common import chapter_report, chapter_steps, step_rows

CHAPTER_MODULE = "kerasbook.chapters.ch04_resnet"
BAR = {"metric": "test_accuracy", "at_least": 0.95, "wall_s_at_most": 12 * 60}
# The degradation experiment passes when the residual twin's final training loss
# is at most this share of the plain twin's (checked by `degradation_ok`).
DEGRADATION_RATIO = 0.8


def degradation_ok(final: dict) -> bool:
    """Did the residual twin train clearly better than the plain one?"""
    return final["residual_final_loss"] <= DEGRADATION_RATIO * final["plain_final_loss"]


def bench_twins(cfg, batch_size, steps=5, seed=0):
    """Median seconds of one training step of the plain and the residual twin (XLA off)."""
    import keras

    from kerasbook.chapters import ch04_resnet as ch

    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (batch_size, *ch.IMAGE_SHAPE), dtype=np.uint8)
    y = rng.integers(0, ch.NUM_CLASSES, (batch_size,)).astype("int32")
    out = {}
    for residual in (False, True):
        model = ch.build_deep_net(cfg, residual=residual)
        model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=False)
        model.train_on_batch(x, y)
        times = []
        for _ in range(steps):
            start = time.perf_counter()
            model.train_on_batch(x, y)
            times.append(time.perf_counter() - start)
        out["residual" if residual else "plain"] = float(np.median(times))
    return out


def step_times(steps, quick=False, cfg=None):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    return chapter_steps(CHAPTER_MODULE, "ResNet-18 style", steps, cfg)


def run(steps, quick, ship=False):
    from kerasbook.chapters import ch04_resnet as ch

    report, cfg = chapter_report(CHAPTER_MODULE, step_times, steps, quick, ship)
    print("measuring the degradation twins (XLA off) ...", flush=True)
    report["twins_step_s"] = bench_twins(cfg, cfg.batch_size, steps=3 if quick else 5)
    report["costs"] = ch.cost_table()
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    out = step_rows(report)
    t = report["twins_step_s"]
    out.append(("degradation twins, one step", f"plain {t['plain'] * 1e3:.0f} ms, residual {t['residual'] * 1e3:.0f} ms"))
    for r in report["costs"]:
        out.append((r["block"], f"{r['params']:,} params, {r['macs']:,} multiply-adds"))
    return out
