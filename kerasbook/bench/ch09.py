"""Chapter 9 benchmark: XLA on/off for the U-Net's training step, and the cost of the boundary IoU.

* compile time, median step time and samples/s of a training step of the
  U-Net (batch 32, 48x48 scenes) with XLA on and off, and the mode
  `--xla auto` will therefore use;
* seconds to score 1,000 label maps with IoU, Dice and the boundary IoU.

Bars, on the builtin scenes within 12 minutes of wall time: the U-Net's mean
IoU on unseen scenes is at least 0.90, and its twin without skips scores a
mean boundary IoU at least 0.05 lower.
"""

from __future__ import annotations

from kerasbook.bench.common import chapter_report, chapter_steps, step_rows

CHAPTER_MODULE = "kerasbook.chapters.ch09_unet"
BAR = {"checks": [{"metric": "unet_mean_iou", "at_least": 0.90}, {"metric": "boundary_iou_gap", "at_least": 0.05}],
       "wall_s_at_most": 12 * 60}


def step_times(steps, quick=False, cfg=None):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    return chapter_steps(CHAPTER_MODULE, "U-Net", steps, cfg)


def run(steps, quick, ship=False):
    import time

    import numpy as np

    from kerasbook.layers.segmentation import scores

    report, cfg = chapter_report(CHAPTER_MODULE, step_times, steps, quick, ship)
    rng = np.random.default_rng(0)
    y, p = (rng.integers(0, 4, (1_000, cfg.image_size, cfg.image_size)) for _ in range(2))
    start = time.perf_counter()
    scores(y, p, 4, cfg.boundary_width)
    report["scores_s_per_1000_maps"] = time.perf_counter() - start
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    return step_rows(report) + [("IoU + Dice + boundary IoU", f"{report['scores_s_per_1000_maps']:.2f} s per 1,000 maps")]
