# The story of chapter 9's notebook. `python -m kerasbook.notebooks` builds notebooks/ch09_unet.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## The data
#
# Builtin scenes of discs, rods and triangles on textured backgrounds, drawn
# with exact masks: every pixel labelled background, disc, rod or triangle
# (Oxford-IIIT Pets, pet against background, with `--data full`).

# %%
import matplotlib.pyplot as plt
import numpy as np

from kerasbook.chapters import ch09_unet as ch
from kerasbook.data import segshapes as sg

splits = ch.load_builtin(cfg, nb.seed)
(x_train, y_train), _, (x_test, y_test) = (splits[k] for k in ("train", "validation", "test"))
print(f"{len(x_train)} training scenes {x_train.shape[1:]}, masks {y_train.shape[1:]}; classes {sg.CLASSES}")
fig, axes = plt.subplots(2, 6, figsize=(10, 3.6))
for i in range(6):
    axes[0, i].imshow(x_train[i])
    axes[1, i].imshow(ch.colour_mask(y_train[i]))
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("scenes and their masks (black: background)")
nb.show(fig)

# %% [markdown]
# ## The models
#
# The U-Net: an encoder that halves the image three times, a decoder that
# doubles it back, and skip connections that hand each decoder level the
# encoder's map of the same size. Its twin is the same network without the
# skips.

# %%
unet = ch.build_unet(cfg, len(sg.CLASSES))
unet.summary()
twin = ch.build_unet(cfg, len(sg.CLASSES), skips=False)
print(f"U-Net {unet.count_params():,} parameters; its twin without skips {twin.count_params():,}")

# %% [markdown]
# ## Training
#
# The chapter's own run: the U-Net and its twin trained alike (cross-entropy
# plus Dice), each scored on unseen scenes.

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved U-Net, reloaded: a label for every pixel of the test scenes, then
# IoU, Dice and boundary IoU per class, next to the twin without skips.

# %%
from kerasbook.layers.segmentation import scores

model = nb.load_model()
score = scores(y_test, ch.predict_masks(model, x_test), len(sg.CLASSES), cfg.boundary_width)
print("U-Net per class IoU:", dict(zip(sg.CLASSES, np.round(score["iou"], 3).tolist())))
print(f"U-Net mean IoU {score['mean_iou']:.3f} (the run: {metrics['final']['unet_mean_iou']:.3f}), "
      f"boundary IoU {score['mean_boundary_iou']:.3f}; without skips: mean IoU "
      f"{metrics['final']['fcn_mean_iou']:.3f}, boundary IoU {metrics['final']['fcn_mean_boundary_iou']:.3f}")

# %% [markdown]
# ## Figures
#
# One scene seen by the four vision tasks, and semantic against instance
# segmentation.

# %%
nb.figures("tasks", "instances")

# %% [markdown]
# The U-Net against its twin on unseen scenes (wrong pixels washed out), the
# scores per class, and the U-Net's training curves.

# %%
nb.figures("unet_vs_fcn", "scores", "curves")
