"""Chapter 1's data: the spiral task (builtin) and MNIST through TFDS (`--data full`).

Importing this module registers the dataset (`SPEC`), so that `--data auto`
knows when MNIST is there to use.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kerasbook import cli
from kerasbook.chapters.ch01_foundations.config import MNIST_URL, Config
from kerasbook.data import DatasetSpec, register, toy


# --8<-- [start:data]
def _mnist_available(data_dir):
    import tensorflow_datasets as tfds

    if data_dir and not Path(data_dir).is_dir():
        raise cli.UsageError(f"--data-dir {data_dir} is not a folder; give the TFDS data folder that holds mnist/")
    try:
        prepared = tfds.builder("mnist", data_dir=data_dir).is_prepared()
    except Exception:  # noqa: BLE001 - a broken cache is the same as no cache
        prepared = False
    return prepared, "" if prepared else "MNIST is not in the TFDS data folder"


SPEC = register(DatasetSpec(
    name="ch01_main",
    builtin="three interleaved spirals drawn with NumPy (kerasbook.data.toy)",
    full="MNIST digits through tensorflow_datasets",
    full_available=_mnist_available,
    full_url=MNIST_URL,
))


def load_spirals(cfg: Config, seed: int):
    """`{split: (x (N, 2) float32, y (N,) int32)}` of the spiral task."""
    n = cfg.train_size + cfg.val_size + cfg.test_size
    x, y = toy.spirals(n, cfg.classes, noise=cfg.noise, seed=seed)
    a, b = cfg.train_size, cfg.train_size + cfg.val_size
    return {"train": (x[:a], y[:a]), "validation": (x[a:b], y[a:b]), "test": (x[b:], y[b:])}


def load_mnist(data_dir=None, seed: int = 0):
    """`{split: (x (N, 784) float32 in [0, 1], y (N,) int32)}` from TFDS.

    The last twelfth of TFDS's train split (5,000 of 60,000) becomes our validation set.
    """
    import tensorflow_datasets as tfds

    def arrays(split):
        ds = tfds.load("mnist", split=split, as_supervised=True, data_dir=data_dir).batch(10_000)
        xs, ys = zip(*tfds.as_numpy(ds))
        x = np.concatenate(xs).reshape(-1, 28 * 28).astype("float32") / 255.0     # (N, 784)
        return x, np.concatenate(ys).astype("int32")

    x, y = arrays("train")
    n_val = max(1, len(x) // 12)
    return {"train": (x[:-n_val], y[:-n_val]), "validation": (x[-n_val:], y[-n_val:]), "test": arrays("test")}
# --8<-- [end:data]
