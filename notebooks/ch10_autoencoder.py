# The story of chapter 10's notebook. `python -m kerasbook.notebooks` builds notebooks/ch10_autoencoder.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## The data
#
# The builtin handwritten digits (scikit-learn's real 8×8 set, upsampled to
# 28×28 like MNIST), pixels scaled to [0, 1]. An autoencoder needs no labels:
# the image is both the input and the target.

# %%
import matplotlib.pyplot as plt
import numpy as np

from kerasbook.chapters import ch10_autoencoder as ch
from kerasbook.data import digits as dg

splits = dg.load_builtin()
x_train, x_test = (splits[k][0].astype("float32") / 255.0 for k in ("train", "test"))
print(f"{len(x_train)} training and {len(x_test)} test digits of {x_train.shape[1:]}")

# %% [markdown]
# ## The models
#
# Encoder, latent vector, decoder. Two ways back up: a transposed convolution
# learns its up-sampling, `UpSampling2D` copies pixels and a convolution
# smooths them. The course's shape example, then the convolutional
# autoencoder and the VAE's encoder (a mean and a log-variance per latent
# dimension, and a sample drawn from them).

# %%
print(ch.updown_example())
ch.build_autoencoder("transpose", cfg.latent).summary()
ch.build_vae(cfg.vae_latent).encoder.summary()

# %% [markdown]
# ## Training
#
# The chapter's own run: dense against convolutional autoencoders, a linear
# autoencoder against PCA, denoising at several noise levels, the VAE with its
# own `train_step`, and anomaly detection with one digit never seen in training.

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved denoiser (trained at σ = `cfg.noise`), reloaded: noisy test digits
# in, clean ones out, and the PSNR of each against the clean truth.

# %%
denoiser = nb.load_model()
noisy = ch.add_noise(x_test, cfg.noise, np.random.default_rng(nb.seed))
cleaned = denoiser.predict(noisy, verbose=0)
final = metrics["final"]
print(f"σ {cfg.noise}: PSNR {ch.psnr(x_test, noisy).mean():.1f} dB noisy -> {ch.psnr(x_test, cleaned).mean():.1f} dB "
      f"denoised (the run: {final['denoise_psnr_noisy']:.1f} -> {final['denoise_psnr_output']:.1f})")
fig, axes = plt.subplots(3, 8, figsize=(8, 3.2))
for row, images in zip(axes, (x_test, noisy, cleaned)):
    for ax, image in zip(row, images):
        ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=1)
        ax.axis("off")
nb.show(fig)
print(f"anomaly (digit {cfg.anomaly_digit} unseen): ROC AUC {final['anomaly_auc']:.3f}; "
      f"linear AE vs PCA: largest principal angle {final['pca_max_angle_deg']:.2f}°")

# %% [markdown]
# ## Figures
#
# Reconstructions by the three autoencoders, and the linear autoencoder's
# subspace against PCA's.

# %%
nb.figures("reconstructions", "pca_vs_linear_ae")

# %% [markdown]
# Denoising: clean, noisy and denoised digits, PSNR at each noise level, and
# the denoiser's training curves.

# %%
nb.figures("denoising", "denoising_psnr", "curves")

# %% [markdown]
# The VAE: where the test digits land in its 2-D latent space, the plane
# decoded on a grid, and new digits from random codes.

# %%
nb.figures("vae_latent", "vae_grid", "vae_samples")

# %% [markdown]
# Anomaly detection: reconstruction errors of normal digits and of the unseen one.

# %%
nb.figures("anomaly")
