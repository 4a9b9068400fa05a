"""Segmentation losses and scores: cross-entropy + Dice, per-class IoU, Dice and boundary IoU.

IoU (intersection over union) of a class compares the pixels predicted as
that class with the pixels that truly are: |P ∩ G| / |P ∪ G|. Dice is the
same overlap counted differently, 2|P ∩ G| / (|P| + |G|). Both ignore how
right the easy interior is compared with the hard edge, so we also report the
**boundary IoU** (Cheng et al., 2021): the IoU of the two masks restricted to
a band of `width` pixels inside each mask's outline. A blurred boundary barely
moves the plain IoU of a large object but shows at once in its boundary IoU.

The scores are computed in NumPy from integer label maps; the tests check
them against hand-made masks and against `keras.metrics.IoU`.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


# --8<-- [start:loss]
@keras.saving.register_keras_serializable(package="kerasbook")
class CrossEntropyDice(keras.losses.Loss):
    """Pixel-wise cross-entropy plus `dice_weight` times Keras' Dice loss on the softmax.

    Cross-entropy scores every pixel on its own, so a class that covers few
    pixels (a thin rod) counts little. Dice scores the overlap of whole
    regions, whatever their size. Adding the two is a common compromise.

    Args:
        num_classes: int. Classes in the label maps.
        dice_weight: float. Weight of the Dice term (0 gives plain cross-entropy).
        **kwargs: passed to `keras.losses.Loss`.

    Call arguments:
        y_true: integer labels `(B, H, W)` or `(B, H, W, 1)`.
        y_pred: logits `(B, H, W, num_classes)`.
    """

    def __init__(self, num_classes, dice_weight=1.0, name="ce_dice", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_classes = num_classes
        self.dice_weight = dice_weight
        self.dice = keras.losses.Dice(reduction=None, axis=(1, 2))

    def call(self, y_true, y_pred):
        labels = ops.cast(ops.reshape(y_true, ops.shape(y_pred)[:3]), "int32")                # (B, H, W)
        ce = keras.losses.sparse_categorical_crossentropy(labels, y_pred, from_logits=True)   # (B, H, W)
        one_hot = ops.one_hot(labels, self.num_classes)                                        # (B, H, W, K)
        dice = self.dice(one_hot, ops.softmax(y_pred, axis=-1))                                # (B, K)
        return ops.mean(ce, axis=(1, 2)) + self.dice_weight * ops.mean(dice, axis=-1)          # (B,)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "dice_weight": self.dice_weight}
# --8<-- [end:loss]


# --8<-- [start:scores]
def confusion(y_true, y_pred, num_classes: int) -> np.ndarray:
    """`(K, K)` pixel counts: row = true class, column = predicted class."""
    idx = np.asarray(y_true, np.int64).ravel() * num_classes + np.asarray(y_pred, np.int64).ravel()
    return np.bincount(idx, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def iou_per_class(cm) -> np.ndarray:
    """|P ∩ G| / |P ∪ G| per class from a confusion matrix (NaN for a class absent from both)."""
    tp = np.diag(cm).astype("float64")
    union = cm.sum(axis=0) + cm.sum(axis=1) - tp
    return np.where(union > 0, tp / np.maximum(union, 1), np.nan)


def dice_per_class(cm) -> np.ndarray:
    """2 |P ∩ G| / (|P| + |G|) per class from a confusion matrix."""
    tp = np.diag(cm).astype("float64")
    total = cm.sum(axis=0) + cm.sum(axis=1)
    return np.where(total > 0, 2 * tp / np.maximum(total, 1), np.nan)


def boundary_band(mask, width: int) -> np.ndarray:
    """The pixels of a binary mask within `width` pixels of its outline (the mask minus its erosion)."""
    from scipy.ndimage import binary_erosion

    mask = np.asarray(mask, bool)
    # Erode in 2-D only, and treat the image border as outside so objects cut by it keep their edge there.
    structure = np.ones((3, 3), bool) if mask.ndim == 2 else np.ones((1, 3, 3), bool)
    return mask & ~binary_erosion(mask, structure=structure, iterations=width, border_value=0)


def boundary_iou_per_class(y_true, y_pred, num_classes: int, width: int = 2) -> np.ndarray:
    """Boundary IoU per class over a batch `(N, H, W)`: IoU of the two masks' boundary bands."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    out = np.full(num_classes, np.nan)
    for k in range(num_classes):
        g, p = boundary_band(y_true == k, width), boundary_band(y_pred == k, width)
        union = (g | p).sum()
        if union:
            out[k] = (g & p).sum() / union
    return out
# --8<-- [end:scores]


def scores(y_true, y_pred, num_classes: int, width: int = 2) -> dict:
    """Per-class IoU, Dice and boundary IoU, and their means over the classes."""
    cm = confusion(y_true, y_pred, num_classes)
    iou, dice = iou_per_class(cm), dice_per_class(cm)
    biou = boundary_iou_per_class(y_true, y_pred, num_classes, width)
    return {"iou": iou.tolist(), "dice": dice.tolist(), "boundary_iou": biou.tolist(),
            "mean_iou": float(np.nanmean(iou)), "mean_dice": float(np.nanmean(dice)),
            "mean_boundary_iou": float(np.nanmean(biou)), "pixel_accuracy": float(np.trace(cm) / cm.sum())}
