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


@dataclasses.dataclass
class TwinsConfig(tfds.core.BuilderConfig):
    """Split sizes and the seed that fixes every sentence."""

    pretrain_size: int = 20_000
    train_size: int = 2_000
    validation_size: int = 500
    test_size: int = 2_000
    seed: int = 0

    @classmethod
    def make(cls, pretrain_size, train_size, validation_size, test_size, seed):
        name = f"pretrain{pretrain_size}_train{train_size}_val{validation_size}_test{test_size}_seed{seed}"
        return cls(name=name, pretrain_size=pretrain_size, train_size=train_size, validation_size=validation_size,
                   test_size=test_size, seed=seed)


class Builder(tfds.core.GeneratorBasedBuilder):
    """Sentences 'the X is [not] A and the Y is [not] B' labelled by whether the first subject is described well."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release: one negated clause per sentence, 8 positive and 8 negative "
                              "adjectives, people and animals as subjects."}
    BUILDER_CONFIGS = [TwinsConfig.make(20_000, 2_000, 500, 2_000, 0)]

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=("Two-clause sentences with exactly one 'not'; the label says whether the first subject is "
                         "described positively. Moving the 'not' to the other clause keeps every word and flips "
                         "the label, so a bag of words cannot do better than chance."),
            features=tfds.features.FeaturesDict({
                "text": tfds.features.Text(),
                "label": tfds.features.ClassLabel(names=["negative", "positive"]),
                "negated": tfds.features.Scalar(dtype=np.int64),     # the clause (0 or 1) that holds "not"
                "index": tfds.features.Scalar(dtype=np.int64),
            }),
            supervised_keys=("text", "label"),
            homepage="https://kerasbook.github.io/kerasbook/",
        )

    def _split_generators(self, dl_manager):
        c = self.builder_config
        return {
            "pretrain": self._generate_examples("pretrain", c.pretrain_size),
            "train": self._generate_examples("train", c.train_size),
            "validation": self._generate_examples("validation", c.validation_size),
            "test": self._generate_examples("test", c.test_size),
        }

    def _generate_examples(self, split, n):
        c = self.builder_config
        for index in tfds.core.utils.tqdm(range(n), desc=f"writing {split} sentences", unit=" sentences", leave=False):
            yield index, {**negation.draw_example(c.seed, split, index), "index": index}
