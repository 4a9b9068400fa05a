# The story of chapter 4's notebook. `python -m kerasbook.notebooks` builds notebooks/ch04_resnet.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## Pooling, by the real layers
#
# The chapter's 4×4 example through Keras' max and average pooling (2×2
# windows, stride 2) and global average pooling, which ends the ResNet.

# %%
import numpy as np

from kerasbook.chapters import ch04_resnet as ch

print(np.asarray(ch.POOL_EXAMPLE))
for name, value in ch.pooling_example().items():
    print(f"{name}:", value if np.ndim(value) == 0 else np.asarray(value).tolist())

# %% [markdown]
# ## The data
#
# The same ten builtin shapes as chapter 3, 32×32 pixels (CIFAR-10 with
# `--data full`).

# %%
splits, names = ch.load_data(cfg, "builtin", None, nb.seed)
(x_train, y_train), (x_val, y_val), (x_test, y_test) = (splits[k] for k in ("train", "validation", "test"))
print(f"{len(x_train)} train / {len(x_val)} validation / {len(x_test)} test images of {x_train.shape[1:]}")
nb.images(x_train[:16], [names[label] for label in y_train[:16]])

# %% [markdown]
# ## The models
#
# A ResNet-18-style network for 32×32 images (a small stem, four stages of two
# residual blocks, global average pooling) and the degradation experiment's
# twins: the same deep stack of convolutions, plain and with skip connections.

# %%
ch.build_resnet(cfg).summary()
for residual in (False, True):
    twin = ch.build_deep_net(cfg, residual)
    print(f"{'residual' if residual else 'plain'} twin: {twin.count_params():,} parameters")

# %% [markdown]
# What the cheaper blocks save: parameters and multiply-adds of a standard
# convolution, MobileNet's depthwise-separable one and Inception blocks.

# %%
for row in ch.cost_table():
    print(f"{row['block']:<58} {row['params']:>10,} parameters {row['macs']:>14,} multiply-adds")

# %% [markdown]
# ## Training
#
# The chapter's own run: the ResNet with AdamW and a warm-up and cosine
# schedule, then the plain twin and the residual twin trained alike.

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved ResNet, reloaded and scored on unseen images, and the twins' final
# training losses: with the same layers and training, the residual one fits
# its data further.

# %%
model = nb.load_model()
accuracy = np.mean(model.predict(x_test, batch_size=256, verbose=0).argmax(-1) == y_test)
print(f"ResNet test accuracy {accuracy:.1%} (the run: {metrics['final']['test_accuracy']:.1%})")
print(f"final training loss: plain {metrics['final']['plain_final_loss']:.3f}, "
      f"residual {metrics['final']['residual_final_loss']:.3f}")

# %% [markdown]
# ## Figures
#
# The pooling example and the cost of the blocks.

# %%
nb.figures("pooling", "costs")

# %% [markdown]
# The ResNet's curves and its answers on held-out shapes (red: wrong).

# %%
nb.figures("curves", "predictions")

# %% [markdown]
# The degradation experiment: both twins' curves, and the gradient norm of
# every convolution at initialisation and after one epoch.

# %%
nb.figures("degradation_curves", "gradient_norms")
