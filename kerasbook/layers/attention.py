"""Attention for seq2seq: score every encoder state, softmax the scores, average the values.

A plain encoder-decoder squeezes the whole source sentence into one context
vector, and long sentences do not fit. Attention lets the decoder, at every
step, look back at *all* encoder states: it scores each state against its own
query (the decoder state), turns the scores into weights with a softmax, and
takes the weighted average of the states as that step's context. The weights
say where the decoder looked, which is what the alignment heat-maps draw.

Three ways to score a query q against a key k:

* dot (Luong): q . k, no weights; q and k need the same size;
* general, or multiplicative (Luong): q W k, with a learned matrix W;
* additive (Bahdanau): v . tanh(W_q q + W_k k), a one-hidden-layer network.

Each layer takes `[query, value]` (or `[query, value, key]`), the query
`(B, Tq, d)` or a single step `(B, d)`, and returns `(context, weights)`:
context `(B, Tq, d_value)`, weights `(B, Tq, Tk)` (without the `Tq` axis for a
single step). A `mask=[query_mask, value_mask]` hides padded source positions
(weight 0) and zeroes the outputs of padded query positions, as Keras' own
attention layers do.

References: Bahdanau, Cho, Bengio, "Neural Machine Translation by Jointly
Learning to Align and Translate", ICLR 2015. Luong, Pham, Manning, "Effective
Approaches to Attention-based Neural Machine Translation", EMNLP 2015.
"""

from __future__ import annotations

import keras
from keras import ops

MASKED = -1e9          # the score of a padded key: its softmax weight underflows to 0


# --8<-- [start:base]
class ScoredAttention(keras.layers.Layer):
    """Softmax of scores over the keys, then the weighted average of the values.

    Subclasses only define `score(query, key)` -> `(B, Tq, Tk)`.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def score(self, query, key):
        raise NotImplementedError

    def call(self, inputs, mask=None):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        single = len(query.shape) == 2
        if single:                                                     # one decoder step: (B, d) -> (B, 1, d)
            query = ops.expand_dims(query, 1)
        query_mask, value_mask = (list(mask) + [None, None])[:2] if mask is not None else (None, None)
        scores = self.score(query, key)                                # (B, Tq, Tk)
        if value_mask is not None:
            scores = ops.where(ops.expand_dims(ops.cast(value_mask, "bool"), 1), scores, MASKED)
        weights = ops.softmax(scores, axis=-1)                         # each row sums to 1
        context = ops.matmul(weights, value)                           # (B, Tq, d_value)
        if query_mask is not None and not single:
            context = context * ops.expand_dims(ops.cast(query_mask, context.dtype), -1)
        if single:
            return ops.squeeze(context, 1), ops.squeeze(weights, 1)
        return context, weights

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[0] is None or len(inputs[0].shape) == 2:
            return None
        return [mask[0], None]
# --8<-- [end:base]


# --8<-- [start:scores]
@keras.saving.register_keras_serializable(package="kerasbook")
class DotAttention(ScoredAttention):
    """Dot-product scores, `score(q, k) = q . k` (Luong's "dot"); no weights.

    Examples:
        >>> h = keras.ops.convert_to_tensor([[[1., 0, 0], [0, 1, 1], [1, 1, 0]]])
        >>> context, weights = DotAttention()([keras.ops.convert_to_tensor([[2., 1, 1]]), h])
        >>> [round(float(w), 3) for w in weights[0]]
        [0.212, 0.212, 0.576]
    """

    def score(self, query, key):
        return ops.matmul(query, ops.transpose(key, (0, 2, 1)))        # (B, Tq, d) x (B, d, Tk)


@keras.saving.register_keras_serializable(package="kerasbook")
class GeneralAttention(ScoredAttention):
    """Multiplicative scores, `score(q, k) = q W k` (Luong's "general"), W learned `(d_query, d_key)`."""

    def build(self, input_shape):
        query_shape, value_shape = input_shape[0], input_shape[1]
        key_shape = input_shape[2] if len(input_shape) > 2 else value_shape
        square = query_shape[-1] == key_shape[-1]
        # Starting from W = I (plain dot scores) when the sizes allow it: a small random W
        # scores every key about the same, and the decoder learns to ignore its attention.
        self.w = self.add_weight(name="w", shape=(query_shape[-1], key_shape[-1]),
                                 initializer="identity" if square else "glorot_uniform")

    def score(self, query, key):
        return ops.matmul(ops.matmul(query, self.w), ops.transpose(key, (0, 2, 1)))


@keras.saving.register_keras_serializable(package="kerasbook")
class AdditiveAttention(ScoredAttention):
    """Additive scores, `score(q, k) = v . tanh(W_q q + W_k k)` (Bahdanau).

    Args:
        units: int. Size of the hidden layer the query and key are projected to.
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        query_shape, value_shape = input_shape[0], input_shape[1]
        key_shape = input_shape[2] if len(input_shape) > 2 else value_shape
        self.w_query = self.add_weight(name="w_query", shape=(query_shape[-1], self.units), initializer="glorot_uniform")
        self.w_key = self.add_weight(name="w_key", shape=(key_shape[-1], self.units), initializer="glorot_uniform")
        self.v = self.add_weight(name="v", shape=(self.units,), initializer="glorot_uniform")

    def score(self, query, key):
        q = ops.expand_dims(ops.matmul(query, self.w_query), 2)        # (B, Tq, 1, units)
        k = ops.expand_dims(ops.matmul(key, self.w_key), 1)            # (B, 1, Tk, units)
        return ops.sum(self.v * ops.tanh(q + k), axis=-1)              # (B, Tq, Tk)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
# --8<-- [end:scores]
