"""Chapter 14: generative adversarial networks, a DCGAN that writes digits and an SRGAN that sharpens photos.

Run it with `python -m kerasbook.chapters.ch14_gan` (`--help` for the flags; `sample` and `upscale` use a
run's models). Read `__main__.py` first: it is the run, step by step; `config.py`, `dcgan.py`,
`dead_units.py`, `super_resolution.py`, `figures.py` and `steps.py` hold what it calls. The names other code
uses are importable from the package itself.
"""

from __future__ import annotations

from kerasbook.chapters.ch14_gan.config import TITLE, TOPIC, TRACK  # noqa: F401 - what the chapter list reads
from kerasbook.chapters.ch14_gan.config import ACTIVATIONS, CHAPTER, PARTS, PROG, SIDE, Config
from kerasbook.chapters.ch14_gan.dcgan import (better_scoring, build_discriminator, build_generator, build_judge,
                                               dcgan_part, epoch_samples, generate, grid_image, judge_part,
                                               late_decay, load_digits, nearest_training_distance, score_digits,
                                               to_gan_pixels)
from kerasbook.chapters.ch14_gan.dead_units import dead_part, dead_units
from kerasbook.chapters.ch14_gan.figures import dead_figure, gan_figures, samples_figure, sr_figure
from kerasbook.chapters.ch14_gan.steps import diagram_models, measure_step_times, part_xla, run_steps
from kerasbook.chapters.ch14_gan.super_resolution import (bicubic_up, build_patch_net, build_sr_discriminator,
                                                          build_srresnet, downscale, evaluate_sr, shrink, sr_part,
                                                          srgan_steps, vgg19_features)
from kerasbook.data import digits as dg  # noqa: F401  (the chapter's datasets, as `kerasbook.book` looks for them)
from kerasbook.data import photos as ph  # noqa: F401

__all__ = [
    "CHAPTER", "PROG", "PARTS", "ACTIVATIONS", "SIDE", "Config",
    "to_gan_pixels", "load_digits", "build_generator", "build_discriminator", "build_judge", "score_digits",
    "grid_image", "generate", "better_scoring", "epoch_samples", "judge_part", "late_decay", "dcgan_part",
    "nearest_training_distance", "dead_units", "dead_part",
    "build_srresnet", "build_sr_discriminator", "build_patch_net", "shrink", "downscale", "bicubic_up",
    "vgg19_features", "srgan_steps", "sr_part", "evaluate_sr",
    "run_steps", "measure_step_times", "part_xla", "diagram_models",
    "samples_figure", "gan_figures", "dead_figure", "sr_figure", "main",
]


def main(argv=None):
    """Train (the default, or `train`), `sample` or `upscale`; returns the exit code."""
    # Imported here, not at the top: `python -m` imports this package and then runs
    # __main__.py as the script; importing it here too would load it a second time.
    from kerasbook.chapters.ch14_gan.__main__ import main as run

    return run(argv)
