"""Real photographs for super-resolution, from the sample images scikit-learn and scikit-image ship.

Both packages install a handful of photographs with themselves (no download):
scikit-learn has `china.jpg` and `flower.jpg` (`load_sample_images`),
scikit-image has the astronaut, Chelsea the cat, a cup of coffee, a rocket, a
motorcycle, the Hubble deep field, a tissue stain and a retina (`skimage.data`).
Chapter 14 cuts its training patches from seven of them and keeps three whole
photos (astronaut, chelsea, coffee) for testing only, so the test measures how
a model does on pictures it has never seen any part of.

`--data full` keeps the photos and changes the perceptual loss's feature network
to VGG19 with ImageNet weights (`keras.applications`), downloaded on first use.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kerasbook.data import DatasetSpec, register

TRAIN = ("china", "flower", "rocket", "motorcycle", "hubble_deep_field", "immunohistochemistry", "retina")
TEST = ("astronaut", "chelsea", "coffee")
VGG19_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG19_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
             "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")


def load(name: str) -> np.ndarray:
    """One photo by name, `(H, W, 3)` uint8."""
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return np.asarray(load_sample_image(f"{name}.jpg"))
    import skimage.data

    if name == "motorcycle":
        return skimage.data.stereo_motorcycle()[0]                 # the left view of the stereo pair
    if name not in TRAIN + TEST:
        raise ValueError(f"unknown photo {name!r}; choose from {', '.join(TRAIN + TEST)}")
    return getattr(skimage.data, name)()


def load_builtin() -> dict:
    """`{"train": {name: photo}, "test": {name: photo}}`, every photo `(H, W, 3)` uint8."""
    return {"train": {n: load(n) for n in TRAIN}, "test": {n: load(n) for n in TEST}}


def random_patches(photos: dict, n: int, size: int, seed: int, min_std: float = 0.0):
    """`n` random `size x size` crops, the same number from every photo: `(n, size, size, 3)` uint8, and the
    index of the photo each came from.

    Equal shares keep the large retina and Hubble images, mostly dark, from
    filling the set. A crop whose pixels (in [0, 1]) have a standard deviation
    below `min_std` is flat, teaches an up-scaler nothing, and is drawn again.
    """
    rng = np.random.default_rng(seed)
    names = list(photos)
    picks = np.arange(n) % len(names)
    rng.shuffle(picks)
    out = np.empty((n, size, size, 3), "uint8")
    for i, k in enumerate(picks):
        photo = photos[names[k]]
        for _ in range(20):                                        # a few tries, then take what we have
            top = rng.integers(0, photo.shape[0] - size + 1)
            left = rng.integers(0, photo.shape[1] - size + 1)
            crop = photo[top:top + size, left:left + size]
            if crop.std() / 255.0 >= min_std:
                break
        out[i] = crop
    return out, picks


def dihedral(images, seed: int) -> np.ndarray:
    """Each image of `(N, H, H, C)` turned by a random multiple of 90 degrees and mirrored or not: one of
    the eight symmetries of the square, drawn per image. A photo's structures come at every angle, so the
    turned patches are as real as the originals, and an up-scaler sees eight times the variety."""
    images = np.asarray(images)
    if images.shape[1] != images.shape[2]:
        raise ValueError(f"dihedral needs square images, got {images.shape[1]}x{images.shape[2]}")
    pick = np.random.default_rng([seed, 8]).integers(0, 8, len(images))
    out = np.empty_like(images)
    for k in range(8):
        chosen = images[pick == k]
        if k >= 4:
            chosen = chosen[:, :, ::-1]                                # mirror left-right
        out[pick == k] = np.rot90(chosen, k % 4, axes=(1, 2))
    return out


def vgg19_cached(data_dir=None) -> tuple[bool, str]:
    """Are VGG19's ImageNet weights already in Keras' cache (so no download is needed)?

    `data_dir` (the digits' TFDS folder) plays no part: the weights live where
    `keras.applications` keeps them, `$KERAS_HOME/models` (default `~/.keras/models`).
    """
    import os

    folder = Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser() / "models"
    if (folder / VGG19_FILE).is_file():
        return True, ""
    return False, f"VGG19's ImageNet weights are not in {folder}"


SPEC = register(DatasetSpec(
    name="photos",
    builtin="ten photographs shipped with scikit-learn and scikit-image (seven to train on, three held out); "
            "perceptual features from a network the book trains on them",
    full="the same photographs; perceptual features from keras.applications VGG19 with ImageNet weights",
    full_available=vgg19_cached,
    full_url=VGG19_URL,
))
