"""captcha_synth: five-character captchas drawn by the `captcha` package.

`tfds build datasets/captcha_synth` writes the default configuration;
kerasbook's chapter 7 builds the configuration a run asks for (sizes, seed)
through the same class. The card is README.md beside this file.
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from kerasbook.data import captcha
from kerasbook.datasets.base import GeneratedBuilder, TrainValTestConfig


class CaptchaConfig(TrainValTestConfig):
    """Split sizes and the seed that fixes every image."""


class Builder(GeneratedBuilder):
    """Deterministic captchas (lowercase letters and digits, five characters)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release: 48x128 grey captchas, 36 symbols."}
    BUILDER_CONFIGS = [
        CaptchaConfig.make(30_000, 1_000, 1_000, 0),
        CaptchaConfig.make(10_000, 500, 500, 0),
    ]
    DESCRIPTION = (
        "Captchas of five characters from a-z0-9 drawn by the `captcha` package "
        f"at {captcha.HEIGHT}x{captcha.WIDTH} pixels in grey, deterministic from the seed."
    )
    SUPERVISED_KEYS = ("image", "label")
    HOMEPAGE = "https://pypi.org/project/captcha/"
    PROGRESS = ("drawing", "captchas", " img")

    def features(self):
        return {
            "image": tfds.features.Image(shape=(captcha.HEIGHT, captcha.WIDTH, 1)),
            "text": tfds.features.Text(),
            "label": tfds.features.Tensor(shape=(captcha.TEXT_LENGTH,), dtype=np.int32),
        }

    def _examples(self, split, n, progress):
        for index, text, image in captcha.draw_split(self.builder_config.seed, split, n, progress=progress):
            yield index, {"image": image[..., None], "text": text,
                          "label": np.asarray(captcha.encode(text), np.int32)}
