"""Metrics computed with NumPy after the model has predicted.

Regression: MAE, MSE, RMSE and R² (chapter 1 explains them, chapter 2 uses
them on house prices). Sequences: edit distance, character error rate and
exact match on decoded text (chapter 7).
"""

from __future__ import annotations

import math

import numpy as np


# --8<-- [start:regression]
def mae(y_true, y_pred) -> float:
    """Mean absolute error: the typical miss, in the target's own unit."""
    return float(np.mean(np.abs(np.asarray(y_true, "float64") - np.asarray(y_pred, "float64"))))


def mse(y_true, y_pred) -> float:
    """Mean squared error: big misses count much more than small ones."""
    return float(np.mean((np.asarray(y_true, "float64") - np.asarray(y_pred, "float64")) ** 2))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error: the MSE back in the target's unit."""
    return math.sqrt(mse(y_true, y_pred))


def r2(y_true, y_pred) -> float:
    """Coefficient of determination: 1 − SS_res / SS_tot (1 is perfect, 0 is "predict the mean").

    NaN when every true value is the same (SS_tot = 0), where R² is undefined.
    """
    y_true = np.asarray(y_true, "float64")
    ss_res = float(np.sum((y_true - np.asarray(y_pred, "float64")) ** 2))
    ss_tot = float(np.sum((y_true - y_true.mean()) ** 2))
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")


def regression_metrics(y_true, y_pred) -> dict:
    """`{"mae", "mse", "rmse", "r2"}` of predictions against true values (both flattened)."""
    y_true = np.asarray(y_true, "float64").ravel()
    y_pred = np.asarray(y_pred, "float64").ravel()
    return {"mae": mae(y_true, y_pred), "mse": mse(y_true, y_pred), "rmse": rmse(y_true, y_pred),
            "r2": r2(y_true, y_pred)}
# --8<-- [end:regression]


def edit_distance(a, b) -> int:
    """Levenshtein distance: fewest insertions, deletions and substitutions from a to b."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def character_error_rate(predictions, targets) -> float:
    """Total edit distance over total target length (0 is perfect)."""
    errors = sum(edit_distance(p, t) for p, t in zip(predictions, targets, strict=True))
    return errors / max(1, sum(len(t) for t in targets))


def exact_match(predictions, targets) -> float:
    """Share of predictions equal to their target."""
    pairs = list(zip(predictions, targets, strict=True))
    return sum(p == t for p, t in pairs) / max(1, len(pairs))


# --8<-- [start:images]
def psnr(clean, other, max_value: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio per image, in dB: 10 log10(max^2 / MSE). Higher is closer.

    `clean` and `other` are `(N, H, W, C)`; the MSE is over each image's pixels and channels.
    """
    mse = np.mean((np.asarray(clean, "float64") - np.asarray(other, "float64")) ** 2, axis=(1, 2, 3))
    return 10 * np.log10(max_value ** 2 / np.maximum(mse, 1e-12))


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """A normalised `size x size` Gaussian, the local window of SSIM."""
    coords = np.arange(size, dtype="float64") - (size - 1) / 2
    g = np.exp(-(coords ** 2) / (2 * sigma ** 2))
    g /= g.sum()
    return np.outer(g, g)                                                       # (size, size), sums to 1


def ssim(clean, other, max_value: float = 1.0, size: int = 11, sigma: float = 1.5,
         k1: float = 0.01, k2: float = 0.03) -> np.ndarray:
    """Structural similarity per image (Wang et al. 2004), in [-1, 1]; 1 means identical.

    Around every pixel, a Gaussian window (11x11, sigma 1.5) gives local means
    mu_x, mu_y, variances and the covariance, and

        SSIM = (2 mu_x mu_y + C1) (2 cov_xy + C2) / ((mu_x^2 + mu_y^2 + C1) (var_x + var_y + C2))

    with C1 = (k1 L)^2, C2 = (k2 L)^2 and L = `max_value`. Only windows that fit
    inside the image count ("valid"); the map is averaged over pixels, then channels.
    """
    from scipy.signal import fftconvolve

    x = np.asarray(clean, "float64")
    y = np.asarray(other, "float64")
    window = _gaussian_window(size, sigma)[None, :, :, None]                   # (1, size, size, 1)

    def local_mean(a):
        return fftconvolve(a, window, mode="valid", axes=(1, 2))                # (N, H-size+1, W-size+1, C)

    c1, c2 = (k1 * max_value) ** 2, (k2 * max_value) ** 2
    mu_x, mu_y = local_mean(x), local_mean(y)
    var_x = local_mean(x * x) - mu_x ** 2
    var_y = local_mean(y * y) - mu_y ** 2
    cov = local_mean(x * y) - mu_x * mu_y
    luminance = (2 * mu_x * mu_y + c1) / (mu_x ** 2 + mu_y ** 2 + c1)
    structure = (2 * cov + c2) / (var_x + var_y + c2)
    return (luminance * structure).mean(axis=(1, 2)).mean(axis=-1)             # (N,)
# --8<-- [end:images]


# --8<-- [start:frechet]
def frechet_distance(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted to two sets of feature vectors `(N, D)` and `(M, D)`.

        d^2 = |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))

    This is the FID's formula (Heusel et al. 2017) in any feature space. The
    trace of the matrix square root is computed stably from symmetric matrices:
    with A = S_a^(1/2), the product A S_b A is symmetric and has the same
    eigenvalues as S_a S_b, so Tr (S_a S_b)^(1/2) = sum of sqrt(eigenvalues of A S_b A).
    """
    a = np.asarray(features_a, "float64")
    b = np.asarray(features_b, "float64")
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    s_a, s_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))   # (D, D)
    w, v = np.linalg.eigh(s_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T                          # S_a^(1/2)
    middle = np.linalg.eigvalsh(root_a @ s_b @ root_a)
    trace_root = np.sqrt(np.clip(middle, 0, None)).sum()
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(s_a) + np.trace(s_b) - 2 * trace_root)
# --8<-- [end:frechet]
