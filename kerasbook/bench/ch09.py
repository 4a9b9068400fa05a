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

from kerasbook import xla

CHAPTER_MODULE = "kerasbook.chapters.ch09_unet"
BAR = {"checks": [{"metric": "unet_mean_iou", "at_least": 0.90}, {"metric": "boundary_iou_gap", "at_least": 0.05}],
       "wall_s_at_most": 12 * 60}


def step_times(steps, quick=False):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    from kerasbook.bench.common import step_part
    from kerasbook.xla import measure_modes
    from kerasbook.chapters import ch09_unet as ch

    cfg = ch.Config()
    return [step_part(ch.CHAPTER, "U-Net",
                      measure_modes(lambda modes: ch.measure_step_times(cfg, steps=steps, modes=modes)))]


def run(steps, quick, ship=False):
    import time

    import numpy as np

    from kerasbook.bench.common import record_decision
    from kerasbook.chapters import ch09_unet as ch
    from kerasbook.layers.segmentation import scores

    cfg = ch.Config()
    report = {"chapter": ch.CHAPTER, "device": xla.device_kind(), "batch_size": cfg.batch_size}
    print(f"measuring training steps (batch {cfg.batch_size}, XLA on and off) on {report['device']} ...", flush=True)
    record_decision(report, ch.CHAPTER, step_times(steps, quick)[0]["measured"], ship)
    rng = np.random.default_rng(0)
    y, p = (rng.integers(0, 4, (1_000, cfg.image_size, cfg.image_size)) for _ in range(2))
    start = time.perf_counter()
    scores(y, p, 4, cfg.boundary_width)
    report["scores_s_per_1000_maps"] = time.perf_counter() - start
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    from kerasbook.bench.common import step_rows

    return step_rows(report) + [("IoU + Dice + boundary IoU", f"{report['scores_s_per_1000_maps']:.2f} s per 1,000 maps")]
