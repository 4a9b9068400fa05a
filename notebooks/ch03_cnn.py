# The story of chapter 3's notebook. `python -m kerasbook.notebooks` builds notebooks/ch03_cnn.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## Convolution by the numbers
#
# Along one axis a window of `k` pixels, padded by `p` and moved `s` at a
# time, fits `(n − k + 2p) // s + 1` times. A convolution also shares its
# weights over the whole image, so it needs far fewer of them than a dense
# layer on the same pixels.

# %%
from kerasbook.chapters import ch03_cnn as ch

print("32 pixels, 3x3 kernel, no padding:", ch.conv_output_size(32, 3))
print("32 pixels, 3x3 kernel, padding 1: ", ch.conv_output_size(32, 3, padding=1))
print("32 pixels, 2x2 pooling, stride 2: ", ch.conv_output_size(32, 2, stride=2))
counts = ch.parameter_counts(cfg)
print(f"this run's CNN: {counts['cnn']:,} parameters; an MLP with the same dense head: {counts['mlp']:,} "
      f"({counts['mlp_first_layer']:,} in its first layer alone)")

# %% [markdown]
# ## The data
#
# Ten shapes drawn at random sizes, positions and colours on 32×32 images, the
# size of CIFAR-10's (which `--data full` trains on).

# %%
splits, names = ch.load_data(cfg, "builtin", nb.seed)
(x_train, y_train), (x_val, y_val), (x_test, y_test) = (splits[k] for k in ("train", "validation", "test"))
print(f"{len(x_train)} train / {len(x_val)} validation / {len(x_test)} test images of {x_train.shape[1:]}")
nb.images(x_train[:16], [names[label] for label in y_train[:16]])

# %% [markdown]
# ## The model
#
# The VGG-style network: augmentation layers (active only while training),
# normalisation, three blocks of two 3×3 convolutions with batch normalisation
# and a 2×2 max pool, then three dense layers.

# %%
ch.build_model(cfg, len(names)).summary()

# %% [markdown]
# ## Training
#
# The chapter's own run: the CNN with a warm-up and cosine learning rate, a
# linear model on raw pixels for comparison, and transfer learning (a new task
# with few labels: from scratch, the trained network's features frozen, and
# fine-tuned).

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved CNN, reloaded and scored on test images it never saw, next to the
# linear model, and what transfer learning bought at the smallest label count.

# %%
model = nb.load_model()
test = model.evaluate(x_test, y_test, batch_size=256, verbose=0, return_dict=True)
print(f"CNN test accuracy {test['accuracy']:.1%} (the run: {metrics['final']['test_accuracy']:.1%}); "
      f"linear model on raw pixels {metrics['linear_baseline_test_accuracy']:.1%}")
transfer = metrics["transfer"]
if transfer["per_class"]:
    point = transfer["small_data_point"]
    print(f"transfer, {point} labels per class:",
          ", ".join(f"{k.replace('_', ' ')} {v:.1%}" for k, v in transfer["per_class"][str(point)].items()))

# %% [markdown]
# ## Figures
#
# What a convolution sees: the first layer's feature maps, the three kinds of
# padding, and the augmentations the network trains on.

# %%
nb.figures("feature_maps", "padding", "augmentation")

# %% [markdown]
# Training curves, test images with the network's answers (red: wrong), and
# transfer learning against training from scratch.

# %%
nb.figures("curves", "predictions", "transfer")
