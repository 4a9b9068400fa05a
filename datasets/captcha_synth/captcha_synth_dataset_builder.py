"""captcha_synth: five-character captchas drawn by the `captcha` package.

`tfds build datasets/captcha_synth` writes the default configuration;
kerasbook's chapter 7 builds the configuration a run asks for (sizes, seed)
through the same class. The card is README.md beside this file.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from kerasbook.data import captcha


@dataclasses.dataclass
class CaptchaConfig(tfds.core.BuilderConfig):
    """Split sizes and the seed that fixes every image."""

    train_size: int = 30_000
    validation_size: int = 1_000
    test_size: int = 1_000
    seed: int = 0

    @classmethod
    def make(cls, train_size, validation_size, test_size, seed):
        name = f"train{train_size}_val{validation_size}_test{test_size}_seed{seed}"
        return cls(name=name, train_size=train_size, validation_size=validation_size,
                   test_size=test_size, seed=seed)


class Builder(tfds.core.GeneratorBasedBuilder):
    """Deterministic captchas (lowercase letters and digits, five characters)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release: 48x128 grey captchas, 36 symbols."}
    BUILDER_CONFIGS = [
        CaptchaConfig.make(30_000, 1_000, 1_000, 0),
        CaptchaConfig.make(10_000, 500, 500, 0),
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        # DatasetInfo directly (not dataset_info_from_configs): the builder may live
        # in the checkout's datasets/ or inside the installed package, and the
        # card is README.md beside this file either way.
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "Captchas of five characters from a-z0-9 drawn by the `captcha` package "
                f"at {captcha.HEIGHT}x{captcha.WIDTH} pixels in grey, deterministic from the seed."
            ),
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(captcha.HEIGHT, captcha.WIDTH, 1)),
                "text": tfds.features.Text(),
                "label": tfds.features.Tensor(shape=(captcha.TEXT_LENGTH,), dtype=np.int32),
            }),
            supervised_keys=("image", "label"),
            homepage="https://pypi.org/project/captcha/",
        )

    def _split_generators(self, dl_manager):
        c = self.builder_config
        return {
            "train": self._generate_examples("train", c.train_size),
            "validation": self._generate_examples("validation", c.validation_size),
            "test": self._generate_examples("test", c.test_size),
        }

    def _generate_examples(self, split, n):
        seed = self.builder_config.seed
        progress = tfds.core.utils.tqdm(total=n, desc=f"drawing {split} captchas", unit=" img", leave=False)
        try:
            for index, text, image in captcha.draw_split(seed, split, n, progress=progress.update):
                yield index, {"image": image[..., None], "text": text,
                              "label": np.asarray(captcha.encode(text), np.int32)}
        finally:
            progress.close()
