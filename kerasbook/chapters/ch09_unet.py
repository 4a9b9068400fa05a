"""Chapter 9: U-Net, a label for every pixel, and why the skip connections matter.

Classification gives an image one label; semantic segmentation gives every
pixel one. An encoder-decoder does it: the encoder shrinks the image into
coarse maps that know *what* is there, the decoder grows them back to full
size. Shrinking loses *where*, though, so a decoder that only sees the coarse
maps draws soft, blurred boundaries. U-Net hands the decoder, at every scale,
the encoder's maps of the same size (a skip connection by concatenation), and
the boundaries come back sharp.

This chapter builds the course's U-Net with every layer named and its twin
without skips (a fully convolutional network with the same encoder and
decoder), trains both on scenes whose thin rods and touching objects make
boundaries matter, and scores them with per-class IoU, Dice and a boundary
IoU; it also compares cross-entropy + Dice (the default) with cross-entropy alone.

Run it:

    python -m kerasbook.chapters.ch09_unet                  # default run, builtin scenes
    python -m kerasbook.chapters.ch09_unet --quick          # under 2 minutes on a laptop
    python -m kerasbook.chapters.ch09_unet --data full      # Oxford-IIIT Pets through TFDS
    python -m kerasbook.chapters.ch09_unet predict --model RUN/model.keras a.png b.png

References:
    Ronneberger, Fischer, Brox, "U-Net: Convolutional Networks for Biomedical
    Image Segmentation", MICCAI 2015. Long, Shelhamer, Darrell, "Fully
    Convolutional Networks for Semantic Segmentation", CVPR 2015. Cheng et al.,
    "Boundary IoU: Improving Object-Centric Image Segmentation Evaluation",
    CVPR 2021.
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
from kerasbook.data import segshapes as sg
from kerasbook import xla

CHAPTER = "ch09_unet"
PROG = "python -m kerasbook.chapters.ch09_unet"
TITLE = "U-Net"  # its name in the site's navigation
TRACK = "Encoder-decoder track"
TOPIC = ("the four vision tasks, encoder-decoder, skip connections: U-Net against its twin without skips; IoU,"
         " Dice and boundary IoU")
PET_CLASSES = ("background", "pet")


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 9 depends on."""

    train_size: int = 5_000         # builtin scenes drawn for training
    val_size: int = 500             # held out for the best-model checkpoint
    test_size: int = 1_000          # unseen scenes for the final numbers
    image_size: int = sg.SIZE       # 48 for the builtin scenes; pets are resized to `pet_size`
    pet_size: int = 128
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 4e-3     # peak of the warm-up + cosine schedule
    base: int = 12                  # channels of the first level; x2 at every level down
    up: str = "transpose"           # decoder up-sampling: "transpose" (Conv2DTranspose) or "upsample" (UpSampling2D + conv)
    boundary_width: int = 2         # pixels of the band the boundary IoU looks at
    dice: bool = True               # train on cross-entropy + Dice (False: cross-entropy alone)
    compare_loss: bool = True       # also train the U-Net on the other loss

    def quick(self) -> "Config":
        """A preset that finishes in under 2 minutes on a laptop CPU."""
        return dataclasses.replace(self, train_size=3_000, val_size=200, test_size=300, epochs=4, compare_loss=False)
# --8<-- [end:config]


SPEC = register(DatasetSpec(
    name="segmentation",
    builtin="scenes of discs, rods and triangles with exact masks (datasets/segshapes)",
    full="Oxford-IIIT Pets through tfds.load, the trimap folded to pet vs background",
    full_available=tfds_prepared("oxford_iiit_pet", "Oxford-IIIT Pets"),
    full_url="https://thor.robots.ox.ac.uk/datasets/pets/images.tar.gz",
))


# --8<-- [start:data]
def load_builtin(cfg: Config, seed: int):
    """`{split: (images uint8 (N, 48, 48, 3), masks uint8 (N, 48, 48))}` from the TFDS builder, drawing order."""
    from kerasbook.data import generated_splits
    from kerasbook.datasets.segshapes.segshapes_dataset_builder import Builder, SegConfig

    splits = generated_splits(Builder, SegConfig.make(cfg.train_size, cfg.val_size, cfg.test_size, seed))
    return {k: (v["image"], v["segmentation_mask"][..., 0]) for k, v in splits.items()}


def fold_trimap(trimap):
    """Oxford-IIIT Pets' trimap (1 pet, 2 background, 3 border) as 1 = pet (with its border), 0 = background."""
    trimap = np.asarray(trimap)
    return ((trimap == 1) | (trimap == 3)).astype(np.uint8)


def load_pets(size: int, data_dir=None, val_fraction=0.1, seed=0):
    """Oxford-IIIT Pets through `tfds.load`, images resized bilinearly and masks by nearest neighbour."""
    import tensorflow as tf
    import tensorflow_datasets as tfds


    def prepare(example):
        image = tf.image.resize(example["image"], (size, size), method="bilinear")
        # Nearest neighbour only: interpolating labels would invent classes between them.
        mask = tf.image.resize(example["segmentation_mask"], (size, size), method="nearest")
        return tf.cast(tf.round(image), tf.uint8), tf.cast(mask[..., 0], tf.uint8)

    def arrays(ds):
        parts = list(tfds.as_numpy(ds.map(prepare).batch(1_000)))
        return np.concatenate([p[0] for p in parts]), fold_trimap(np.concatenate([p[1] for p in parts]))

    train, test = tfds.load("oxford_iiit_pet", split=["train", "test"], data_dir=str(tfds_data_dir(data_dir)))
    (x, y), (xt, yt) = arrays(train), arrays(test)
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, int(len(x) * val_fraction))
    val, tr = order[:n_val], order[n_val:]
    return {"train": (x[tr], y[tr]), "validation": (x[val], y[val]), "test": (xt, yt)}
# --8<-- [end:data]


# --8<-- [start:model]
def conv_block(x, filters: int, name: str):
    """Two 3x3 convolutions, each with batch norm and ReLU: the U-Net's building block."""
    from keras import layers

    for i in (1, 2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv{i}")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn{i}")(x)
        x = layers.ReLU(name=f"{name}_relu{i}")(x)
    return x


def build_unet(cfg: Config, num_classes: int, skips: bool = True, size: int | None = None, name=None):
    """The U-Net (or, with `skips=False`, its twin without skip connections: an FCN).

    Encoder: three blocks, each followed by 2x2 max pooling (48 -> 24 -> 12 -> 6).
    Bottleneck: one block at the coarsest scale. Decoder: three times
    up-sample x2, concatenate the encoder's map of the same size (U-Net only),
    block. Head: a 1x1 convolution to one logit per class and pixel.
    """
    import keras
    from keras import layers

    size = size or cfg.image_size
    widths = [cfg.base * 2 ** i for i in range(3)]                           # e.g. 12, 24, 48
    image = keras.Input((size, size, 3), dtype="uint8", name="image")
    x = layers.Rescaling(1 / 127.5, offset=-1, name="scale")(image)          # (B, 48, 48, 3) in [-1, 1]
    kept = []
    for level, f in enumerate(widths, start=1):
        x = conv_block(x, f, f"enc{level}")                                  # (B, s, s, f)
        kept.append(x)
        x = layers.MaxPooling2D(name=f"pool{level}")(x)                      # (B, s/2, s/2, f)
    x = conv_block(x, widths[-1] * 2, "bottleneck")                          # (B, 6, 6, 8 * base)
    for level, f in reversed(list(enumerate(widths, start=1))):
        if cfg.up == "transpose":
            x = layers.Conv2DTranspose(f, 2, strides=2, name=f"up{level}")(x)   # learned x2
        else:
            x = layers.UpSampling2D(name=f"up{level}")(x)                      # copied x2 ...
            x = layers.Conv2D(f, 3, padding="same", activation="relu", name=f"up{level}_conv")(x)   # ... then learned
        if skips:
            x = layers.Concatenate(name=f"skip{level}")([x, kept[level - 1]])   # (B, s, s, 2f): f from below + f kept
        x = conv_block(x, f, f"dec{level}")                                  # (B, s, s, f)
    logits = layers.Conv2D(num_classes, 1, name="head")(x)                   # (B, 48, 48, K): 1x1 conv per pixel
    return keras.Model(image, logits, name=name or ("unet" if skips else "fcn"))
# --8<-- [end:model]


def compile_segmenter(model, cfg: Config, num_classes: int, steps_per_epoch: int, jit: bool, dice: bool = False):
    """Adam with warm-up + cosine decay; cross-entropy, or cross-entropy + Dice."""
    import keras

    from kerasbook import training
    from kerasbook.layers.segmentation import CrossEntropyDice

    total = max(2, cfg.epochs * steps_per_epoch)
    warmup = max(1, total // 10)
    schedule = keras.optimizers.schedules.CosineDecay(0.0, total - warmup, alpha=0.02, warmup_target=cfg.learning_rate,
                                                      warmup_steps=warmup)
    loss = (CrossEntropyDice(num_classes) if dice
            else keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    training.compile_model(model, optimizer=keras.optimizers.Adam(schedule), loss=loss,
                           metrics=[keras.metrics.MeanIoU(num_classes, sparse_y_pred=False, name="mean_iou")],
                           jit_compile=jit)


def measure_step_times(cfg: Config, steps=10, modes=(True, False), seed=0):
    """Seconds per training step of the U-Net with XLA on and off."""
    import keras


    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (cfg.batch_size, cfg.image_size, cfg.image_size, 3), dtype=np.uint8)
    y = rng.integers(0, len(sg.CLASSES), (cfg.batch_size, cfg.image_size, cfg.image_size)).astype("int32")

    def make(jit):
        keras.utils.set_random_seed(seed)
        model = build_unet(cfg, len(sg.CLASSES))
        compile_segmenter(model, cfg, len(sg.CLASSES), 100, jit, dice=cfg.dice)
        return model

    return xla.time_train_steps(make, x, y, steps=steps, modes=modes)


def diagram_models():
    """The models the site draws with `keras.utils.plot_model`: the U-Net and its FCN twin."""
    cfg = Config()
    return {"unet": build_unet(cfg, len(sg.CLASSES)), "fcn": build_unet(cfg, len(sg.CLASSES), skips=False)}


def predict_masks(model, images) -> np.ndarray:
    """Label maps `(N, H, W)` uint8: the most likely class of every pixel."""
    return model.predict(images, batch_size=64, verbose=0).argmax(axis=-1).astype(np.uint8)


PALETTE = np.array([[0, 0, 0], [230, 60, 60], [70, 200, 70], [70, 110, 240]], np.uint8)   # background, 3 classes


def colour_mask(mask) -> np.ndarray:
    """A label map as an RGB image, one colour per class."""
    return PALETTE[np.asarray(mask) % len(PALETTE)]


def overlay(image, mask, alpha=0.5) -> np.ndarray:
    """The image with the non-background classes painted over it."""
    image = np.asarray(image, np.float32)
    paint = colour_mask(mask).astype(np.float32)
    on = (np.asarray(mask) > 0)[..., None]
    return np.where(on, (1 - alpha) * image + alpha * paint, image).astype(np.uint8)


def tasks_figure(path, seed):
    """Classification, detection, semantic and instance segmentation of one builtin scene."""
    import matplotlib.patches as patches
    import matplotlib.pyplot as plt

    from scipy.ndimage import binary_dilation

    from kerasbook.plots import save_figure

    # The first scene in which two objects of the same class touch: semantic
    # segmentation merges them, instance segmentation keeps them apart.
    for index in range(500):
        image, mask, instances, kinds = sg.draw_example(seed, "figure", index, instances=True)
        if any(kinds[a] == kinds[b] and (binary_dilation(instances == a + 1) & (instances == b + 1)).any()
               for a in range(len(kinds)) for b in range(a + 1, len(kinds))):
            break
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.2))
    names = sorted({sg.CLASSES[k] for k in kinds})
    axes[0].imshow(image)
    axes[0].set_title("classification:\n" + ", ".join(names), fontsize=8)
    axes[1].imshow(image)
    for number, kind in enumerate(kinds, start=1):
        ys, xs = np.nonzero(instances == number)
        if len(xs):
            axes[1].add_patch(patches.Rectangle((xs.min() - 0.5, ys.min() - 0.5), np.ptp(xs) + 1, np.ptp(ys) + 1,
                                                fill=False, lw=1.5, edgecolor=PALETTE[kind] / 255))
    axes[1].set_title("detection:\na box and a class per object", fontsize=8)
    axes[2].imshow(colour_mask(mask))
    axes[2].set_title("semantic segmentation:\na class per pixel", fontsize=8)
    cmap = plt.get_cmap("tab10")
    inst_rgb = np.array([[0, 0, 0]] + [[int(255 * c) for c in cmap(i % 10)[:3]] for i in range(len(kinds))], np.uint8)
    axes[3].imshow(inst_rgb[instances])
    axes[3].set_title("instance segmentation:\na class and an object per pixel", fontsize=8)
    for ax in axes:
        ax.axis("off")
    save_figure(fig, path, dpi=110)


# --8<-- [start:instances]
def instances_from_semantic(mask, connectivity: int = 2):
    """Split a semantic label map into instances by connected components, one class at a time.

    Args:
        mask: `(H, W)` class ids, 0 for the background.
        connectivity: 1 joins a pixel to its 4 side neighbours, 2 also to the 4 diagonal ones.

    Returns:
        `(instances, classes)`: an `(H, W)` int32 map, 0 for the background and 1, 2, ... for the
        components, and the class of each component (`classes[n - 1]` is the class of component n).
    """
    from scipy import ndimage

    mask = np.asarray(mask)
    structure = ndimage.generate_binary_structure(2, connectivity)     # 3x3 cross (1) or full square (2)
    instances = np.zeros(mask.shape, np.int32)                          # (H, W)
    classes: list[int] = []
    for k in np.unique(mask[mask > 0]):
        labels, n = ndimage.label(mask == k, structure=structure)       # 1..n inside class k, 0 elsewhere
        instances[labels > 0] = labels[labels > 0] + len(classes)       # numbered after the earlier classes
        classes += [int(k)] * n
    return instances, classes


def match_instances(truth, found, threshold: float = 0.5) -> dict:
    """How well the instance map `found` recovers the objects of the instance map `truth` (0 = background).

    An object is *recovered* when one found instance overlaps it with IoU above `threshold`; a found
    instance that holds most of the pixels of two or more objects *merged* them; an object whose pixels
    fall into two or more found instances was *split*.
    """
    truth, found = np.asarray(truth), np.asarray(found)
    objects = [t for t in np.unique(truth) if t > 0]
    recovered = split = 0
    owner: dict[int, list[int]] = {}                        # found instance -> objects it holds most of
    for t in objects:
        inside = truth == t
        parts, counts = np.unique(found[inside], return_counts=True)
        split += int(np.count_nonzero(parts > 0) > 1)
        best = int(parts[np.argmax(counts)])
        if best > 0:
            owner.setdefault(best, []).append(int(t))
            iou = np.count_nonzero(inside & (found == best)) / np.count_nonzero(inside | (found == best))
            recovered += int(iou > threshold)
    merged = sum(len(held) > 1 for held in owner.values())
    return {"objects": len(objects), "found": int(np.count_nonzero(np.unique(found) > 0)),
            "recovered": recovered, "merged": merged, "split": split}


def instance_report(seed: int = 0, n: int = 500, connectivity: int = 2) -> dict:
    """`match_instances` summed over `n` builtin scenes: what connected components make of semantic masks."""
    total: dict[str, int] = {}
    for i in range(n):
        _, mask, truth, _ = sg.draw_example(seed, "instances", i, instances=True)
        found, _ = instances_from_semantic(mask, connectivity)
        for key, value in match_instances(truth, found).items():
            total[key] = total.get(key, 0) + value
    return {"scenes": n, **total}
# --8<-- [end:instances]


def instances_figure(path, seed: int, connectivity: int = 2):
    """Two builtin scenes: the image, its semantic mask, the connected components of that mask and the true
    instances. In the first the components are the objects; in the second two objects of one class touch."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    picks, want = [], (lambda r: r["merged"] == 0 and r["split"] == 0, lambda r: r["merged"] > 0)
    for index in range(500):
        image, mask, truth, _ = sg.draw_example(seed, "instances", index, instances=True)
        found, _ = instances_from_semantic(mask, connectivity)
        if want[len(picks)](match_instances(truth, found)):
            picks.append((index, image, mask, found, truth))
            if len(picks) == len(want):
                break
    cmap = plt.get_cmap("tab10")
    colours = np.array([[0, 0, 0]] + [[int(255 * c) for c in cmap(i % 10)[:3]] for i in range(255)], np.uint8)
    fig, axes = plt.subplots(len(picks), 4, figsize=(9, 2.5 * len(picks)), squeeze=False)
    for row, (index, image, mask, found, truth) in zip(axes, picks):
        panels = [(image, f"scene {index}"), (colour_mask(mask), "semantic mask"),
                  (colours[found % 256], f"connected components: {found.max()}"),
                  (colours[truth.astype(int) % 256], f"true instances: {len(np.unique(truth)) - 1}")]
        for ax, (img, title) in zip(row, panels):
            ax.imshow(img, interpolation="nearest")
            ax.set_title(title, fontsize=8)
            ax.axis("off")
    save_figure(fig, path, dpi=100)


def comparison_figure(path, images, truth, unet, fcn, class_names, n=6):
    """Input / truth / U-Net / FCN on unseen images; wrong pixels outlined in white."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    fig, axes = plt.subplots(n, 4, figsize=(7.2, 1.9 * n))
    for i in range(n):
        panels = [(images[i], "input"), (colour_mask(truth[i]), "truth")]
        for pred, label in ((unet[i], "U-Net"), (fcn[i], "FCN, no skips")):
            shown = colour_mask(pred).copy()
            wrong = pred != truth[i]
            shown[wrong] = (0.35 * shown[wrong] + 0.65 * 255).astype(np.uint8)          # errors washed out white
            accuracy = 1 - wrong.mean()
            panels.append((shown, f"{label} ({accuracy:.1%} px right)"))
        for ax, (img, title) in zip(axes[i], panels):
            ax.imshow(img, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0 or "px" in title:
                ax.set_title(title, fontsize=7)
    handles = [plt.Rectangle((0, 0), 1, 1, color=PALETTE[k] / 255) for k in range(1, len(class_names))]
    fig.legend(handles, class_names[1:], loc="lower center", ncol=len(class_names) - 1, fontsize=8)
    save_figure(fig, path, dpi=100, rect=(0, 0.03, 1, 1))


def scores_figure(path, results: dict, class_names):
    """IoU and boundary IoU per class for every trained model."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    names = list(results)
    k = len(class_names)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
    for ax, key, title in ((axes[0], "iou", "IoU"), (axes[1], "boundary_iou", "boundary IoU")):
        width = 0.8 / len(names)
        for j, name in enumerate(names):
            vals = results[name][key]
            bars = ax.bar(np.arange(k) + (j - (len(names) - 1) / 2) * width, vals, width=width, label=name)
            ax.bar_label(bars, fmt="%.2f", fontsize=6)
        ax.set_xticks(range(k), class_names, fontsize=8)
        ax.set_title(f"{title} per class on unseen images", fontsize=9)
        ax.set_ylim(0, 1.05)
    axes[0].legend(fontsize=7, loc="lower left")
    save_figure(fig, path, dpi=100)


def train_segmenter(name, skips, dice, data, cfg, run, out, num_classes, size):
    """Build, train (best epoch by validation loss) and score one model; `(model, history, info, scores)`."""
    import tensorflow as tf

    from kerasbook import training
    from kerasbook.layers.segmentation import scores

    (x, y), (xv, yv), (xt, yt) = data
    steps = len(x) // cfg.batch_size
    info = run.run_info()
    with run.strategy.scope():
        model = build_unet(cfg, num_classes, skips=skips, size=size, name=name)
        compile_segmenter(model, cfg, num_classes, steps, run.jit, dice=dice)
    train_ds = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=run.seed)
                .batch(cfg.batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    val_ds = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(128)
    model, history = training.fit(model, train_ds, val_ds, epochs=cfg.epochs, out=out, info=info,
                                  train_examples=steps * cfg.batch_size, verbose=run.verbose())
    pred = predict_masks(model, xt)
    return model, history, info, scores(yt, pred, num_classes, cfg.boundary_width), pred


def load_data(run):
    cfg = run.cfg
    if run.source == "builtin":
        splits, names, size = load_builtin(cfg, run.seed), sg.CLASSES, cfg.image_size
    else:
        splits, names, size = load_pets(cfg.pet_size, run.args.data_dir, seed=run.seed), PET_CLASSES, cfg.pet_size
    x, y = splits["train"]
    splits["train"] = (x[: cfg.train_size], y[: cfg.train_size])
    return [splits[k] for k in ("train", "validation", "test")], names, size


def _train(argv):
    from kerasbook import runs
    from kerasbook.plots import plot_history

    def validate(args, cfg, sources):
        if cfg.up not in ("transpose", "upsample"):
            raise cli.UsageError(f"up {cfg.up!r} is not transpose or upsample")

    run = runs.setup(argv, chapter=CHAPTER, prog=PROG, specs=(SPEC,), config=Config(), validate=validate,
                     description="Train a U-Net and its twin without skips; IoU, Dice and boundary IoU (chapter 9).",
                     measure=lambda run: measure_step_times(run.cfg, steps=5),
                     data_dir_hint="give the TFDS data folder that holds oxford_iiit_pet/")
    cfg, out = run.cfg, run.out
    figs = out / "figures"

    start = time.perf_counter()
    data, class_names, size = load_data(run)
    seconds = {"data": time.perf_counter() - start}
    run.require_batch(len(data[0][0]), "training images")
    print(f"data: {run.source}, {len(data[0][0])} train / {len(data[1][0])} validation / {len(data[2][0])} test "
          f"images of {size}x{size} ({seconds['data']:.0f}s)")

    k = len(class_names)
    other = "U-Net, cross-entropy only" if cfg.dice else "U-Net, cross-entropy + Dice"
    plan = [("U-Net", True, cfg.dice, out), ("FCN, no skips", False, cfg.dice, out / "fcn")]
    if cfg.compare_loss:
        plan.append((other, True, not cfg.dice, out / "unet_other_loss"))
    results, preds, trained = {}, {}, {}
    for name, skips, dice, where in plan:
        print(f"training {name} ...", flush=True)
        t = time.perf_counter()
        model, history, info, score, pred = train_segmenter(name.split(",")[0].replace("-", "").lower(), skips, dice,
                                                            data, cfg, run, where, k, size)
        score["loss"] = "cross-entropy + Dice" if dice else "cross-entropy"
        seconds[name] = time.perf_counter() - t
        results[name], preds[name] = {**score, "params": model.count_params(), "epochs_run": info.epochs_run}, pred
        trained[name] = (model, history, info)
        print(f"  {name}: mean IoU {score['mean_iou']:.3f}, mean boundary IoU {score['mean_boundary_iou']:.3f}")

    t = time.perf_counter()
    figs.mkdir(parents=True, exist_ok=True)
    xt, yt = data[2]
    unet_model, unet_history, unet_info = trained["U-Net"]
    plot_history(unet_history, figs / "curves.png",
                 title=f"U-Net (loss = {'cross-entropy + Dice' if cfg.dice else 'pixel-wise cross-entropy'})")
    comparison_figure(figs / "unet_vs_fcn.png", xt, yt, preds["U-Net"], preds["FCN, no skips"], class_names)
    scores_figure(figs / "scores.png", results, class_names)
    if run.source == "builtin":
        tasks_figure(figs / "tasks.png", run.seed)
        instances_figure(figs / "instances.png", run.seed)
    seconds["figures"] = time.perf_counter() - t

    u, f = results["U-Net"], results["FCN, no skips"]
    final = {"unet_mean_iou": u["mean_iou"], "unet_mean_dice": u["mean_dice"],
             "unet_mean_boundary_iou": u["mean_boundary_iou"], "fcn_mean_iou": f["mean_iou"],
             "fcn_mean_boundary_iou": f["mean_boundary_iou"], "unet_pixel_accuracy": u["pixel_accuracy"],
             "boundary_iou_gap": u["mean_boundary_iou"] - f["mean_boundary_iou"]}
    if cfg.compare_loss:
        final["other_loss_mean_iou"] = results[other]["mean_iou"]
        final["other_loss_mean_boundary_iou"] = results[other]["mean_boundary_iou"]
    run.finish(dataset=run.dataset_entry(len(data[0][0]), len(data[1][0]), len(xt), image_size=size,
                                         classes=list(class_names)),
               info=unet_info, final=final, seconds=seconds, results=results)
    print(f"U-Net: mean IoU {u['mean_iou']:.3f}, boundary IoU {u['mean_boundary_iou']:.3f}; FCN without skips: "
          f"{f['mean_iou']:.3f}, {f['mean_boundary_iou']:.3f}; XLA {'on' if run.jit else 'off'}; wrote {out}")
    return 0


def _predict(argv):
    parser = cli.OneLineParser(prog=f"{PROG} predict", description="Segment images and write the masks as overlays.")
    parser.add_argument("--model", required=True, help="a model.keras written by a chapter 9 run")
    parser.add_argument("--out-dir", default="masks", help="folder for the overlays (default: masks)")
    parser.add_argument("images", nargs="+", help="image files (PNG or JPEG)")
    args = parser.parse_args(argv)
    cli.require_model_and_images(args.model, args.images, PROG)
    from PIL import Image, UnidentifiedImageError

    import kerasbook.layers.segmentation  # noqa: F401  (registers the custom loss)

    model = saving.load_user_model(args.model, "chapter 9")
    size = model.input_shape[1]
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for path in args.images:
        try:
            original = Image.open(path).convert("RGB")
        except (UnidentifiedImageError, OSError):
            raise cli.UsageError(f"cannot read image {path}; give a PNG or JPEG file") from None
        small = np.asarray(original.resize((size, size), Image.Resampling.BILINEAR))[None]
        mask = predict_masks(model, small)[0]
        # Back to the original size by nearest neighbour: labels are never interpolated.
        full = np.asarray(Image.fromarray(mask).resize(original.size, Image.Resampling.NEAREST))
        target = out / f"{Path(path).stem}_mask.png"
        Image.fromarray(overlay(np.asarray(original), full)).save(target)
        print(f"{path}\t{target}")
    return 0


def main(argv=None):
    """Train (the default, or `train`) or segment images (`predict`); returns the exit code."""
    return cli.chapter_main(argv, _train, PROG, predict=_predict)


if __name__ == "__main__":
    sys.exit(main())
