# The story of chapter 11's notebook. `python -m kerasbook.notebooks` builds notebooks/ch11_colorization.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## Colour spaces, and the data
#
# Lab splits an image into lightness `L` (what a grey photo keeps) and two
# colour channels `a` and `b` (what the network must guess). The builtin
# landscapes come in four scene classes whose sky and ground colours depend on
# the class, so a network that knows the scene can colour them better.

# %%
import matplotlib.pyplot as plt
import numpy as np

from kerasbook.chapters import ch11_colorization as ch
from kerasbook.data import colorscenes as cs

splits = ch.load_builtin(cfg, nb.seed)
(x_train, y_train, _), _, (x_test, y_test, dependent) = (splits[k] for k in ("train", "validation", "test"))
lab = ch.lab_of(x_test[:6])                                   # our sRGB -> Lab in keras.ops
print(f"{len(x_train)} training images {x_train.shape[1:]}, classes {cs.CLASSES}")
print(f"Lab ranges: L {lab[..., 0].min():.0f}..{lab[..., 0].max():.0f}, "
      f"a {lab[..., 1].min():.0f}..{lab[..., 1].max():.0f}, b {lab[..., 2].min():.0f}..{lab[..., 2].max():.0f}")
fig, axes = plt.subplots(2, 6, figsize=(11, 4))
for i in range(6):
    axes[0, i].imshow(x_test[i])
    axes[0, i].set_title(cs.CLASSES[y_test[i]], fontsize=8)
    axes[1, i].imshow(lab[i, ..., 0], cmap="gray", vmin=0, vmax=100)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("test landscapes, and the lightness L the network sees")
nb.show(fig)

# %% [markdown]
# ## The model
#
# Iizuka et al.'s network, scaled down: shared low-level features, a local
# mid-level path, a global path that classifies the scene, and the fusion
# layer that copies the global vector to every pixel. It predicts `ab` (and
# the scene); its twin without the global path predicts `ab` alone.

# %%
ch.build_colorizer(cfg, len(cs.CLASSES)).summary()

# %% [markdown]
# ## Training
#
# The chapter's own run: the colouriser with fusion, trained jointly on colour
# and scene class, and its twin without the global path, on the same data.

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved colouriser, reloaded: it sees only `L` of the unseen landscapes.
# Its `ab` error on the scene-dependent pixels (in Lab units) and its scene
# accuracy, next to its twin and to leaving the image grey.

# %%
model = nb.load_model()
lab_test = ch.lab_of(x_test)
ab, probs = ch.predict_ab(model, lab_test[..., :1])
errors = ch.ab_errors(ab, lab_test[..., 1:], dependent, y_test, len(cs.CLASSES))
final = metrics["final"]
print(f"with fusion: ab error {errors['ab_error_scene']:.2f} (the run: {final['fusion_ab_error_scene']:.2f}), "
      f"scene accuracy {np.mean(probs.argmax(-1) == y_test):.1%}")
print(f"without fusion: {final['no_fusion_ab_error_scene']:.2f}; grey: {final['grey_ab_error_scene']:.2f}")
fig, axes = plt.subplots(2, 6, figsize=(11, 4))
for i, (truth, coloured) in enumerate(zip(x_test[:6], ch.colourise(lab_test[:6, ..., :1], ab[:6]))):
    axes[0, i].imshow(truth)
    axes[1, i].imshow(coloured)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("the truth, and the colouriser's guess from L alone")
nb.show(fig)

# %% [markdown]
# ## Figures
#
# One landscape in four colour spaces, and the same scene in its four classes.

# %%
nb.figures("colour_spaces", "scenes")

# %% [markdown]
# The loss parts and the scene accuracy by epoch, the colourisers with and
# without the global path against the truth, and their per-pixel errors.

# %%
nb.figures("curves", "comparison", "error_maps")
