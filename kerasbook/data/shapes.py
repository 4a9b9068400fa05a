"""Coloured shapes: the builtin 32x32 image classification data of chapters 3 and 4.

Each image holds one shape, and the shape is the class. Everything else is
drawn at random so that it cannot give the class away: the shape's colour,
size, rotation, aspect and position, a textured background (gradients,
stripes, blotches or checks in random colours), a few clutter strokes and
pixel noise. A model has to see *form*, which is what convolutions are for;
a linear model on raw pixels does poorly.

There are two families of shapes. `CLASSES` (ten) is the main task;
`TRANSFER_CLASSES` (five other shapes) is the second task chapter 3 uses to
show transfer learning from a backbone trained on the first.

Example `i` of a split is a pure function of `(seed, split, i, task)`: its own
generator is seeded with a hash of them, so splits never share a random stream
and drawing can be split across processes. Labels cycle through the classes
(`i % n`), so every split is balanced.
"""

from __future__ import annotations

import functools
import hashlib
import math

import numpy as np

from kerasbook.data import parallel

CLASSES = ("circle", "ring", "square", "triangle", "star", "cross", "crescent", "heart", "arrow", "bowtie")
TRANSFER_CLASSES = ("pentagon", "semicircle", "ell", "tee", "ellipse")
TASKS = {"shapes": CLASSES, "transfer": TRANSFER_CLASSES}
IMAGE_SHAPE = (32, 32, 3)
SUPERSAMPLE = 4   # shapes are drawn 4x larger, then box-filtered down: smooth edges


def classes_of(task: str) -> tuple[str, ...]:
    """The class names of `task` ("shapes" or "transfer")."""
    if task not in TASKS:
        raise ValueError(f"unknown shapes task {task!r}; use one of {', '.join(TASKS)}")
    return TASKS[task]


def example_seed(seed: int, split: str, index: int, task: str = "shapes") -> int:
    digest = hashlib.sha256(f"shapes/{task}/{seed}/{split}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


# Outlines in unit coordinates: centred on the origin, reaching about radius 1.
# A shape is a list of (polygon, fill) pairs painted in order; fill 0 cuts a hole.
def _regular(n, radius=1.0, phase=-math.pi / 2):
    return [(radius * math.cos(phase + 2 * math.pi * k / n), radius * math.sin(phase + 2 * math.pi * k / n))
            for k in range(n)]


def _disc(radius=1.0, cx=0.0, cy=0.0, n=48):
    return [(cx + x, cy + y) for x, y in _regular(n, radius)]


def _star(points=5, inner=0.42):
    outer = _regular(points)
    inner_pts = _regular(points, inner, phase=-math.pi / 2 + math.pi / points)
    return [p for pair in zip(outer, inner_pts) for p in pair]


def _heart(n=60):
    pts = []
    for k in range(n):
        t = 2 * math.pi * k / n
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        pts.append((x / 17, -y / 17 + 0.1))
    return pts


_OUTLINES = {
    "circle": [(_disc(), 1)],
    "ring": [(_disc(), 1), (_disc(0.55), 0)],
    "square": [(_regular(4, phase=math.pi / 4), 1)],
    "triangle": [(_regular(3, 1.1), 1)],
    "star": [(_star(), 1)],
    "cross": [([(-0.3, -1), (0.3, -1), (0.3, -0.3), (1, -0.3), (1, 0.3), (0.3, 0.3), (0.3, 1),
                (-0.3, 1), (-0.3, 0.3), (-1, 0.3), (-1, -0.3), (-0.3, -0.3)], 1)],
    "crescent": [(_disc(), 1), (_disc(0.85, 0.5, -0.15), 0)],
    "heart": [(_heart(), 1)],
    "arrow": [([(-1, -0.25), (0.15, -0.25), (0.15, -0.7), (1, 0), (0.15, 0.7), (0.15, 0.25), (-1, 0.25)], 1)],
    "bowtie": [([(-1, -0.8), (0, -0.15), (1, -0.8), (1, 0.8), (0, 0.15), (-1, 0.8)], 1)],
    "pentagon": [(_regular(5, 1.05), 1)],
    "semicircle": [([(math.cos(a), math.sin(a) - 0.4) for a in np.linspace(0, -math.pi, 32)], 1)],
    "ell": [([(-0.7, -1), (-0.15, -1), (-0.15, 0.45), (0.8, 0.45), (0.8, 1), (-0.7, 1)], 1)],
    "tee": [([(-1, -0.85), (1, -0.85), (1, -0.3), (0.28, -0.3), (0.28, 1), (-0.28, 1), (-0.28, -0.3),
              (-1, -0.3)], 1)],
    "ellipse": [([(x, 0.45 * y) for x, y in _disc()], 1)],
}


def _shape_mask(name, rng, size):
    """Coverage in [0, 1] of the shape, `(size, size)` float32, at a random pose."""
    from PIL import Image, ImageDraw

    big = size * SUPERSAMPLE
    radius = rng.uniform(0.25, 0.44) * size                # 8-14 pixels at 32x32
    sx, sy = rng.uniform(0.8, 1.2, 2)                      # mild stretch, then a free rotation
    angle = rng.uniform(0, 2 * math.pi)
    margin = 0.75 * radius
    cx, cy = rng.uniform(margin, size - margin, 2)
    c, s = math.cos(angle), math.sin(angle)
    canvas = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(canvas)
    for polygon, fill in _OUTLINES[name]:
        pts = []
        for x, y in polygon:
            x, y = x * sx * radius, y * sy * radius
            pts.append(((cx + c * x - s * y) * SUPERSAMPLE, (cy + s * x + c * y) * SUPERSAMPLE))
        draw.polygon(pts, fill=255 * fill)
    coverage = np.asarray(canvas, np.float32).reshape(size, SUPERSAMPLE, size, SUPERSAMPLE).mean(axis=(1, 3))
    return coverage / 255.0


def _colour(rng):
    return rng.uniform(0, 255, 3).astype(np.float32)


def _background(rng, size):
    """A random texture, `(size, size, 3)` float32 in [0, 255]."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    # Two related colours: the texture is visible but quieter than the shape's outline.
    a = _colour(rng)
    b = np.clip(a + rng.normal(0, 50, 3), 0, 255).astype(np.float32)
    kind = rng.integers(4)
    if kind == 0:                                  # linear gradient at a random angle
        theta = rng.uniform(0, 2 * np.pi)
        t = np.cos(theta) * xx + np.sin(theta) * yy
        t = (t - t.min()) / (np.ptp(t) + 1e-6)
    elif kind == 1:                                # soft stripes
        theta = rng.uniform(0, np.pi)
        t = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(1.5, 5) * (np.cos(theta) * xx + np.sin(theta) * yy)
                               + rng.uniform(0, 2 * np.pi))
    elif kind == 2:                                # blotches: coarse noise, smoothly upsampled
        from PIL import Image

        coarse = rng.uniform(0, 255, (4, 4)).astype(np.uint8)
        t = np.asarray(Image.fromarray(coarse).resize((size, size), Image.Resampling.BICUBIC), np.float32) / 255
    else:                                          # checks
        cell = rng.integers(3, 9)
        t = ((np.arange(size)[:, None] // cell + np.arange(size)[None, :] // cell) % 2).astype(np.float32)
        t = 0.25 + 0.5 * t
    return a + (b - a) * t[..., None]


def _clutter(rng, size):
    """A few thin strokes and specks: coverage `(size, size)` and their colours."""
    from PIL import Image, ImageDraw

    big = size * SUPERSAMPLE
    layers = []
    for _ in range(rng.integers(0, 3)):
        canvas = Image.new("L", (big, big), 0)
        draw = ImageDraw.Draw(canvas)
        if rng.random() < 0.5:
            x0, y0, x1, y1 = rng.uniform(0, big, 4)
            draw.line([(x0, y0), (x1, y1)], fill=255, width=int(rng.integers(2, 4)))
        else:
            x, y = rng.uniform(0, big, 2)
            r = rng.uniform(2, 6)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=255)
        mask = np.asarray(canvas, np.float32).reshape(size, SUPERSAMPLE, size, SUPERSAMPLE).mean(axis=(1, 3)) / 255
        layers.append((mask, _colour(rng)))
    return layers


def draw_shape(name: str, rng: np.random.Generator, size: int = 32) -> np.ndarray:
    """One `(size, size, 3)` uint8 image of the shape `name` drawn with `rng`."""
    image = _background(rng, size)
    for mask, colour in _clutter(rng, size):
        image = image * (1 - mask[..., None]) + colour * mask[..., None]
    # The shape's colour must stand out from what lies under it, or the class is invisible.
    mask = _shape_mask(name, rng, size)
    under = (image * mask[..., None]).sum(axis=(0, 1)) / max(mask.sum(), 1e-6)
    for _ in range(20):
        fg = _colour(rng)
        if np.abs(fg - under).sum() > 220:
            break
    if rng.random() < 0.3:                         # sometimes a shaded fill instead of a flat one
        shade = np.linspace(rng.uniform(0.7, 1.0), rng.uniform(1.0, 1.3), size, dtype=np.float32)
        fg = np.clip(fg * (shade[:, None, None] if rng.random() < 0.5 else shade[None, :, None]), 0, 255)
    image = image * (1 - mask[..., None]) + fg * mask[..., None]
    image = image + rng.normal(0, rng.uniform(0, 8), image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def draw_example(seed: int, split: str, i: int, task: str = "shapes") -> tuple[int, np.ndarray]:
    """Example `i` of `split`: `(label, uint8 (32, 32, 3) image)`, a pure function of its arguments."""
    names = classes_of(task)
    label = i % len(names)
    rng = np.random.default_rng(example_seed(seed, split, i, task))
    return label, draw_shape(names[label], rng, IMAGE_SHAPE[0])


def draw_split(seed: int, split: str, n: int, task: str = "shapes", workers: int | None = None, progress=None):
    """Draw `n` examples of a split, in parallel when it is worth it (`parallel.draw_split`).

    Yields `(index, label, image)` in index order. `progress` is called with
    the number of examples finished after each chunk.
    """
    return parallel.draw_split(functools.partial(draw_example, seed, split, task=task), n, chunk=1000,
                               workers=workers, progress=progress)


def draw_arrays(seed: int, split: str, n: int, task: str = "shapes", workers: int | None = None):
    """`(images uint8 (n, 32, 32, 3), labels int32 (n,))` drawn directly, without TFDS."""
    x = np.empty((n, *IMAGE_SHAPE), np.uint8)
    y = np.empty((n,), np.int32)
    for index, label, image in draw_split(seed, split, n, task, workers=workers):
        x[index], y[index] = image, label
    return x, y


def builtin_builder(train_size: int, val_size: int, test_size: int, seed: int = 0, task: str = "shapes",
                    data_dir=None):
    """The TFDS builder of `datasets/shapes32` for these sizes, seed and task."""
    from kerasbook.datasets.shapes32.shapes32_dataset_builder import Builder, ShapesConfig

    return Builder.with_config(ShapesConfig.make(train_size, val_size, test_size, seed, task), data_dir)


def _as_arrays(builder, split):
    import tensorflow_datasets as tfds

    arrays = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1, shuffle_files=False))
    order = np.argsort(arrays["index"])            # back to drawing order: x[i] is example i
    return arrays["image"][order].astype(np.uint8), arrays["label"][order].astype(np.int32)


def load_builtin(train_size: int, val_size: int, test_size: int, seed: int = 0, task: str = "shapes",
                 data_dir=None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """`{"train"|"validation"|"test": (x uint8 (N, 32, 32, 3), y int32 (N,))}`.

    Built once by the TFDS builder into `cache_dir()/tfds` (or `data_dir`) and
    read back from there on later runs. Arrays are in drawing order, so
    `x[i], y[i]` is `draw_example(seed, split, i, task)` and any prefix
    `x[:k * n_classes]` holds exactly `k` examples of each class.
    """
    from kerasbook.data import prepare

    builder = builtin_builder(train_size, val_size, test_size, seed, task, data_dir)
    prepare(builder)
    return {split: _as_arrays(builder, split) for split in ("train", "validation", "test")}


def load_cifar10(data_dir=None, val_size: int = 5_000, seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """CIFAR-10 through `tfds.load`, as the same dict as `load_builtin`.

    TFDS gives `train` (50,000) and `test` (10,000); we carve `val_size`
    validation images out of train with a fixed-seed permutation.
    """
    import tensorflow_datasets as tfds

    train, test = tfds.load("cifar10", split=["train", "test"], as_supervised=True,
                            data_dir=None if data_dir is None else str(data_dir))

    def arrays(ds):
        # Batches of 10,000 rather than batch_size=-1: one big batch needs the split
        # size up front, which mock data (in the tests) does not give.
        parts = list(tfds.as_numpy(ds.batch(10_000)))
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    x_train, y_train = arrays(train)
    x_test, y_test = arrays(test)
    if not 0 < val_size < len(x_train):
        raise ValueError(f"validation size {val_size} must be between 1 and {len(x_train) - 1}")
    order = np.random.default_rng(seed).permutation(len(x_train))
    val, tr = order[:val_size], order[val_size:]
    return {
        "train": (x_train[tr].astype(np.uint8), y_train[tr].astype(np.int32)),
        "validation": (x_train[val].astype(np.uint8), y_train[val].astype(np.int32)),
        "test": (x_test.astype(np.uint8), y_test.astype(np.int32)),
    }


CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
