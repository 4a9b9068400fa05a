"""negation_twins: two-clause sentences whose label depends on which clause is negated.

`tfds build datasets/negation_twins` writes the default configuration;
kerasbook's chapter 13 builds the configuration a run asks for (sizes, seed)
through the same class. The card is README.md beside this file.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from kerasbook.data import negation
from kerasbook.datasets.base import GeneratedBuilder, SplitsConfig


@dataclasses.dataclass
class TwinsConfig(SplitsConfig):
    """Split sizes and the seed that fixes every sentence."""

    NAME = "pretrain{pretrain_size}_train{train_size}_val{validation_size}_test{test_size}_seed{seed}"
    pretrain_size: int = 20_000
    train_size: int = 2_000
    validation_size: int = 500
    test_size: int = 2_000
    seed: int = 0


class Builder(GeneratedBuilder):
    """Sentences 'the X is [not] A and the Y is [not] B' labelled by whether the first subject is described well."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release: one negated clause per sentence, 8 positive and 8 negative "
                              "adjectives, people and animals as subjects."}
    BUILDER_CONFIGS = [TwinsConfig.make(20_000, 2_000, 500, 2_000, 0)]
    DESCRIPTION = ("Two-clause sentences with exactly one 'not'; the label says whether the first subject is "
                   "described positively. Moving the 'not' to the other clause keeps every word and flips "
                   "the label, so a bag of words cannot do better than chance.")
    SUPERVISED_KEYS = ("text", "label")
    PROGRESS = ("writing", "sentences", " sentences")

    def features(self):
        return {
            "text": tfds.features.Text(),
            "label": tfds.features.ClassLabel(names=["negative", "positive"]),
            "negated": tfds.features.Scalar(dtype=np.int64),     # the clause (0 or 1) that holds "not"
            "index": tfds.features.Scalar(dtype=np.int64),
        }

    def _example(self, split, index):
        return {**negation.draw_example(self.builder_config.seed, split, index), "index": index}
