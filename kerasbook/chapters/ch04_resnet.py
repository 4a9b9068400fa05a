"""Chapter 4: ResNet, and why a skip connection lets a deep network train.

Stacking more layers should never hurt: a deeper network could copy a shallower
one and make the extra layers the identity. In practice a deep *plain* network
trains worse than a shallow one (the degradation problem), because the
gradient has to pass through every layer on its way back. A residual block
computes f(x) + x instead, so each block only has to learn a correction to the
identity, and the `+ x` hands the gradient straight through.

This chapter builds a ResNet-18-style classifier (a stem, 4 stages x 2 basic
blocks, global average pooling, one dense layer) for the 32x32 colour shapes
of chapter 3; runs the degradation experiment, a deep plain network against
its residual twin with identical starting weights; reproduces the course's
pooling example with the real Keras layers; and counts what MobileNet's
depthwise-separable convolution and GoogLeNet's Inception block save.

Run it:

    python -m kerasbook.chapters.ch04_resnet            # default run, builtin data
    python -m kerasbook.chapters.ch04_resnet --quick    # about two minutes on a laptop
    python -m kerasbook.chapters.ch04_resnet --data full   # CIFAR-10 through TFDS

References:
    He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", 2016.
    Ioffe, Szegedy, "Batch Normalization", 2015. Howard et al., "MobileNets",
    2017. Szegedy et al., "Going Deeper with Convolutions" (GoogLeNet), 2015.
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
from kerasbook import xla

CHAPTER = "ch04_resnet"
PROG = "python -m kerasbook.chapters.ch04_resnet"
TITLE = "ResNet"  # its name in the site's navigation
TRACK = "Image track"
TOPIC = "residual and bottleneck blocks, the degradation experiment, MobileNet and Inception costs"
IMAGE_SHAPE = (32, 32, 3)
NUM_CLASSES = 10
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
# The course's 4x4 pooling example (2x2 windows, stride 2).
POOL_EXAMPLE = [[2, 2, 7, 3], [9, 4, 6, 1], [8, 5, 2, 4], [3, 1, 2, 6]]


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 4 depends on."""

    train_size: int = 20_000        # builtin shapes drawn for training
    val_size: int = 2_000           # held out for the best-model checkpoint
    test_size: int = 2_000          # unseen images for the final numbers
    epochs: int = 6
    batch_size: int = 128
    learning_rate: float = 3e-3     # peak of the warm-up + cosine schedule
    warmup_fraction: float = 0.1
    weight_decay: float = 1e-4      # AdamW's decoupled weight decay
    width: int = 16                 # channels of stage 1; stages are width x (1, 2, 4, 8)
    blocks: tuple = (2, 2, 2, 2)    # basic blocks per stage: ResNet-18
    zero_init: bool = True          # each block's last BN starts at gamma = 0: the block begins as the identity
    stem: str = "small"             # "small": 3x3 conv, stride 1 (32 -> 32); "imagenet": 7x7/2 + max pool
    flip: bool = True               # random horizontal flips (every shape is drawn at a random angle anyway)
    # The degradation experiment: a deep plain network against its residual twin.
    deep_blocks: int = 5            # blocks per stage, 3 stages: 6 * 5 + 2 = 32 weight layers
    deep_width: int = 8
    deep_train_size: int = 4_000
    deep_epochs: int = 6
    deep_batch_size: int = 64
    deep_learning_rate: float = 1e-3  # Adam, the same for both twins

    def quick(self) -> "Config":
        """A preset that finishes in about two minutes on a laptop CPU and still shows both results.

        The ResNet is the same 18 layers at half the width, trained in batches
        of 32 (Adam needs steps more than images) for 4 epochs, with every
        block switched on from the start (`zero_init=False`). The twins are 20
        layers deep and train on 500 images, which the residual one fits far
        sooner than the plain one.
        """
        return dataclasses.replace(self, train_size=12_000, val_size=500, test_size=1_000, epochs=4, batch_size=32,
                                   width=8, zero_init=False, deep_blocks=3, deep_train_size=500, deep_epochs=8,
                                   deep_batch_size=32)
# --8<-- [end:config]


# --8<-- [start:data]
def _cifar_available(data_dir):
    """Is CIFAR-10 already prepared by TFDS (in `data_dir`, or TFDS's default folder)?"""
    if data_dir is not None and not Path(data_dir).is_dir():
        raise cli.UsageError(f"--data-dir {data_dir} is not a folder; give the TFDS data folder that holds cifar10/")
    import tensorflow_datasets as tfds

    if tfds.builder("cifar10", data_dir=data_dir).is_prepared():
        return True, ""
    return False, f"CIFAR-10 is not prepared in {data_dir or 'the TFDS data folder'}"


SPEC = register(DatasetSpec(
    name="cifar10",
    builtin="coloured 32x32 shapes, 10 classes (kerasbook.data.shapes)",
    full="CIFAR-10 through tensorflow_datasets",
    full_available=_cifar_available,
    full_url=CIFAR10_URL,
))


def load_data(cfg: Config, source: str, data_dir, seed: int):
    """`{split: (x uint8 (N, 32, 32, 3), y int32 (N,))}` and the class names."""
    from kerasbook.data import shapes

    if source == "builtin":
        return shapes.load_builtin(cfg.train_size, cfg.val_size, cfg.test_size, seed=seed), shapes.CLASSES
    try:
        splits = shapes.load_cifar10(data_dir, val_size=cfg.val_size, seed=seed)
    except ValueError as err:
        raise cli.UsageError(f"cannot load CIFAR-10: {err}") from None
    x, y = splits["train"]
    splits["train"] = (x[: cfg.train_size], y[: cfg.train_size])     # --train-size caps the real set too
    return splits, shapes.CIFAR10_CLASSES


def pipeline(images, labels, batch_size, shuffle_seed=None, flip=False):
    """A cached, (shuffled, flipped), batched, prefetched `tf.data` pipeline."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache()
    if shuffle_seed is not None:
        ds = ds.shuffle(min(len(images), 20_000), seed=shuffle_seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=shuffle_seed is not None)
    if flip:
        ds = ds.map(lambda x, y: (tf.image.random_flip_left_right(x, seed=shuffle_seed), y),
                    num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
# --8<-- [end:data]


# --8<-- [start:pooling]
def pooling_example(grid=POOL_EXAMPLE):
    """Max and average pooling (2x2 windows, stride 2) of a 4x4 grid, by the real Keras layers."""
    from keras import layers, ops

    x = np.asarray(grid, "float32")[None, :, :, None]                   # (1, 4, 4, 1)
    biggest = layers.MaxPooling2D(pool_size=2, strides=2)(x)            # (1, 2, 2, 1)
    mean = layers.AveragePooling2D(pool_size=2, strides=2)(x)           # (1, 2, 2, 1)
    overall = layers.GlobalAveragePooling2D()(x)                        # (1, 1): one number per channel
    return {"max": ops.convert_to_numpy(biggest)[0, :, :, 0], "average": ops.convert_to_numpy(mean)[0, :, :, 0],
            "global_average": float(ops.convert_to_numpy(overall)[0, 0])}
# --8<-- [end:pooling]


# --8<-- [start:stem]
def stem(x, kind: str, filters: int):
    """The first layers. "imagenet": 7x7 conv stride 2, then 3x3 max pool stride 2 (224 -> 112 -> 56).

    "small": one 3x3 conv at stride 1, for 32x32 images, where the ImageNet stem
    would leave 8x8 before the first block and 1x1 at the last stage.
    """
    from keras import layers

    if kind == "imagenet":
        x = layers.Conv2D(filters, 7, strides=2, padding="same", use_bias=False, name="stem_conv")(x)  # (B, H/2, W/2, F)
    elif kind == "small":
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name="stem_conv")(x)             # (B, H, W, F)
    else:
        raise ValueError(f"unknown stem {kind!r}; use 'small' or 'imagenet'")
    x = layers.BatchNormalization(momentum=0.9, name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    if kind == "imagenet":
        x = layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool")(x)                     # (B, H/4, W/4, F)
    return x
# --8<-- [end:stem]


# --8<-- [start:model]
def build_resnet(cfg: Config, input_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES, mean=None, std=None, stem_kind=None,
                 width=None):
    """ResNet-18 style: stem -> 4 stages of basic blocks (width doubles, size halves) -> GAP -> dense."""
    import keras
    from keras import layers

    from kerasbook.layers.residual import ResidualBlock

    width = width or cfg.width
    mean = [0.5, 0.5, 0.5] if mean is None else list(mean)
    std = [0.25, 0.25, 0.25] if std is None else list(std)
    image = keras.Input(input_shape, dtype="uint8", name="image")
    x = layers.Rescaling(1 / 255, name="scale")(image)                                      # (B, 32, 32, 3) in [0, 1]
    # Standardise each colour channel with the training set's mean and std (stored in the model).
    x = layers.Normalization(mean=mean, variance=np.square(std).tolist(), name="standardise")(x)
    x = stem(x, stem_kind or cfg.stem, width)                                               # (B, 32, 32, w)
    for s, n_blocks in enumerate(cfg.blocks):
        for b in range(n_blocks):
            # The first block of stages 2-4 halves the size and doubles the channels;
            # its shortcut then needs the 1x1 projection to match.
            strides = 2 if s > 0 and b == 0 else 1
            x = ResidualBlock(width * 2 ** s, strides=strides, zero_init=cfg.zero_init,
                              name=f"stage{s + 1}_block{b + 1}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)                                        # (B, 8w): one number per channel
    logits = layers.Dense(num_classes, name="logits")(x)                                    # (B, 10)
    return keras.Model(image, logits, name="resnet18")
# --8<-- [end:model]


# --8<-- [start:twins]
def build_deep_net(cfg: Config, residual: bool, input_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES):
    """A deep network of 3x3 convs (3 stages x `deep_blocks` x 2, plus stem and dense).

    With `residual=True` every pair of convs gets a shortcut, f(x) + x (a 1x1
    projection where the shape changes); with `residual=False` it is the same
    stack without them. Both have batch norm after every conv, as in He et al.
    """
    import keras
    from keras import layers

    w = cfg.deep_width
    image = keras.Input(input_shape, dtype="uint8", name="image")
    x = layers.Rescaling(1 / 127.5, offset=-1, name="scale")(image)                     # (B, 32, 32, 3) in [-1, 1]
    x = layers.Conv2D(w, 3, padding="same", use_bias=False, name="conv01")(x)
    x = layers.ReLU(name="relu01")(layers.BatchNormalization(momentum=0.9, name="bn01")(x))
    n = 1
    for s, width in enumerate((w, 2 * w, 4 * w)):
        for b in range(cfg.deep_blocks):
            strides = 2 if s > 0 and b == 0 else 1
            shortcut = x
            x = layers.Conv2D(width, 3, strides=strides, padding="same", use_bias=False, name=f"conv{n + 1:02d}")(x)
            x = layers.ReLU(name=f"relu{n + 1:02d}")(layers.BatchNormalization(momentum=0.9, name=f"bn{n + 1:02d}")(x))
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"conv{n + 2:02d}")(x)
            x = layers.BatchNormalization(momentum=0.9, name=f"bn{n + 2:02d}")(x)
            if residual:
                if strides != 1:
                    shortcut = layers.Conv2D(width, 1, strides=2, use_bias=False, name=f"proj{s + 1}")(shortcut)
                    shortcut = layers.BatchNormalization(momentum=0.9, name=f"proj{s + 1}_bn")(shortcut)
                x = layers.Add(name=f"add{n + 2:02d}")([x, shortcut])                      # f(x) + x
            x = layers.ReLU(name=f"relu{n + 2:02d}")(x)
            n += 2
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(image, logits, name=f"{'residual' if residual else 'plain'}{n + 1}")
# --8<-- [end:twins]


def copy_shared_weights(source, target):
    """Give `target` the weights of every layer of `source` with the same name; returns how many."""
    names = {layer.name for layer in target.layers}
    copied = 0
    for layer in source.layers:
        if layer.name in names and layer.weights:
            target.get_layer(layer.name).set_weights(layer.get_weights())
            copied += 1
    return copied


def conv_gradient_norms(model, x, y):
    """L2 norm of the loss gradient for every main-path conv kernel (`convNN`), in depth order."""
    import keras
    import tensorflow as tf

    from kerasbook import training

    convs = sorted((layer for layer in model.layers if layer.name.startswith("conv")), key=lambda layer: layer.name)

    def norms():
        with tf.GradientTape() as tape:
            # The plain mean: a `keras.losses.Loss` object inside a replica would divide by the replicas.
            loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, model(x, training=True),
                                                                               from_logits=True))
        return [tf.norm(g) for g in tape.gradient(loss, [c.kernel for c in convs])]

    return [float(n) for n in training.in_replica(norms)]       # one replica's view, under any strategy


# --8<-- [start:degradation]
def degradation_experiment(cfg: Config, x, y, x_val, y_val, jit_compile=False, seed=0, verbose=0):
    """Train the plain net and its residual twin from the same starting weights.

    Returns `{"plain": {...}, "residual": {...}}`, each with the per-epoch
    `history` and the per-layer gradient norms at initialisation
    (`grad_init`) and after the first epoch (`grad_epoch1`).
    """
    import keras

    keras.utils.set_random_seed(seed)
    nets = {"plain": build_deep_net(cfg, residual=False), "residual": build_deep_net(cfg, residual=True)}
    copy_shared_weights(nets["plain"], nets["residual"])                  # the skips are the only difference
    probe_x, probe_y = x[:256], y[:256]
    results = {}
    for name, model in nets.items():
        keras.utils.set_random_seed(seed)                                 # same batches in the same order
        model.compile(optimizer=keras.optimizers.Adam(cfg.deep_learning_rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], jit_compile=jit_compile)
        init_norms = conv_gradient_norms(model, probe_x, probe_y)
        after = {}
        probe = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs, m=model, a=after: a.setdefault(
            "norms", conv_gradient_norms(m, probe_x, probe_y)) if epoch == 0 else None)
        start = time.perf_counter()
        history = model.fit(x, y, batch_size=cfg.deep_batch_size, epochs=cfg.deep_epochs, validation_data=(x_val, y_val),
                            callbacks=[probe], verbose=verbose, shuffle=True)
        results[name] = {"history": history.history, "grad_init": init_norms, "grad_epoch1": after["norms"],
                         "layers": len(init_norms) + 1, "params": model.count_params(),
                         "seconds": time.perf_counter() - start}
    return results
# --8<-- [end:degradation]


def cost_table():
    """Parameters and multiply-adds of a standard conv, MobileNet's separable conv and Inception blocks.

    Each row comes from the formulas in `kerasbook.layers.costs` and, for the
    parameters, is checked against `count_params()` of the real layers.
    """
    import keras

    from kerasbook.layers import costs
    from kerasbook.layers.inception import InceptionBlock
    from kerasbook.layers.mobilenet import DepthwiseSeparableConv

    def params(layer, shape):
        layer.build(shape)
        return layer.count_params()

    s, (h, c_in, c_out) = costs.INCEPTION_3A, (28, 192, 256)
    rows = [
        ("3x3 conv, 32x32x64 -> 32x32x128", params(keras.layers.Conv2D(128, 3, use_bias=False), (None, 32, 32, 64)),
         costs.conv_params(3, 64, 128, bias=False), costs.conv_macs(32, 32, 3, 64, 128)),
        ("depthwise-separable 3x3, 32x32x64 -> 32x32x128 (+2 BN)",
         params(DepthwiseSeparableConv(128), (None, 32, 32, 64)),
         costs.separable_params(3, 64, 128, batchnorm=True), costs.separable_macs(32, 32, 3, 64, 128)),
        (f"3x3 conv, {h}x{h}x{c_in} -> {h}x{h}x{c_out}", params(keras.layers.Conv2D(c_out, 3), (None, h, h, c_in)),
         costs.conv_params(3, c_in, c_out), costs.conv_macs(h, h, 3, c_in, c_out)),
        (f"Inception 3a without 1x1 reductions, {h}x{h}x{c_in}", None,
         costs.naive_inception_params(c_in, s), costs.naive_inception_macs(h, h, c_in, s)),
        (f"Inception 3a, {h}x{h}x{c_in} -> {h}x{h}x{s.out_channels}",
         params(InceptionBlock(s.f1, s.f3_reduce, s.f3, s.f5_reduce, s.f5, s.pool_proj), (None, h, h, c_in)),
         costs.inception_params(c_in, s), costs.inception_macs(h, h, c_in, s)),
    ]
    out = []
    for name, counted, formula, macs in rows:
        if counted is not None and counted != formula:
            raise AssertionError(f"{name}: Keras counts {counted} parameters, the formula {formula}")
        out.append({"block": name, "params": formula, "macs": macs})
    return out


def compile_resnet(model, cfg: Config, steps_per_epoch: int, jit_compile: bool):
    """AdamW with warm-up + cosine decay, cross-entropy on logits, accuracy."""
    import keras

    from kerasbook.training import compile_model

    total = max(1, cfg.epochs * steps_per_epoch)
    warmup = int(total * cfg.warmup_fraction)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else cfg.learning_rate, total - warmup, alpha=0.01,
        warmup_target=cfg.learning_rate if warmup else None, warmup_steps=warmup,
    )
    compile_model(model, optimizer=keras.optimizers.AdamW(schedule, weight_decay=cfg.weight_decay),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")], jit_compile=jit_compile)


def measure_step_times(cfg: Config, batch_size=None, steps=10, modes=(True, False), seed=0):
    """Seconds per ResNet training step with XLA on and off (see `xla.time_train_steps`)."""
    import keras


    batch_size = batch_size or cfg.batch_size
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (batch_size, *IMAGE_SHAPE), dtype=np.uint8)
    y = rng.integers(0, NUM_CLASSES, (batch_size,)).astype("int32")

    def make(jit):
        keras.utils.set_random_seed(seed)
        model = build_resnet(cfg)
        compile_resnet(model, cfg, steps_per_epoch=100, jit_compile=jit)
        return model

    return xla.time_train_steps(make, x, y, steps=steps, modes=modes)


def diagram_models() -> dict:
    """The chapter's models from the default `Config`, untrained, for architecture diagrams."""
    cfg = Config()
    return {
        "resnet18": build_resnet(cfg),
        # The original: 224x224 input, the 7x7/2 stem with max pool, widths 64-512, 1000 classes.
        "resnet18_imagenet": build_resnet(cfg, input_shape=(224, 224, 3), num_classes=1000, stem_kind="imagenet",
                                          width=64),
        "plain": build_deep_net(cfg, residual=False),
        "residual": build_deep_net(cfg, residual=True),
    }


def save_figures(out: Path, history, x_test, y_test, predictions, class_names, degradation, pooling, costs_rows):
    """Write every figure of the chapter to `out/figures`."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import image_grid, plot_history, save_figure

    figs = out / "figures"
    plot_history(history, figs / "curves.png", title="ResNet-18 style network")
    n = min(16, len(y_test))
    captions = [class_names[p] if p == t else f"{class_names[p]} ≠ {class_names[t]}"
                for p, t in zip(predictions[:n], y_test[:n])]
    image_grid(x_test[:n], captions, figs / "predictions.png", wrong=list(predictions[:n] != y_test[:n]),
               title="held-out images: predicted class (red: wrong, ≠ shows the truth)")

    # Degradation: training loss and accuracy per epoch, plain against residual.
    colours = {"plain": "tab:red", "residual": "tab:blue"}
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for name, result in degradation.items():
        h = result["history"]
        epochs = np.arange(1, len(h["loss"]) + 1)
        label = f"{name} ({result['layers']} layers)"
        axes[0].plot(epochs, h["loss"], "o-", color=colours[name], label=f"{label}, train")
        axes[0].plot(epochs, h["val_loss"], "s--", color=colours[name], alpha=0.6, label=f"{name}, validation")
        axes[1].plot(epochs, h["accuracy"], "o-", color=colours[name], label=f"{label}, train")
        axes[1].plot(epochs, h["val_accuracy"], "s--", color=colours[name], alpha=0.6, label=f"{name}, validation")
    for ax, title in zip(axes, ("loss", "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle("Same layers, same start: only the skip connections differ")
    save_figure(fig, figs / "degradation_curves.png", dpi=110)

    # Per-layer gradient norms, at initialisation and after one epoch.
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for ax, key, title in zip(axes, ("grad_init", "grad_epoch1"), ("at initialisation", "after epoch 1")):
        for name, result in degradation.items():
            norms = result[key]
            ax.semilogy(np.arange(1, len(norms) + 1), norms, "o-", ms=3, color=colours[name], label=name)
        ax.set_xlabel("conv layer (1 = next to the input)")
        ax.set_title(title)
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("‖∂loss/∂kernel‖")
    axes[0].legend()
    fig.suptitle("Gradient norm of each conv layer's kernel")
    save_figure(fig, figs / "gradient_norms.png", dpi=110)

    # The pooling example as three annotated grids.
    fig, axes = plt.subplots(1, 3, figsize=(8, 2.9), gridspec_kw={"width_ratios": [2, 1.2, 1.2]})
    panels = [(np.asarray(POOL_EXAMPLE, float), "input 4x4 (2x2 windows)"), (pooling["max"], "max pooling"),
              (pooling["average"], "average pooling")]
    for ax, (grid, title) in zip(axes, panels):
        ax.imshow(grid, cmap="Blues", vmin=0, vmax=12)
        for (i, j), v in np.ndenumerate(grid):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=12)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=10)
    for k in (1.5,):
        axes[0].axhline(k, color="k", lw=2)
        axes[0].axvline(k, color="k", lw=2)
    save_figure(fig, figs / "pooling.png", dpi=110)

    # Parameters and multiply-adds of the blocks, on a log scale.
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
    names = [r["block"] for r in costs_rows]
    for ax, key, title in zip(axes, ("params", "macs"), ("parameters", "multiply-adds")):
        ax.barh(range(len(names)), [r[key] for r in costs_rows], color=["tab:gray", "tab:green"] + ["tab:gray"] * 2
                + ["tab:purple"])
        ax.set_xscale("log")
        ax.set_title(title)
        for i, r in enumerate(costs_rows):
            ax.text(r[key], i, f" {r[key]:,}", va="center", fontsize=7)
    axes[0].set_yticks(range(len(names)), names, fontsize=7)
    axes[0].invert_yaxis()
    save_figure(fig, figs / "costs.png", dpi=110)


def _train(argv):
    from kerasbook import runs, training

    run = runs.setup(argv, chapter=CHAPTER, prog=PROG,
                     description="Train a ResNet-18 style network and run the plain-vs-residual experiment (chapter 4).",
                     config=Config(), specs=(SPEC,), measure=lambda run: measure_step_times(run.cfg, steps=5))
    cfg, out, args, jit = run.cfg, run.out, run.args, run.jit
    source = run.source

    start = time.perf_counter()
    splits, class_names = load_data(cfg, source, args.data_dir, args.seed)
    data_seconds = time.perf_counter() - start
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = (splits[k] for k in ("train", "validation", "test"))
    run.require_batch(len(x_tr), "training images")
    print(f"data: {source}, {len(x_tr)} train / {len(x_va)} validation / {len(x_te)} test ({data_seconds:.0f}s)")

    pooling = pooling_example()
    costs_rows = cost_table()

    # Part 1: the ResNet-18 style classifier.
    pixels = x_tr.reshape(-1, 3).astype("float64") / 255
    mean, std = pixels.mean(axis=0), pixels.std(axis=0) + 1e-3
    train_ds = pipeline(x_tr, y_tr, cfg.batch_size, shuffle_seed=args.seed, flip=cfg.flip)
    val_ds = pipeline(x_va, y_va, cfg.batch_size)
    info = run.run_info()
    with run.strategy.scope():
        model = build_resnet(cfg, mean=mean, std=std)
        compile_resnet(model, cfg, steps_per_epoch=len(x_tr) // cfg.batch_size, jit_compile=jit)
    print(f"ResNet-18 style: {model.count_params():,} parameters, {cfg.epochs} epochs")
    model, history = training.fit(model, train_ds, val_ds, epochs=cfg.epochs, out=out, info=info,
                                  train_examples=(len(x_tr) // cfg.batch_size) * cfg.batch_size,
                                  monitor="val_accuracy", verbose=run.verbose())
    eval_start = time.perf_counter()
    logits = model.predict(x_te, batch_size=256, verbose=0)
    predictions = logits.argmax(axis=-1)
    test_accuracy = float((predictions == y_te).mean())
    eval_seconds = time.perf_counter() - eval_start

    # Part 2: the degradation experiment, on a subset of the same training data.
    n_deep = min(cfg.deep_train_size, len(x_tr))
    print(f"degradation experiment: plain vs residual, {6 * cfg.deep_blocks + 2} layers, "
          f"{n_deep} images, {cfg.deep_epochs} epochs each")
    deep_start = time.perf_counter()
    degradation = degradation_experiment(cfg, x_tr[:n_deep], y_tr[:n_deep], x_va, y_va, jit_compile=jit,
                                         seed=args.seed, verbose=0 if args.quiet else 2)
    deep_seconds = time.perf_counter() - deep_start
    final_losses = {name: r["history"]["loss"][-1] for name, r in degradation.items()}

    save_figures(out, history, x_te, y_te, predictions, class_names, degradation, pooling, costs_rows)
    run.finish(
        dataset=run.dataset_entry(len(x_tr), len(x_va), len(x_te)), info=info,
        seconds={"data": data_seconds, "train": info.train_seconds, "evaluate": eval_seconds,
                 "degradation": deep_seconds},
        final={"test_accuracy": test_accuracy, "plain_final_loss": final_losses["plain"],
               "residual_final_loss": final_losses["residual"]},
        params=model.count_params(),
        degradation={name: {"layers": r["layers"], "params": r["params"], "seconds": r["seconds"],
                            "history": r["history"], "grad_init": r["grad_init"], "grad_epoch1": r["grad_epoch1"]}
                     for name, r in degradation.items()},
        pooling={k: np.asarray(v).tolist() for k, v in pooling.items()},
        costs=costs_rows,
    )
    print(f"test accuracy: {test_accuracy:.3f}; degradation ({6 * cfg.deep_blocks + 2} layers): final training loss "
          f"plain {final_losses['plain']:.3f} vs residual {final_losses['residual']:.3f}; "
          f"XLA {'on' if jit else 'off'}; wrote {out}")
    return 0


def main(argv=None):
    """Train the ResNet and the degradation twins; returns the exit code (2 with a one-line error for bad input)."""
    return cli.chapter_main(argv, _train, PROG)


if __name__ == "__main__":
    sys.exit(main())
