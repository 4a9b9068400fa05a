"""House prices: a generated table with a known rule (builtin) and Boston housing (full).

The builtin table has the 13 columns of the Boston housing data, drawn from
distributions shaped like the real ones, and a price (`MEDV`, in $1000s) set by
a rule we wrote down (`true_price`) plus Gaussian noise with a standard
deviation of `NOISE_STD`. Because we know the rule, we know the best any model
can do: the noise cannot be predicted, so no model's test RMSE can beat about
`NOISE_STD`, and the rule itself scores the "noise ceiling" R². The full data
is the real Boston table through `keras.datasets.boston_housing.load_data`.
See `datasets/housing_synth/README.md`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FEATURES = ("CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT")
NOISE_STD = 2.0             # $1000s: what no model can predict
BOSTON_VAL_FRACTION = 0.2   # of Keras' 404 training rows, kept for validation
BOSTON_FILE = "boston_housing.npz"


def generate_features(n: int, rng: np.random.Generator) -> np.ndarray:
    """`(n, 13)` float32 features in the order of `FEATURES`."""
    crim = np.clip(rng.lognormal(-1.0, 1.6, n), 0.006, 89.0)                    # crime per capita
    zn = np.where(rng.random(n) < 0.7, 0.0, rng.choice([12.5, 20, 25, 40, 60, 80, 100], n))  # big-lot zoning %
    indus = rng.uniform(0.5, 27.7, n)                                          # industrial acres %
    chas = (rng.random(n) < 0.07).astype(float)                                # on the Charles river
    nox = np.clip(0.38 + 0.012 * indus + rng.normal(0, 0.04, n), 0.385, 0.871)  # NOx, parts per 10 million
    rm = np.clip(rng.normal(6.28, 0.7, n), 3.5, 8.8)                           # rooms per dwelling
    age = np.clip(100 * rng.beta(2.0, 0.8, n), 2.9, 100.0)                     # % built before 1940
    dis = np.clip(rng.lognormal(1.2, 0.5, n), 1.1, 12.1)                       # distance to job centres
    rad = np.where(rng.random(n) < 0.25, 24.0, rng.integers(1, 9, n))          # highway access index
    tax = np.clip(190 + 15 * rad + rng.normal(0, 60, n), 187, 711)             # tax per $10,000
    ptratio = rng.uniform(12.6, 22.0, n)                                       # pupils per teacher
    b = np.clip(396.9 - rng.exponential(30.0, n), 0.3, 396.9)                  # the census "B" column
    lstat = np.clip(rng.lognormal(2.4, 0.55, n), 1.7, 38.0)                    # % lower-status population
    return np.stack([crim, zn, indus, chas, nox, rm, age, dis, rad, tax, ptratio, b, lstat], 1).astype("float32")


# --8<-- [start:rule]
def true_price(x) -> np.ndarray:
    """The rule behind the builtin prices (median value in $1000s), before noise.

    Rooms add value, faster above 6.5 rooms; the share of lower-status
    households lowers it along a log curve; crime, pollution, class sizes and
    distance to the job centres lower it; the river and big-lot zoning raise it.
    """
    c = {name: np.asarray(x, "float64")[:, i] for i, name in enumerate(FEATURES)}
    return (
        23.0
        + 5.0 * (c["RM"] - 6.3) + 4.0 * np.maximum(c["RM"] - 6.5, 0.0) ** 2
        - 9.0 * np.log(c["LSTAT"] / 11.0)
        - 1.5 * np.log1p(c["CRIM"])
        - 10.0 * (c["NOX"] - 0.55)
        - 0.6 * (c["PTRATIO"] - 18.5)
        - 0.8 * np.log(c["DIS"] / 3.3)
        + 3.0 * c["CHAS"]
        + 0.03 * c["ZN"]
    )
# --8<-- [end:rule]


def generate(n: int, seed: int, stream: str = "train"):
    """`(features (n, 13) float32, price (n,) float32, noiseless price (n,))` for one split."""
    streams = {"train": 0, "validation": 1, "test": 2}
    rng = np.random.default_rng([seed, streams[stream]])
    x = generate_features(n, rng)
    clean = true_price(x)
    y = clean + rng.normal(0.0, NOISE_STD, n)
    return x, y.astype("float32"), clean.astype("float32")


def load_builtin(train_size: int, val_size: int, test_size: int, seed: int):
    """`{split: (features, price)}` plus `"test_clean"`, the noiseless test prices."""
    out = {}
    for split, n in (("train", train_size), ("validation", val_size), ("test", test_size)):
        x, y, clean = generate(n, seed, split)
        out[split] = (x, y)
    out["test_clean"] = clean
    return out


def boston_path(data_dir=None) -> Path:
    """Where the Boston file is (or would be) cached: `--data-dir` or Keras' datasets folder."""
    import os

    if data_dir:
        return Path(data_dir) / BOSTON_FILE
    return Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser() / "datasets" / BOSTON_FILE


def load_boston(data_dir=None, seed: int = 113):
    """The Boston housing data through `keras.datasets.boston_housing.load_data`.

    Keras splits 506 rows 404 / 102 with its own seeded shuffle; we keep the
    last `BOSTON_VAL_FRACTION` of the 404 for validation.
    """
    import keras

    path = boston_path(data_dir) if data_dir else BOSTON_FILE
    (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data(path=str(path), seed=seed)
    cut = int(round(len(x_train) * (1 - BOSTON_VAL_FRACTION)))
    as32 = lambda a: np.asarray(a, "float32")  # noqa: E731
    return {
        "train": (as32(x_train[:cut]), as32(y_train[:cut])),
        "validation": (as32(x_train[cut:]), as32(y_train[cut:])),
        "test": (as32(x_test), as32(y_test)),
        "test_clean": None,
    }
