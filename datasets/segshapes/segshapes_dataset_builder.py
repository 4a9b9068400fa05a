"""segshapes: 48x48 scenes of several shapes with exact per-pixel masks.

`tfds build datasets/segshapes` writes the default configuration; kerasbook's
chapter 9 builds the configuration a run asks for (sizes, seed) through the
same class. The card is README.md beside this file.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from kerasbook.data import segshapes


@dataclasses.dataclass
class SegConfig(tfds.core.BuilderConfig):
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
    """Deterministic scenes of discs, rods and triangles on cluttered backgrounds, with their masks."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release: 48x48 RGB scenes, 3-6 objects of 3 classes, masks with 4 labels."}
    BUILDER_CONFIGS = [SegConfig.make(5_000, 500, 1_000, 0), SegConfig.make(3_000, 200, 300, 0)]

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=("Scenes of 3-6 discs, rods and triangles on textured, cluttered backgrounds; the "
                         "mask labels every pixel 0 background, 1 disc, 2 rod or 3 triangle."),
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=segshapes.IMAGE_SHAPE),
                "segmentation_mask": tfds.features.Image(shape=(segshapes.SIZE, segshapes.SIZE, 1)),
                # TFDS stores examples in hashed order; the index gives back the drawing order.
                "index": tfds.features.Scalar(dtype=np.int64),
            }),
            supervised_keys=("image", "segmentation_mask"),
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
        for index in tfds.core.utils.tqdm(range(n), desc=f"drawing {split} scenes", unit=" img", leave=False):
            image, mask = segshapes.draw_example(c.seed, split, index)
            yield index, {"image": image, "segmentation_mask": mask[..., None], "index": index}
