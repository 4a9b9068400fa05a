"""Colour spaces: sRGB <-> CIE Lab in `keras.ops`, and CMYK and HSV for comparison.

A colouriser is given lightness and asked for colour, so it needs a colour
space in which the two are separate axes. RGB is not one: brightening a
pixel changes all three numbers. CIE Lab is: L* is lightness (0 black, 100
white) and a* (green -> red) and b* (blue -> yellow) carry the colour, and
equal steps are meant to look about equally different to a person.

`rgb_to_lab` and `lab_to_rgb` are written with `keras.ops` only, so the same
code runs on NumPy arrays, inside a `tf.data` map and on a GPU, and it is
differentiable. They follow the sRGB standard (IEC 61966-2-1) and the CIE
1976 L*a*b* definitions with the D65 white point and the 2-degree observer,
with the same constants as scikit-image's `rgb2lab`/`lab2rgb` (the tests
compare against those).
"""

from __future__ import annotations

import numpy as np
from keras import ops

# --8<-- [start:lab]
# Linear sRGB -> CIE XYZ (D65), and the XYZ of the D65 reference white.
XYZ_FROM_RGB = np.array([[0.412453, 0.357580, 0.180423],
                         [0.212671, 0.715160, 0.072169],
                         [0.019334, 0.119193, 0.950227]], np.float32)
RGB_FROM_XYZ = np.linalg.inv(XYZ_FROM_RGB.astype(np.float64)).astype(np.float32)
WHITE_D65 = np.array([0.95047, 1.0, 1.08883], np.float32)
EPSILON = 0.008856            # (6/29)^3: below it the cube root is replaced by a straight line
KAPPA = 7.787                 # slope of that line, 1 / (3 (6/29)^2)


def rgb_to_lab(rgb):
    """sRGB in [0, 1], shape `(..., 3)` -> CIE Lab `(..., 3)`: L in [0, 100], a and b roughly in [-128, 127]."""
    rgb = ops.cast(rgb, "float32")
    # 1. Undo the display gamma: sRGB values -> linear light.
    linear = ops.where(rgb > 0.04045, ops.power((ops.maximum(rgb, 0.04045) + 0.055) / 1.055, 2.4), rgb / 12.92)
    # 2. Linear RGB -> XYZ, relative to the white point.
    xyz = ops.matmul(linear, ops.convert_to_tensor(XYZ_FROM_RGB.T)) / WHITE_D65
    # 3. A cube root (a straight line near black) models the eye's response.
    f = ops.where(xyz > EPSILON, ops.power(ops.maximum(xyz, EPSILON), 1 / 3), KAPPA * xyz + 16 / 116)
    fx, fy, fz = f[..., 0], f[..., 1], f[..., 2]
    return ops.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], axis=-1)


def lab_to_rgb(lab):
    """CIE Lab `(..., 3)` -> sRGB in [0, 1]; colours outside the sRGB gamut are clipped to it."""
    lab = ops.cast(lab, "float32")
    fy = (lab[..., 0] + 16) / 116
    fx = fy + lab[..., 1] / 500
    fz = ops.maximum(fy - lab[..., 2] / 200, 0.0)            # no negative Z (as scikit-image)
    f = ops.stack([fx, fy, fz], axis=-1)
    xyz = ops.where(f > 0.2068966, f * f * f, (f - 16 / 116) / KAPPA) * WHITE_D65
    linear = ops.matmul(xyz, ops.convert_to_tensor(RGB_FROM_XYZ.T))
    rgb = ops.where(linear > 0.0031308, 1.055 * ops.power(ops.maximum(linear, 0.0031308), 1 / 2.4) - 0.055,
                    linear * 12.92)
    return ops.clip(rgb, 0.0, 1.0)
# --8<-- [end:lab]


def rgb_to_lightness(rgb):
    """Only the L channel of `rgb_to_lab`, `(..., 1)`: what the colouriser sees."""
    return rgb_to_lab(rgb)[..., :1]


def grey_lab(lightness):
    """Lab with zero colour for the lightness `(..., 1)`: the grey image a colouriser starts from."""
    return ops.concatenate([lightness, ops.zeros_like(lightness), ops.zeros_like(lightness)], axis=-1)


def uint8_to_lab(images):
    """uint8 RGB images -> Lab (float32)."""
    return rgb_to_lab(ops.cast(images, "float32") / 255.0)


def lab_to_uint8(lab) -> np.ndarray:
    """Lab -> uint8 RGB NumPy images, rounded."""
    return np.rint(ops.convert_to_numpy(lab_to_rgb(lab)) * 255).astype(np.uint8)


# --8<-- [start:cmyk]
def rgb_to_cmyk(rgb) -> np.ndarray:
    """sRGB in [0, 1] -> naive CMYK in [0, 1]: ink that absorbs what the paper should not reflect.

    K (black ink) takes the part all three share, so less coloured ink is
    used; C, M, Y are what is left, relative to 1 - K. (Real presses use ICC
    profiles; this is the textbook formula.)
    """
    rgb = np.asarray(rgb, np.float64)
    k = 1 - rgb.max(axis=-1)
    room = np.where(k < 1, 1 - k, 1.0)
    cmy = (1 - rgb - k[..., None]) / room[..., None]
    return np.concatenate([np.where(k[..., None] < 1, cmy, 0.0), k[..., None]], axis=-1)


def cmyk_to_rgb(cmyk) -> np.ndarray:
    """Naive CMYK in [0, 1] -> sRGB in [0, 1], the inverse of `rgb_to_cmyk`."""
    cmyk = np.asarray(cmyk, np.float64)
    return (1 - cmyk[..., :3]) * (1 - cmyk[..., 3:])
# --8<-- [end:cmyk]


def rgb_to_hsv(rgb) -> np.ndarray:
    """sRGB in [0, 1] -> HSV in [0, 1] (hue as a fraction of the circle), by matplotlib."""
    from matplotlib.colors import rgb_to_hsv as mpl

    return mpl(np.asarray(rgb, np.float64))
