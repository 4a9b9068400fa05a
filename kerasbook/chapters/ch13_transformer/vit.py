"""The vit part: a Vision Transformer (patches, a class token, learned positions) against a small CNN
at the same training budget, and where the class token looks."""

from __future__ import annotations

import time

import numpy as np

from kerasbook.chapters.ch13_transformer.config import Config
from kerasbook.chapters.ch13_transformer.translator import warmup_cosine


# --8<-- [start:vit]
def build_cnn(widths=(16, 32, 64), num_classes: int = 10):
    """Chapter 3's design, small: standardised image -> [3x3 conv, BN, ReLU] x 2 + max-pool per width ->
    global average pool -> classifier. Same input as the ViT, so only the architecture differs."""
    import keras
    from keras import layers

    from kerasbook.layers.vit import Standardize

    images = keras.Input((32, 32, 3), name="images")
    x = Standardize(name="standardize")(images)
    for b, width in enumerate(widths, 1):
        for j in (1, 2):
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"block{b}_conv{j}")(x)
            x = layers.BatchNormalization(name=f"block{b}_bn{j}")(x)
            x = layers.ReLU(name=f"block{b}_relu{j}")(x)
        x = layers.MaxPooling2D(2, name=f"block{b}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(images, layers.Dense(num_classes, name="class_logits")(x), name="cnn")


def train_image_model(kind: str, splits: dict, cfg: Config, run, out):
    """Train the ViT or the CNN with the same optimiser, schedule, batches and epochs; `(model, history, info)`."""
    import keras
    import tensorflow as tf

    from kerasbook import training
    from kerasbook.transformer_models import build_vit

    (x, y), (xv, yv) = splits["train"], splits["validation"]
    steps = cfg.image_epochs * (len(x) // cfg.image_batch_size)
    with run.strategy.scope():
        keras.utils.set_random_seed(run.seed)
        if kind == "vit":
            model = build_vit(32, 3, 10, cfg.patch_size, cfg.small_d, cfg.small_heads, cfg.small_ff, cfg.vit_layers,
                              cfg.dropout)
        else:
            model = build_cnn(cfg.cnn_widths)
        model.compile(optimizer=keras.optimizers.AdamW(warmup_cosine(cfg.image_learning_rate, steps),
                                                       weight_decay=0.05),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                      jit_compile=run.jit)
    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=run.seed).batch(
        cfg.image_batch_size, drop_remainder=True).prefetch(2)
    val_ds = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(256)
    info = run.run_info()
    model, history = training.fit(model, train_ds, val_ds, epochs=cfg.image_epochs, out=out, info=info,
                                  train_examples=len(x), verbose=run.verbose())
    return model, history, info


def class_token_attention(model, images) -> np.ndarray:
    """`(N, heads, rows, cols)`: how much the class token attends to each patch in the ViT's last block."""
    from keras import ops

    from kerasbook.layers.transformer import TransformerEncoderBlock

    x = model.get_layer("standardize")(images)
    x = model.get_layer("patch_projection")(model.get_layer("patches")(x))
    x = model.get_layer("class_token")(x)
    x = model.get_layer("with_positions")([x, model.get_layer("positions")(x)])
    blocks = [layer for layer in model.layers if isinstance(layer, TransformerEncoderBlock)]
    for block in blocks:
        x, weights = block(x, return_attention_scores=True, training=False)
    w = ops.convert_to_numpy(weights)[:, :, 0, 1:]                         # class token -> every patch
    side = int(round(np.sqrt(w.shape[-1])))
    return w.reshape(len(w), w.shape[1], side, side)
# --8<-- [end:vit]


def vit_part(cfg: Config, run, out) -> dict:
    from kerasbook.data import shapes

    splits = shapes.load_builtin(cfg.image_train_size, cfg.image_val_size, cfg.image_test_size, run.seed)
    report, models, histories = {}, {}, {}
    for kind in ("vit", "cnn"):
        print(f"vit: training the {'Vision Transformer' if kind == 'vit' else 'CNN'} on "
              f"{len(splits['train'][0])} shapes ...", flush=True)
        start = time.perf_counter()
        model, history, info = train_image_model(kind, splits, cfg, run, out / kind)
        seconds = time.perf_counter() - start
        accuracy = float(model.evaluate(*splits["test"], batch_size=256, verbose=0)[1])
        report[kind] = {"test_accuracy": accuracy, "params": model.count_params(), "train_s": seconds,
                        "train_accuracy": history["accuracy"][-1], "samples_per_s": info.samples_per_s}
        models[kind], histories[kind] = model, history
        print(f"  test accuracy {accuracy:.1%}, {model.count_params():,} parameters, {seconds:.0f}s")
    return {"report": report, "models": models, "histories": histories, "test": splits["test"]}
