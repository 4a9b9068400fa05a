"""The dcgan part: the course's DCGAN (generator and discriminator), the digit classifier that judges its
digits (`build_judge`, `score_digits`), and its training with `GAN.train_step` (`dcgan_part`), keeping the
generator of the best-read scoring."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from kerasbook.chapters.ch14_gan.config import ACTIVATIONS, SIDE
from kerasbook.data import digits as dg


def to_gan_pixels(images) -> np.ndarray:
    """uint8 `(N, 28, 28, 1)` in [0, 255] -> float32 `(N, 32, 32, 1)` in [-1, 1], padded with background."""
    x = np.asarray(images, "float32") / 127.5 - 1.0
    return np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), constant_values=-1.0)


# --8<-- [start:dcgan]
def build_generator(latent_dim: int, widths=(128, 64, 32), modes: int = 0, mode_seed: int = 0,
                    mode_spread: float = 2.0, name="generator"):
    """z `(B, latent_dim)` -> image `(B, 32, 32, 1)` in [-1, 1], the course's DCGAN generator.

    The first transposed convolution turns the 1x1 noise "image" into a 4x4
    map; each next one doubles the side (stride 2) and halves the channels,
    with batch norm and ReLU between; the last one makes one tanh channel.
    With `modes` > 0, a `NoiseMixture` layer first turns the standard normal z
    into a draw from a mixture of that many Gaussians (centres drawn once from
    N(0, mode_spread^2 I) with `mode_seed`); the input stays a standard normal
    vector either way.
    """
    import keras
    from keras import layers

    from kerasbook.layers.gan import NoiseMixture

    z = keras.Input((latent_dim,), name="z")
    x = NoiseMixture(modes, mode_spread, mode_seed, name="mixture")(z) if modes else z                 # (B, 100)
    x = layers.Reshape((1, 1, latent_dim), name="as_image")(x)                                  # (B, 1, 1, 100)
    x = layers.Conv2DTranspose(widths[0], 4, padding="valid", use_bias=False, name="up0")(x)     # (B, 4, 4, w0)
    x = layers.BatchNormalization(name="bn0")(x)
    x = layers.ReLU(name="relu0")(x)
    for i, width in enumerate(widths[1:], start=1):
        x = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False, name=f"up{i}")(x)  # side x2
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
    image = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh", name="image")(x)  # (B, 32, 32, 1)
    return keras.Model(z, image, name=name)


def build_discriminator(widths=(128, 64, 32), activation: str = "leaky_relu", dropout: float = 0.0,
                        spectral_norm: bool = False, name="discriminator"):
    """image `(B, 32, 32, 1)` -> logit `(B, 1)`: the generator mirrored, stride-2 convolutions down to 4x4.

    `activation` is the hidden layers' nonlinearity: "leaky_relu" (slope 0.2
    below zero, as DCGAN), "relu" or "prelu" (a slope learned per channel).
    The output is a logit; the sigmoid that turns it into P(real) sits in the loss.
    `dropout` after each hidden layer keeps D from memorising a small training set.
    `spectral_norm` wraps every weight layer in `keras.layers.SpectralNormalization`
    (Miyato et al., 2018), which bounds how fast D's output can change with its
    input, in place of D's batch norm.
    """
    import keras
    from keras import layers

    def act(i):
        if activation == "relu":
            return layers.ReLU(name=f"act{i}")
        if activation == "leaky_relu":
            return layers.LeakyReLU(negative_slope=0.2, name=f"act{i}")
        if activation == "prelu":
            return layers.PReLU(shared_axes=[1, 2], name=f"act{i}")
        raise ValueError(f"unknown activation {activation!r}; use one of {', '.join(ACTIVATIONS)}")

    def weighted(make, name):                                      # `make(name)` builds the weight layer
        return layers.SpectralNormalization(make(f"{name}_inner"), name=name) if spectral_norm else make(name)

    image = keras.Input((SIDE, SIDE, 1), name="image")
    x = image
    for i, width in enumerate(widths[::-1]):                       # 32 -> 16 -> 8 -> 4
        x = weighted(lambda n: layers.Conv2D(width, 4, strides=2, padding="same", name=n), f"conv{i}")(x)
        if i and not spectral_norm:                                # DCGAN: no batch norm on the input layer
            x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = act(i)(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    x = layers.Flatten(name="flatten")(x)                          # (B, 4 * 4 * w0)
    return keras.Model(image, weighted(lambda n: layers.Dense(1, name=n), "logit")(x), name=name)
# --8<-- [end:dcgan]


# --8<-- [start:judge]
def build_judge(name="judge"):
    """image `(B, 32, 32, 1)` in [-1, 1] -> 10 class probabilities; its layer "features" (64 numbers) is the
    space the Fréchet distance is measured in."""
    import keras
    from keras import layers

    image = keras.Input((SIDE, SIDE, 1), name="image")
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1")(image)
    x = layers.MaxPooling2D(name="pool1")(x)                                                  # (B, 16, 16, 32)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)                                                  # (B, 8, 8, 64)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    features = layers.Dense(64, activation="relu", name="features")(x)                        # (B, 64)
    return keras.Model(image, layers.Dense(10, activation="softmax", name="probs")(features), name=name)


def score_digits(judge, images, reference_features=None, confidence: float = 0.9) -> dict:
    """What the judge makes of `images`: the share it reads with confidence, the share of each class it
    predicts, and (given features of real digits) the Fréchet distance to them."""
    import keras

    from kerasbook.metrics import frechet_distance

    both = keras.Model(judge.input, [judge.output, judge.get_layer("features").output])
    # Called eagerly, batch by batch: `predict` would trace a new function for every new model and size.
    parts = [both(images[i:i + 512], training=False) for i in range(0, len(images), 512)]
    probs = np.concatenate([keras.ops.convert_to_numpy(p) for p, _ in parts])
    features = np.concatenate([keras.ops.convert_to_numpy(f) for _, f in parts])
    classes = probs.argmax(axis=1)
    shares = np.bincount(classes, minlength=10) / len(classes)
    out = {"confident_share": float((probs.max(axis=1) >= confidence).mean()), "class_shares": shares.tolist(),
           "min_class_share": float(shares.min()), "max_class_share": float(shares.max()), "features": features}
    if reference_features is not None:
        out["frechet_distance"] = frechet_distance(features, reference_features)
    return out
# --8<-- [end:judge]


def load_digits(run) -> dict:
    """`{split: (pixels float32 (N, 32, 32, 1) in [-1, 1], labels)}` from the builtin digits or MNIST."""
    splits = dg.load_builtin() if run.sources["digits"] == "builtin" else dg.load_mnist(run.args.data_dir)
    out = {}
    for name, (x, y) in splits.items():
        if name == "train" and run.cfg.train_size is not None:
            x, y = x[: run.cfg.train_size], y[: run.cfg.train_size]
        out[name] = (to_gan_pixels(x), np.asarray(y))
    return out


def grid_image(images, cols: int = 8, pad: int = 2) -> np.ndarray:
    """`(N, H, W, 1)` in [-1, 1] -> one uint8 grey picture of the images in rows of `cols`, on white."""
    n, h, w = len(images), images.shape[1], images.shape[2]
    rows = -(-n // cols)
    canvas = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), 255, "uint8")
    pixels = np.clip((1.0 - (np.asarray(images)[..., 0] + 1.0) / 2.0) * 255.0, 0, 255).astype("uint8")  # ink dark
    for i, img in enumerate(pixels):
        r, c = divmod(i, cols)
        canvas[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = img
    return canvas


def generate(generator, z) -> np.ndarray:
    """`generator(z)` in inference mode, eagerly in batches of 512, as a NumPy array."""
    import keras

    return np.concatenate([keras.ops.convert_to_numpy(generator(z[i:i + 512], training=False))
                           for i in range(0, len(z), 512)])


def better_scoring(score: dict, best: dict | None, class_range) -> bool:
    """Does `score` (from `score_digits`) beat `best` (None: nothing kept yet)? Only a scoring with every
    class's share inside `class_range` counts, and then the larger confident share wins."""
    low, high = class_range
    balanced = low <= score["min_class_share"] and score["max_class_share"] <= high
    return balanced and (best is None or score["confident_share"] > best["confident_share"])


def epoch_samples(gan, noise, folder, judge, real_features, every: int, cfg, score_noise):
    """A Keras callback: after every epoch, `gan`'s generator's digits for one fixed noise batch `noise` (a PNG
    per epoch in `folder`, kept for the animation) and, every `every` epochs, the `judge`'s scores of
    `score_noise`'s digits against `real_features`, keeping in `best` the averaged weights of the best-read
    scoring whose classes all lie inside `cfg.class_range`. Defined when called, so importing the chapter
    does not import Keras."""
    import keras

    class _Callback(keras.callbacks.Callback):
        def __init__(self, gan, noise, folder, judge, real_features, every, cfg, score_noise):
            super().__init__()
            self.gan, self.noise, self.folder = gan, noise, Path(folder)
            self.judge, self.real_features, self.every, self.cfg = judge, real_features, every, cfg
            self.score_noise = score_noise
            self.frames, self.scores = [], []
            self.best = None            # {"epoch", "confident_share", "weights"} of the best balanced scoring
            self.folder.mkdir(parents=True, exist_ok=True)

        def on_epoch_end(self, epoch, logs=None):
            from PIL import Image

            with self.gan.averaged_generator() as generator:
                frame = grid_image(generate(generator, self.noise))
                self.frames.append(frame)
                Image.fromarray(frame).save(self.folder / f"epoch_{epoch + 1:03d}.png")
                last = epoch + 1 == self.params.get("epochs")
                if (epoch + 1) % self.every == 0 or last or epoch == 0:
                    fake = generate(generator, self.score_noise)
                    s = score_digits(self.judge, fake, self.real_features, self.cfg.confidence)
                    self.scores.append({"epoch": epoch + 1, **{k: v for k, v in s.items() if k != "features"}})
                    if better_scoring(s, self.best, self.cfg.class_range):
                        self.best = {"epoch": epoch + 1, "confident_share": s["confident_share"],
                                     "weights": generator.get_weights()}

    return _Callback(gan, noise, folder, judge, real_features, every, cfg, score_noise)


def judge_part(digits, cfg, run, out):
    """Train the digit classifier on real training digits; its test accuracy and its features of the test set."""
    import keras
    import tensorflow as tf

    from kerasbook import training

    (x, y), (xv, yv), (xt, yt) = digits["train"], digits["validation"], digits["test"]
    info = run.run_info()
    with run.strategy.scope():
        judge = build_judge()
    training.compile_model(judge, optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                           metrics=["accuracy"], jit_compile=run.jit)
    train_ds = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=run.seed).batch(64)
                .prefetch(tf.data.AUTOTUNE))
    judge, history = training.fit(judge, train_ds, tf.data.Dataset.from_tensor_slices((xv, yv)).batch(512),
                                  epochs=cfg.judge_epochs, out=out, info=info, train_examples=len(x),
                                  verbose=run.verbose(0))
    accuracy = float((judge.predict(xt, batch_size=512, verbose=0).argmax(axis=1) == yt).mean())
    return judge, {"test_accuracy": accuracy, "seconds": info.train_seconds}


def late_decay(rate: float, total_steps: int, after: float):
    """`rate` held for the first `after` of `total_steps`, then a cosine down to 0 (`after` >= 1: a constant).

    A constant rate keeps the two players moving to the end, so the generator's digits still change
    from epoch to epoch; bringing both rates down over the last part lets them settle.
    """
    import keras

    hold = int(total_steps * after)
    if hold >= total_steps:
        return rate
    # CosineDecay's warm-up from `rate` to `rate` is the flat start.
    return keras.optimizers.schedules.CosineDecay(rate, total_steps - hold, alpha=0.0, warmup_target=rate,
                                                  warmup_steps=max(hold, 1))


def dcgan_part(digits, judge, cfg, run, out):
    """Train the DCGAN with `GAN.train_step`; score its digits with the judge against held-out real ones."""
    import keras
    import tensorflow as tf

    from kerasbook import training
    from kerasbook.layers.gan import GAN

    x = digits["train"][0]
    real_test = score_digits(judge, digits["test"][0], confidence=cfg.confidence)
    real_train = score_digits(judge, x, real_test["features"], cfg.confidence)
    rng = np.random.default_rng([run.seed, 14])
    fixed = rng.normal(size=(64, cfg.latent_dim)).astype("float32")                   # the same 64 digits every epoch
    scored = rng.normal(size=(cfg.generated, cfg.latent_dim)).astype("float32")          # the final numbers
    # Scorings during training (and the choice of epoch) use noise of their own, so the final numbers
    # come from digits the choice never saw.
    watched = np.random.default_rng([run.seed, 14, 1]).normal(size=(cfg.generated, cfg.latent_dim)).astype("float32")
    with run.strategy.scope():
        gan = GAN(build_generator(cfg.latent_dim, cfg.widths, cfg.modes, run.seed, cfg.mode_spread),
                  build_discriminator(cfg.d_widths or cfg.widths, dropout=cfg.d_dropout,
                                                                        spectral_norm=cfg.spectral_norm),
                  cfg.latent_dim, seed=run.seed, real_label=cfg.real_label, shift=cfg.shift)
        total = cfg.epochs * (len(x) // cfg.batch_size)
        gan.compile(d_optimizer=keras.optimizers.Adam(late_decay(cfg.d_learning_rate, total, cfg.decay_after),
                                                      beta_1=cfg.beta_1),
                    g_optimizer=keras.optimizers.Adam(late_decay(cfg.learning_rate, total, cfg.decay_after),
                                                      beta_1=cfg.beta_1, use_ema=cfg.ema > 0,
                                                      ema_momentum=cfg.ema or 0.99),
                    jit_compile=run.jit)
    ds = (tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=run.seed)
          .batch(cfg.batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    samples = epoch_samples(gan, fixed, out / "figures" / "epochs", judge, real_test["features"],
                           cfg.eval_every, cfg, watched)
    nan_stop, timer = training.StopOnNaN(), training.EpochTimer()
    info = run.run_info()
    start = time.perf_counter()
    history = gan.fit(ds, epochs=cfg.epochs, verbose=run.verbose(2), callbacks=[
        keras.callbacks.CSVLogger(str(out / "dcgan_history.csv")), nan_stop, timer, samples])
    info.train_seconds = time.perf_counter() - start
    training.check_jit(gan, run.jit)
    if nan_stop.where is not None:
        raise FloatingPointError("a GAN loss became NaN/inf; lower the learning rate")
    info.epochs_run = len(timer.seconds)
    steady = timer.seconds[1:] or timer.seconds
    info.samples_per_s = len(x) // cfg.batch_size * cfg.batch_size * len(steady) / sum(steady)
    gan.g_optimizer.finalize_variable_values(gan.generator.trainable_variables)   # keep the averaged weights
    if cfg.keep_best and samples.best is not None:
        gan.generator.set_weights(samples.best["weights"])
    kept_epoch = samples.best["epoch"] if cfg.keep_best and samples.best is not None else info.epochs_run
    gan.generator.save(out / "generator.keras")
    gan.discriminator.save(out / "discriminator.keras")
    fake = generate(gan.generator, scored)
    judged = score_digits(judge, fake, real_test["features"], cfg.confidence)
    nearest = {"generated": nearest_training_distance(fake[:300], x),
               "real_test": nearest_training_distance(digits["test"][0][:300], x)}
    return {
        "generator": gan.generator, "history": history.history, "frames": samples.frames, "scores": samples.scores,
        "fake": fake, "fake_probs_of": judged, "info": info,
        "report": {
            "confident_share": judged["confident_share"], "class_shares": judged["class_shares"],
            "min_class_share": judged["min_class_share"], "max_class_share": judged["max_class_share"],
            "frechet_distance": judged["frechet_distance"],
            "frechet_distance_real_train_vs_test": real_train["frechet_distance"],
            "real_test_confident_share": real_test["confident_share"],
            "real_test_class_shares": real_test["class_shares"],
            "nearest_training_mse": nearest, "seconds": info.train_seconds,
            "scores_over_training": samples.scores, "kept_epoch": kept_epoch,
        },
    }


def nearest_training_distance(fake, train) -> dict:
    """Median and smallest pixel MSE from each image in `fake` to its nearest training digit. A generator
    that copied its training digits would sit at 0; held-out real digits, passed the same way, give the
    yardstick of "new but like the training set"."""
    f = fake.reshape(len(fake), -1)
    t = train.reshape(len(train), -1)
    d = (f ** 2).sum(1)[:, None] + (t ** 2).sum(1)[None, :] - 2 * f @ t.T
    nearest = np.maximum(d.min(axis=1), 0) / f.shape[1]
    return {"median": float(np.median(nearest)), "min": float(nearest.min())}
