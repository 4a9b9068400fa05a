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
