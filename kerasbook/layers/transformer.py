"""The Transformer from its parts: scaled dot-product and multi-head attention, positional
encodings, and the encoder and decoder blocks.

* **Scaled dot-product attention**: softmax(Q Kᵀ / √d_k) V. With query and key
  entries of variance 1, q · k is a sum of d_k products of variance 1, so its
  variance is d_k; dividing by √d_k brings the scores back to variance 1 before
  the softmax, which would otherwise saturate into a one-hot choice with
  vanishing gradients.
* **Multi-head attention**: `num_heads` attentions side by side, each on its own
  learned projections of Q, K and V to `key_dim` numbers, their outputs joined
  and projected back. The weights are laid out as in
  `keras.layers.MultiHeadAttention` (kernels `(d_model, heads, key_dim)`, output
  kernel `(heads, key_dim, d_model)`), so weights copy across one to one.
* **Positional encodings**: attention alone ignores order, so every token's
  embedding gets its position added, either the fixed sinusoids of Vaswani et al.
  or a learned vector per position.
* **Encoder block**: self-attention, then a position-wise feed-forward network,
  each followed by dropout, a residual connection and layer normalisation.
  **Decoder block**: masked (causal) self-attention, cross-attention with the
  queries from the decoder and the keys and values from the encoder, then the
  feed-forward network, each with the same residual + LayerNorm.

Masks are boolean, `True` where attention is allowed: a padding mask `(B, T)`
per sequence, and `use_causal_mask` for "no looking ahead".

Reference: Vaswani et al., "Attention Is All You Need", NeurIPS 2017.
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops

MASKED = -1e9          # the score of a position that may not be attended to (exp() of it is 0)


# --8<-- [start:sdpa]
def attention_weights(query, key, mask=None):
    """softmax(Q Kᵀ / √d_k) `(..., Tq, Tk)`, with 0 where `mask` (boolean, broadcastable) is `False`.

    A query the mask leaves nothing to attend to (padding) gets a row of 0,
    as in Keras, not the uniform average a softmax of equal scores gives.
    """
    d_k = query.shape[-1]
    scores = ops.matmul(query, ops.swapaxes(key, -1, -2)) / math.sqrt(d_k)     # (..., Tq, Tk)
    if mask is not None:
        scores = ops.where(mask, scores, MASKED)
    scores = scores - ops.max(scores, axis=-1, keepdims=True)                    # a stable softmax, written out
    weights = ops.exp(scores) / ops.sum(ops.exp(scores), axis=-1, keepdims=True)  # (it also takes a single key)
    return weights if mask is None else ops.where(mask, weights, 0.0)


def scaled_dot_product_attention(query, key, value, mask=None):
    """`(softmax(Q Kᵀ / √d_k) V, weights)` over the last two axes.

    Args:
        query: `(..., Tq, d_k)`; key: `(..., Tk, d_k)`; value: `(..., Tk, d_v)`.
        mask: optional boolean, broadcastable to `(..., Tq, Tk)`; `True` may be attended to.

    Returns:
        `(output (..., Tq, d_v), weights (..., Tq, Tk))`; every row of weights sums to 1, except
        a row the mask leaves nothing to attend to, which is all 0.
    """
    weights = attention_weights(query, key, mask)
    return ops.matmul(weights, value), weights
# --8<-- [end:sdpa]


# --8<-- [start:masks]
def causal_mask(query_length: int, key_length: int):
    """`(Tq, Tk)` boolean: query i may see keys 0 … i (lower triangle, as `keras.layers.MultiHeadAttention`)."""
    rows = ops.expand_dims(ops.arange(query_length), 1)
    cols = ops.expand_dims(ops.arange(key_length), 0)
    return ops.greater_equal(rows, cols)


def combine_masks(query_length, key_length, query_mask=None, value_mask=None, attention_mask=None,
                  use_causal_mask=False):
    """One boolean mask `(B or 1, Tq, Tk)` from a query padding mask `(B, Tq)`, a value padding mask
    `(B, Tk)`, an explicit `(B, Tq, Tk)` mask and the causal mask; `None` when there is none."""
    mask = None

    def both(a, b):
        return b if a is None else ops.logical_and(a, b)

    if query_mask is not None:
        mask = both(mask, ops.expand_dims(ops.cast(query_mask, "bool"), -1))         # (B, Tq, 1)
    if value_mask is not None:
        mask = both(mask, ops.expand_dims(ops.cast(value_mask, "bool"), -2))         # (B, 1, Tk)
    if attention_mask is not None:
        mask = both(mask, ops.cast(attention_mask, "bool"))
    if use_causal_mask:
        mask = both(mask, ops.expand_dims(causal_mask(query_length, key_length), 0))  # (1, Tq, Tk)
    return mask
# --8<-- [end:masks]


# --8<-- [start:mha]
@keras.saving.register_keras_serializable(package="kerasbook")
class MultiHeadAttention(layers.Layer):
    """Multi-head attention with the weight layout of `keras.layers.MultiHeadAttention`.

    Args:
        num_heads: int. Number of heads.
        key_dim: int. Size of each head's query and key projections.
        value_dim: int or None. Size of each head's value projection (default `key_dim`).
        output_dim: int or None. Output size (default: the query's last dimension).
        dropout: float. Dropout on the attention weights in training.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: `[query (B, Tq, d_q), value (B, Tk, d_v)]` or `[query, value, key]`.
        query_mask, value_mask: optional boolean padding masks `(B, Tq)` and `(B, Tk)`.
        attention_mask: optional boolean `(B, Tq, Tk)`.
        use_causal_mask: bool. Query i sees keys 0 … i only.
        return_attention_scores: bool. Also return the weights `(B, heads, Tq, Tk)`.
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None, output_dim: int | None = None,
                 dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim or key_dim
        self.output_dim, self.dropout = output_dim, dropout
        self.attention_dropout = layers.Dropout(dropout)

    def build(self, input_shape):
        query_shape, value_shape = input_shape[0], input_shape[1]
        key_shape = input_shape[2] if len(input_shape) > 2 else value_shape
        h, k, v = self.num_heads, self.key_dim, self.value_dim
        out = self.output_dim or query_shape[-1]

        def weight(name, shape, init="glorot_uniform"):
            return self.add_weight(name=name, shape=shape, initializer=init)

        self.query_kernel, self.query_bias = weight("query_kernel", (query_shape[-1], h, k)), weight("query_bias", (h, k), "zeros")
        self.key_kernel, self.key_bias = weight("key_kernel", (key_shape[-1], h, k)), weight("key_bias", (h, k), "zeros")
        self.value_kernel, self.value_bias = weight("value_kernel", (value_shape[-1], h, v)), weight("value_bias", (h, v), "zeros")
        self.output_kernel, self.output_bias = weight("output_kernel", (h, v, out)), weight("output_bias", (out,), "zeros")

    def call(self, inputs, query_mask=None, value_mask=None, attention_mask=None, use_causal_mask=False,
             return_attention_scores=False, training=None):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        q = ops.einsum("btd,dhk->bhtk", query, self.query_kernel) + ops.expand_dims(self.query_bias, 1)
        k = ops.einsum("bsd,dhk->bhsk", key, self.key_kernel) + ops.expand_dims(self.key_bias, 1)
        v = ops.einsum("bsd,dhv->bhsv", value, self.value_kernel) + ops.expand_dims(self.value_bias, 1)
        mask = combine_masks(query.shape[1] or ops.shape(query)[1], key.shape[1] or ops.shape(key)[1],
                             query_mask, value_mask, attention_mask, use_causal_mask)
        if mask is not None:
            mask = ops.expand_dims(mask, 1)                                           # the same for every head
        weights = attention_weights(q, k, mask)                                       # (B, h, Tq, Tk)
        heads = ops.matmul(self.attention_dropout(weights, training=training), v)     # (B, h, Tq, v)
        output = ops.einsum("bhtv,hvo->bto", heads, self.output_kernel) + self.output_bias
        return (output, weights) if return_attention_scores else output

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (self.output_dim or input_shape[0][-1],)

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "output_dim": self.output_dim, "dropout": self.dropout}
# --8<-- [end:mha]


# --8<-- [start:positions]
def sinusoids(length: int, depth: int, max_wavelength: float = 10_000.0):
    """`(length, depth)`: PE[p, 2i] = sin(p / w^(2i/depth)), PE[p, 2i+1] = cos(p / w^(2i/depth)), w = max_wavelength."""
    positions = ops.cast(ops.expand_dims(ops.arange(length), 1), "float32")          # (T, 1)
    pair = ops.cast(ops.arange(depth) // 2 * 2, "float32")                              # 0, 0, 2, 2, 4, 4 ...
    angles = positions / ops.power(max_wavelength, pair / depth)                         # (T, depth)
    even = ops.expand_dims(ops.equal(ops.arange(depth) % 2, 0), 0)
    return ops.where(even, ops.sin(angles), ops.cos(angles))


@keras.saving.register_keras_serializable(package="kerasbook")
class SinusoidalPositionEncoding(layers.Layer):
    """The fixed sinusoids of Vaswani et al. for the positions of `inputs (B, T, d)`, shaped like them
    (add them to the embeddings); nothing is learned.

    Args:
        max_wavelength: float. The longest wavelength, 10,000 in the paper.
    """

    def __init__(self, max_wavelength: float = 10_000.0, **kwargs):
        super().__init__(**kwargs)
        self.max_wavelength = max_wavelength

    def call(self, inputs):
        shape = ops.shape(inputs)
        encoding = sinusoids(shape[1], inputs.shape[-1], self.max_wavelength)
        return ops.broadcast_to(ops.cast(encoding, inputs.dtype), shape)

    def get_config(self):
        return {**super().get_config(), "max_wavelength": self.max_wavelength}


@keras.saving.register_keras_serializable(package="kerasbook")
class LearnedPositionEmbedding(layers.Layer):
    """A learned vector per position, for `inputs (B, T, d)` with T ≤ `max_length`, shaped like them.

    Args:
        max_length: int. The longest sequence it has positions for.
    """

    def __init__(self, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def build(self, input_shape):
        self.positions = self.add_weight(name="positions", shape=(self.max_length, input_shape[-1]),
                                         initializer="glorot_uniform")

    def call(self, inputs):
        shape = ops.shape(inputs)
        return ops.broadcast_to(ops.cast(self.positions[: shape[1]], inputs.dtype), shape)

    def get_config(self):
        return {**super().get_config(), "max_length": self.max_length}
# --8<-- [end:positions]


# --8<-- [start:blocks]
@keras.saving.register_keras_serializable(package="kerasbook")
class TransformerEncoderBlock(layers.Layer):
    """Self-attention, then a position-wise feed-forward network; each followed by dropout, a residual
    connection and LayerNorm (the original "post-norm" order).

    Args:
        num_heads: int. Attention heads; each gets `d_model // num_heads` numbers.
        ff_dim: int. Width of the feed-forward network's hidden layer.
        dropout: float.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: `(B, T, d_model)`.
        padding_mask: optional boolean `(B, T)`, `True` at real tokens.
        use_causal_mask: bool. Position t sees positions 0 … t only: the block of a decoder-only
            (GPT-style) model, which has no encoder to attend to.
        return_attention_scores: bool. Also return the weights `(B, heads, T, T)`.
    """

    def __init__(self, num_heads: int, ff_dim: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.ff_dim, self.dropout = num_heads, ff_dim, dropout

    def build(self, input_shape):
        d = input_shape[-1]
        self.attention = MultiHeadAttention(self.num_heads, d // self.num_heads, dropout=self.dropout,
                                            name="self_attention")
        self.attention.build([input_shape, input_shape])
        self.norm1 = layers.LayerNormalization(epsilon=1e-5, name="norm1")
        self.norm2 = layers.LayerNormalization(epsilon=1e-5, name="norm2")
        self.ff1 = layers.Dense(self.ff_dim, activation="relu", name="ff_hidden")
        self.ff2 = layers.Dense(d, name="ff_output")
        self.drop = layers.Dropout(self.dropout)
        for norm in (self.norm1, self.norm2):
            norm.build(input_shape)
        self.ff1.build(input_shape)
        self.ff2.build(tuple(input_shape[:-1]) + (self.ff_dim,))

    def call(self, inputs, padding_mask=None, use_causal_mask=False, return_attention_scores=False, training=None):
        attended, weights = self.attention([inputs, inputs], query_mask=padding_mask, value_mask=padding_mask,
                                           use_causal_mask=use_causal_mask, return_attention_scores=True,
                                           training=training)
        x = self.norm1(inputs + self.drop(attended, training=training))
        x = self.norm2(x + self.drop(self.ff2(self.ff1(x)), training=training))
        return (x, weights) if return_attention_scores else x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "ff_dim": self.ff_dim, "dropout": self.dropout}


@keras.saving.register_keras_serializable(package="kerasbook")
class TransformerDecoderBlock(layers.Layer):
    """Masked self-attention, cross-attention to the encoder (queries from the decoder, keys and values
    from the encoder), then the feed-forward network; each with dropout, residual and LayerNorm.

    Args:
        num_heads: int. Attention heads of both attentions.
        ff_dim: int. Width of the feed-forward network's hidden layer.
        dropout: float.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: `[decoder states (B, T, d_model), encoder outputs (B, S, d_model)]`.
        decoder_mask: optional boolean `(B, T)`, `True` at real target tokens.
        encoder_mask: optional boolean `(B, S)`, `True` at real source tokens: cross-attention
            masks the *encoder's* padding.
        return_attention_scores: bool. Also return `(self weights (B, h, T, T), cross weights (B, h, T, S))`.
    """

    def __init__(self, num_heads: int, ff_dim: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.ff_dim, self.dropout = num_heads, ff_dim, dropout

    def build(self, input_shape):
        target_shape, source_shape = input_shape[0], input_shape[1]
        d = target_shape[-1]
        # Made in the order of keras_hub.layers.TransformerDecoder's weights, so they copy one to one.
        heads, key_dim = self.num_heads, d // self.num_heads
        self.self_attention = MultiHeadAttention(heads, key_dim, dropout=self.dropout, name="self_attention")
        self.norm1 = layers.LayerNormalization(epsilon=1e-5, name="norm1")
        self.cross_attention = MultiHeadAttention(heads, key_dim, dropout=self.dropout, name="cross_attention")
        self.norm2 = layers.LayerNormalization(epsilon=1e-5, name="norm2")
        self.ff1 = layers.Dense(self.ff_dim, activation="relu", name="ff_hidden")
        self.ff2 = layers.Dense(d, name="ff_output")
        self.norm3 = layers.LayerNormalization(epsilon=1e-5, name="norm3")
        self.self_attention.build([target_shape, target_shape])
        self.cross_attention.build([target_shape, source_shape])
        for norm in (self.norm1, self.norm2, self.norm3):
            norm.build(target_shape)
        self.ff1.build(target_shape)
        self.ff2.build(tuple(target_shape[:-1]) + (self.ff_dim,))
        self.drop = layers.Dropout(self.dropout)

    def call(self, inputs, decoder_mask=None, encoder_mask=None, return_attention_scores=False, training=None):
        x, encoded = inputs[0], inputs[1]
        attended, self_weights = self.self_attention(
            [x, x], query_mask=decoder_mask, value_mask=decoder_mask, use_causal_mask=True,
            return_attention_scores=True, training=training)
        x = self.norm1(x + self.drop(attended, training=training))
        attended, cross_weights = self.cross_attention(
            [x, encoded], query_mask=decoder_mask, value_mask=encoder_mask,
            return_attention_scores=True, training=training)
        x = self.norm2(x + self.drop(attended, training=training))
        x = self.norm3(x + self.drop(self.ff2(self.ff1(x)), training=training))
        return (x, (self_weights, cross_weights)) if return_attention_scores else x

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "ff_dim": self.ff_dim, "dropout": self.dropout}
# --8<-- [end:blocks]


@keras.saving.register_keras_serializable(package="kerasbook")
class FirstToken(layers.Layer):
    """`(B, T, d)` -> `(B, d)`: the output at position 0, the `[CLS]` token (or ViT's class token) that a
    classifier reads; every other position has attended into it."""

    def call(self, inputs):
        return inputs[:, 0, :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
