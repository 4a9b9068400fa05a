"""Handwritten digits: scikit-learn's bundled set (builtin) and MNIST through TFDS (full).

The builtin digits are real handwriting: the 1,797 8x8 images of the UCI
"Optical Recognition of Handwritten Digits" set that scikit-learn ships inside
the package (`sklearn.datasets.load_digits`), so they load offline with no
download. We upsample them bilinearly to 28x28 and store them as MNIST stores
its images, `uint8` grey in `[0, 255]` with shape `(28, 28, 1)`, so the same
784-64-10 network reads either set. The split is stratified (every digit keeps
its share in every split) and fixed by `SPLIT_SEED`, so the test set is the
same in every run whatever `--seed` says. See `datasets/digits/README.md`.
"""

from __future__ import annotations


import numpy as np

from kerasbook.data import DatasetSpec, register, tfds_data_dir, tfds_prepared

SIZE = 28                   # MNIST's side; the 784 of 784-64-10 is 28 * 28
SPLIT_SEED = 0              # the builtin train/validation/test split never moves
TEST_FRACTION = 0.2         # 360 of the 1,797 images
VAL_FRACTION = 0.1          # 180 of them
MNIST_VAL_SIZE = 5_000      # the last 5,000 of MNIST's 60,000 training images
MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz"


def upsample(images8, size: int = SIZE) -> np.ndarray:
    """`(N, 8, 8)` values in `[0, 16]` -> `(N, size, size, 1)` uint8 in `[0, 255]`, bilinear."""
    import tensorflow as tf

    x = np.asarray(images8, "float32")[..., None] / 16.0                      # (N, 8, 8, 1) in [0, 1]
    x = tf.image.resize(x, (size, size), method="bilinear").numpy()            # (N, size, size, 1)
    return np.clip(np.round(x * 255.0), 0, 255).astype("uint8")


def stratified_split(labels, test_fraction=TEST_FRACTION, val_fraction=VAL_FRACTION, seed=SPLIT_SEED):
    """Index arrays `{"train", "validation", "test"}` that keep each class's share."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(labels))
    rest, test = train_test_split(index, test_size=test_fraction, stratify=labels, random_state=seed)
    train, val = train_test_split(rest, test_size=val_fraction / (1 - test_fraction),
                                  stratify=np.asarray(labels)[rest], random_state=seed)
    return {"train": np.sort(train), "validation": np.sort(val), "test": np.sort(test)}


def load_builtin():
    """scikit-learn's handwritten digits at 28x28: `{split: (images uint8 (N, 28, 28, 1), labels int32)}`."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = upsample(digits.images)
    labels = digits.target.astype("int32")
    return {name: (images[idx], labels[idx]) for name, idx in stratified_split(labels).items()}


def mnist_prepared(data_dir=None) -> bool:
    """Has TFDS already prepared MNIST under the data folder (so no download is needed)?"""
    return any(tfds_data_dir(data_dir).glob("mnist/*/dataset_info.json"))


def load_mnist(data_dir=None, val_size: int = MNIST_VAL_SIZE):
    """MNIST through `tfds.load`: `{split: (images uint8 (N, 28, 28, 1), labels int32)}`.

    TFDS downloads and prepares it on first use. Validation is the last
    `val_size` images of the official training split; test is the official test split.
    """
    import tensorflow_datasets as tfds

    def arrays(ds):
        # Batches of 10,000 rather than `batch_size=-1`: the same arrays, and it
        # also works on the generator datasets `tfds.testing.mock_data` makes.
        parts = list(tfds.as_numpy(ds.batch(10_000)))
        return np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])

    train, test = tfds.load("mnist", split=["train", "test"], as_supervised=True,
                            data_dir=str(tfds_data_dir(data_dir)))
    (x_train, y_train), (x_test, y_test) = arrays(train), arrays(test)
    val_size = min(val_size, len(x_train) // 5)
    cut = len(x_train) - val_size
    return {
        "train": (x_train[:cut], y_train[:cut].astype("int32")),
        "validation": (x_train[cut:], y_train[cut:].astype("int32")),
        "test": (x_test, y_test.astype("int32")),
    }


SPEC = register(DatasetSpec(
    name="digits",
    builtin="handwritten digits bundled with scikit-learn (1,797 images, 8x8 upsampled to 28x28)",
    full="MNIST (70,000 handwritten digits, 28x28) through tfds.load",
    full_available=tfds_prepared("mnist", "MNIST"),
    full_url=MNIST_URL,
))
