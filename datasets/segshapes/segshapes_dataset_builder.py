"""segshapes: 48x48 scenes of several shapes with exact per-pixel masks.

`tfds build datasets/segshapes` writes the default configuration; kerasbook's
chapter 9 builds the configuration a run asks for (sizes, seed) through the
same class. The card is README.md beside this file.
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from kerasbook.data import segshapes
from kerasbook.datasets.base import GeneratedBuilder, TrainValTestConfig


class SegConfig(TrainValTestConfig):
    """Split sizes and the seed that fixes every scene."""


class Builder(GeneratedBuilder):
    """Deterministic scenes of discs, rods and triangles on cluttered backgrounds, with their masks."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release: 48x48 RGB scenes, 3-6 objects of 3 classes, masks with 4 labels."}
    BUILDER_CONFIGS = [SegConfig.make(5_000, 500, 1_000, 0), SegConfig.make(3_000, 200, 300, 0)]
    DESCRIPTION = ("Scenes of 3-6 discs, rods and triangles on textured, cluttered backgrounds; the "
                   "mask labels every pixel 0 background, 1 disc, 2 rod or 3 triangle.")
    SUPERVISED_KEYS = ("image", "segmentation_mask")
    PROGRESS = ("drawing", "scenes", " img")

    def features(self):
        return {
            "image": tfds.features.Image(shape=segshapes.IMAGE_SHAPE),
            "segmentation_mask": tfds.features.Image(shape=(segshapes.SIZE, segshapes.SIZE, 1)),
            # TFDS stores examples in hashed order; the index gives back the drawing order.
            "index": tfds.features.Scalar(dtype=np.int64),
        }

    def _example(self, split, index):
        image, mask = segshapes.draw_example(self.builder_config.seed, split, index)
        return {"image": image, "segmentation_mask": mask[..., None], "index": index}
