# The story of chapter 13's notebook. `python -m kerasbook.notebooks` builds notebooks/ch13_transformer.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## Why attention divides by √d_k
#
# For random queries and keys of unit variance, the dot product `q·k` has a
# variance of `d_k`, and a softmax over such large scores puts nearly all its
# weight on one key. Dividing by √d_k keeps the variance at 1 and the softmax
# soft, whatever the size of the heads.

# %%
from kerasbook import seq2seq as s2s
from kerasbook.chapters import ch13_transformer as ch
from kerasbook.data import enko
from kerasbook.data.enko import join_korean

for d_k, r in ch.scaling_numbers().items():
    print(f"d_k {d_k:>3}: var(q·k) {r['var_dot']:6.1f} -> {r['var_scaled']:.2f} scaled; largest softmax weight "
          f"{r['max_weight_unscaled']:.2f} -> {r['max_weight_scaled']:.2f}")

# %% [markdown]
# ## The data
#
# The translator and the GPT use chapter 12's English → Korean pairs; BERT
# pre-trains on unlabelled sentences and is fine-tuned on a few labelled ones
# whose label turns on a "not"; the ViT reads chapter 3's shapes.

# %%
splits = enko.load_builtin(cfg.train_size, cfg.val_size, cfg.test_size, cfg.heldout_size, nb.seed)
src_v, tgt_v = s2s.make_vectorizers([p["en"] for p in splits["train"]], [p["ko_tokens"] for p in splits["train"]],
                                    cfg.max_source, cfg.max_target)
print(f"{len(splits['train'])} training pairs; vocabularies {src_v.vocabulary_size()} and {tgt_v.vocabulary_size()}")
print(f"{splits['train'][0]['en']}\n    {join_korean(splits['train'][0]['ko_tokens'])}")
labelled = ch.load_labelled(cfg, "builtin", None, nb.seed)
print({name: len(rows) for name, rows in labelled.items()})
for row in labelled["train"][:4]:
    print(f"  label {row['label']}: {row['text']}")

# %% [markdown]
# ## The model
#
# The Transformer translator built from our own layers: embeddings plus
# sinusoidal positions, encoder blocks (self-attention and a feed-forward
# layer, each with a residual connection and layer normalisation) and decoder
# blocks (masked self-attention, then cross-attention to the encoder).

# %%
ch.build_translator("ours", cfg, src_v.vocabulary_size(), tgt_v.vocabulary_size()).summary()
print("this preset trains the parts:", ", ".join(cfg.parts))

# %% [markdown]
# ## Training
#
# The chapter's own run: the Transformer against chapter 12's best RNN on the
# same pairs; BERT-style pre-training, then fine-tuning against the same model
# from scratch; and, in the default run, a GPT with its samplers and a ViT
# against a CNN.

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved Transformer, run through the chapter's own `translate` command on
# unseen test sentences, next to the references; then each part's numbers.

# %%
test = splits["test"][:4]
ch.main(["translate", "--model", str(nb.out / "model.keras"), *(p["en"] for p in test)])
print("references:", *(join_korean(p["ko_tokens"]) for p in test), sep="\n  ")
for name, value in metrics["final"].items():
    if isinstance(value, float):
        print(f"{name:<40} {value:.3f}")

# %% [markdown]
# ## Figures
#
# The √d_k scaling, the sinusoidal positions, and what each head of the
# trained translator attends to.

# %%
nb.figures("scaling", "positional_encoding", "attention_heads")

# %% [markdown]
# The translator against the RNN (BLEU against training time, and how each
# generalises to unseen structures), and what pre-training buys BERT.

# %%
nb.figures("bleu_over_time", "generalisation", "pretraining")

# %% [markdown]
# The GPT's samples and the ViT against the CNN (drawn when the run trains
# those parts).

# %%
nb.figures(*(name for part, name in (("gpt", "samples"), ("vit", "vit")) if part in cfg.parts))
