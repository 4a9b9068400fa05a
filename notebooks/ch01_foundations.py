# The story of chapter 1's notebook. `python -m kerasbook.notebooks` builds notebooks/ch01_foundations.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## Linear regression, two ways
#
# The same least-squares problem solved in closed form (the normal equations)
# and by gradient descent, on a table whose true coefficients we know. When
# gradient descent has converged the two answers agree.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from kerasbook.chapters import ch01_foundations as ch
from kerasbook.data import toy

x, y, w_true, b_true = toy.regression(cfg.reg_samples, cfg.reg_features, seed=nb.seed)
w_ols, b_ols = ch.ols(x, y)
w_gd, b_gd, losses = ch.gradient_descent(x, y, cfg.gd_learning_rate, cfg.gd_steps)
print("true:            ", np.round(np.append(w_true, b_true), 3))
print("least squares:   ", np.round(np.append(w_ols, b_ols), 3))
print(f"gradient descent: {np.round(np.append(w_gd, b_gd), 3)} after {cfg.gd_steps} steps, "
      f"MSE {losses[0]:.2f} -> {losses[-1]:.3f}")

# %% [markdown]
# ## The data
#
# The main task: points on three interleaved spiral arms, one class per arm.
# No straight line separates them.

# %%
splits = ch.load_spirals(cfg, nb.seed)
(x_train, y_train), (x_val, y_val), (x_test, y_test) = (splits[k] for k in ("train", "validation", "test"))
print(f"{len(x_train)} train / {len(x_val)} validation / {len(x_test)} test points, {cfg.classes} classes")
fig, ax = plt.subplots(figsize=(4, 4))
ax.scatter(*x_train.T, c=y_train, s=6, cmap="brg")
ax.set_aspect("equal")
ax.set_title("training points, coloured by arm")
nb.show(fig)

# %% [markdown]
# ## The models
#
# A linear softmax classifier (one dense layer of scores) and a small MLP (two
# ReLU layers before the scores), trained the same way on the same points.

# %%
linear = ch.build_linear(2, cfg.classes)
mlp = ch.build_mlp(2, cfg.classes, cfg.hidden)
linear.summary()
mlp.summary()

# %% [markdown]
# The first item of the training checklist, before any training: an untrained
# classifier that guesses evenly scores a cross-entropy of about log C.

# %%
print(f"untrained MLP: cross-entropy {ch.initial_loss(mlp, x_val, y_val):.3f}, "
      f"log C = log {cfg.classes} = {math.log(cfg.classes):.3f}")

# %% [markdown]
# ## Training
#
# The chapter's own run: the regression, k-NN, the linear model against the
# MLP, and the rest of the checklist (a tiny batch learnt by heart, a
# learning-rate sweep, Xavier against He, schedules, dropout and early stopping).

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved MLP, reloaded and scored on test points it never saw.

# %%
mlp = nb.load_model()
print(f"MLP test accuracy {ch.accuracy(mlp, x_test, y_test):.1%} "
      f"(the run: {metrics['final']['test_accuracy']:.1%}); "
      f"linear softmax {metrics['final']['linear_test_accuracy']:.1%}")

# %% [markdown]
# ## Figures
#
# Regression (GD and SGD against the closed form) and k-NN (accuracy against
# k, its decision regions, and the curse of dimensionality).

# %%
nb.figures("regression", "knn")

# %% [markdown]
# Why a linear model fails on spirals: its decision regions next to the MLP's,
# and the MLP's training curves.

# %%
nb.figures("linear_vs_mlp", "curves")

# %% [markdown]
# The checklist: initial loss, one tiny batch, the learning-rate sweep,
# initialisation, schedules, dropout and early stopping.

# %%
nb.figures("initial_loss", "tiny_batch", "lr_sweep", "init_stats", "schedules", "dropout_early_stopping")

# %% [markdown]
# ## Penalties and hyper-parameter search
#
# Two experiments with commands of their own: L1, L2, elastic net and dropout
# on one overfitting MLP, and grid search against random search with
# KerasTuner on the digits (in toy mode, at their own toy sizes).

# %%
for command in ("penalties", "search"):
    code = ch.main([command, *(["--quick"] if TOY else []), "--out", str(nb.out / command), "--overwrite", "--quiet"])
    assert code == 0, f"{command} stopped with exit code {code}"
nb.figures("penalties", folder="penalties/figures")
nb.figures("search", folder="search/figures")
