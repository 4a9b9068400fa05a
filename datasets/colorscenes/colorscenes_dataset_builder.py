"""colorscenes: 96x96 landscapes whose sky and ground colours depend on the scene class.

`tfds build datasets/colorscenes` writes the default configuration; kerasbook's
chapter 11 builds the configuration a run asks for (sizes, seed) through the
same class. The card is README.md beside this file.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from kerasbook.data import colorscenes


@dataclasses.dataclass
class SceneConfig(tfds.core.BuilderConfig):
    """Split sizes and the seed that fixes every scene."""

    train_size: int = 5_000
    validation_size: int = 500
    test_size: int = 1_000
    seed: int = 0

    @classmethod
    def make(cls, train_size, validation_size, test_size, seed):
        name = f"train{train_size}_val{validation_size}_test{test_size}_seed{seed}"
        return cls(name=name, train_size=train_size, validation_size=validation_size, test_size=test_size, seed=seed)


class Builder(tfds.core.GeneratorBasedBuilder):
    """Deterministic landscapes of four classes; the class decides the colour of sky and ground."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release: 96x96 RGB landscapes of 4 classes with the scene-dependent mask."}
    BUILDER_CONFIGS = [SceneConfig.make(5_000, 500, 1_000, 0), SceneConfig.make(2_000, 200, 300, 0)]

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=("Landscapes (sky, hilly ground, houses, trees and one emblem) of four classes whose "
                         "sky and ground colours depend on the class while their lightness does not."),
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=colorscenes.IMAGE_SHAPE),
                "label": tfds.features.ClassLabel(names=colorscenes.CLASSES),
                # 1 where the pixel's colour depends on the scene class (open sky and ground).
                "scene_dependent": tfds.features.Image(shape=(colorscenes.SIZE, colorscenes.SIZE, 1)),
                # TFDS stores examples in hashed order; the index gives back the drawing order.
                "index": tfds.features.Scalar(dtype=np.int64),
            }),
            supervised_keys=("image", "label"),
            homepage="https://kerasbook.github.io/kerasbook/",
        )

    def _split_generators(self, dl_manager):
        c = self.builder_config
        return {
            "train": self._generate_examples("train", c.train_size),
            "validation": self._generate_examples("validation", c.validation_size),
            "test": self._generate_examples("test", c.test_size),
        }

    def _generate_examples(self, split, n):
        c = self.builder_config
        chunk = 250                       # converted from Lab to sRGB a chunk at a time
        with tfds.core.utils.tqdm(total=n, desc=f"drawing {split} landscapes", unit=" img", leave=False) as bar:
            for start in range(0, n, chunk):
                images, masks, labels = colorscenes.draw_range(c.seed, split, start, min(n, start + chunk))
                for offset, (image, dependent, label) in enumerate(zip(images, masks, labels)):
                    index = start + offset
                    yield index, {"image": image, "label": int(label), "scene_dependent": dependent[..., None],
                                  "index": index}
                bar.update(len(images))
