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


@dataclasses.dataclass
class ShapesConfig(tfds.core.BuilderConfig):
    """Split sizes, the seed that fixes every image, and the family of shapes."""

    train_size: int = 20_000
    validation_size: int = 2_000
    test_size: int = 2_000
    seed: int = 0
    task: str = "shapes"

    @classmethod
    def make(cls, train_size, validation_size, test_size, seed, task="shapes"):
        shapes.classes_of(task)   # refuse an unknown task early
        name = f"{task}_train{train_size}_val{validation_size}_test{test_size}_seed{seed}"
        return cls(name=name, train_size=train_size, validation_size=validation_size,
                   test_size=test_size, seed=seed, task=task)


class Builder(tfds.core.GeneratorBasedBuilder):
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

    def _info(self) -> tfds.core.DatasetInfo:
        # DatasetInfo directly: the builder lives in the checkout's datasets/ or
        # inside the installed package, and the card is README.md beside it either way.
        names = shapes.classes_of(self.builder_config.task)
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "One shape per 32x32 colour image, with random colour, size, rotation, position, "
                "textured background, clutter and noise; the shape is the label."
            ),
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=shapes.IMAGE_SHAPE),
                "label": tfds.features.ClassLabel(names=list(names)),
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
        progress = tfds.core.utils.tqdm(total=n, desc=f"drawing {split} shapes", unit=" img", leave=False)
        try:
            for index, label, image in shapes.draw_split(c.seed, split, n, c.task, progress=progress.update):
                yield index, {"image": image, "label": label, "index": index}
        finally:
            progress.close()
