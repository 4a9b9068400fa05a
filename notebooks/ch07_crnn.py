# The story of chapter 7's notebook. `python -m kerasbook.notebooks` builds notebooks/ch07_crnn.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## The data
#
# Five-character captchas drawn by the `captcha` package (fonts, noise, arcs
# and warping), written to a TFDS dataset the first time and read from the
# cache after that. Each label is the text's five class ids (`a`–`z`, `0`–`9`;
# class 0 is kept for CTC's blank).

# %%
import numpy as np

from kerasbook.chapters import ch07_crnn as ch

splits = ch.load_builtin(cfg, nb.seed)
(x_train, y_train, t_train), _, (x_test, y_test, t_test) = (splits[k] for k in ("train", "validation", "test"))
print(f"{len(x_train)} training images {x_train.shape[1:]}; first label {y_train[0].tolist()} = {t_train[0]!r}")
nb.images(x_train[:8], t_train[:8], cols=4, size=2.5)

# %% [markdown]
# ## The model
#
# The CRNN: a small residual CNN shrinks the image to 16 columns, each column
# becomes one time step, two-way GRUs read them, and a dense layer gives 37
# scores (36 symbols and the blank) per step.

# %%
ch.build_model(cfg).summary()

# %% [markdown]
# ## CTC's collapse rule
#
# CTC trains without knowing which column shows which character: it sums over
# every path of 16 symbols that collapses to the text. Collapsing merges
# repeats, then drops the blanks (`_`), so a blank between two equal
# characters keeps both. Here a hand-made path goes through the chapter's own
# greedy and beam decoders.

# %%
from kerasbook.data import captcha as cap

path = "_aa_b_bb_7"
ids = [0 if c == "_" else cap.encode(c)[0] for c in path]
logits = 10.0 * np.eye(ch.NUM_CLASSES, dtype="float32")[ids][None]            # (1, T, 37)
print(f"path {path!r} -> greedy {ch.decode_batch(logits)[0]!r}, beam {ch.decode_batch(logits, beam_width=4)[0]!r}")

# %% [markdown]
# ## Training
#
# The chapter's own run: the CRNN trained with our CTC loss, a warm-up and
# cosine learning rate, keeping its best model by validation loss.

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved CRNN, reloaded and read on the unseen test captchas with greedy
# and beam decoding: exact-match accuracy and character error rate.

# %%
model = nb.load_model()
scores, read, _ = ch.evaluate(model, x_test, t_test, cfg.beam_width)
for name, value in scores.items():
    print(f"{name}: {value:.3f} (the run: {metrics['final'][name]:.3f})")
print("first test captchas:", [(truth, guess) for truth, guess in zip(t_test[:5], read[:5])])

# %% [markdown]
# ## Figures
#
# CTC loss and exact match per epoch, held-out captchas with what the model
# read, and the per-column probabilities: mostly blank, one spike per character.

# %%
nb.figures("curves", "predictions", "ctc_alignment")
