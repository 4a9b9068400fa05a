"""Encoder-only and decoder-only Transformers and how they are pre-trained: BERT's masked language
model and GPT's next-token prediction, with generation through keras-hub's samplers.

* **BERT-style** (encoder only): token + learned position embeddings, encoder
  blocks that see the whole sentence both ways. Pre-trained by the **masked
  language model**: 15 % of the real tokens are chosen; of those, 80 % become
  `[MASK]`, 10 % a random token and 10 % stay as they are, and the model
  predicts the original token at every chosen position (the random and kept
  ones stop it from learning that only `[MASK]` positions matter). A
  classifier then reads the output at the first token, `[CLS]`.
* **GPT-style** (decoder only): the same blocks with a causal mask, trained to
  predict every next token; it writes text by predicting a token, appending
  it and predicting again, choosing each token greedily, among the top k, from
  the top-p nucleus, or by beam search (`keras_hub.samplers`).

The masking itself is keras-hub's `MaskedLMMaskGenerator`; `mask_tokens` turns
its output into dense labels for a cross-entropy that ignores class 0.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from kerasbook.layers.transformer import FirstToken, LearnedPositionEmbedding, TransformerEncoderBlock


# --8<-- [start:mlm]
def mlm_generator(vocab_size: int, mask_id: int, special_ids, max_selections: int, rate: float = 0.15):
    """keras-hub's masker with BERT's rates: choose `rate` of the tokens (never `special_ids`), then
    80 % `[MASK]`, 10 % a random token, 10 % unchanged; at most `max_selections` per sentence."""
    import keras_hub

    return keras_hub.layers.MaskedLMMaskGenerator(
        vocabulary_size=vocab_size, mask_selection_rate=rate, mask_token_id=mask_id,
        mask_selection_length=max_selections, unselectable_token_ids=list(special_ids),
        mask_token_rate=0.8, random_token_rate=0.1)


def mask_tokens(token_ids, generator):
    """`(inputs, labels)`, both `(B, T)`: the masked ids, and the original id at every chosen position
    with 0 (ignored by the loss) everywhere else."""
    out = generator(np.asarray(token_ids, np.int32))
    inputs = ops.convert_to_numpy(out["token_ids"]).astype(np.int32)
    positions, ids = ops.convert_to_numpy(out["mask_positions"]), ops.convert_to_numpy(out["mask_ids"])
    chosen = ops.convert_to_numpy(out["mask_weights"]) > 0
    labels = np.zeros_like(inputs)
    rows = np.broadcast_to(np.arange(len(inputs))[:, None], positions.shape)
    labels[rows[chosen], positions[chosen]] = ids[chosen]
    return inputs, labels
# --8<-- [end:mlm]


# --8<-- [start:models]
def _embed(ids, vocab, d_model, max_length, name):
    x = layers.Embedding(vocab, d_model, name=f"{name}token_embedding")(ids)
    return layers.Add(name=f"{name}embedding")([x, LearnedPositionEmbedding(max_length, name=f"{name}positions")(x)])


def build_bert_encoder(vocab: int, d_model: int = 64, num_heads: int = 4, ff_dim: int = 128, num_layers: int = 2,
                       max_length: int = 64, dropout: float = 0.1):
    """Token ids `(B, T)` -> contextual vectors `(B, T, d_model)`: learned positions, bidirectional blocks."""
    ids = keras.Input((None,), dtype="int32", name="token_ids")
    mask = ops.not_equal(ids, 0)
    x = layers.LayerNormalization(epsilon=1e-5, name="embedding_norm")(_embed(ids, vocab, d_model, max_length, ""))
    x = layers.Dropout(dropout, name="embedding_dropout")(x)
    for i in range(num_layers):
        x = TransformerEncoderBlock(num_heads, ff_dim, dropout, name=f"encoder_{i}")(x, padding_mask=mask)
    return keras.Model(ids, x, name="bert_encoder")


def build_mlm(encoder, vocab: int):
    """The encoder with a masked-language-model head: logits over the vocabulary at every position."""
    ids = keras.Input((None,), dtype="int32", name="token_ids")
    x = encoder(ids)
    x = layers.Dense(encoder.output.shape[-1], activation="gelu", name="mlm_transform")(x)
    x = layers.LayerNormalization(epsilon=1e-5, name="mlm_norm")(x)
    return keras.Model(ids, layers.Dense(vocab, name="mlm_logits")(x), name="bert_mlm")


def build_classifier(encoder, num_classes: int, dropout: float = 0.1):
    """The encoder with a classifier on the output at the first token (`[CLS]`)."""
    ids = keras.Input((None,), dtype="int32", name="token_ids")
    cls = FirstToken(name="cls")(encoder(ids))
    cls = layers.Dropout(dropout, name="cls_dropout")(cls)
    return keras.Model(ids, layers.Dense(num_classes, name="class_logits")(cls), name="bert_classifier")


def build_gpt(vocab: int, d_model: int = 64, num_heads: int = 4, ff_dim: int = 128, num_layers: int = 2,
              max_length: int = 64, dropout: float = 0.1):
    """Token ids `(B, T)` -> next-token logits `(B, T, vocab)`: learned positions, causal blocks."""
    ids = keras.Input((None,), dtype="int32", name="token_ids")
    mask = ops.not_equal(ids, 0)
    x = layers.Dropout(dropout, name="embedding_dropout")(_embed(ids, vocab, d_model, max_length, ""))
    for i in range(num_layers):
        x = TransformerEncoderBlock(num_heads, ff_dim, dropout, name=f"decoder_{i}")(
            x, padding_mask=mask, use_causal_mask=True)
    x = layers.LayerNormalization(epsilon=1e-5, name="final_norm")(x)
    return keras.Model(ids, layers.Dense(vocab, name="logits")(x), name="gpt")
# --8<-- [end:models]


# --8<-- [start:generate]
def generate(model, prompts, max_length: int, sampler="greedy", end_id: int | None = None, seed: int = 0):
    """Continue each prompt (lists of ids) to `max_length` tokens with a `keras_hub.samplers` sampler
    ("greedy", "top_k" with k = 5, "top_p" with p = 0.9, "beam" with 4 beams, or a sampler object);
    returns id lists, ending
    at `end_id` when it is written."""
    import keras_hub

    if isinstance(sampler, str):
        choices = {"greedy": lambda: keras_hub.samplers.GreedySampler(),
                   "top_k": lambda: keras_hub.samplers.TopKSampler(k=5, seed=seed),
                   "top_p": lambda: keras_hub.samplers.TopPSampler(p=0.9, seed=seed),
                   "beam": lambda: keras_hub.samplers.BeamSampler(num_beams=4)}
        if sampler not in choices:
            raise ValueError(f"unknown sampler {sampler!r}; choose from {', '.join(choices)}")
        sampler = choices[sampler]()
    start = min(len(p) for p in prompts)
    tokens = np.zeros((len(prompts), max_length), np.int32)
    for row, p in enumerate(prompts):
        tokens[row, : len(p)] = p
    filled = tokens != 0

    def next_token(prompt, cache, index):
        logits = model(prompt, training=False)[:, index - 1, :]
        return logits, None, cache

    out = sampler(next=next_token, prompt=ops.convert_to_tensor(tokens), index=start, mask=ops.convert_to_tensor(filled),
                  stop_token_ids=None if end_id is None else [end_id])
    out = ops.convert_to_numpy(out)
    result = []
    for row in out:
        ids = [int(t) for t in row if t != 0]
        result.append(ids[: ids.index(end_id) + 1] if end_id is not None and end_id in ids else ids)
    return result
# --8<-- [end:generate]
