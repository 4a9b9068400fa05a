"""Landscapes whose colours depend on the whole scene: the builtin data of chapter 11.

Each 96x96 colour image is a landscape: a sky over a ground with a hilly
horizon, a few houses and trees, and one emblem in the sky. The scene has one
of four classes, and the class decides the colours of sky and ground:

| class   | emblem   | sky            | ground          |
|---------|----------|----------------|-----------------|
| meadow  | disc     | blue           | green           |
| sunset  | triangle | orange         | purple          |
| desert  | square   | cyan           | sand yellow     |
| autumn  | cross    | pink           | red-brown       |

The scene is drawn in CIE Lab. Every random choice (horizon, lightness of
sky and ground, their texture, the objects and where the emblem goes) is made
the same way whatever the class, and the class only picks the a*, b* of sky
and ground and the emblem's shape. So a scene drawn with the same random
numbers in two classes has the same lightness everywhere except at the
emblem: a pixel of sky or ground, with everything around it, looks the same in
grey whatever its colour. Only the emblem, somewhere in the sky, tells the
class. Houses and trees are coloured by what they are (red roofs, beige
walls, brown trunks, dark green crowns), in every class.

`scene_dependent` marks the pixels whose colour depends on the class: sky and
ground not covered by anything. Example `i` of a split is a pure function of
`(seed, split, i)`. See `datasets/colorscenes/README.md`.
"""

from __future__ import annotations

import hashlib

import numpy as np

CLASSES = ("meadow", "sunset", "desert", "autumn")
EMBLEMS = ("disc", "triangle", "square", "cross")
SIZE = 96
IMAGE_SHAPE = (SIZE, SIZE, 3)
SUPERSAMPLE = 2
U = SIZE / 64          # every length below is in units of a 64-pixel picture

# (a*, b*) of sky and ground for each class.
# Sky lightness stays within [50, 72] and ground within [34, 56], where every
# one of these colours (with its jitter) lies inside the sRGB gamut: no
# channel is clipped, so the class cannot leak into the lightness.
SKY_AB = np.array([[-5, -28], [23, 28], [-16, -6], [26, -15]], np.float32)
GROUND_AB = np.array([[-25, 25], [18, -31], [5, 30], [33, 19]], np.float32)
SKY_L, GROUND_L = (50.0, 72.0), (34.0, 56.0)
# (L*, a*, b*) of the parts of houses and trees, the same in every class.
WALL, ROOF = (78.0, 2.0, 14.0), (46.0, 52.0, 36.0)
TRUNK, CROWN = (34.0, 12.0, 22.0), (40.0, -34.0, 22.0)
EMBLEM_L = 92.0
EMBLEM_AB = np.array([[-4, 40], [20, 30], [-20, 8], [24, -12]], np.float32)
JITTER = 4.0          # +- a*, b* of each scene's sky and ground


def example_seed(seed: int, split: str, index: int) -> int:
    digest = hashlib.sha256(f"colorscenes/{seed}/{split}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _cover(draw_fn):
    """`(coverage, box)`: the fraction of each pixel inside the box that `draw_fn(draw, scale)` paints.

    Drawn `SUPERSAMPLE` times larger and averaged down (anti-aliasing); `box`
    is the `(top, bottom, left, right)` pixel range holding the shape.
    """
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (SIZE * SUPERSAMPLE, SIZE * SUPERSAMPLE), 0)
    draw_fn(ImageDraw.Draw(canvas), SUPERSAMPLE)
    small = canvas.resize((SIZE, SIZE), Image.Resampling.BOX)       # the mean of each SUPERSAMPLE^2 block
    left, top, right, bottom = small.getbbox() or (0, 0, 0, 0)
    cover = np.asarray(small.crop((left, top, right, bottom)), np.float32) / 255
    return cover, (top, bottom, left, right)


def _emblem(kind: int, cx: float, cy: float, r: float):
    def draw(d, s):
        x, y, q = cx * s, cy * s, r * s
        if kind == 0:
            d.ellipse([x - q, y - q, x + q, y + q], fill=255)
        elif kind == 1:
            d.polygon([(x, y - q), (x + 0.95 * q, y + 0.8 * q), (x - 0.95 * q, y + 0.8 * q)], fill=255)
        elif kind == 2:
            d.rectangle([x - 0.8 * q, y - 0.8 * q, x + 0.8 * q, y + 0.8 * q], fill=255)
        else:
            w = 0.35 * q
            d.rectangle([x - q, y - w, x + q, y + w], fill=255)
            d.rectangle([x - w, y - q, x + w, y + q], fill=255)
    return draw


def _smooth_noise(rng, scale: int, amplitude: float) -> np.ndarray:
    """Value noise: a coarse random grid, bilinearly enlarged to the image."""
    from PIL import Image

    coarse = rng.normal(0, 1, (scale, scale)).astype(np.float32)
    big = np.asarray(Image.fromarray(coarse, mode="F").resize((SIZE, SIZE), Image.Resampling.BILINEAR))
    return amplitude * big


def draw_scene_lab(rng: np.random.Generator, label: int):
    """`(lab float32 (96, 96, 3), scene_dependent uint8 (96, 96))` of one landscape of class `label`.

    `rng` is consumed the same way for every `label` (see the module docstring).
    """
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    # Horizon: a gentle hill line between 22/64 and 42/64 of the height.
    base, amp, freq, phase = U * rng.uniform(24, 38), U * rng.uniform(0, 4), rng.uniform(0.5, 2.0), rng.uniform(0, 2 * np.pi)
    horizon = base + amp * np.sin(2 * np.pi * freq * xs[0] / SIZE + phase)
    sky_cover = np.clip(horizon[None, :] - ys + 0.5, 0, 1)          # anti-aliased edge
    # Lightness: the sky brightens towards the horizon, the ground darkens towards the bottom.
    top, near = rng.uniform(52, 58), rng.uniform(62, 68)
    sky_l = top + (near - top) * np.clip(ys / np.maximum(horizon[None, :], 1), 0, 1) + _smooth_noise(rng, 6, 2.0)
    far, bottom = rng.uniform(48, 54), rng.uniform(38, 44)
    depth = np.clip((ys - horizon[None, :]) / np.maximum(SIZE - horizon[None, :], 1), 0, 1)
    ground_l = far + (bottom - far) * depth + _smooth_noise(rng, 12, 2.5) + rng.normal(0, 1.2, (SIZE, SIZE))
    sky_l, ground_l = np.clip(sky_l, *SKY_L), np.clip(ground_l, *GROUND_L)
    jitter = rng.uniform(-JITTER, JITTER, (2, 2)).astype(np.float32)
    sky_ab, ground_ab = SKY_AB[label] + jitter[0], GROUND_AB[label] + jitter[1]

    L = sky_cover * sky_l + (1 - sky_cover) * ground_l
    a = sky_cover * sky_ab[0] + (1 - sky_cover) * ground_ab[0]
    b = sky_cover * sky_ab[1] + (1 - sky_cover) * ground_ab[1]
    lab = np.stack([L, a, b], axis=-1)
    covered = np.zeros((SIZE, SIZE), np.float32)

    def paint(shape, colour):
        cover, (top, bottom, left, right) = shape
        box = lab[top:bottom, left:right]
        lab[top:bottom, left:right] = box * (1 - cover[..., None]) + np.asarray(colour, np.float32) * cover[..., None]
        covered[top:bottom, left:right] = np.maximum(covered[top:bottom, left:right], cover)

    # The emblem, somewhere in the sky, away from the horizon.
    r = U * rng.uniform(6.0, 8.0)
    ex = rng.uniform(r + U, SIZE - r - U)
    ey = rng.uniform(r + U, max(r + 1.5 * U, float(horizon.min()) - r - 3 * U))
    paint(_cover(_emblem(label, ex, ey, r)), (EMBLEM_L, *EMBLEM_AB[label]))
    # Houses and trees standing on the ground.
    for _ in range(rng.integers(1, 4)):
        x = rng.uniform(4 * U, SIZE - 4 * U)
        foot = float(np.interp(x, xs[0], horizon)) + rng.uniform(4 * U, SIZE - horizon.max() - 2 * U)
        h = U * rng.uniform(6, 11) * (0.6 + 0.4 * foot / SIZE)
        if rng.random() < 0.5:                                              # a house: walls and a roof
            w = h * rng.uniform(0.8, 1.3)
            paint(_cover(lambda d, s: d.rectangle([(x - w / 2) * s, (foot - h * 0.6) * s, (x + w / 2) * s, foot * s],
                                                 fill=255)), WALL)
            paint(_cover(lambda d, s: d.polygon([((x - w * 0.6) * s, (foot - h * 0.6) * s), (x * s, (foot - h) * s),
                                                 ((x + w * 0.6) * s, (foot - h * 0.6) * s)], fill=255)), ROOF)
        else:                                                               # a tree: trunk and crown
            t = h * 0.12
            paint(_cover(lambda d, s: d.rectangle([(x - t) * s, (foot - h * 0.5) * s, (x + t) * s, foot * s],
                                                 fill=255)), TRUNK)
            c = h * 0.35
            paint(_cover(lambda d, s: d.ellipse([(x - c) * s, (foot - h * 0.5 - 1.6 * c) * s, (x + c) * s,
                                                 (foot - h * 0.5 + 0.2 * c) * s], fill=255)), CROWN)
    lab[..., 0] = np.clip(lab[..., 0], 0, 100)
    return lab, (covered < 0.02).astype(np.uint8)


def draw_scene(rng: np.random.Generator, label: int):
    """`(image uint8 (96, 96, 3), scene_dependent uint8 (96, 96))`: `draw_scene_lab` turned into sRGB."""
    from kerasbook.colour import lab_to_uint8

    lab, dependent = draw_scene_lab(rng, label)
    return lab_to_uint8(lab), dependent


def _start(seed, split, i, label):
    rng = np.random.default_rng(example_seed(seed, split, i))
    drawn = int(rng.integers(len(CLASSES)))          # the class is drawn first, uniformly
    return rng, (drawn if label is None else int(label))


def draw_example(seed: int, split: str, i: int, label: int | None = None):
    """Example `i` of `split`: `(image, scene_dependent, label)`; pass `label` to draw the same scene in another class."""
    rng, label = _start(seed, split, i, label)
    image, dependent = draw_scene(rng, label)
    return image, dependent, label


def draw_range(seed: int, split: str, start: int, stop: int):
    """Examples `start..stop-1` of `split` as arrays `(images, scene_dependent, labels)`, converted to sRGB in one call."""
    from kerasbook.colour import lab_to_uint8

    labs, masks, labels = [], [], []
    for i in range(start, stop):
        rng, label = _start(seed, split, i, None)
        lab, dependent = draw_scene_lab(rng, label)
        labs.append(lab)
        masks.append(dependent)
        labels.append(label)
    return lab_to_uint8(np.stack(labs)), np.stack(masks), np.array(labels, np.int64)


def draw_arrays(seed: int, split: str, n: int):
    """`(images uint8 (n, 96, 96, 3), scene_dependent uint8 (n, 96, 96), labels int64 (n,))`, without TFDS."""
    return draw_range(seed, split, 0, n)
