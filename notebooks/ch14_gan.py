# The story of chapter 14's notebook. `python -m kerasbook.notebooks` builds notebooks/ch14_gan.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## The data
#
# The DCGAN learns from the builtin handwritten digits, padded to 32×32 and
# scaled to [−1, 1] (the generator ends in `tanh`). The super-resolution part
# trains on patches of seven photographs scikit-image ships and is tested on
# three others.

# %%
import matplotlib.pyplot as plt
import numpy as np

from kerasbook.chapters import ch14_gan as ch
from kerasbook.data import digits as dg
from kerasbook.data import photos as ph

x_train = ch.to_gan_pixels(dg.load_builtin()["train"][0])
print(f"{len(x_train)} training digits {x_train.shape[1:]}, pixels {x_train.min():.0f}..{x_train.max():.0f}")
print("photos: train", ", ".join(ph.TRAIN), "| test", ", ".join(ph.TEST))
fig, ax = plt.subplots(figsize=(6, 2))
ax.imshow(ch.grid_image(x_train[:16], cols=16), cmap="gray")
ax.axis("off")
nb.show(fig)

# %% [markdown]
# ## The models
#
# The course's DCGAN: a generator that turns a noise vector into an image
# with transposed convolutions (4×4 → 8×8 → 16×16 → 32×32), and a
# discriminator that mirrors it and says real or fake. For super-resolution, an
# SRResNet of residual blocks and sub-pixel up-sampling (×4).

# %%
ch.build_generator(cfg.latent_dim, cfg.widths, cfg.modes).summary()
ch.build_discriminator(cfg.d_widths or cfg.widths).summary()
print(f"SRResNet: {ch.build_srresnet(cfg.sr_filters, cfg.sr_blocks, cfg.scale).count_params():,} parameters")
print("this preset trains the parts:", ", ".join(cfg.parts))

# %% [markdown]
# ## Training
#
# The chapter's own run: a digit classifier (the judge) first, then the GAN
# with its own `train_step`, D and G in turn, scored by the judge as it
# trains; the dead-unit comparison of ReLU, LeakyReLU and PReLU; and the
# SRResNet on pixel loss, then fine-tuned as an SRGAN.

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The generator the run kept, reloaded and fed fresh noise: new digits. Then
# how the judge read the run's generated digits, and the photos' PSNR after
# ×4 up-sampling, bicubic against the networks.

# %%
generator = nb.load_model("generator.keras")
z = np.random.default_rng(nb.seed).normal(size=(32, cfg.latent_dim)).astype("float32")
fig, ax = plt.subplots(figsize=(8, 4))
ax.imshow(ch.grid_image(ch.generate(generator, z)), cmap="gray")
ax.axis("off")
nb.show(fig)
final = metrics["final"]
if "confident_share" in final:
    print(f"{final['confident_share']:.1%} of generated digits read with confidence; class shares "
          f"{final['min_class_share']:.1%} to {final['max_class_share']:.1%}; Fréchet distance "
          f"{final['frechet_distance']:.1f} (real against real {final['frechet_distance_real']:.1f})")
if "psnr_bicubic" in final:
    print(f"PSNR on the test photos: bicubic {final['psnr_bicubic']:.2f} dB, SRResNet {final['psnr_srresnet']:.2f}, "
          f"SRGAN {final['psnr_srgan']:.2f}")

# %% [markdown]
# ## Figures
#
# The digits of the generator the run kept, the same noise through training,
# the judge's scores, the class shares and both players' losses.

# %%
nb.figures("samples", "progress", "judge_scores", "class_shares", "losses")

# %% [markdown]
# Dead units by activation (when the run trains that part), and crops of the
# held-out photos: low resolution, bicubic, SRResNet, SRGAN and the truth.

# %%
nb.figures(*(name for part, name in (("dead", "dead_neurons"), ("srgan", "super_resolution")) if part in cfg.parts))
