"""shapes32: 32x32 colour images of one shape each, on textured backgrounds.

`tfds build datasets/shapes32` writes the default configuration; kerasbook's
chapters 3 and 4 build the configuration a run asks for (sizes, seed, task)
through the same class. The card is README.md beside this file.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from kerasbook.data import shapes
from kerasbook.datasets.base import GeneratedBuilder, TrainValTestConfig


@dataclasses.dataclass
class ShapesConfig(TrainValTestConfig):
    """Split sizes, the seed that fixes every image, and the family of shapes."""

    NAME = "{task}_train{train_size}_val{validation_size}_test{test_size}_seed{seed}"
    task: str = "shapes"

    @classmethod
    def make(cls, train_size, validation_size, test_size, seed, task="shapes"):
        shapes.classes_of(task)   # refuse an unknown task early
        return super().make(train_size, validation_size, test_size, seed, task)


class Builder(GeneratedBuilder):
    """Deterministic coloured shapes: ten classes, or five other shapes for transfer."""

    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES = {
        "1.0.0": "First release: 32x32 RGB, ten shapes plus a five-shape transfer task.",
        "1.1.0": "Quieter two-tone backgrounds, at most two clutter marks, noise up to 8, radius 8-14 px.",
    }
    BUILDER_CONFIGS = [
        ShapesConfig.make(20_000, 2_000, 2_000, 0),
        ShapesConfig.make(5_000, 500, 1_000, 0),
    ]
    DESCRIPTION = (
        "One shape per 32x32 colour image, with random colour, size, rotation, position, "
        "textured background, clutter and noise; the shape is the label."
    )
    SUPERVISED_KEYS = ("image", "label")
    PROGRESS = ("drawing", "shapes", " img")

    def features(self):
        return {
            "image": tfds.features.Image(shape=shapes.IMAGE_SHAPE),
            "label": tfds.features.ClassLabel(names=list(shapes.classes_of(self.builder_config.task))),
            # TFDS stores examples in hashed order; the index gives back the drawing order.
            "index": tfds.features.Scalar(dtype=np.int64),
        }

    def _examples(self, split, n, progress):
        c = self.builder_config
        for index, label, image in shapes.draw_split(c.seed, split, n, c.task, progress=progress):
            yield index, {"image": image, "label": label, "index": index}
