# The story of chapter 12's notebook. `python -m kerasbook.notebooks` builds notebooks/ch12_attention.ipynb
# from it, around the cells every notebook shares: the install cell, the settings (which define `nb`,
# `cfg` and `TOY`), the headline and the XLA timing (kerasbook/notebooks/build.py).

# %% [markdown]
# ## The data
#
# A builtin corpus of English sentences and their Korean translations, drawn
# from a small grammar. Korean puts the verb last and moves relative clauses
# before their noun, so word order changes a lot between the two: a good test
# of what attention is for. Sentences of structures never seen in training
# are held out apart.

# %%
from kerasbook import seq2seq as s2s
from kerasbook.chapters import ch12_attention as ch
from kerasbook.data.enko import join_korean

splits = ch.load_builtin(cfg, nb.seed)
print({name: len(pairs) for name, pairs in splits.items()})
for pair in splits["train"][:3]:
    print(f"{pair['en']}\n    {join_korean(pair['ko_tokens'])}   ({pair['ko_tokens']})")

# %% [markdown]
# ## Tokens and vocabularies
#
# Each side gets its own vocabulary; the decoder's input is the target shifted
# right behind a `[start]` token (teacher forcing), and it must predict the
# target followed by `[end]`.

# %%
train = splits["train"]
src_v, tgt_v = s2s.make_vectorizers([p["en"] for p in train], [p["ko_tokens"] for p in train],
                                    cfg.max_source, cfg.max_target, cfg.vocab_size)
print(f"vocabularies: {src_v.vocabulary_size()} English and {tgt_v.vocabulary_size()} Korean tokens")
print("first sentence as ids:", s2s.encode(src_v, [train[0]["en"]])[0][:12].tolist(), "...")

# %% [markdown]
# ## The models
#
# Three translators with the same encoder and decoder sizes: a plain GRU
# seq2seq whose decoder sees the source only through the encoder's last state
# (the bottleneck), a GRU with additive attention, and an LSTM with general
# attention, which look back at every source position at each step.

# %%
s2s.build_translator("gru_additive", src_v.vocabulary_size(), tgt_v.vocabulary_size(), cfg.units, cfg.embed).summary()
print("this preset trains:", ", ".join(ch.NAMES[kind] for kind in cfg.translators))

# %% [markdown]
# ## Training
#
# The chapter's own run: the translators, scored by BLEU with greedy decoding
# and beam search, then n-gram language models against a GRU language model
# (perplexity) and word vectors (skip-gram and CBOW).

# %%
metrics = nb.train()

# %% [markdown]
# ## Evaluation
#
# The saved GRU translator with attention, run through the chapter's own
# `translate` command on unseen test sentences, next to the reference; then
# every translator's corpus BLEU and exact-match share.

# %%
test = splits["test"][:4]
ch.main(["translate", "--model", str(nb.out / "model.keras"), *(p["en"] for p in test)])
print("references:", *(join_korean(p["ko_tokens"]) for p in test), sep="\n  ")
for kind, r in metrics["results"].items():
    print(f"{ch.NAMES[kind]:<26} BLEU {r['bleu']:5.1f}, exact match {r['exact_match']:.1%}")

# %% [markdown]
# ## Figures
#
# BLEU against sentence length (the bottleneck hurts long sentences most), and
# how each translator generalises to unseen structures and word positions.

# %%
nb.figures("bleu_by_length", "generalisation", "curves")

# %% [markdown]
# Where attention looks: its weights on unseen sentences, for each translator
# with attention this preset trained.

# %%
nb.figures(*(f"alignment_{kind}" for kind in cfg.translators if kind != "plain"))

# %% [markdown]
# Perplexity of the n-gram and GRU language models, and the word vectors.

# %%
nb.figures("language_models", "word_vectors")
