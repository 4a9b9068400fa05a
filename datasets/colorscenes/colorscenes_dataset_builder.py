"""colorscenes: 96x96 landscapes whose sky and ground colours depend on the scene class.

`tfds build datasets/colorscenes` writes the default configuration; kerasbook's
chapter 11 builds the configuration a run asks for (sizes, seed) through the
same class. The card is README.md beside this file.
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from kerasbook.data import colorscenes
from kerasbook.datasets.base import GeneratedBuilder, TrainValTestConfig


class SceneConfig(TrainValTestConfig):
    """Split sizes and the seed that fixes every scene."""


class Builder(GeneratedBuilder):
    """Deterministic landscapes of four classes; the class decides the colour of sky and ground."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release: 96x96 RGB landscapes of 4 classes with the scene-dependent mask."}
    BUILDER_CONFIGS = [SceneConfig.make(5_000, 500, 1_000, 0), SceneConfig.make(2_000, 200, 300, 0)]
    DESCRIPTION = ("Landscapes (sky, hilly ground, houses, trees and one emblem) of four classes whose "
                   "sky and ground colours depend on the class while their lightness does not.")
    SUPERVISED_KEYS = ("image", "label")
    PROGRESS = ("drawing", "landscapes", " img")

    def features(self):
        return {
            "image": tfds.features.Image(shape=colorscenes.IMAGE_SHAPE),
            "label": tfds.features.ClassLabel(names=colorscenes.CLASSES),
            # 1 where the pixel's colour depends on the scene class (open sky and ground).
            "scene_dependent": tfds.features.Image(shape=(colorscenes.SIZE, colorscenes.SIZE, 1)),
            # TFDS stores examples in hashed order; the index gives back the drawing order.
            "index": tfds.features.Scalar(dtype=np.int64),
        }

    def _examples(self, split, n, progress):
        seed = self.builder_config.seed
        chunk = 250                       # converted from Lab to sRGB a chunk at a time
        for start in range(0, n, chunk):
            images, masks, labels = colorscenes.draw_range(seed, split, start, min(n, start + chunk))
            for offset, (image, dependent, label) in enumerate(zip(images, masks, labels)):
                index = start + offset
                yield index, {"image": image, "label": int(label), "scene_dependent": dependent[..., None],
                              "index": index}
            progress(len(images))
