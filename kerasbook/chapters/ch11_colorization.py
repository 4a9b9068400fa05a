"""Chapter 11: Let There Be Color, a colouriser whose global features fuse into every pixel.

Colourising a grey photograph means guessing two numbers per pixel, the
a* and b* of CIE Lab, from the lightness L* the photograph keeps. What a patch
looks like often says enough (a tree crown is green); often it does not: a
smooth grey region is a blue sky at noon and an orange one at sunset, and only
the rest of the picture tells which. Iizuka, Simo-Serra and Ishikawa's
network reads the image twice from shared low-level features: a local path
that keeps the resolution (mid-level features) and a global path that boils
the whole image down to one vector, trained jointly to name the scene class.
The fusion layer hands that vector to every pixel before the colourisation
network up-samples back to full size.

This chapter builds the four networks and the fusion layer with every layer
named, trains the network with the paper's joint loss (colour MSE plus
alpha = 1/300 times the scene-class cross-entropy), trains its twin without the
global path on the same data and budget, and measures the ab error of both on
the pixels whose colour depends on the scene, on landscapes where only one
emblem in the sky tells the class.

Run it:

    python -m kerasbook.chapters.ch11_colorization                # default run, builtin landscapes
    python -m kerasbook.chapters.ch11_colorization --quick        # under 2 minutes on a laptop
    python -m kerasbook.chapters.ch11_colorization --data full    # tf_flowers through TFDS
    python -m kerasbook.chapters.ch11_colorization colorize --model RUN/model.keras a.png b.jpg

Reference:
    Iizuka, Simo-Serra, Ishikawa, "Let there be Color!: Joint End-to-end
    Learning of Global and Local Image Priors for Automatic Image Colorization
    with Simultaneous Classification", ACM Transactions on Graphics
    (SIGGRAPH) 2016.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerasbook import cli, saving
from kerasbook.data import DatasetSpec, register, tfds_data_dir, tfds_prepared
from kerasbook.data import colorscenes as cs
from kerasbook import xla

CHAPTER = "ch11_colorization"
PROG = "python -m kerasbook.chapters.ch11_colorization"
TITLE = "Colorization"  # its name in the site's navigation
TRACK = "Encoder-decoder track"
TOPIC = ("Let There Be Color: sRGB ↔ Lab in keras.ops, the fusion layer, joint scene classification, with vs "
         "without the global path")
AB_SCALE = 128.0          # the network predicts ab / 128, in [-1, 1] through tanh
FULL_NAME = "tf_flowers"


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 11 depends on."""

    train_size: int = 5_000         # builtin landscapes drawn for training
    val_size: int = 500             # held out for the best-model checkpoint
    test_size: int = 1_000          # unseen landscapes for the final numbers
    image_size: int = cs.SIZE       # the local path's input (96 for the builtin landscapes)
    global_size: int = 64           # the global path's input: the image resized (the paper's 224 for any size)
    width: int = 8                  # channels of the first low-level layer (the paper's 64, over 8)
    color_width: int = 16           # the colourisation network's base width (its layers: 2c, c, c, c/2)
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 3e-3     # peak of the warm-up + cosine schedule (Adam)
    alpha: float = 1 / 300          # weight of the scene-class cross-entropy in the joint loss (the paper's)
    batch_norm: bool = True         # batch norm after every hidden convolution (trains in far fewer epochs)
    compare: bool = True            # also train the twin without the global path

    def quick(self) -> "Config":
        """A preset that finishes in under 2 minutes on a laptop CPU."""
        return dataclasses.replace(self, train_size=2_000, val_size=200, test_size=300, epochs=6)

    def full(self) -> "Config":
        """Sizes for tf_flowers (`--data full`): photos resized to 96x96, the global path at 64x64."""
        return dataclasses.replace(self, train_size=3_000, val_size=300, test_size=370, epochs=20)
# --8<-- [end:config]


SPEC = register(DatasetSpec(
    name="colorization",
    builtin="landscapes whose sky and ground colours depend on the scene class (datasets/colorscenes)",
    full="tf_flowers (3,670 photos of 5 kinds of flower) through tfds.load, resized",
    full_available=tfds_prepared(FULL_NAME, FULL_NAME),
    full_url="https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz",
))


# --8<-- [start:data]
def load_builtin(cfg: Config, seed: int):
    """`{split: (images uint8 (N, 96, 96, 3), labels int64 (N,), scene_dependent uint8 (N, 96, 96))}`."""
    from kerasbook.data import generated_splits
    from kerasbook.datasets.colorscenes.colorscenes_dataset_builder import Builder, SceneConfig

    splits = generated_splits(Builder, SceneConfig.make(cfg.train_size, cfg.val_size, cfg.test_size, seed))
    return {k: (v["image"], v["label"], v["scene_dependent"][..., 0]) for k, v in splits.items()}


def load_photos(size: int, data_dir=None, sizes=(300, 370), seed=0, name=FULL_NAME):
    """A labelled photo set through `tfds.load` (one `train` split), resized and split by seed.

    Returns the same dictionary as `load_builtin`; every pixel counts as scene-dependent.
    """
    import tensorflow as tf
    import tensorflow_datasets as tfds


    def prepare(image, label):
        image = tf.image.resize(image, (size, size), method="area", antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8), label

    ds, info = tfds.load(name, split="train", as_supervised=True, with_info=True,
                         data_dir=str(tfds_data_dir(data_dir)))
    parts = list(tfds.as_numpy(ds.map(prepare).batch(500)))
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts]).astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    n_val, n_test = (min(s, len(x) // 5) for s in sizes)
    parts = {"validation": order[:n_val], "test": order[n_val:n_val + n_test], "train": order[n_val + n_test:]}
    ones = np.ones((size, size), np.uint8)
    return ({k: (x[i], y[i], np.broadcast_to(ones, (len(i), size, size))) for k, i in parts.items()},
            tuple(info.features["label"].names))


def lab_pipeline(images, labels, batch_size, shuffle_seed=None):
    """A `tf.data` pipeline: uint8 RGB -> (L (B, H, W, 1), {"ab": ab / 128, "scene": label}), Lab done in the map."""
    import tensorflow as tf

    from kerasbook.colour import uint8_to_lab

    def to_lab(image, label):
        lab = uint8_to_lab(image)                    # our keras.ops conversion, inside the pipeline
        return lab[..., :1], {"ab": lab[..., 1:] / AB_SCALE, "scene": label}

    # Converted once, in the first epoch, then kept: the conversion would otherwise
    # cost a 2-core CPU as much time as the training step itself.
    ds = (tf.data.Dataset.from_tensor_slices((images, labels)).batch(256)
          .map(to_lab, num_parallel_calls=tf.data.AUTOTUNE).unbatch()
          .apply(tf.data.experimental.assert_cardinality(len(images))).cache())
    if shuffle_seed is not None:
        ds = ds.shuffle(len(images), seed=shuffle_seed)
    return ds.batch(batch_size, drop_remainder=shuffle_seed is not None).prefetch(tf.data.AUTOTUNE)
# --8<-- [end:data]


# --8<-- [start:model]
def conv(x, filters, name, strides=1, norm=True):
    """A 3x3 convolution, batch norm and ReLU (without `norm`: convolution with bias and ReLU)."""
    from keras import layers

    if not norm:
        return layers.Conv2D(filters, 3, strides=strides, padding="same", activation="relu", name=name)(x)
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False, name=name)(x)
    x = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def low_level_network(width: int, norm: bool = True):
    """Six 3x3 convolutions, three of them with stride 2: (H, W, 1) -> (H/8, W/8, 8 width). Any input size."""
    import keras

    x = inputs = keras.Input((None, None, 1), name="scaled_lightness")
    for i, (filters, strides) in enumerate([(1, 2), (2, 1), (2, 2), (4, 1), (4, 2), (8, 1)], start=1):
        x = conv(x, filters * width, f"low{i}", strides, norm)
    return keras.Model(inputs, x, name="low_level")


def build_colorizer(cfg: Config, num_classes: int, fusion: bool = True, name: str | None = None):
    """The colourisation network of Iizuka et al., scaled by `cfg.width` (the paper's widths are width = 64).

    L (H, W, 1) in [0, 100] -> ab / 128 (H, W, 2), and with `fusion` also the scene-class logits.
    Without `fusion` the global path is removed and a 1x1 convolution of the
    mid-level features alone takes the fusion layer's place.
    """
    import keras
    from keras import layers

    from kerasbook.layers.fusion import FusionLayer

    w, size = cfg.width, cfg.image_size
    lightness = keras.Input((size, size, 1), name="lightness")
    x = layers.Rescaling(1 / 50, offset=-1, name="scale")(lightness)             # L in [-1, 1]
    low = low_level_network(w, cfg.batch_norm)                                                 # one set of weights ...
    local = low(x)                                                               # (B, H/8, W/8, 8w)
    # Mid-level features: two convolutions, no pooling, so the map keeps H/8 x W/8.
    mid = conv(local, 8 * w, "mid1", norm=cfg.batch_norm)
    mid = conv(mid, 4 * w, "mid2", norm=cfg.batch_norm)                                               # (B, H/8, W/8, 4w)
    outputs = {}
    if fusion:
        if cfg.global_size == size:
            g = local                                                            # same input: same features
        else:
            resized = layers.Resizing(cfg.global_size, cfg.global_size, name="global_resize")(x)
            g = low(resized)                                                     # ... used by both paths
        # Global features: down-sample twice more, then fully connected layers.
        g = conv(g, 8 * w, "global1", strides=2, norm=cfg.batch_norm)
        g = conv(g, 8 * w, "global2", norm=cfg.batch_norm)
        g = conv(g, 8 * w, "global3", strides=2, norm=cfg.batch_norm)
        g = conv(g, 8 * w, "global4", norm=cfg.batch_norm)                                            # (B, G/32, G/32, 8w)
        g = layers.Flatten(name="global_flatten")(g)
        g = layers.Dense(16 * w, activation="relu", name="global_fc1")(g)
        g512 = layers.Dense(8 * w, activation="relu", name="global_fc2")(g)      # shared with the classifier
        g256 = layers.Dense(4 * w, activation="relu", name="global_fc3")(g512)   # (B, 4w): what fusion receives
        k = layers.Dense(4 * w, activation="relu", name="class_fc1")(g512)
        outputs["scene"] = layers.Dense(num_classes, name="scene")(k)          # (B, classes) logits
        fused = FusionLayer(4 * w, name="fusion")([mid, g256])                   # (B, H/8, W/8, 4w)
    else:
        fused = layers.Conv2D(4 * w, 1, activation="relu", name="no_fusion_1x1")(mid)
    # Colourisation network: up-sample x8 in three steps, ab out.
    c = cfg.color_width                                                          # the paper: c = w = 64
    y = conv(fused, 2 * c, "color1", norm=cfg.batch_norm)
    y = layers.UpSampling2D(name="color_up1")(y)                                 # H/4
    y = conv(y, c, "color2", norm=cfg.batch_norm)
    y = conv(y, c, "color3", norm=cfg.batch_norm)
    y = layers.UpSampling2D(name="color_up2")(y)                                 # H/2
    y = conv(y, c // 2, "color4", norm=cfg.batch_norm)
    y = layers.Conv2D(2, 3, padding="same", activation="tanh", name="color_ab")(y)                              # (B, H/2, W/2, 2)
    outputs["ab"] = layers.UpSampling2D(interpolation="bilinear", name="ab")(y)  # (B, H, W, 2)
    return keras.Model(lightness, outputs, name=name or ("colorizer" if fusion else "colorizer_no_fusion"))
# --8<-- [end:model]


# --8<-- [start:compile]
def compile_colorizer(model, cfg: Config, steps_per_epoch: int, jit: bool):
    """Adam with warm-up + cosine decay; colour MSE, plus alpha x scene cross-entropy when the model classifies."""
    import keras

    from kerasbook import training

    total = max(2, cfg.epochs * steps_per_epoch)
    warmup = max(1, total // 10)
    schedule = keras.optimizers.schedules.CosineDecay(0.0, total - warmup, alpha=0.02, warmup_target=cfg.learning_rate,
                                                      warmup_steps=warmup)
    names = set(model.output_names) if hasattr(model, "output_names") else set(model.output)
    loss = {"ab": keras.losses.MeanSquaredError(name="colour_mse")}
    weights = {"ab": 1.0}
    metrics = {"ab": [keras.metrics.MeanAbsoluteError(name="mae")]}
    if "scene" in names:
        loss["scene"] = keras.losses.SparseCategoricalCrossentropy(from_logits=True, name="scene_ce")
        weights["scene"] = cfg.alpha
        metrics["scene"] = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=loss, loss_weights=weights, metrics=metrics,
                  jit_compile=jit)
    training.check_jit(model, jit)
# --8<-- [end:compile]


def measure_step_times(cfg: Config, steps=10, modes=(True, False), seed=0):
    """Seconds per training step of the fusion colouriser with XLA on and off."""
    import keras


    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, (cfg.batch_size, cfg.image_size, cfg.image_size, 1)).astype("float32")
    y = {"ab": rng.uniform(-0.5, 0.5, (cfg.batch_size, cfg.image_size, cfg.image_size, 2)).astype("float32"),
         "scene": rng.integers(0, len(cs.CLASSES), cfg.batch_size)}

    def make(jit):
        keras.utils.set_random_seed(seed)
        model = build_colorizer(cfg, len(cs.CLASSES))
        compile_colorizer(model, cfg, 100, jit)
        return model

    return xla.time_train_steps(make, x, y, steps=steps, modes=modes)


def diagram_models():
    """The models the site draws: the colouriser with fusion and its twin without the global path."""
    cfg = Config()
    return {"colorizer": build_colorizer(cfg, len(cs.CLASSES)),
            "colorizer_no_fusion": build_colorizer(cfg, len(cs.CLASSES), fusion=False)}


# --8<-- [start:evaluate]
def predict_ab(model, lightness) -> tuple[np.ndarray, np.ndarray | None]:
    """`(ab (N, H, W, 2) in Lab units, scene probabilities (N, K) or None)` for lightness `(N, H, W, 1)`."""
    import keras

    out = model.predict(lightness, batch_size=128, verbose=0)
    probs = keras.ops.convert_to_numpy(keras.ops.softmax(out["scene"])) if "scene" in out else None
    return out["ab"] * AB_SCALE, probs


def ab_errors(pred_ab, true_ab, dependent, labels, num_classes) -> dict:
    """Mean ab distance (CIE76 chroma error, in Lab units) on the scene-dependent pixels, on all pixels, per class."""
    dist = np.sqrt(((np.asarray(pred_ab, np.float64) - true_ab) ** 2).sum(axis=-1))      # (N, H, W)
    mask = np.asarray(dependent, bool)
    per_class = [float(dist[labels == k][mask[labels == k]].mean()) if (labels == k).any() else float("nan")
                 for k in range(num_classes)]
    return {"ab_error_scene": float(dist[mask].mean()) if mask.any() else float("nan"),
            "ab_error_all": float(dist.mean()),
            "ab_error_scene_per_class": per_class}
# --8<-- [end:evaluate]

DISTANCE_BINS = (0, 16, 32, 48, 64, 1_000)      # pixels from the emblem


def emblem_distance(lightness) -> np.ndarray:
    """Distance in pixels from each pixel to the nearest emblem pixel `(N, H, W)`; the emblem is what is brighter than L* 85."""
    from scipy.ndimage import distance_transform_edt

    out = np.empty(np.shape(lightness)[:3], np.float32)
    for i, L in enumerate(np.asarray(lightness)[..., 0]):
        emblem = L > 85
        out[i] = distance_transform_edt(~emblem) if emblem.any() else np.inf
    return out


def error_by_distance(pred_ab, true_ab, dependent, distance) -> list:
    """Mean ab error of the scene-dependent pixels in each band of distance from the emblem (`DISTANCE_BINS`)."""
    dist = np.sqrt(((np.asarray(pred_ab, np.float64) - true_ab) ** 2).sum(axis=-1))
    mask = np.asarray(dependent, bool)
    out = []
    for lo, hi in zip(DISTANCE_BINS[:-1], DISTANCE_BINS[1:]):
        band = mask & (distance >= lo) & (distance < hi)
        out.append(float(dist[band].mean()) if band.any() else float("nan"))
    return out


def lab_of(images) -> np.ndarray:
    """uint8 RGB -> Lab float32 NumPy, by our keras.ops conversion."""
    import keras

    from kerasbook.colour import uint8_to_lab

    return keras.ops.convert_to_numpy(uint8_to_lab(images))


def colourise(lightness, ab) -> np.ndarray:
    """uint8 RGB images from lightness `(N, H, W, 1)` and ab `(N, H, W, 2)`."""
    from kerasbook.colour import lab_to_uint8

    return lab_to_uint8(np.concatenate([lightness, ab], axis=-1))


# --8<-- [start:figures]
def scenes_figure(path, seed):
    """The same landscape drawn in each class, and its grey version, which the four share."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    n = len(cs.CLASSES)
    fig, axes = plt.subplots(2, n + 1, figsize=(2.1 * (n + 1), 4.6))
    for row, index in enumerate((3, 11)):
        images = [cs.draw_example(seed, "figure", index, label=k)[0] for k in range(n)]
        grey = lab_of(images[0])[..., 0]
        axes[row, 0].imshow(grey, cmap="gray", vmin=0, vmax=100)
        axes[row, 0].set_title("L* (grey)" if row == 0 else "", fontsize=8)
        for k, image in enumerate(images):
            axes[row, k + 1].imshow(image)
            if row == 0:
                axes[row, k + 1].set_title(f"{cs.CLASSES[k]} ({cs.EMBLEMS[k]})", fontsize=8)
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle("one landscape in four classes: same lightness (except the emblem), different colours", fontsize=9)
    save_figure(fig, path, dpi=100)


def colour_spaces_figure(path, image):
    """One image split into the channels of RGB, HSV, CMYK and Lab."""
    import matplotlib.pyplot as plt

    from kerasbook import colour
    from kerasbook.plots import save_figure

    rgb = image.astype(np.float64) / 255
    hsv, cmyk, lab = colour.rgb_to_hsv(rgb), colour.rgb_to_cmyk(rgb), lab_of(image)
    rows = [("RGB", [(rgb[..., i], n, "gray", (0, 1)) for i, n in enumerate("RGB")]),
            ("HSV", [(hsv[..., 0], "H (hue)", "hsv", (0, 1)), (hsv[..., 1], "S", "gray", (0, 1)),
                     (hsv[..., 2], "V", "gray", (0, 1))]),
            ("CMYK", [(cmyk[..., i], n, "gray_r", (0, 1)) for i, n in enumerate("CMYK")]),
            ("Lab", [(lab[..., 0], "L* (lightness)", "gray", (0, 100)), (lab[..., 1], "a* (green-red)", "PiYG_r", (-60, 60)),
                     (lab[..., 2], "b* (blue-yellow)", "cividis", (-60, 60))])]
    fig, axes = plt.subplots(len(rows), 5, figsize=(10, 8.2))
    for r, (space, channels) in enumerate(rows):
        axes[r, 0].imshow(image)
        axes[r, 0].set_title(space, fontsize=9)
        for c in range(1, 5):
            ax = axes[r, c]
            if c - 1 < len(channels):
                data, name, cmap, (lo, hi) = channels[c - 1]
                ax.imshow(data, cmap=cmap, vmin=lo, vmax=hi)
                ax.set_title(name, fontsize=8)
            ax.axis("off")
        axes[r, 0].axis("off")
    save_figure(fig, path, dpi=80)


def comparison_figure(path, images, lightness, ab_plain, ab_fused, dependent, n=6):
    """Grey input / without fusion / with fusion / truth on unseen images, each with its ab error."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    true_ab = lab_of(images[:n])[..., 1:]
    fig, axes = plt.subplots(n, 4, figsize=(7.4, 1.95 * n))
    for i in range(n):
        panels = [(np.repeat(lightness[i] / 100, 3, axis=-1), "grey input (L*)")]
        for ab, label in ((ab_plain, "without fusion"), (ab_fused, "with fusion")):
            if ab is None:
                continue
            err = ab_errors(ab[i:i + 1], true_ab[i:i + 1], dependent[i:i + 1], np.zeros(1, int), 1)["ab_error_scene"]
            panels.append((colourise(lightness[i:i + 1], ab[i:i + 1])[0], f"{label}\nab error {err:.1f}"))
        panels.append((images[i], "truth"))
        for ax, (img, title) in zip(axes[i], panels):
            ax.imshow(np.clip(img, 0, 1) if img.dtype != np.uint8 else img)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(title if (i == 0 or "error" in title) else "", fontsize=7)
    save_figure(fig, path, dpi=80)


def error_maps_figure(path, images, ab_plain, ab_fused, n=6):
    """Per-pixel ab error (Lab units) of both models on the same unseen images."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    true_ab = lab_of(images[:n])[..., 1:]
    models = [(ab, name) for ab, name in ((ab_plain, "without fusion"), (ab_fused, "with fusion")) if ab is not None]
    fig, axes = plt.subplots(len(models) + 1, n, figsize=(1.7 * n, 1.8 * (len(models) + 1) + 0.5))
    axes = np.atleast_2d(axes)
    shown = None
    for i in range(n):
        axes[0, i].imshow(images[i])
        for r, (ab, name) in enumerate(models, start=1):
            dist = np.sqrt(((ab[i] - true_ab[i]) ** 2).sum(-1))
            shown = axes[r, i].imshow(dist, cmap="magma", vmin=0, vmax=60)
            if i == 0:
                axes[r, i].set_ylabel(name, fontsize=8)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("truth", fontsize=8)
    fig.colorbar(shown, ax=axes[1:].ravel().tolist(), shrink=0.8, label="ab error")
    save_figure(fig, path, dpi=100, tight=False, bbox_inches="tight")


def curves_figure(path, fused: dict, plain: dict | None, alpha: float):
    """The joint loss's two parts (colour MSE and scene cross-entropy) and the scene accuracy, by epoch."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.3))
    for hist, label, style in ((fused, "with fusion", "-"), (plain, "without fusion", "--")):
        if hist is None:
            continue
        key = "ab_loss" if "ab_loss" in hist else "loss"          # a one-output model logs plain "loss"
        epochs = np.arange(1, len(hist[key]) + 1)
        axes[0].plot(epochs, hist[key], style, marker="o", ms=3, label=f"{label}, train")
        axes[0].plot(epochs, hist[f"val_{key}"], style, marker="s", ms=3, label=f"{label}, validation")
    epochs = np.arange(1, len(fused["scene_loss"]) + 1)
    axes[1].plot(epochs, fused["scene_loss"], "o-", ms=3, label="train")
    axes[1].plot(epochs, fused["val_scene_loss"], "s-", ms=3, label="validation")
    axes[2].plot(epochs, fused["scene_accuracy"], "o-", ms=3, label="train")
    axes[2].plot(epochs, fused["val_scene_accuracy"], "s-", ms=3, label="validation")
    axes[0].set_title("colour loss: MSE of ab / 128", fontsize=9)
    axes[0].set_yscale("log")
    axes[1].set_title(f"scene cross-entropy (weighted by alpha = {alpha:.4g} in the loss)", fontsize=9)
    axes[2].set_title("scene-class accuracy of the global path", fontsize=9)
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    save_figure(fig, path, dpi=100)
# --8<-- [end:figures]


def train_colorizer(name, fusion, data, cfg, run, out, num_classes):
    """Build, train (best epoch by validation loss) and score one colouriser."""
    from kerasbook import training

    (x, y, _), (xv, yv, _), (xt, yt, mt) = data
    steps = len(x) // cfg.batch_size
    info = run.run_info()
    with run.strategy.scope():
        model = build_colorizer(cfg, num_classes, fusion=fusion, name=name)
        compile_colorizer(model, cfg, steps, run.jit)
    train_ds = lab_pipeline(x, y, cfg.batch_size, shuffle_seed=run.seed)
    val_ds = lab_pipeline(xv, yv, 128)
    if not fusion:                     # the twin has one output: drop the scene target
        train_ds, val_ds = (ds.map(lambda L, t: (L, {"ab": t["ab"]})) for ds in (train_ds, val_ds))
    model, history = training.fit(model, train_ds, val_ds, epochs=cfg.epochs, out=out, info=info,
                                  train_examples=steps * cfg.batch_size, verbose=run.verbose())
    lab_test = lab_of(xt)
    ab, probs = predict_ab(model, lab_test[..., :1])
    score = ab_errors(ab, lab_test[..., 1:], mt, yt, num_classes)
    if run.source == "builtin":
        score["ab_error_by_emblem_distance"] = error_by_distance(ab, lab_test[..., 1:], mt,
                                                                 emblem_distance(lab_test[..., :1]))
    if probs is not None:
        score["scene_accuracy"] = float((probs.argmax(-1) == yt).mean())
    score["params"] = model.count_params()
    score["epochs_run"] = info.epochs_run
    return model, history, info, score, ab


def load_data(run):
    cfg = run.cfg
    if run.source == "builtin":
        splits, names = load_builtin(cfg, run.seed), cs.CLASSES
    else:
        splits, names = load_photos(cfg.image_size, run.args.data_dir, (cfg.val_size, cfg.test_size), seed=run.seed)
    x, y, m = splits["train"]
    splits["train"] = (x[: cfg.train_size], y[: cfg.train_size], m[: cfg.train_size])
    return [splits[k] for k in ("train", "validation", "test")], names


def _train(argv):
    from kerasbook import runs

    def add_arguments(parser):
        parser.add_argument("--alpha", type=float, default=None,
                            help="weight of the scene cross-entropy in the joint loss (default 1/300, the paper's)")

    def config(sources):
        return Config().full() if sources.get("colorization") == "full" else Config()

    def validate(args, cfg, sources):
        if args.alpha is not None and not args.alpha >= 0:
            raise cli.UsageError(f"--alpha {args.alpha} is negative; give a weight of 0 or more")
        if cfg.image_size % 8 or cfg.global_size % 32:
            raise cli.UsageError("the image size must be a multiple of 8 and the global size of 32")

    run = runs.setup(argv, chapter=CHAPTER, prog=PROG, specs=(SPEC,), config=config, validate=validate,
                     add_arguments=add_arguments,
                     description="Colourise grey images with and without global features (chapter 11).",
                     measure=lambda run: measure_step_times(run.cfg, steps=5),
                     data_dir_hint=f"give the TFDS data folder that holds {FULL_NAME}/")
    if run.args.alpha is not None:
        run.cfg = dataclasses.replace(run.cfg, alpha=run.args.alpha)
    cfg, out = run.cfg, run.out
    figs = out / "figures"

    start = time.perf_counter()
    data, class_names = load_data(run)
    seconds = {"data": time.perf_counter() - start}
    run.require_batch(len(data[0][0]), "training images")
    print(f"data: {run.source}, {len(data[0][0])} train / {len(data[1][0])} validation / {len(data[2][0])} test "
          f"images of {cfg.image_size}x{cfg.image_size}, {len(class_names)} classes ({seconds['data']:.0f}s)")

    k = len(class_names)
    plan = [("with fusion", True, out)]
    if cfg.compare:
        plan.append(("without fusion", False, out / "no_fusion"))
    results, abs_, trained = {}, {}, {}
    for name, fusion, where in plan:
        print(f"training the colouriser {name} ...", flush=True)
        t = time.perf_counter()
        model, history, info, score, ab = train_colorizer(
            "colorizer" if fusion else "colorizer_no_fusion", fusion, data, cfg, run, where, k)
        seconds[name] = time.perf_counter() - t
        results[name], abs_[name], trained[name] = score, ab, (model, history, info)
        extra = f", scene accuracy {score['scene_accuracy']:.1%}" if "scene_accuracy" in score else ""
        print(f"  {name}: ab error {score['ab_error_scene']:.2f} on scene-dependent pixels, "
              f"{score['ab_error_all']:.2f} on all{extra}")

    xt, yt, mt = data[2]
    lab_test = lab_of(xt)
    grey = ab_errors(np.zeros_like(lab_test[..., 1:]), lab_test[..., 1:], mt, yt, k)
    t = time.perf_counter()
    figs.mkdir(parents=True, exist_ok=True)
    fused_hist = trained["with fusion"][1]
    plain_hist = trained["without fusion"][1] if cfg.compare else None
    curves_figure(figs / "curves.png", fused_hist, plain_hist, cfg.alpha)
    comparison_figure(figs / "comparison.png", xt, lab_test[..., :1], abs_.get("without fusion"),
                      abs_["with fusion"], mt)
    error_maps_figure(figs / "error_maps.png", xt, abs_.get("without fusion"), abs_["with fusion"])
    colour_spaces_figure(figs / "colour_spaces.png", xt[0])
    if run.source == "builtin":
        scenes_figure(figs / "scenes.png", run.seed)
    seconds["figures"] = time.perf_counter() - t

    f = results["with fusion"]
    final = {"fusion_ab_error_scene": f["ab_error_scene"], "fusion_ab_error_all": f["ab_error_all"],
             "scene_accuracy": f["scene_accuracy"], "grey_ab_error_scene": grey["ab_error_scene"],
             "final_colour_loss": fused_hist["val_ab_loss"][-1], "final_scene_loss": fused_hist["val_scene_loss"][-1]}
    if cfg.compare:
        p = results["without fusion"]
        final.update(no_fusion_ab_error_scene=p["ab_error_scene"], no_fusion_ab_error_all=p["ab_error_all"],
                     fusion_error_reduction=1 - f["ab_error_scene"] / p["ab_error_scene"])
    extra = {"distance_bins": list(DISTANCE_BINS)} if run.source == "builtin" else {}
    run.finish(dataset=run.dataset_entry(len(data[0][0]), len(data[1][0]), len(xt), image_size=cfg.image_size,
                                         classes=list(class_names), **extra),
               info=trained["with fusion"][2], final=final, seconds=seconds, results=results,
               grey_baseline=grey)
    summary = f"with fusion: ab error {f['ab_error_scene']:.2f}, scene accuracy {f['scene_accuracy']:.1%}"
    if cfg.compare:
        summary += (f"; without fusion: {final['no_fusion_ab_error_scene']:.2f} "
                    f"({final['fusion_error_reduction']:.0%} lower with fusion)")
    print(f"{summary}; grey: {grey['ab_error_scene']:.2f}; XLA {'on' if run.jit else 'off'}; wrote {out}")
    return 0


def read_grey(path, size: int):
    """`(L at the original size (H, W, 1), L resized to size x size (1, size, size, 1), original size)` of an image file."""
    from PIL import Image, UnidentifiedImageError

    try:
        original = Image.open(path).convert("RGB")
    except (UnidentifiedImageError, OSError):
        raise cli.UsageError(f"cannot read image {path}; give a PNG or JPEG file") from None
    full = lab_of(np.asarray(original))[..., :1]
    small = lab_of(np.asarray(original.resize((size, size), Image.Resampling.BILINEAR)))[None, ..., :1]
    return full, small, original.size


def _class_names(metrics_path: Path) -> list:
    """The class names a run recorded in its metrics.json, or [] when there is none."""
    import json

    try:
        return list(json.loads(metrics_path.read_text())["dataset"]["classes"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _colorize(argv):
    parser = cli.OneLineParser(prog=f"{PROG} colorize",
                               description="Colourise grey (or colour, read as grey) images with a chapter 11 model.")
    parser.add_argument("--model", required=True, help="a model.keras written by a chapter 11 run")
    parser.add_argument("--out-dir", default="colorized", help="folder for the colour PNGs (default: colorized)")
    parser.add_argument("images", nargs="+", help="image files (PNG or JPEG)")
    args = parser.parse_args(argv)
    cli.require_model_and_images(args.model, args.images, PROG)
    from PIL import Image

    import kerasbook.layers.fusion  # noqa: F401  (registers the fusion layer)

    model = saving.load_user_model(args.model, "chapter 11")
    size = model.input_shape[1]
    names = _class_names(Path(args.model).parent / "metrics.json")
    read = [read_grey(path, size) for path in args.images]          # every image checked before any is written
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for path, (full, small, (width, height)) in zip(args.images, read):
        ab, probs = predict_ab(model, small)
        # Colour is predicted at the model's size and enlarged; the lightness keeps every original pixel.
        ab_full = np.stack([np.asarray(Image.fromarray(ab[0, ..., c].astype(np.float32), mode="F")
                                       .resize((width, height), Image.Resampling.BILINEAR)) for c in range(2)], -1)
        target = out / f"{Path(path).stem}_color.png"
        Image.fromarray(colourise(full[None], ab_full[None])[0]).save(target)
        scene = ""
        if probs is not None:
            k = int(probs[0].argmax())
            scene = f"\tscene: {names[k] if k < len(names) else k} ({probs[0, k]:.0%})"
        print(f"{path}\t{target}{scene}")
    return 0


def main(argv=None):
    """Train (the default, or `train`) or colourise images (`colorize`); returns the exit code."""
    return cli.chapter_main(argv, _train, PROG, colorize=_colorize)


if __name__ == "__main__":
    sys.exit(main())
