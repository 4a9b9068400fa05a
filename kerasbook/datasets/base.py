"""What the book's TFDS builders (the folders of the top-level `datasets/`) share.

Every dataset the book generates is a pure function of its configuration:
the size of each split and a seed. The builders differ only in their
features and in how they draw an example, so each one is a `SplitsConfig`
(most of them a `TrainValTestConfig`) and a `GeneratedBuilder` with its
`features()` and its `_example` (or `_examples`); the rest is here:

* the configuration's name, spelled by its `NAME` from its values (TFDS keys
  the prepared data on it, so a `NAME` never changes);
* `_info` from the class's `DESCRIPTION`, `features()`, `SUPERVISED_KEYS` and
  `HOMEPAGE`;
* one split per `<split>_size` field, generated behind a progress bar;
* `with_config`: the builder for a configuration, under the book's cache.

Builders import this module by its absolute name: `tfds build datasets/NAME`
imports a builder from its folder, outside the package.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import tensorflow_datasets as tfds

_BUILDER_CONFIG_FIELDS = frozenset(f.name for f in dataclasses.fields(tfds.core.BuilderConfig))


class SplitsConfig(tfds.core.BuilderConfig):
    """A configuration made of `<split>_size` fields and a seed, declared by a dataclass subclass."""

    # The configuration's name, a format string over the fields, e.g.
    # "train{train_size}_val{validation_size}_test{test_size}_seed{seed}".
    NAME: ClassVar[str]

    @classmethod
    def make(cls, *values, **named):
        """The configuration with these field values (positional ones in the order the fields are declared)."""
        fields = [f for f in dataclasses.fields(cls) if f.name not in _BUILDER_CONFIG_FIELDS]
        if len(values) > len(fields):
            raise TypeError(f"{cls.__name__}.make takes at most {len(fields)} values, got {len(values)}")
        given = {**{f.name: v for f, v in zip(fields, values)}, **named}
        name = cls.NAME.format(**{**{f.name: f.default for f in fields}, **given})
        return cls(name=name, **given)

    def sizes(self) -> dict[str, int]:
        """`{split: size}`, one per `<split>_size` field, in the order the fields are declared."""
        return {f.name.removesuffix("_size"): getattr(self, f.name)
                for f in dataclasses.fields(self) if f.name.endswith("_size")}


@dataclasses.dataclass
class TrainValTestConfig(SplitsConfig):
    """The sizes of a train, a validation and a test split, and the seed: most builders' configuration.

    The sizes come from `make`; a builder's default ones are those of the first
    of its `BUILDER_CONFIGS`, the configuration `tfds build` writes.
    """

    NAME: ClassVar[str] = "train{train_size}_val{validation_size}_test{test_size}_seed{seed}"
    train_size: int = 0
    validation_size: int = 0
    test_size: int = 0
    seed: int = 0


class GeneratedBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """A builder whose examples are drawn from its `SplitsConfig`: nothing is downloaded.

    A subclass (named `Builder`, in `datasets/NAME/NAME_dataset_builder.py`)
    sets `VERSION`, `RELEASE_NOTES`, `BUILDER_CONFIGS`, `DESCRIPTION`,
    `SUPERVISED_KEYS` and `PROGRESS`, and defines `features()` and either
    `_example(split, index)` or, to draw many examples at once, `_examples`.
    """

    DESCRIPTION: ClassVar[str]
    SUPERVISED_KEYS: ClassVar[tuple[str, str]]
    HOMEPAGE: ClassVar[str] = "https://kerasbook.github.io/kerasbook/"
    # The progress bar of a split: ("drawing", "scenes", " img") reads "drawing train scenes: ... img".
    PROGRESS: ClassVar[tuple[str, str, str]]
    # TFDS refuses an empty split. Most loaders read every split, so a size of 0
    # fails while the data is prepared; with this set, empty splits are left out.
    SKIP_EMPTY_SPLITS: ClassVar[bool] = False

    def features(self) -> dict:
        """`{name: tfds feature}` of one example."""
        raise NotImplementedError

    def _info(self) -> tfds.core.DatasetInfo:
        # DatasetInfo directly (not dataset_info_from_configs): the builder may live
        # in the checkout's datasets/ or inside the installed package, and the
        # card is README.md beside it either way.
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.DESCRIPTION,
            features=tfds.features.FeaturesDict(self.features()),
            supervised_keys=self.SUPERVISED_KEYS,
            homepage=self.HOMEPAGE,
        )

    def _split_generators(self, dl_manager):
        return {split: self._generate_examples(split, n) for split, n in self.builder_config.sizes().items()
                if n > 0 or not self.SKIP_EMPTY_SPLITS}

    def _generate_examples(self, split, n):
        verb, noun, unit = self.PROGRESS
        with tfds.core.utils.tqdm(total=n, desc=f"{verb} {split} {noun}", unit=unit, leave=False) as bar:
            yield from self._examples(split, n, bar.update)

    def _examples(self, split: str, n: int, progress):
        """`(key, example)` for examples 0 to `n - 1` of `split`, calling `progress(k)` as `k` more are done.

        One `_example` at a time, keyed by its index.
        """
        for index in range(n):
            yield index, self._example(split, index)
            progress(1)

    def _example(self, split: str, index: int) -> dict:
        """Example `index` of `split`, as `{feature: value}`."""
        raise NotImplementedError

    @classmethod
    def with_config(cls, config: SplitsConfig, data_dir=None):
        """The builder of `config` under `data_dir` (default: the book's cache, `cache_dir()/tfds`).

        A configuration with the name of one of `BUILDER_CONFIGS` is passed by
        that name: TFDS refuses a custom one that shadows a named one.
        """
        if data_dir is None:
            from kerasbook.paths import cache_dir

            data_dir = cache_dir() / "tfds"
        if config.name in cls.builder_configs:
            config = config.name
        return cls(config=config, data_dir=str(data_dir))
