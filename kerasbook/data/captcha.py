"""Captcha images: the builtin generator and the lab-folder loader.

The builtin set is drawn by the `captcha` package. That package takes its
randomness from `secrets`, which cannot be seeded, so while we draw we swap in a
seeded stand-in: the same seed always gives the same images, and example `i` of a
split depends only on `(seed, split, i)`, which lets us draw in parallel.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import random
import string
from pathlib import Path

import numpy as np

from kerasbook.data import parallel

ALPHABET = string.ascii_lowercase + string.digits   # 36 symbols; class 0 is the CTC blank
TEXT_LENGTH = 5
HEIGHT, WIDTH = 48, 128
FONT_SIZES = (34, 38, 42)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


class _SeededSecrets:
    """The three `secrets` functions the captcha package calls, made seedable."""

    def __init__(self, rng: random.Random):
        self._rng = rng

    def randbelow(self, n):
        return self._rng.randrange(n)

    def randbits(self, k):
        return self._rng.getrandbits(k)

    def choice(self, seq):
        return self._rng.choice(seq)


@contextlib.contextmanager
def _seeded_captcha(rng: random.Random):
    import captcha.image as ci

    saved = ci.secrets
    ci.secrets = _SeededSecrets(rng)
    try:
        yield ci
    finally:
        ci.secrets = saved


def example_seed(seed: int, split: str, index: int) -> int:
    digest = hashlib.sha256(f"{seed}/{split}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


_GENERATORS: dict = {}


def draw(text: str, rng: random.Random, height=HEIGHT, width=WIDTH) -> np.ndarray:
    """Draw one captcha of `text` as a `(height, width)` uint8 grey image."""
    with _seeded_captcha(rng) as ci:
        # One generator per size and process: it caches its loaded fonts.
        gen = _GENERATORS.get((height, width))
        if gen is None:
            gen = _GENERATORS[(height, width)] = ci.ImageCaptcha(width=width, height=height, font_sizes=FONT_SIZES)
        image = gen.generate_image(text)
    return np.asarray(image.convert("L"), dtype=np.uint8)


def draw_example(seed: int, split: str, index: int):
    """Example `index` of `split`: `(text, image)`, a pure function of its arguments."""
    rng = random.Random(example_seed(seed, split, index))
    text = "".join(rng.choice(ALPHABET) for _ in range(TEXT_LENGTH))
    return text, draw(text, rng)


def draw_split(seed: int, split: str, n: int, workers: int | None = None, progress=None):
    """Draw `n` examples of a split, in parallel when it is worth it (`parallel.draw_split`).

    Yields `(index, text, image)` in index order. `progress` is called with the
    number of examples finished after each chunk.
    """
    return parallel.draw_split(functools.partial(draw_example, seed, split), n, chunk=250, workers=workers,
                               progress=progress)


def encode(text: str) -> list[int]:
    """Text to class ids, 1..36 (0 is the blank)."""
    bad = sorted({c for c in text if c not in ALPHABET})
    if bad:
        raise ValueError(f"characters {''.join(bad)!r} are not in the alphabet a-z0-9")
    return [ALPHABET.index(c) + 1 for c in text]


def decode(ids) -> str:
    """Class ids (blank and -1 padding skipped) back to text."""
    return "".join(ALPHABET[i - 1] for i in ids if 0 < i <= len(ALPHABET))


def list_folder(folder: str | os.PathLike) -> list[tuple[Path, str]]:
    """Image files in a lab folder, each with the text its file name gives.

    Raises `ValueError` with a one-line reason when the folder cannot be used.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"--data-dir {folder} is not a folder; point it at a folder of captcha images named by their text")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"--data-dir {folder} holds no .png/.jpg images; captcha files must be named by their text, e.g. 2b827.png")
    pairs = []
    for path in files:
        text = path.stem.lower()
        if not text or len(text) > 2 * TEXT_LENGTH or any(c not in ALPHABET for c in text):
            raise ValueError(
                f"file name {path.name!r} is not a captcha text of a-z0-9 (at most {2 * TEXT_LENGTH} characters); rename or remove it"
            )
        pairs.append((path, text))
    return pairs


def load_image(path: str | os.PathLike, height=HEIGHT, width=WIDTH) -> np.ndarray:
    """Read an image file as the model's `(height, width)` uint8 grey input."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = im.convert("L").resize((width, height), Image.Resampling.BILINEAR)
            return np.asarray(im, dtype=np.uint8)
    except (OSError, UnidentifiedImageError) as err:
        raise ValueError(f"cannot read image {path}: {err.__class__.__name__}; give a PNG or JPEG file") from None
