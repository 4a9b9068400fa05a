# The story of chapter 2's notebook. `python -m kerasbook.notebooks` builds notebooks/ch02_ann.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## Batch, iteration and epoch
#
# An epoch is one pass over the training set; with batches of `B` examples it
# takes `ceil(N / B)` iterations, one update each.

# %%
import numpy as np

from kerasbook.chapters import ch02_ann as ch

print(ch.iterations_per_epoch(1_000, 100), "iterations per epoch: 1,000 examples in batches of 100")
print(ch.iterations_per_epoch(cfg.housing_train_size, cfg.housing_batch_size),
      f"iterations per epoch for this run's {cfg.housing_train_size:,} houses")

# %% [markdown]
# ## Fitting sin(x) with a cubic, by hand
#
# Four coefficients `a + bx + cx² + dx³` and plain gradient descent:
# `tf.GradientTape` gives the gradient of the summed squared error, and we
# subtract `learning_rate × gradient` from each coefficient ourselves. The
# least-squares cubic is where it is heading.

# %%
x, y = ch.sine_data(cfg.sine_points)
coeffs = ch.init_coeffs(nb.seed)
losses = ch.fit_cubic_by_hand(x, y, coeffs, cfg.sine_learning_rate, cfg.sine_steps)
exact = ch.least_squares_cubic(x, y)
print(f"sum of squared errors {losses[0]:.1f} -> {losses[-1]:.3f} after {cfg.sine_steps} updates")
for name, found, best in zip("abcd", coeffs, exact):
    print(f"{name}: by hand {float(found.numpy()):+.4f}, least squares {best:+.4f}")

# %% [markdown]
# ## The data
#
# Two builtin sets: a table with the 13 columns of the Boston housing data and
# prices from a known rule plus noise, and real handwritten digits
# (scikit-learn's 8×8 set, upsampled to 28×28 like MNIST).

# %%
from kerasbook.data import digits as dg
from kerasbook.data import housing as hs

houses = hs.load_builtin(cfg.housing_train_size, cfg.housing_val_size, cfg.housing_test_size, nb.seed)
digits = dg.load_builtin()
for split in ("train", "validation", "test"):
    print(f"{split:>10}: houses {houses[split][0].shape}, digits {digits[split][0].shape}")

nb.images(digits["train"][0][:10], digits["train"][1][:10], cols=10)

# %% [markdown]
# ## The models
#
# A regression MLP (standardise the 13 features, two ReLU layers, one price
# with no activation) and the course's 784-64-10 classifier.

# %%
ch.build_housing_model(cfg).summary()
ch.build_classifier(cfg).summary()

# %% [markdown]
# ## Training
#
# The chapter's own run, as its command line runs it: both cubic fits, the
# house-price MLP and the digit classifier. Each keeps its best model by
# validation loss and writes its curves and figures under `nb.out`.

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved classifier, reloaded and scored on test digits it never saw, and
# the regression numbers of the house-price MLP (MAE, RMSE and R² on the test
# rows; the noise ceiling is what the true price rule itself scores).

# %%
classifier = nb.load_model()
x_test, y_test = digits["test"]
predicted = classifier.predict(x_test, verbose=0).argmax(axis=1)
print(f"test accuracy {np.mean(predicted == y_test):.1%} (the run: {metrics['final']['test_accuracy']:.1%})")
for name in ("mae", "rmse", "r2"):
    ceiling = metrics["housing"].get(f"noise_ceiling_{name}")
    print(f"house prices, test {name.upper()}: {metrics['housing'][f'test_{name}']:.3f}"
          + (f" (noise ceiling {ceiling:.3f})" if ceiling is not None else ""))

# %% [markdown]
# ## Figures
#
# The sine fit: the cubics found by hand and by a Keras optimizer, and the loss
# per update against the least-squares optimum.

# %%
nb.figures("sine_fit", "sine_loss")

# %% [markdown]
# House prices: predicted against true on the test rows, and the training curves.

# %%
nb.figures("housing_fit", "housing_curves")

# %% [markdown]
# Digits: the classifier's curves, its answers on test digits (wrong ones in
# red) and the confusion matrix.

# %%
nb.figures("curves", "predictions", "confusion")
