"""The srgan part: x4 super-resolution of photos, an SRResNet on pixel loss and then an SRGAN from its weights
(perceptual + adversarial loss), both against bicubic up-sampling on three held-out photos (`evaluate_sr`)."""

from __future__ import annotations

import time

import numpy as np

from kerasbook import cli
from kerasbook.chapters.ch14_gan.config import Config
from kerasbook.data import photos as ph


# --8<-- [start:srresnet]
def build_srresnet(filters: int = 32, blocks: int = 4, scale: int = 4, name="srresnet"):
    """low-resolution `(B, h, w, 3)` in [0, 1] -> `(B, scale*h, scale*w, 3)`: SRResNet, at a CPU's size.

    A 9x9 convolution with PReLU, `blocks` residual blocks (conv-PReLU-conv plus
    the block's input), a convolution added back to the first features (the
    long skip), then log2(scale) sub-pixel steps that each double the side, and
    a 9x9 convolution to three channels. Two changes from the paper, both for a
    short training: no batch norm (as EDSR found, it hurts super-resolution, and
    at batch 16 it held our small network at bicubic's output), and the bicubic
    up-sampling of the input is added to the output, with the last convolution
    starting at zero, so the network starts exactly at bicubic and learns only
    the detail bicubic misses (a residual, as in VDSR).
    """
    import keras
    from keras import layers

    from kerasbook.layers.gan import BicubicUpsampling, SubPixelUpsampling

    low = keras.Input((None, None, 3), name="low")
    first = layers.Conv2D(filters, 9, padding="same", name="head")(low)
    first = layers.PReLU(shared_axes=[1, 2], name="head_prelu")(first)                        # (B, h, w, F)
    x = first
    for i in range(blocks):
        y = layers.Conv2D(filters, 3, padding="same", name=f"block{i}_conv1")(x)
        y = layers.PReLU(shared_axes=[1, 2], name=f"block{i}_prelu")(y)
        y = layers.Conv2D(filters, 3, padding="same", name=f"block{i}_conv2")(y)
        x = layers.Add(name=f"block{i}_add")([x, y])
    x = layers.Conv2D(filters, 3, padding="same", name="trunk_conv")(x)
    x = layers.Add(name="long_skip")([first, x])
    for i in range(int(np.log2(scale))):
        x = layers.Conv2D(filters * 4, 3, padding="same", name=f"up{i}_conv")(x)               # (B, ., ., 4F)
        x = SubPixelUpsampling(2, name=f"up{i}_shuffle")(x)                                  # (B, 2., 2., F)
        x = layers.PReLU(shared_axes=[1, 2], name=f"up{i}_prelu")(x)
    detail = layers.Conv2D(3, 9, padding="same", kernel_initializer="zeros", name="detail")(x)   # (B, sh, sw, 3)
    bicubic = BicubicUpsampling(scale, name="bicubic")(low)                                  # (B, sh, sw, 3)
    return keras.Model(low, layers.Add(name="high")([bicubic, detail]), name=name)


def build_sr_discriminator(widths=(32, 64, 128), name="sr_discriminator"):
    """high-resolution patch -> logit: SRGAN's discriminator, shortened (strided LeakyReLU convolutions,
    then global average pooling so any patch size works)."""
    import keras
    from keras import layers

    image = keras.Input((None, None, 3), name="image")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_pm1")(image)
    for i, width in enumerate(widths):
        x = layers.Conv2D(width, 3, padding="same", name=f"conv{i}a")(x)
        if i:
            x = layers.BatchNormalization(name=f"bn{i}a")(x)
        x = layers.LeakyReLU(0.2, name=f"act{i}a")(x)
        x = layers.Conv2D(width, 3, strides=2, padding="same", name=f"conv{i}b")(x)
        x = layers.BatchNormalization(name=f"bn{i}b")(x)
        x = layers.LeakyReLU(0.2, name=f"act{i}b")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dense(128, name="dense")(x)
    x = layers.LeakyReLU(0.2, name="dense_act")(x)
    return keras.Model(image, layers.Dense(1, name="logit")(x), name=name)


def build_patch_net(classes: int, name="patch_net"):
    """patch in [0, 1] -> which training photo it came from. Trained by the book, its second block's
    features ("features") are the builtin perceptual loss's view of an image."""
    import keras
    from keras import layers

    image = keras.Input((None, None, 3), name="image")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_pm1")(image)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1a")(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1b")(x)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2a")(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="features")(x)        # (B, H/2, W/2, 64)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    return keras.Model(image, layers.Dense(classes, activation="softmax", name="photo")(x), name=name)
# --8<-- [end:srresnet]


def shrink(high, scale: int):
    """`(N, H, W, 3)` in [0, 1] -> `(N, H/scale, W/scale, 3)` tensor: bicubic with anti-aliasing, like MATLAB's
    imresize, clipped to [0, 1]. Works eagerly and inside a `tf.data` map."""
    import tensorflow as tf

    h, w = high.shape[1] // scale, high.shape[2] // scale
    return tf.clip_by_value(tf.image.resize(high, (h, w), method="bicubic", antialias=True), 0.0, 1.0)


def downscale(high, scale: int) -> np.ndarray:
    """`shrink` as a float32 NumPy array."""
    return np.asarray(shrink(high, scale)).astype("float32")


def bicubic_up(low, scale: int) -> np.ndarray:
    """True bicubic up-sampling, `tf.image.resize(..., "bicubic")`, clipped to [0, 1]."""
    import tensorflow as tf

    h, w = low.shape[1] * scale, low.shape[2] * scale
    return np.clip(tf.image.resize(low, (h, w), method="bicubic").numpy(), 0, 1).astype("float32")


def vgg19_features():
    """`keras.applications` VGG19 (ImageNet weights) up to block5_conv4, SRGAN's "VGG54", reading [0, 1] RGB."""
    import keras

    vgg = keras.applications.VGG19(include_top=False, weights="imagenet")
    image = keras.Input((None, None, 3), name="image")
    x = keras.applications.vgg19.preprocess_input(image * 255.0)
    return keras.Model(image, keras.Model(vgg.input, vgg.get_layer("block5_conv4").output)(x), name="vgg54")


def srgan_steps(cfg: Config) -> int:
    """The SRGAN's training steps per epoch."""
    return cfg.patches // cfg.sr_batch_size if cfg.srgan_steps is None else cfg.srgan_steps


def sr_part(photos, cfg, run, out, perceptual: str):
    """SRResNet on pixel loss, then SRGAN from its weights; both against bicubic on the held-out photos."""
    import keras
    import tensorflow as tf

    from kerasbook.layers.gan import SRGAN

    # Fresh patches for every epoch, each turned by one of the square's eight symmetries: a small network
    # learns more from 20,000 different patches than from 4,000 seen five times.
    n_sr, n_gan = cfg.sr_epochs * cfg.patches, cfg.srgan_epochs * srgan_steps(cfg) * cfg.sr_batch_size
    high_u8, which = ph.random_patches(photos["train"], n_sr + n_gan, cfg.patch, run.seed, min_std=0.04)
    high_u8 = ph.dihedral(high_u8, run.seed)                                      # (N, 64, 64, 3) uint8
    high = high_u8[:cfg.patches].astype("float32") / 255.0                        # one epoch's worth, in [0, 1]
    report, seconds = {}, {}
    steps = cfg.patches // cfg.sr_batch_size

    def pairs(patches):
        """uint8 patches -> batches of (bicubic-downscaled input, target), made on the fly."""
        def pair(h):
            h = tf.cast(h, "float32") / 255.0
            return shrink(h, cfg.scale), h

        return (tf.data.Dataset.from_tensor_slices(patches).batch(cfg.sr_batch_size, drop_remainder=True)
                .map(pair, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE))

    # 1. The feature network of the perceptual loss.
    start = time.perf_counter()
    if perceptual == "vgg19":
        try:
            features = vgg19_features()
        except Exception as e:                                        # no network, or a broken download
            raise cli.UsageError(f"VGG19's ImageNet weights could not be loaded ({type(e).__name__}); "
                                 "use --data builtin for the book's own feature network") from None
    else:
        net = build_patch_net(len(photos["train"]))
        net.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"], jit_compile=run.jit)
        h = net.fit(high, which[:cfg.patches], batch_size=64, epochs=cfg.feature_epochs, verbose=run.verbose(2),
                    shuffle=True)
        report["patch_net_train_accuracy"] = float(h.history["accuracy"][-1])
        features = keras.Model(net.input, net.get_layer("features").output, name="patch_features")
    feature_scale = float(np.mean(np.square(features.predict(high[:256], batch_size=64, verbose=0))))
    seconds["features"] = time.perf_counter() - start

    # 2. SRResNet on pixel MSE.
    start = time.perf_counter()
    with run.strategy.scope():
        srresnet = build_srresnet(cfg.sr_filters, cfg.sr_blocks, cfg.scale)
        srresnet.compile(optimizer=keras.optimizers.Adam(cfg.sr_learning_rate), loss="mse", jit_compile=run.jit)
    h = srresnet.fit(pairs(high_u8[:n_sr]), epochs=cfg.sr_epochs, steps_per_epoch=steps, verbose=run.verbose(2),
                     callbacks=[keras.callbacks.CSVLogger(str(out / "srresnet_history.csv"))])
    report["srresnet_history"] = h.history
    srresnet.save(out / "srresnet.keras")
    seconds["srresnet"] = time.perf_counter() - start

    # 3. SRGAN: the same generator, trained on from the SRResNet's weights against a discriminator.
    start = time.perf_counter()
    with run.strategy.scope():
        generator = build_srresnet(cfg.sr_filters, cfg.sr_blocks, cfg.scale, name="srgan_generator")
        generator.set_weights(srresnet.get_weights())
        srgan = SRGAN(generator, build_sr_discriminator(), features, content_weight=cfg.content_weight / feature_scale,
                      pixel_weight=cfg.pixel_weight, adversarial_weight=cfg.adversarial_weight)
        srgan.compile(d_optimizer=keras.optimizers.Adam(cfg.srgan_learning_rate, beta_1=0.9),
                      g_optimizer=keras.optimizers.Adam(cfg.srgan_learning_rate, beta_1=0.9), jit_compile=run.jit)
    h = srgan.fit(pairs(high_u8[n_sr:]), epochs=cfg.srgan_epochs, steps_per_epoch=srgan_steps(cfg),
                  verbose=run.verbose(2),
                  callbacks=[keras.callbacks.CSVLogger(str(out / "srgan_history.csv"))])
    report["srgan_history"] = h.history
    generator.save(out / "model.keras")
    seconds["srgan"] = time.perf_counter() - start

    # 4. The held-out photos, whole.
    results = evaluate_sr(photos["test"], {"SRResNet": srresnet, "SRGAN": generator}, cfg.scale)
    report.update(results["report"])
    report["seconds"] = seconds
    report["perceptual_features"] = perceptual
    return {"report": report, "images": results["images"]}


def evaluate_sr(photos: dict, models: dict, scale: int) -> dict:
    """PSNR and SSIM of bicubic and of each model on whole photos (cropped to a multiple of `scale`), with
    a border of `scale` pixels left out as is usual; the mean over photos and each photo's own numbers."""
    import keras

    from kerasbook.metrics import psnr, ssim

    per_photo, images = {}, {}
    for name, photo in photos.items():
        h, w = photo.shape[0] // scale * scale, photo.shape[1] // scale * scale
        high = photo[None, :h, :w].astype("float32") / 255.0
        low = downscale(high, scale)
        outputs = {"bicubic": bicubic_up(low, scale)}
        for label, model in models.items():
            outputs[label] = np.clip(keras.ops.convert_to_numpy(model(low, training=False)), 0, 1)
        b = scale
        per_photo[name] = {label: {"psnr": float(psnr(high[:, b:-b, b:-b], y[:, b:-b, b:-b])[0]),
                                   "ssim": float(ssim(high[:, b:-b, b:-b], y[:, b:-b, b:-b])[0])}
                           for label, y in outputs.items()}
        images[name] = {"high": high[0], "low": low[0], **{k: v[0] for k, v in outputs.items()}}
    labels = ["bicubic", *models]
    mean = {label: {m: float(np.mean([per_photo[p][label][m] for p in per_photo])) for m in ("psnr", "ssim")}
            for label in labels}
    return {"report": {"mean": mean, "per_photo": per_photo,
                       "srresnet_gain_db": mean["SRResNet"]["psnr"] - mean["bicubic"]["psnr"]},
            "images": images}
