"""Small generated 2-D toy data (and a regression table) for chapter 1.

Everything here is a pure function of its arguments and a seed, made with
NumPy alone, so the chapter runs offline and every run sees the same points.
"""

from __future__ import annotations

import numpy as np


def spirals(n: int, classes: int = 3, noise: float = 0.2, turns: float = 1.0, seed: int = 0):
    """`classes` interleaved spiral arms in the plane.

    Point `i` of arm `c` sits at radius `r in (0, 1]` and angle
    `2*pi*turns*r + 2*pi*c/classes`, plus Gaussian noise on the angle, so no
    straight line separates any arm from the others.

    Returns:
        `x` (n, 2) float32 and `y` (n,) int32 class ids, shuffled.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes                                       # balanced classes
    r = rng.uniform(0.05, 1.0, n)
    theta = 2 * np.pi * (turns * r + y / classes) + rng.normal(0.0, noise, n)
    x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)    # (n, 2)
    order = rng.permutation(n)
    return x[order].astype("float32"), y[order].astype("int32")


def blobs(n: int, centers: int = 3, spread: float = 1.0, box: float = 4.0, seed: int = 0):
    """Gaussian blobs: `centers` random centres in `[-box, box]^2`, each with std `spread`.

    Returns:
        `x` (n, 2) float32 and `y` (n,) int32 class ids, shuffled.
    """
    rng = np.random.default_rng(seed)
    means = rng.uniform(-box, box, (centers, 2))
    y = np.arange(n) % centers
    x = means[y] + rng.normal(0.0, spread, (n, 2))
    order = rng.permutation(n)
    return x[order].astype("float32"), y[order].astype("int32")


def regression(n: int, features: int = 3, noise: float = 0.5, seed: int = 0):
    """A linear table `y = x @ w + b + noise` with known `w` and `b`.

    Returns:
        `x` (n, features), `y` (n,), the true `w` (features,) and `b`, float64.
    """
    rng = np.random.default_rng(seed)
    w = rng.uniform(-3.0, 3.0, features)
    b = float(rng.uniform(-2.0, 2.0))
    x = rng.normal(0.0, 1.0, (n, features))
    y = x @ w + b + rng.normal(0.0, noise, n)
    return x, y, w, b

