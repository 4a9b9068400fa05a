"""Chapter 3: convolutional networks, a VGG-style classifier and transfer learning.

A convolution slides one small kernel over the whole image, so a 3x3 layer
has the same few weights whatever the image size, and what it learns at one
place it recognises everywhere. We stack the course's basic block,
Conv-ReLU-Conv-ReLU-MaxPool, three times, flatten, and finish with
FC-ReLU-FC-ReLU-FC. The network normalises its input by channel mean and
standard deviation (adapted on the training set) and augments it with flips,
shifts and colour jitter, all as Keras layers inside the model.

The builtin data are 32x32 coloured shapes (`kerasbook.data.shapes`); the full
data are CIFAR-10 through TFDS. Then transfer learning: with only a few
labelled examples of a new task, we compare training from scratch against a
frozen pretrained backbone with a new head (feature extraction) and against
unfreezing its top block at a low learning rate (fine-tuning). On builtin data
the backbone is the one this run trained on the ten shapes, and the new task is
five other shapes; on full data it is VGG16 with ImageNet weights and the new
task is CIFAR-10 with a few labels per class.

Run it:

    python -m kerasbook.chapters.ch03_cnn            # default run, builtin data
    python -m kerasbook.chapters.ch03_cnn --quick    # about two minutes on a laptop
    python -m kerasbook.chapters.ch03_cnn --data full   # CIFAR-10 + VGG16 ImageNet
    python -m kerasbook.chapters.ch03_cnn costs         # AlexNet beside VGG-16: parameters and MACs

References:
    Krizhevsky, Sutskever, Hinton, "ImageNet Classification with Deep
    Convolutional Neural Networks" (AlexNet), NeurIPS 2012.
    Simonyan, Zisserman, "Very Deep Convolutional Networks for Large-Scale
    Image Recognition" (VGG), 2014. Yosinski et al., "How transferable are
    features in deep neural networks?", 2014.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerasbook import cli
from kerasbook.data import DatasetSpec, register
from kerasbook.data import shapes
from kerasbook import xla
# AlexNet and VGG-16 counted layer by layer: the page's "AlexNet beside VGG".
from kerasbook.model_costs import build_alexnet, by_block, cost_summary, layer_costs, vgg16_for_counting  # noqa: F401

CHAPTER = "ch03_cnn"
PROG = "python -m kerasbook.chapters.ch03_cnn"
TITLE = "CNN / VGG"  # its name in the site's navigation
TRACK = "Image track"
TOPIC = "convolution, padding and pooling; a VGG-style CNN with augmentation; transfer learning"
CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 3 depends on."""

    train_size: int = 20_000        # builtin shapes drawn for training
    val_size: int = 2_000           # held out for the best-model checkpoint
    test_size: int = 2_000          # unseen images for the final numbers
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 2e-3     # peak of the warm-up + cosine schedule
    warmup_fraction: float = 0.05
    widths: tuple = (32, 64, 128)   # channels of the three basic blocks
    dense_units: tuple = (256, 128) # the two hidden FC layers
    dropout: float = 0.2            # before each hidden FC layer
    padding_mode: str = "zero"      # border of every 3x3 conv: zero, reflect or replicate
    batch_norm: bool = True         # Conv-BN-ReLU (VGG-BN); False gives the plain Conv-ReLU block
    shift: int = 2                  # augmentation: random shift of up to 2 px (pad, then crop)
    jitter: float = 0.1             # augmentation: brightness and contrast factor
    # Transfer learning: labelled examples per class of the new task.
    transfer_per_class: tuple = (10, 50)
    transfer_test_size: int = 1_000
    transfer_epochs: int = 40       # scratch and the new head, each
    fine_tune_epochs: int = 20      # after the head, with the top block unfrozen
    fine_tune_lr: float = 1e-4      # low, so the pretrained filters move gently
    fine_tune_blocks: int = 1       # how many top conv blocks to unfreeze

    def quick(self) -> "Config":
        """A preset that finishes in about two minutes on a laptop CPU and still learns the shapes.

        The same network at half the width (a third of the cost per image), in
        batches of 64 (twice the steps for the same images) and without dropout,
        which only slows a run this short down.
        """
        return dataclasses.replace(self, train_size=12_000, val_size=500, test_size=1_000, epochs=6, batch_size=64,
                                   widths=(16, 32, 64), dropout=0.0,
                                   transfer_per_class=(20,), transfer_epochs=25, fine_tune_epochs=10)
# --8<-- [end:config]


# --8<-- [start:sizes]
def conv_output_size(n: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    """Output length of a convolution or pooling window along one axis: (n - k + 2p) // s + 1."""
    return (n - kernel + 2 * padding) // stride + 1


def parameter_counts(cfg: Config, num_classes: int = 10) -> dict[str, int]:
    """Parameters of the chapter's CNN and of an MLP with the same FC head, on 32x32x3 inputs.

    Both numbers come from real Keras models, never from a formula.
    """
    import keras
    from keras import layers

    cnn = build_model(cfg, num_classes)
    image = keras.Input(shapes.IMAGE_SHAPE, name="image")
    x = layers.Flatten(name="flatten")(image)                       # (B, 3072)
    for i, units in enumerate(cfg.dense_units, 1):
        x = layers.Dense(units, activation="relu", name=f"fc{i}")(x)
    mlp = keras.Model(image, layers.Dense(num_classes, name="logits")(x), name="mlp")
    convs = sum(layer.count_params() for layer in cnn.layers if layer.name.startswith("block"))
    return {
        "cnn": cnn.count_params() - cnn.get_layer("normalize").count_params(),
        "cnn_conv_layers": convs,
        "cnn_fc_layers": sum(cnn.get_layer(n).count_params() for n in ("fc1", "fc2", "logits")),
        "mlp": mlp.count_params(),
        "mlp_first_layer": mlp.get_layer("fc1").count_params(),
    }
# --8<-- [end:sizes]


# --8<-- [start:data]
def _cifar_available(data_dir):
    import tensorflow_datasets as tfds

    try:
        ready = tfds.builder("cifar10", data_dir=data_dir).is_prepared()
    except Exception:  # noqa: BLE001 - an unreadable folder is the same as a missing one
        ready = False
    if ready:
        return True, ""
    where = f"in {data_dir}" if data_dir else "in the TFDS data folder"
    return False, f"CIFAR-10 is not prepared {where} and cannot be downloaded now"


SPEC = register(DatasetSpec(
    name="cifar10",
    builtin="32x32 coloured shapes (datasets/shapes32)",
    full="CIFAR-10 through tfds.load('cifar10')",
    full_available=_cifar_available,
    full_url=CIFAR_URL,
))


def load_data(cfg: Config, source: str, seed: int, data_dir=None):
    """`(splits, class_names)`: the ten shapes, or CIFAR-10."""
    if source == "builtin":
        return shapes.load_builtin(cfg.train_size, cfg.val_size, cfg.test_size, seed), shapes.CLASSES
    try:
        splits = shapes.load_cifar10(data_dir, val_size=cfg.val_size, seed=seed)
    except (OSError, ValueError) as err:
        raise cli.UsageError(f"cannot load CIFAR-10 ({str(err).splitlines()[0][:160]}); use --data builtin") from None
    return splits, shapes.CIFAR10_CLASSES


def pipeline(images, labels, batch_size, shuffle_seed=None, drop_remainder=None):
    """A cached, shuffled, batched, prefetched `tf.data` pipeline (training drops the last partial batch)."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache()
    if shuffle_seed is not None:
        ds = ds.shuffle(min(len(images), 20_000), seed=shuffle_seed, reshuffle_each_iteration=True)
    if drop_remainder is None:
        drop_remainder = shuffle_seed is not None and len(images) >= batch_size
    return ds.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def channel_stats(images):
    """Per-channel mean and variance of uint8 images scaled to [0, 1], from `Normalization.adapt`."""
    import tensorflow as tf
    from keras import layers

    norm = layers.Normalization(axis=-1)
    norm.adapt(tf.data.Dataset.from_tensor_slices(images).batch(1024).map(lambda b: tf.cast(b, "float32") / 255))
    return [float(v) for v in np.ravel(norm.mean)], [float(v) for v in np.ravel(norm.variance)]
# --8<-- [end:data]


# --8<-- [start:model]
def build_model(cfg: Config, num_classes: int = 10, mean=(0.5,) * 3, variance=(0.25,) * 3, name="vgg"):
    """The VGG-style network: augment -> normalise -> 3 basic blocks -> flatten -> 3 FC layers."""
    import keras
    from keras import layers

    from kerasbook.layers.padding import Padding2D, RandomPadCrop

    image = keras.Input(shapes.IMAGE_SHAPE, dtype="uint8", name="image")
    x = layers.Rescaling(1 / 255, name="scale")(image)                             # (B, 32, 32, 3) in [0, 1]
    # Augmentation layers act only while training; at inference they pass the image through.
    x = layers.RandomFlip("horizontal", name="flip")(x)
    x = RandomPadCrop(cfg.shift, "replicate", name="shift")(x)                    # pad, random 32x32 window
    x = layers.RandomBrightness(cfg.jitter, value_range=(0, 1), name="brightness")(x)
    x = layers.RandomContrast(cfg.jitter, value_range=(0, 1), name="contrast")(x)
    x = layers.Normalization(axis=-1, mean=list(mean), variance=list(variance), name="normalize")(x)
    for b, width in enumerate(cfg.widths, 1):
        for j in (1, 2):
            x = Padding2D(1, cfg.padding_mode, name=f"block{b}_pad{j}")(x)          # (B, H + 2, W + 2, C)
            x = layers.Conv2D(width, 3, use_bias=not cfg.batch_norm, name=f"block{b}_conv{j}")(x)  # (B, H, W, width)
            if cfg.batch_norm:
                x = layers.BatchNormalization(momentum=0.9, name=f"block{b}_bn{j}")(x)
            x = layers.ReLU(name=f"block{b}_relu{j}")(x)
        x = layers.MaxPooling2D(2, name=f"block{b}_pool")(x)                        # (B, H / 2, W / 2, width)
    x = layers.Flatten(name="flatten")(x)                                           # (B, 4 * 4 * 128)
    for i, units in enumerate(cfg.dense_units, 1):
        x = layers.Dropout(cfg.dropout, name=f"dropout{i}")(x)
        x = layers.Dense(units, activation="relu", name=f"fc{i}")(x)
    logits = layers.Dense(num_classes, name="logits")(x)                            # (B, num_classes)
    return keras.Model(image, logits, name=name)
# --8<-- [end:model]


def compile_classifier(model, learning_rate, steps, jit_compile, warmup_fraction=0.0):
    """Adam with (warm-up +) cosine decay, cross-entropy on logits, accuracy."""
    import keras

    from kerasbook.training import compile_model

    warmup = int(steps * warmup_fraction)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else learning_rate, max(1, steps - warmup), alpha=0.02,
        warmup_target=learning_rate if warmup else None, warmup_steps=warmup,
    )
    compile_model(model, optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")], jit_compile=jit_compile)


def measure_step_times(cfg: Config, batch_size=None, steps=10, modes=(True, False), seed=0):
    """Seconds per training step with XLA on and off (see `xla.time_train_steps`)."""
    import keras


    batch_size = batch_size or cfg.batch_size
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (batch_size, *shapes.IMAGE_SHAPE), dtype=np.uint8)
    y = rng.integers(0, 10, (batch_size,)).astype("int32")

    def make(jit):
        keras.utils.set_random_seed(seed)
        model = build_model(cfg)
        compile_classifier(model, cfg.learning_rate, 100, jit)
        return model

    return xla.time_train_steps(make, x, y, steps=steps, modes=modes)


def diagram_models():
    """The chapter's models from the default Config (untrained), for the site's diagrams."""
    cfg = Config()
    return {"vgg": build_model(cfg), "transfer": build_transfer_model(backbone_of(build_model(cfg)), 5, cfg)}


# --8<-- [start:transfer]
def backbone_of(model):
    """The trained network up to `flatten`: augmentation, normalisation and the three blocks."""
    import keras

    return keras.Model(model.input, model.get_layer("flatten").output, name="backbone")


def build_transfer_model(backbone, num_classes: int, cfg: Config):
    """A new FC head on a frozen backbone (feature extraction)."""
    import keras
    from keras import layers

    backbone.trainable = False
    image = keras.Input(backbone.input.shape[1:], dtype=backbone.input.dtype, name="image")
    x = backbone(image)                                                  # (B, features); augments while training
    for i, units in enumerate(cfg.dense_units, 1):
        x = layers.Dropout(cfg.dropout, name=f"new_dropout{i}")(x)
        x = layers.Dense(units, activation="relu", name=f"new_fc{i}")(x)
    return keras.Model(image, layers.Dense(num_classes, name="new_logits")(x), name="transfer")


def _leaf_layers(model):
    for layer in model.layers:
        yield from _leaf_layers(layer) if hasattr(layer, "layers") else (layer,)


def unfreeze_top(backbone, blocks: int):
    """Make the top `blocks` conv blocks (layers named `blockN_*`) trainable; the rest stays frozen."""
    backbone.trainable = True                       # also turns nested models (VGG16) back on
    leaves = list(_leaf_layers(backbone))
    numbers = [int(la.name[5:].split("_")[0]) for la in leaves if la.name.startswith("block") and "_" in la.name]
    top = {f"block{n}_" for n in range(max(numbers) - blocks + 1, max(numbers) + 1)}
    for layer in leaves:
        layer.trainable = any(layer.name.startswith(t) for t in top)


def trainable_split(backbone, num_classes: int, cfg: Config) -> dict:
    """Parameters a transfer model trains in each mode: the new head alone, then head + top block(s).

    Builds `build_transfer_model` on `backbone` (which it freezes), counts, unfreezes the top
    `cfg.fine_tune_blocks` blocks as `unfreeze_top` does and counts again.
    """
    def trainable(model):
        return sum(int(np.prod(w.shape)) for w in model.trainable_weights)

    model = build_transfer_model(backbone, num_classes, cfg)
    split = {"total": model.count_params(), "backbone": backbone.count_params(),
             "feature_extraction": trainable(model)}
    unfreeze_top(backbone, cfg.fine_tune_blocks)
    split["fine_tune"] = trainable(model)
    return split


def transfer_experiment(make_backbone, small_sets, test, num_classes, cfg: Config, jit, seed, verbose=0):
    """Test accuracy of scratch, feature extraction and fine-tuning for each small training set.

    `make_backbone()` returns a fresh pretrained backbone; `small_sets` maps the
    examples per class to `(x, y)`. Returns `{per_class: {method: accuracy}}`.
    """
    import keras

    results = {}
    for per_class, (x, y) in small_sets.items():
        batch = min(32, len(x))
        steps = -(-len(x) // batch)
        ds = pipeline(x, y, batch, shuffle_seed=seed, drop_remainder=False)   # every labelled image counts
        row = {}

        keras.utils.set_random_seed(seed)
        mean, var = channel_stats(x)
        scratch = build_model(cfg, num_classes, mean, var, name="scratch")
        compile_classifier(scratch, 1e-3, steps * cfg.transfer_epochs, jit)
        scratch.fit(ds, epochs=cfg.transfer_epochs, verbose=verbose)
        row["scratch"] = scratch.evaluate(*test, batch_size=256, verbose=0, return_dict=True)["accuracy"]

        keras.utils.set_random_seed(seed)
        backbone = make_backbone()
        model = build_transfer_model(backbone, num_classes, cfg)
        compile_classifier(model, 1e-3, steps * cfg.transfer_epochs, jit)
        model.fit(ds, epochs=cfg.transfer_epochs, verbose=verbose)
        row["feature_extraction"] = model.evaluate(*test, batch_size=256, verbose=0, return_dict=True)["accuracy"]

        unfreeze_top(backbone, cfg.fine_tune_blocks)
        compile_classifier(model, cfg.fine_tune_lr, steps * cfg.fine_tune_epochs, jit)   # recompile: new trainables
        model.fit(ds, epochs=cfg.fine_tune_epochs, verbose=verbose)
        row["fine_tune"] = model.evaluate(*test, batch_size=256, verbose=0, return_dict=True)["accuracy"]
        results[per_class] = row
        print(f"transfer, {per_class} labelled per class: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()))
    return results
# --8<-- [end:transfer]


def transfer_sets(cfg: Config, source: str, seed: int, splits=None):
    """`(small_sets, test, num_classes, class_names)` of the transfer task."""
    if source == "builtin":
        # The five new shapes; drawing order cycles through classes, so a prefix is balanced.
        n = len(shapes.TRANSFER_CLASSES)
        big = max(cfg.transfer_per_class) * n
        data = shapes.load_builtin(big, n, cfg.transfer_test_size, seed, task="transfer")
        x, y = data["train"]
        small = {k: (x[: k * n], y[: k * n]) for k in cfg.transfer_per_class}
        return small, data["test"], n, shapes.TRANSFER_CLASSES
    x, y = splits["train"]
    rng = np.random.default_rng(seed)
    small = {}
    for k in cfg.transfer_per_class:
        idx = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:k] for c in range(10)])
        small[k] = (x[idx], y[idx])
    xt, yt = splits["test"]
    return small, (xt[: cfg.transfer_test_size], yt[: cfg.transfer_test_size]), 10, shapes.CIFAR10_CLASSES


def vgg16_backbone(weights="imagenet"):
    """VGG16's convolutional part with ImageNet weights, on our uint8 32x32 images (upsampled to 64).

    `weights=None` builds the same network with random weights, offline (to count it).
    """
    import keras
    from keras import layers

    base = keras.applications.VGG16(include_top=False, weights=weights, input_shape=(64, 64, 3))
    image = keras.Input(shapes.IMAGE_SHAPE, dtype="uint8", name="image")
    x = layers.Resizing(64, 64, name="upsample")(layers.Rescaling(1.0, name="to_float")(image))
    x = layers.RandomFlip("horizontal", name="flip")(x)
    x = layers.Lambda(keras.applications.vgg16.preprocess_input, name="imagenet_preprocess")(x)
    # VGG16 names its layers block1_conv1 ... block5_pool, as we do, so
    # `unfreeze_top` finds its top block (block5) the same way.
    x = layers.Flatten(name="flatten")(base(x))
    return keras.Model(image, x, name="backbone")


def _grid(images, captions, path, wrong=None, cols=8, title=""):
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    rows = -(-len(images) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.45 * rows + 0.3), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], interpolation="nearest")
            ax.set_title(captions[i], fontsize=7, color="crimson" if wrong is not None and wrong[i] else "black")
    if title:
        fig.suptitle(title, fontsize=10)
    save_figure(fig, path, dpi=90)


def save_figures(out: Path, model, history, splits, names, transfer, cfg: Config):
    """Write every figure of the run to `out/figures`."""
    import matplotlib.pyplot as plt
    from keras import ops

    from kerasbook.layers.padding import PADDING_MODES, Padding2D
    from kerasbook.plots import plot_history, save_figure

    figs = out / "figures"
    plot_history(history, figs / "curves.png", title="VGG-style CNN")
    x_te, y_te = splits["test"]
    x_tr, y_tr = splits["train"]
    _grid(x_tr[:24], [names[i] for i in y_tr[:24]], figs / "samples.png", title="training images and their labels")

    logits = model.predict(x_te[:32], verbose=0)
    pred = logits.argmax(-1)
    wrong = pred != y_te[:32]
    captions = [names[p] if not w else f"{names[p]}≠{names[t]}" for p, t, w in zip(pred, y_te[:32], wrong)]
    _grid(x_te[:32], captions, figs / "predictions.png", wrong=wrong, title="test images: prediction (red: wrong)")

    # Augmentation: the model's own random layers, in training mode, on one image.
    aug = [model.get_layer(n) for n in ("scale", "flip", "shift", "brightness", "contrast")]
    batch = np.repeat(x_tr[:1], 7, axis=0)
    y = batch
    for layer in aug:
        y = layer(y, training=layer.name != "scale")
    views = [x_tr[0]] + [np.clip(ops.convert_to_numpy(v) * 255, 0, 255).astype(np.uint8) for v in y]
    _grid(views, ["original"] + [f"augmented {i}" for i in range(1, 8)], figs / "augmentation.png",
          title="one training image through flip, shift and colour jitter")

    # Padding: the same image with an 8-pixel border of each kind.
    padded = [ops.convert_to_numpy(Padding2D(8, m)(x_tr[:1].astype("float32")))[0].astype(np.uint8)
              for m in PADDING_MODES]
    _grid(padded, [f"{m} padding" for m in PADDING_MODES], figs / "padding.png", cols=3)

    # What the first convolution sees: its feature maps for one test image.
    import keras

    probe = keras.Model(model.input, model.get_layer("block1_relu1").output)
    maps = ops.convert_to_numpy(probe(x_te[:1]))[0]                       # (32, 32, widths[0])
    fig, axes = plt.subplots(2, 9, figsize=(11, 2.8))
    axes[0, 0].imshow(x_te[0])
    axes[0, 0].set_title(names[y_te[0]], fontsize=8)
    strongest = np.argsort(maps.reshape(-1, maps.shape[-1]).std(0))[::-1][:16]
    for ax, ch in zip(list(axes.flat)[1:], strongest):
        ax.imshow(maps[..., ch], cmap="magma")
        ax.set_title(f"filter {ch}", fontsize=7)
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle("input and 16 feature maps of block1_conv1 (after ReLU)", fontsize=10)
    save_figure(fig, figs / "feature_maps.png", dpi=90)

    if transfer:
        methods = ("scratch", "feature_extraction", "fine_tune")
        sizes = list(transfer)
        fig, ax = plt.subplots(figsize=(6.4, 3.4))
        for i, m in enumerate(methods):
            ax.bar(np.arange(len(sizes)) + (i - 1) * 0.27, [transfer[s][m] for s in sizes], 0.27,
                   label=m.replace("_", " "))
        ax.set_xticks(range(len(sizes)), [f"{s} per class" for s in sizes])
        ax.set_ylabel("test accuracy")
        ax.set_ylim(0, 1)
        ax.legend(loc="upper left", fontsize=8)
        ax.set_title("transfer learning: new task, few labels")
        save_figure(fig, figs / "transfer.png", dpi=100)


def linear_baseline(splits, epochs=5, seed=0):
    """Test accuracy of softmax regression on raw pixels: what no convolution gets."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    image = keras.Input(shapes.IMAGE_SHAPE, dtype="uint8", name="image")
    x = layers.Flatten(name="flatten")(layers.Rescaling(1 / 255, name="scale")(image))
    model = keras.Model(image, layers.Dense(10, name="logits")(x), name="linear")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"],
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(*splits["train"], batch_size=256, epochs=epochs, verbose=0)
    return model.evaluate(*splits["test"], batch_size=512, verbose=0, return_dict=True)["accuracy"]


def costs_tables(cfg: Config = Config()) -> dict:
    """The page's tables of model sizes, in Markdown, built from the real models.

    `alexnet`: AlexNet layer by layer; `summary`: AlexNet (one tower and the paper's two) beside
    VGG-16; `vgg16`: VGG-16 block by block; `transfer`: what feature extraction and fine-tuning train.
    """
    def layer_rows(rows, head):
        lines = [head, "|---|---|---|---|"]
        for r in rows:
            shape = " × ".join(str(d) for d in r["output"])
            lines.append(f"| `{r['layer']}` | {shape} | {r['params']:,} | {r['macs'] / 1e6:,.1f} M |")
        return lines

    alexnet = layer_costs(build_alexnet())
    nets = {"AlexNet (one tower)": cost_summary(alexnet),
            "AlexNet (two GPUs, `groups=2`)": cost_summary(layer_costs(build_alexnet(groups=2))),
            "VGG-16": cost_summary(vgg := layer_costs(vgg16_for_counting()))}
    a = cost_summary(alexnet)
    tables = {"alexnet": layer_rows(alexnet, "| AlexNet layer | output (H × W × C) | parameters | MACs |")}
    tables["alexnet"].append(f"| **total** | | **{a['params']:,}** | **{a['macs'] / 1e9:.2f} G** |")
    tables["vgg16"] = layer_rows(by_block(vgg), "| VGG-16 block | output of its last conv | parameters | MACs |")
    tables["summary"] = ["| | " + " | ".join(nets) + " |", "|---" * (len(nets) + 1) + "|"]
    for title, cell in (("input", lambda n, c: "224 × 224 × 3" if n == "VGG-16" else "227 × 227 × 3"),
                        ("convolutions + FC layers", lambda n, c: f"{c['conv_layers']} + {c['fc_layers']}"),
                        ("parameters", lambda n, c: f"**{c['params']:,}**"),
                        ("of which in FC layers", lambda n, c: f"{c['fc_params'] / c['params']:.1%}"),
                        ("multiply-accumulates per image", lambda n, c: f"**{c['macs'] / 1e9:.2f} G**"),
                        ("of which in convolutions", lambda n, c: f"{c['conv_macs'] / c['macs']:.1%}")):
        tables["summary"].append(f"| {title} | " + " | ".join(cell(n, c) for n, c in nets.items()) + " |")
    ours = trainable_split(backbone_of(build_model(cfg)), len(shapes.TRANSFER_CLASSES), cfg)
    vgg_split = trainable_split(vgg16_backbone(weights=None), 10, cfg)
    tables["transfer"] = ["| | our ten-shape backbone → 5 new shapes | VGG16 backbone (`--data full`) → CIFAR-10 |",
                          "|---|---|---|"]
    for title, key in (("parameters in the backbone", "backbone"), ("in the whole transfer model", "total"),
                       ("trained in feature extraction (new head only)", "feature_extraction"),
                       (f"trained in fine-tuning (head + top {cfg.fine_tune_blocks} block)", "fine_tune")):
        tables["transfer"].append(f"| {title} | {ours[key]:,} | {vgg_split[key]:,} |")
    return {k: "\n".join(v).replace("%", " %") for k, v in tables.items()}


def _costs(argv):
    parser = cli.OneLineParser(prog=f"{PROG} costs",
                               description="Print AlexNet's and VGG-16's parameters and multiply-accumulates, "
                                           "and what transfer learning trains (no training, no download).")
    parser.add_argument("--out", help="also write the tables to this folder (costs.md)")
    args = parser.parse_args(argv)
    text = "\n\n".join(costs_tables().values()) + "\n"
    print(text, end="")
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "costs.md").write_text(text)
        print(f"wrote {Path(args.out) / 'costs.md'}")
    return 0


def _validate(args, cfg, sources):
    if cfg.padding_mode not in ("zero", "reflect", "replicate"):
        raise cli.UsageError(f"padding_mode {cfg.padding_mode!r} is not zero, reflect or replicate")


def _train(argv):
    import keras

    from kerasbook import runs, training

    run = runs.setup(
        argv, chapter=CHAPTER, prog=PROG, description="Train the VGG-style CNN and compare transfer learning (chapter 3).",
        config=Config(), specs=(SPEC,), measure=lambda run: measure_step_times(run.cfg, steps=5),
        add_arguments=lambda p: p.add_argument("--no-transfer", action="store_true",
                                               help="skip the transfer-learning comparison"),
        validate=_validate, data_dir_hint="point it at a TFDS data folder holding cifar10")
    cfg, out, args, jit, source = run.cfg, run.out, run.args, run.jit, run.source

    start = time.perf_counter()
    splits, names = load_data(cfg, source, args.seed, args.data_dir)
    data_seconds = time.perf_counter() - start
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = (splits[k] for k in ("train", "validation", "test"))
    x_tr, y_tr = x_tr[: cfg.train_size], y_tr[: cfg.train_size]
    splits["train"] = (x_tr, y_tr)
    print(f"data: {source}, {len(x_tr)} train / {len(x_va)} validation / {len(x_te)} test ({data_seconds:.0f}s)")

    mean, variance = channel_stats(x_tr)
    train_ds = pipeline(x_tr, y_tr, cfg.batch_size, shuffle_seed=args.seed)
    val_ds = pipeline(x_va, y_va, 256)
    steps = len(x_tr) // cfg.batch_size
    info = run.run_info()
    with run.strategy.scope():
        model = build_model(cfg, len(names), mean, variance)
        compile_classifier(model, cfg.learning_rate, cfg.epochs * steps, jit, cfg.warmup_fraction)
    model, history = training.fit(model, train_ds, val_ds, epochs=cfg.epochs, out=out, info=info,
                                  train_examples=steps * cfg.batch_size, verbose=run.verbose())
    test = model.evaluate(x_te, y_te, batch_size=256, verbose=0, return_dict=True)
    print(f"test accuracy {test['accuracy']:.4f}")

    extra_start = time.perf_counter()
    linear = linear_baseline(splits, seed=args.seed)
    print(f"linear model on raw pixels: test accuracy {linear:.3f}")
    transfer, transfer_source = {}, None
    if not args.no_transfer:
        small, t_test, t_classes, _ = transfer_sets(cfg, source, args.seed, splits)
        if source == "builtin":
            transfer_source = "the ten-shape model of this run"
            make = lambda: backbone_of(keras.models.load_model(out / "model.keras"))  # noqa: E731
        else:
            transfer_source = "VGG16, ImageNet weights"
            try:
                vgg16_backbone()
                make = vgg16_backbone
            except Exception as err:  # noqa: BLE001 - no weights means no full transfer, not a failed run
                print(f"note: VGG16 ImageNet weights unavailable ({err.__class__.__name__}); skipping transfer")
                make = None
        if make is not None:
            transfer = transfer_experiment(make, small, t_test, t_classes, cfg, jit, args.seed)
    transfer_seconds = time.perf_counter() - extra_start

    save_figures(out, model, history, splits, names, transfer, cfg)
    small_point = min(transfer) if transfer else None
    final = {"test_accuracy": test["accuracy"]}
    if transfer:
        final.update({f"transfer_{m}": v for m, v in transfer[small_point].items()})
    run.finish(
        dataset=run.dataset_entry(len(x_tr), len(x_va), len(x_te), name=SPEC.name if source == "full" else "shapes32"),
        info=info, final=final,
        seconds={"data": data_seconds, "train": info.train_seconds, "baseline_and_transfer": transfer_seconds},
        test_loss=test["loss"],
        linear_baseline_test_accuracy=linear,
        transfer={"source": transfer_source, "per_class": {str(k): v for k, v in transfer.items()},
                  "small_data_point": small_point},
        parameters=parameter_counts(cfg, len(names)),
    )
    summary = f"test accuracy {test['accuracy']:.3f}"
    if transfer:
        r = transfer[small_point]
        summary += (f"; transfer at {small_point}/class: scratch {r['scratch']:.3f}, "
                    f"feature extraction {r['feature_extraction']:.3f}, fine-tune {r['fine_tune']:.3f}")
    print(f"{summary}; XLA {'on' if jit else 'off'}; wrote {out}")
    return 0


def main(argv=None):
    """Train the chapter's models (the default, or `train`), or print model `costs`; returns the exit code."""
    return cli.chapter_main(argv, _train, PROG, costs=_costs)


if __name__ == "__main__":
    sys.exit(main())
