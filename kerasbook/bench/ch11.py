"""Chapter 11 benchmark: XLA on/off for the colouriser's training step, and the cost of our Lab conversion.

* compile time, median step time and samples/s of a training step of the
  colouriser with fusion (batch 32, 96x96 landscapes, the global path at
  64x64) with XLA on and off, and the mode `--xla auto` will therefore use;
* seconds to convert 1,000 images of 96x96 from sRGB to Lab and back with our
  `keras.ops` functions.

Bars, on the builtin landscapes within 12 minutes of wall time: with fusion,
the ab error on the scene-dependent pixels of unseen landscapes is at least
30 % lower than without the global path, and the global path names the scene
class of at least 90 % of them.
"""

from __future__ import annotations

from kerasbook.bench.common import chapter_report, chapter_steps, step_rows

CHAPTER_MODULE = "kerasbook.chapters.ch11_colorization"
BAR = {"checks": [{"metric": "fusion_error_reduction", "at_least": 0.30}, {"metric": "scene_accuracy", "at_least": 0.90}],
       "wall_s_at_most": 12 * 60}


def step_times(steps, quick=False, cfg=None):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    return chapter_steps(CHAPTER_MODULE, "colouriser + fusion", steps, cfg)


def run(steps, quick, ship=False):
    import time

    import keras
    import numpy as np

    from kerasbook import colour

    report, cfg = chapter_report(CHAPTER_MODULE, step_times, steps, quick, ship)
    images = np.random.default_rng(0).integers(0, 256, (1_000, cfg.image_size, cfg.image_size, 3), dtype=np.uint8)
    colour.lab_to_rgb(colour.uint8_to_lab(images[:10]))                     # warm-up
    start = time.perf_counter()
    keras.ops.convert_to_numpy(colour.lab_to_rgb(colour.uint8_to_lab(images)))
    report["lab_round_trip_s_per_1000"] = time.perf_counter() - start
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    return step_rows(report) + [("sRGB -> Lab -> sRGB (keras.ops)",
                                 f"{report['lab_round_trip_s_per_1000']:.2f} s per 1,000 images")]
