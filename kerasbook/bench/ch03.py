"""Chapter 3 benchmark: XLA on/off training steps, padding modes, shape drawing.

* compile time, median step time and samples/s of a training step with XLA
  on and off, and the mode `--xla auto` will therefore use;
* the cost of the border: the same training step with zero, reflect and
  replicate padding in every convolution (XLA off);
* how many builtin shape images one process draws per second.

Bar: at least 90 % test accuracy on 2,000 unseen shape images, including the
transfer experiment, within 12 minutes of wall time from an empty data cache.
"""

from __future__ import annotations

import dataclasses
import time

from kerasbook.bench.common import chapter_report, chapter_steps, step_rows

CHAPTER_MODULE = "kerasbook.chapters.ch03_cnn"
BAR = {"metric": "test_accuracy", "at_least": 0.90, "wall_s_at_most": 12 * 60}


def bench_padding(cfg, steps):
    """Median seconds per training step for each padding mode, XLA off."""
    from kerasbook.chapters import ch03_cnn as ch

    out = {}
    for mode in ("zero", "reflect", "replicate"):
        times = ch.measure_step_times(dataclasses.replace(cfg, padding_mode=mode), steps=steps, modes=(False,))
        out[mode] = times[False]["step_s"]
    return out


def bench_draw(n=1000):
    """Shape images drawn per second by one process."""
    from kerasbook.data import shapes

    start = time.perf_counter()
    for i in range(n):
        shapes.draw_example(0, "bench", i)
    return n / (time.perf_counter() - start)


def step_times(steps, quick=False, cfg=None):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    return chapter_steps(CHAPTER_MODULE, "VGG-style CNN", steps, cfg)


def run(steps, quick, ship=False):
    report, cfg = chapter_report(CHAPTER_MODULE, step_times, steps, quick, ship)
    print("measuring padding modes and shape drawing ...", flush=True)
    report["padding_step_s"] = bench_padding(cfg, max(3, steps // 2) if quick else steps)
    report["draw_images_per_s_one_process"] = bench_draw(300 if quick else 1000)
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    out = step_rows(report)
    for mode, seconds in report["padding_step_s"].items():
        out.append((f"train step, {mode} padding (XLA off)", f"{seconds * 1e3:.1f} ms"))
    out.append(("shape drawing", f"{report['draw_images_per_s_one_process']:.0f} images/s per process"))
    return out
