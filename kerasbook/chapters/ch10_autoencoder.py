"""Chapter 10: autoencoders, networks that learn to summarise by learning to rebuild.

An autoencoder squeezes its input through a narrow latent vector (the
encoder) and rebuilds the input from that vector alone (the decoder). Its
target is its own input, so it needs no labels; to rebuild well from a few
numbers it has to keep what matters and drop the rest. This chapter builds a
dense and two convolutional autoencoders (transposed-convolution and
upsampling decoders), proves that a *linear* autoencoder learns exactly
PCA's subspace, trains a denoising autoencoder and measures its PSNR gain,
builds a variational autoencoder with the reparameterisation trick and a KL
term (its 2-D latent map, a grid decoded from the latent plane, samples), and
uses reconstruction error to find digits of a class it never saw.

Run it:

    python -m kerasbook.chapters.ch10_autoencoder              # default run, builtin digits
    python -m kerasbook.chapters.ch10_autoencoder --quick      # about a minute on a laptop
    python -m kerasbook.chapters.ch10_autoencoder --data full  # MNIST through TFDS

References:
    Hinton and Salakhutdinov, "Reducing the Dimensionality of Data with Neural
    Networks", Science 2006. Vincent et al., "Extracting and Composing Robust
    Features with Denoising Autoencoders", ICML 2008. Kingma and Welling,
    "Auto-Encoding Variational Bayes", ICLR 2014. Baldi and Hornik, "Neural
    Networks and Principal Component Analysis", 1989.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass

import numpy as np

from kerasbook import cli
from kerasbook.data import digits as dg
from kerasbook import xla

CHAPTER = "ch10_autoencoder"
PROG = "python -m kerasbook.chapters.ch10_autoencoder"
TITLE = "Autoencoders"  # its name in the site's navigation
TRACK = "Encoder-decoder track"
TOPIC = ("dense and convolutional autoencoders, a linear AE vs PCA, denoising, a VAE with its own train_step, "
         "anomaly detection")
SHAPE = (28, 28, 1)


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 10 depends on."""

    latent: int = 16                # the autoencoders' latent vector
    epochs: int = 40                # for every autoencoder but the linear one and the VAE
    batch_size: int = 64
    learning_rate: float = 2e-3
    train_size: int | None = None   # training images to use; None = all
    pca_components: int = 8         # the linear autoencoder's latent size, compared with PCA
    linear_epochs: int = 400
    noise: float = 0.4              # the headline noise level (std of Gaussian noise on pixels in [0, 1])
    noise_levels: tuple = (0.1, 0.2, 0.4, 0.6)
    noisy_copies: int = 2           # noisy versions of each training image
    vae_latent: int = 2
    vae_epochs: int = 120
    anomaly_digit: int = 4          # the class held out of training and called "anomalous"
    anomaly_table: bool = True      # also hold out every other digit in turn

    def quick(self) -> "Config":
        """A preset that finishes in about a minute on a laptop CPU."""
        return dataclasses.replace(self, epochs=20, linear_epochs=200, noise_levels=(0.2, 0.4), vae_epochs=35,
                                   anomaly_table=False)

    def mnist(self) -> "Config":
        """Sizes for MNIST (`--data full`): far more images, so far fewer epochs."""
        return dataclasses.replace(self, epochs=8, linear_epochs=20, vae_epochs=15, batch_size=128,
                                   anomaly_table=False)
# --8<-- [end:config]


# --8<-- [start:models]
def build_autoencoder(kind: str, latent: int, name: str | None = None):
    """`kind` "dense", "transpose" or "upsample": image -> encoder -> latent vector -> decoder -> image.

    The convolutional encoder halves the image twice with stride-2
    convolutions (28 -> 14 -> 7); the decoder mirrors it, doubling back with
    `Conv2DTranspose` (learned up-sampling) or with `UpSampling2D` (copying
    each pixel into a 2x2 block) followed by an ordinary convolution.
    """
    import keras
    from keras import layers

    image = keras.Input(SHAPE, name="image")                                           # (B, 28, 28, 1)
    if kind == "dense":
        x = layers.Flatten(name="flatten")(image)                                      # (B, 784)
        x = layers.Dense(128, activation="relu", name="enc_dense")(x)                  # (B, 128)
        z = layers.Dense(latent, name="latent")(x)                                     # (B, latent)
        x = layers.Dense(128, activation="relu", name="dec_dense")(z)
        x = layers.Dense(784, activation="sigmoid", name="dec_pixels")(x)             # (B, 784)
        out = layers.Reshape(SHAPE, name="reconstruction")(x)                         # (B, 28, 28, 1)
        return keras.Model(image, out, name=name or "dense_ae")
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", name="enc_conv1")(image)  # (B, 14, 14, 16)
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="enc_conv2")(x)      # (B, 7, 7, 32)
    x = layers.Flatten(name="flatten")(x)                                                        # (B, 1568)
    z = layers.Dense(latent, name="latent")(x)                                                   # (B, latent)
    x = layers.Dense(7 * 7 * 32, activation="relu", name="dec_dense")(z)
    x = layers.Reshape((7, 7, 32), name="dec_reshape")(x)                                        # (B, 7, 7, 32)
    if kind == "transpose":
        x = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu", name="dec_up1")(x)  # 14
        x = layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu", name="dec_up2")(x)  # 28
    elif kind == "upsample":
        x = layers.UpSampling2D(name="dec_up1")(x)                                               # (B, 14, 14, 32)
        x = layers.Conv2D(32, 3, padding="same", activation="relu", name="dec_conv1")(x)
        x = layers.UpSampling2D(name="dec_up2")(x)                                               # (B, 28, 28, 32)
        x = layers.Conv2D(16, 3, padding="same", activation="relu", name="dec_conv2")(x)
    else:
        raise ValueError(f"unknown autoencoder kind {kind!r}; use dense, transpose or upsample")
    out = layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="reconstruction")(x)   # (B, 28, 28, 1)
    return keras.Model(image, out, name=name or f"{kind}_ae")


def updown_example() -> dict:
    """The course's example with real layers: 5x5 -> 3x3 by a 3x3 convolution, 3x3 -> 5x5 by a transposed one."""
    import keras

    image = keras.ops.ones((1, 5, 5, 1))
    down = keras.layers.Conv2D(1, 3, strides=1, padding="valid")(image)                    # (1, 3, 3, 1)
    up = keras.layers.Conv2DTranspose(1, 3, strides=1, padding="valid")(down)             # (1, 5, 5, 1)
    doubled = keras.layers.UpSampling2D()(down)                                            # (1, 6, 6, 1)
    return {"input": tuple(image.shape[1:3]), "conv": tuple(down.shape[1:3]),
            "transpose": tuple(up.shape[1:3]), "upsampling2d": tuple(doubled.shape[1:3])}


def encoder_of(autoencoder):
    """The encoder half of a `build_autoencoder` model: image -> latent vector."""
    import keras

    return keras.Model(autoencoder.input, autoencoder.get_layer("latent").output, name="encoder")
# --8<-- [end:models]


# --8<-- [start:vae]
def build_vae(latent: int, seed: int = 0):
    """The VAE's encoder `image -> [mean, log_var, z]` and decoder `z -> image`, wrapped in `VAE`."""
    import keras
    from keras import layers

    from kerasbook.layers.vae import VAE, Sampling

    image = keras.Input(SHAPE, name="image")
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="enc_conv1")(image)  # (B, 14, 14, 32)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", name="enc_conv2")(x)      # (B, 7, 7, 64)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(64, activation="relu", name="enc_dense")(x)
    mean = layers.Dense(latent, name="z_mean")(x)                                                    # (B, latent)
    log_var = layers.Dense(latent, name="z_log_var")(x)                                              # (B, latent)
    z = Sampling(seed=seed, name="z")([mean, log_var])                                              # (B, latent)
    encoder = keras.Model(image, [mean, log_var, z], name="vae_encoder")

    code = keras.Input((latent,), name="z")
    x = layers.Dense(7 * 7 * 64, activation="relu", name="dec_dense")(code)
    x = layers.Reshape((7, 7, 64), name="dec_reshape")(x)
    x = layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu", name="dec_up1")(x)  # 14
    x = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu", name="dec_up2")(x)  # 28
    out = layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="image_out")(x)
    decoder = keras.Model(code, out, name="vae_decoder")
    return VAE(encoder, decoder, name="vae")
# --8<-- [end:vae]


# --8<-- [start:metrics]
def psnr(clean, other, max_value: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio per image, in dB: 10 log10(max^2 / MSE). Higher is closer."""
    mse = np.mean((np.asarray(clean, "float64") - np.asarray(other, "float64")) ** 2, axis=(1, 2, 3))
    return 10 * np.log10(max_value ** 2 / np.maximum(mse, 1e-12))


def add_noise(images, sigma: float, rng) -> np.ndarray:
    """Gaussian noise of standard deviation `sigma` on pixels in [0, 1], clipped back to [0, 1]."""
    return np.clip(images + rng.normal(0, sigma, images.shape), 0, 1).astype("float32")
# --8<-- [end:metrics]


# --8<-- [start:pca]
def linear_autoencoder(pixels: int, k: int):
    """x -> W1 x -> W2 (W1 x): no activations, no biases (the data is centred first)."""
    import keras
    from keras import layers

    x = keras.Input((pixels,), name="centred")
    code = layers.Dense(k, use_bias=False, name="encode")(x)
    return keras.Model(x, layers.Dense(pixels, use_bias=False, name="decode")(code), name="linear_ae")


def principal_angles(decoder_kernel, components) -> np.ndarray:
    """Angles in degrees between the span of the decoder's k rows and of PCA's k components."""
    from scipy.linalg import subspace_angles

    return np.degrees(subspace_angles(np.asarray(decoder_kernel).T, np.asarray(components).T))
# --8<-- [end:pca]


def measure_step_times(cfg: Config, steps=10, modes=(True, False), seed=0):
    """Seconds per training step of the convolutional autoencoder with XLA on and off."""
    import keras

    from kerasbook import training

    x = np.random.default_rng(seed).random((cfg.batch_size, *SHAPE)).astype("float32")

    def make(jit):
        keras.utils.set_random_seed(seed)
        model = build_autoencoder("transpose", cfg.latent)
        training.compile_model(model, optimizer=keras.optimizers.Adam(cfg.learning_rate), loss="mse", metrics=[],
                               jit_compile=jit)
        return model

    return xla.time_train_steps(make, x, x, steps=steps, modes=modes)


def diagram_models():
    """The models the site draws with `keras.utils.plot_model`."""
    vae = build_vae(Config().vae_latent)
    return {"transpose_ae": build_autoencoder("transpose", Config().latent), "vae_encoder": vae.encoder}


def _fit_ae(model, x_in, x_out, val, cfg, run, out, epochs):
    """Adam + MSE, best epoch by validation loss; `(model, history, info)`."""
    import keras
    import tensorflow as tf

    from kerasbook import training

    info = run.run_info()
    training.compile_model(model, optimizer=keras.optimizers.Adam(cfg.learning_rate), loss="mse", metrics=[],
                           jit_compile=run.jit)
    train_ds = (tf.data.Dataset.from_tensor_slices((x_in, x_out)).shuffle(len(x_in), seed=run.seed)
                .batch(cfg.batch_size).prefetch(tf.data.AUTOTUNE))
    val_ds = tf.data.Dataset.from_tensor_slices(val).batch(512)
    model, history = training.fit(model, train_ds, val_ds, epochs=epochs, out=out, info=info,
                                  train_examples=len(x_in), verbose=run.verbose(0))
    return model, history, info


def experiment_reconstruction(data, cfg, run, out):
    """Dense vs the two convolutional autoencoders, same latent size and epochs: test MSE."""
    (x, _), (xv, _), (xt, _) = data
    results, models = {}, {}
    for kind in ("dense", "transpose", "upsample"):
        with run.strategy.scope():
            model = build_autoencoder(kind, cfg.latent)
        model, history, info = _fit_ae(model, x, x, (xv, xv), cfg, run, out / f"ae_{kind}", cfg.epochs)
        recon = model.predict(xt, batch_size=512, verbose=0)
        results[kind] = {"test_mse": float(np.mean((recon - xt) ** 2)), "params": model.count_params(),
                         "test_psnr": float(psnr(xt, recon).mean()), "seconds": info.train_seconds}
        models[kind] = model
    return results, models


def experiment_pca(data, cfg, run):
    """A linear autoencoder against scikit-learn's PCA: principal angles between their subspaces."""
    import keras
    from sklearn.decomposition import PCA

    from kerasbook import training

    (x, _), _, (xt, _) = data
    flat, flat_t = x.reshape(len(x), -1), xt.reshape(len(xt), -1)
    mean = flat.mean(axis=0)
    pca = PCA(cfg.pca_components).fit(flat)
    model = linear_autoencoder(flat.shape[1], cfg.pca_components)
    training.compile_model(model, optimizer=keras.optimizers.Adam(3e-3), loss="mse", metrics=[],
                           jit_compile=run.jit)
    history = model.fit(flat - mean, flat - mean, batch_size=128, epochs=cfg.linear_epochs, verbose=0, shuffle=True)
    decoder = keras.ops.convert_to_numpy(model.get_layer("decode").kernel)                 # (k, 784)
    angles = principal_angles(decoder, pca.components_)
    ae_mse = float(np.mean((model.predict(flat_t - mean, batch_size=512, verbose=0) + mean - flat_t) ** 2))
    pca_mse = float(np.mean((pca.inverse_transform(pca.transform(flat_t)) - flat_t) ** 2))
    return {"k": cfg.pca_components, "angles_deg": angles.tolist(), "max_angle_deg": float(angles.max()),
            "linear_ae_test_mse": ae_mse, "pca_test_mse": pca_mse, "final_train_loss": history.history["loss"][-1],
            "components": pca.components_, "decoder": decoder}


def experiment_denoising(data, cfg, run, out):
    """One denoising autoencoder per noise level: PSNR of the noisy input and of the output, unseen images."""
    (x, _), (xv, _), (xt, _) = data
    rng = np.random.default_rng([run.seed, 10])
    results, headline = {}, None
    for sigma in cfg.noise_levels:
        clean = np.concatenate([x] * cfg.noisy_copies)
        noisy = add_noise(clean, sigma, rng)                    # fresh noise on every copy
        val = (add_noise(xv, sigma, rng), xv)
        with run.strategy.scope():
            model = build_autoencoder("transpose", cfg.latent, name=f"denoise_{sigma}")
        where = out if sigma == cfg.noise else out / f"denoise_{sigma}"
        model, history, info = _fit_ae(model, noisy, clean, val, cfg, run, where, cfg.epochs)
        noisy_t = add_noise(xt, sigma, rng)
        output = model.predict(noisy_t, batch_size=512, verbose=0)
        results[str(sigma)] = {"psnr_noisy": float(psnr(xt, noisy_t).mean()), "psnr_output": float(psnr(xt, output).mean()),
                               "seconds": info.train_seconds}
        results[str(sigma)]["gain_db"] = results[str(sigma)]["psnr_output"] - results[str(sigma)]["psnr_noisy"]
        if sigma == cfg.noise:
            headline = {"model": model, "history": history, "info": info, "noisy": noisy_t, "output": output}
    return results, headline


def experiment_vae(data, cfg, run, out):
    """Train the VAE; its loss parts, the latent map of the test digits, and decoded grids."""
    import keras

    from kerasbook import training

    (x, _), (xv, _), (xt, yt) = data
    with run.strategy.scope():
        vae = build_vae(cfg.vae_latent, seed=run.seed)
        vae.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=run.jit)
    out.mkdir(parents=True, exist_ok=True)
    nan_stop = training.StopOnNaN()
    start = time.perf_counter()
    history = vae.fit(x, validation_data=(xv,), batch_size=cfg.batch_size, epochs=cfg.vae_epochs, verbose=run.verbose(2),
                      callbacks=[keras.callbacks.CSVLogger(str(out / "history.csv")), nan_stop])
    seconds = time.perf_counter() - start
    if nan_stop.where is not None:
        raise FloatingPointError("the VAE's loss became NaN/inf; lower the learning rate")
    vae.encoder.save(out / "encoder.keras")
    vae.decoder.save(out / "decoder.keras")
    mean, _, _ = vae.encoder.predict(xt, batch_size=512, verbose=0)
    final = {k: float(v[-1]) for k, v in history.history.items()}
    return {"final": final, "history": history.history, "seconds": seconds, "test_means": mean, "test_labels": yt,
            "decoder": vae.decoder}


def experiment_anomaly(data, cfg, run, out, digits):
    """Train on every digit but one; score reconstruction error; ROC AUC and a threshold chosen on validation."""
    from sklearn.metrics import roc_auc_score, roc_curve

    (x, y), (xv, yv), (xt, yt) = data
    results = {}
    for digit in digits:
        normal = x[y != digit]
        normal_v = xv[yv != digit]
        with run.strategy.scope():
            model = build_autoencoder("transpose", cfg.latent, name=f"normal_without_{digit}")
        model, _, info = _fit_ae(model, normal, normal, (normal_v, normal_v), cfg, run, out / f"anomaly_{digit}",
                                 cfg.epochs)

        def score(images):
            return np.mean((model.predict(images, batch_size=512, verbose=0) - images) ** 2, axis=(1, 2, 3))

        s_val, s_test = score(xv), score(xt)
        # The threshold that best separates validation normals from validation anomalies (Youden's J).
        fpr, tpr, thresholds = roc_curve(yv == digit, s_val)
        threshold = float(thresholds[np.argmax(tpr - fpr)])
        flagged, truth = s_test >= threshold, yt == digit
        results[digit] = {
            "auc": float(roc_auc_score(truth, s_test)), "threshold": threshold,
            "recall": float(flagged[truth].mean()), "false_alarm_rate": float(flagged[~truth].mean()),
            "precision": float(truth[flagged].mean()) if flagged.any() else 0.0, "seconds": info.train_seconds,
            "scores": s_test,
        }
    return results


def save_figures(figs, data, recon_models, pca, denoise, headline, vae, anomaly, cfg):
    """Reconstructions, PCA vs linear AE, denoising, the VAE's latent map, grid and samples, anomaly scores."""
    import matplotlib.pyplot as plt
    from scipy.stats import norm

    from kerasbook.plots import save_figure

    figs.mkdir(parents=True, exist_ok=True)
    (_, _), _, (xt, yt) = data
    n = 10

    def row(ax_row, images, label):
        for ax, img in zip(ax_row, images):
            ax.imshow(np.squeeze(img), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        ax_row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)

    fig, axes = plt.subplots(1 + len(recon_models), n, figsize=(n * 0.9, 1.0 * (1 + len(recon_models))))
    row(axes[0], xt[:n], "input")
    for ax_row, (kind, model) in zip(axes[1:], recon_models.items()):
        row(ax_row, model.predict(xt[:n], verbose=0), f"{kind} AE")
    fig.suptitle(f"unseen digits rebuilt from a latent vector of {cfg.latent} numbers", fontsize=9)
    save_figure(fig, figs / "reconstructions.png", dpi=100)

    k = pca["k"]
    decoder = np.linalg.qr(pca["decoder"].T)[0].T                 # an orthonormal basis of the AE's subspace
    fig, axes = plt.subplots(2, k, figsize=(k * 0.95, 2.3))
    row(axes[0], [(c - c.min()) / (np.ptp(c) + 1e-9) for c in pca["components"].reshape(k, 28, 28)], "PCA")
    row(axes[1], [(c - c.min()) / (np.ptp(c) + 1e-9) for c in decoder.reshape(k, 28, 28)], "linear AE")
    fig.suptitle(f"same subspace, different basis: largest principal angle {pca['max_angle_deg']:.2f}°", fontsize=9)
    save_figure(fig, figs / "pca_vs_linear_ae.png", dpi=100)

    fig, axes = plt.subplots(3, n, figsize=(n * 0.9, 3.0))
    row(axes[0], xt[:n], "clean")
    row(axes[1], headline["noisy"][:n], f"noisy σ={cfg.noise}")
    row(axes[2], headline["output"][:n], "denoised")
    save_figure(fig, figs / "denoising.png", dpi=100)

    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    levels = list(denoise)
    ax.plot([float(s) for s in levels], [denoise[s]["psnr_noisy"] for s in levels], "o-", label="noisy input")
    ax.plot([float(s) for s in levels], [denoise[s]["psnr_output"] for s in levels], "o-", label="denoised output")
    ax.set_xlabel("noise σ (pixels in [0, 1])")
    ax.set_ylabel("PSNR on unseen digits (dB)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save_figure(fig, figs / "denoising_psnr.png", dpi=100)

    fig, ax = plt.subplots(figsize=(5.4, 4.6))
    means = vae["test_means"]
    sc = ax.scatter(means[:, 0], means[:, 1], c=vae["test_labels"], cmap="tab10", s=9, vmin=-0.5, vmax=9.5)
    fig.colorbar(sc, ax=ax, ticks=range(10), label="digit")
    ax.set_xlabel("z₁")
    ax.set_ylabel("z₂")
    ax.set_title("VAE: where the unseen digits land in the 2-D latent space", fontsize=9)
    save_figure(fig, figs / "vae_latent.png", dpi=100)

    steps, gap = 12, 4
    grid = norm.ppf(np.linspace(0.05, 0.95, steps))                    # evenly spaced in probability under N(0, 1)
    codes = np.array([[a, b] for b in grid[::-1] for a in grid], "float32")
    images = vae["decoder"].predict(codes, verbose=0).reshape(steps, steps, 28, 28)
    images = np.pad(images, ((0, 0), (0, 0), (gap // 2, gap // 2), (gap // 2, gap // 2)))   # white space between cells
    cell = 28 + gap
    canvas = images.transpose(0, 2, 1, 3).reshape(steps * cell, steps * cell)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(canvas, cmap="gray_r")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("the latent plane decoded: z₁ left to right, z₂ bottom to top", fontsize=9)
    save_figure(fig, figs / "vae_grid.png", dpi=100)

    rng = np.random.default_rng(0)
    samples = vae["decoder"].predict(rng.normal(size=(2 * n, cfg.vae_latent)).astype("float32"), verbose=0)
    fig, axes = plt.subplots(2, n, figsize=(n * 0.9, 2.0))
    row(axes[0], samples[:n], "z ~ N(0, I)")
    row(axes[1], samples[n:], "")
    save_figure(fig, figs / "vae_samples.png", dpi=100)

    r = anomaly[cfg.anomaly_digit]
    fig, ax = plt.subplots(figsize=(6, 3.4))
    truth = yt == cfg.anomaly_digit
    bins = np.linspace(0, np.percentile(r["scores"], 99.5), 40)
    ax.hist(r["scores"][~truth], bins=bins, alpha=0.6, label="normal digits (seen in training)")
    ax.hist(r["scores"][truth], bins=bins, alpha=0.6, label=f"digit {cfg.anomaly_digit} (never seen)")
    ax.axvline(r["threshold"], color="black", ls="--", lw=1, label="threshold (from validation)")
    ax.set_xlabel("reconstruction error (MSE)")
    ax.set_ylabel("test images")
    ax.set_title(f"anomaly detection: ROC AUC {r['auc']:.3f}", fontsize=9)
    ax.legend(fontsize=7)
    save_figure(fig, figs / "anomaly.png", dpi=100)


def load_data(run):
    """`[(x, y) train, validation, test]`, pixels as float32 in [0, 1], shape (N, 28, 28, 1)."""
    splits = dg.load_builtin() if run.source == "builtin" else dg.load_mnist(run.args.data_dir)
    parts = []
    for name in ("train", "validation", "test"):
        x, y = splits[name]
        if name == "train" and run.cfg.train_size is not None:
            x, y = x[: run.cfg.train_size], y[: run.cfg.train_size]
        parts.append((x.astype("float32") / 255.0, y))
    return parts


def _validate(args, cfg, sources):
    if not 0 <= cfg.anomaly_digit <= 9:
        raise cli.UsageError(f"anomaly_digit {cfg.anomaly_digit} is not a digit 0-9")


def _train(argv):
    from kerasbook import runs

    run = runs.setup(argv, chapter=CHAPTER, prog=PROG, specs=(dg.SPEC,), validate=_validate,
                     config=lambda sources: Config().mnist() if sources[dg.SPEC.name] == "full" else Config(),
                     description="Autoencoders: dense and convolutional, PCA, denoising, VAE, anomalies (chapter 10).",
                     measure=lambda run: measure_step_times(run.cfg, steps=10),
                     data_dir_hint="give the TFDS data folder that holds mnist/")
    cfg, out = run.cfg, run.out
    say = (lambda *a: None) if run.args.quiet else (lambda *a: print(*a, flush=True))

    start = time.perf_counter()
    data = load_data(run)
    seconds = {"data": time.perf_counter() - start}
    run.require_batch(len(data[0][0]), "training images")
    print(f"data: {run.source}, {len(data[0][0])} train / {len(data[1][0])} validation / {len(data[2][0])} test images")

    def step(name, fn, *a):
        say(f"{name} ...")
        t = time.perf_counter()
        result = fn(*a)
        seconds[name] = time.perf_counter() - t
        return result

    recon, recon_models = step("reconstruction", experiment_reconstruction, data, cfg, run, out / "parts")
    pca = step("pca", experiment_pca, data, cfg, run)
    denoise, headline = step("denoising", experiment_denoising, data, cfg, run, out)
    vae = step("vae", experiment_vae, data, cfg, run, out / "vae")
    digits = range(10) if cfg.anomaly_table else [cfg.anomaly_digit]
    anomaly = step("anomaly", experiment_anomaly, data, cfg, run, out / "parts", digits)
    t = time.perf_counter()
    save_figures(out / "figures", data, recon_models, pca, denoise, headline, vae, anomaly, cfg)
    from kerasbook.plots import plot_history

    plot_history(headline["history"], out / "figures" / "curves.png",
                 title=f"denoising autoencoder, σ = {cfg.noise} (loss = MSE)")
    seconds["figures"] = time.perf_counter() - t

    d, a = denoise[str(cfg.noise)], anomaly[cfg.anomaly_digit]
    final = {
        "denoise_psnr_noisy": d["psnr_noisy"], "denoise_psnr_output": d["psnr_output"], "denoise_gain_db": d["gain_db"],
        "anomaly_auc": a["auc"], "anomaly_recall": a["recall"], "anomaly_false_alarm_rate": a["false_alarm_rate"],
        "pca_max_angle_deg": pca["max_angle_deg"],
        "vae_reconstruction": vae["final"]["reconstruction"], "vae_kl": vae["final"]["kl"],
        **{f"{kind}_test_mse": r["test_mse"] for kind, r in recon.items()},
    }
    run.finish(
        dataset=run.dataset_entry(len(data[0][0]), len(data[1][0]), len(data[2][0])), info=headline["info"],
        final=final, seconds=seconds, reconstruction=recon, denoising=denoise,
        pca={k: v for k, v in pca.items() if k not in ("components", "decoder")},
        vae={"final": vae["final"], "epochs": cfg.vae_epochs, "seconds": vae["seconds"]},
        anomaly={str(k): {m: v for m, v in r.items() if m != "scores"} for k, r in anomaly.items()},
    )
    print(f"denoising at σ={cfg.noise}: PSNR {d['psnr_noisy']:.1f} -> {d['psnr_output']:.1f} dB "
          f"(+{d['gain_db']:.1f}); anomaly (digit {cfg.anomaly_digit} unseen): ROC AUC {a['auc']:.3f}; "
          f"linear AE vs PCA: largest angle {pca['max_angle_deg']:.2f}°; VAE reconstruction "
          f"{vae['final']['reconstruction']:.1f} + KL {vae['final']['kl']:.2f}; XLA {'on' if run.jit else 'off'}; wrote {out}")
    return 0


def main(argv=None):
    """Train every autoencoder of the chapter; returns the exit code (2 with a one-line error for bad input)."""
    return cli.chapter_main(argv, _train, PROG)


if __name__ == "__main__":
    sys.exit(main())
