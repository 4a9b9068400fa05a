"""Scenes of several shapes with exact per-pixel masks: the builtin data of chapter 9.

Each 48x48 colour image holds 3-6 objects of three classes, discs (round
blobs and ellipses), rods (long bars 3-4 pixels thick) and triangles, on the
textured, cluttered backgrounds of chapter 3's shapes. Objects may touch and
overlap (a later object covers an earlier one), rods are thin enough that a
one-pixel error along both edges costs half of their area, and every object's
colour is random, so only its form tells the class. The mask gives each pixel
its class: 0 background, 1 disc, 2 rod, 3 triangle; a pixel belongs to the
top-most object that covers at least half of it.

Example `i` of a split is a pure function of `(seed, split, i)`, like the
other builtin sets. See `datasets/segshapes/README.md`.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from kerasbook.data import shapes

CLASSES = ("background", "disc", "rod", "triangle")
SIZE = 48
IMAGE_SHAPE = (SIZE, SIZE, 3)
SUPERSAMPLE = 4


def example_seed(seed: int, split: str, index: int) -> int:
    digest = hashlib.sha256(f"segshapes/{seed}/{split}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _outline(kind: int, rng) -> list[tuple[float, float]]:
    """A polygon in pixels, centred on the origin, for class `kind` at a random size and pose."""
    if kind == 1:                                             # disc or ellipse
        r = rng.uniform(5, 9)
        sx, sy = r, r * rng.uniform(0.6, 1.0)
        pts = [(sx * math.cos(t), sy * math.sin(t)) for t in np.linspace(0, 2 * math.pi, 40, endpoint=False)]
    elif kind == 2:                                           # rod: long and thin
        half_len, half_w = rng.uniform(8, 17), rng.uniform(1.3, 2.2)
        pts = [(-half_len, -half_w), (half_len, -half_w), (half_len, half_w), (-half_len, half_w)]
    else:                                                     # triangle
        r = rng.uniform(6.5, 11)
        pts = [(r * math.cos(-math.pi / 2 + 2 * math.pi * k / 3), r * math.sin(-math.pi / 2 + 2 * math.pi * k / 3))
               for k in range(3)]
    angle = rng.uniform(0, 2 * math.pi)
    c, s = math.cos(angle), math.sin(angle)
    return [(c * x - s * y, s * x + c * y) for x, y in pts]


def _coverage(polygon, cx, cy) -> np.ndarray:
    """Fraction of each pixel the polygon covers, `(SIZE, SIZE)` float32 (drawn 4x larger, then averaged)."""
    from PIL import Image, ImageDraw

    big = SIZE * SUPERSAMPLE
    canvas = Image.new("L", (big, big), 0)
    ImageDraw.Draw(canvas).polygon([((cx + x) * SUPERSAMPLE, (cy + y) * SUPERSAMPLE) for x, y in polygon], fill=255)
    return np.asarray(canvas, np.float32).reshape(SIZE, SUPERSAMPLE, SIZE, SUPERSAMPLE).mean(axis=(1, 3)) / 255


def draw_scene(rng: np.random.Generator, instances: bool = False):
    """`(image uint8 (48, 48, 3), mask uint8 (48, 48))` of one random scene.

    With `instances=True` also an instance map `uint8 (48, 48)`: 0 background,
    then 1, 2, ... for the objects in drawing order (what instance
    segmentation would have to tell apart), and their classes.
    """
    image = shapes._background(rng, SIZE)
    for cover, colour in shapes._clutter(rng, SIZE) + shapes._clutter(rng, SIZE):
        image = image * (1 - cover[..., None]) + colour * cover[..., None]
    mask = np.zeros((SIZE, SIZE), np.uint8)
    objects = np.zeros((SIZE, SIZE), np.uint8)
    kinds = rng.integers(1, len(CLASSES), rng.integers(3, 7))
    kinds[: 3] = rng.permutation([1, 2, 3])                   # every class appears in every scene
    for number, kind in enumerate(kinds, start=1):
        polygon = _outline(int(kind), rng)
        cx, cy = rng.uniform(5, SIZE - 5, 2)
        cover = _coverage(polygon, cx, cy)
        under = (image * cover[..., None]).sum(axis=(0, 1)) / max(cover.sum(), 1e-6)
        for _ in range(20):                                   # a colour that stands out from what it covers
            colour = shapes._colour(rng)
            if np.abs(colour - under).sum() > 200:
                break
        image = image * (1 - cover[..., None]) + colour * cover[..., None]
        mask[cover >= 0.5] = kind
        objects[cover >= 0.5] = number
    image = np.clip(np.rint(image + rng.normal(0, rng.uniform(0, 6), image.shape)), 0, 255).astype(np.uint8)
    if instances:
        return image, mask, objects, [int(k) for k in kinds]
    return image, mask


def draw_example(seed: int, split: str, i: int, instances: bool = False):
    """Example `i` of `split`: `(image, mask)` (see `draw_scene`), a pure function of its arguments."""
    return draw_scene(np.random.default_rng(example_seed(seed, split, i)), instances)


def draw_arrays(seed: int, split: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`(images uint8 (n, 48, 48, 3), masks uint8 (n, 48, 48))` drawn directly, without TFDS."""
    x = np.empty((n, *IMAGE_SHAPE), np.uint8)
    y = np.empty((n, SIZE, SIZE), np.uint8)
    for i in range(n):
        x[i], y[i] = draw_example(seed, split, i)
    return x, y
