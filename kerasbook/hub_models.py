"""Chapter 13's Transformers rebuilt from keras-hub's layers, for a side-by-side comparison with ours.

Each function builds the same architecture as its twin in
`kerasbook.transformer_models` / `kerasbook.pretraining`, layer for layer, from
`keras_hub.layers.TransformerEncoder`, `TransformerDecoder`,
`SinePositionEncoding` and `TokenAndPositionEmbedding`, so the parameter counts
are equal and the weights copy across (the tests check both, and that the
outputs then agree).
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops


# --8<-- [start:hub]
def build_hub_translator(source_vocab: int, target_vocab: int, d_model: int = 128, num_heads: int = 4,
                         ff_dim: int = 256, num_layers: int = 2, dropout: float = 0.1):
    """`transformer_models.build_transformer_translator` from keras-hub's encoder and decoder blocks."""
    import keras_hub

    def embed(ids, vocab, name):
        x = layers.Embedding(vocab, d_model, name=f"{name}_embedding")(ids)
        x = layers.Rescaling(math.sqrt(d_model), name=f"{name}_scale")(x)
        return layers.Add(name=f"{name}_with_positions")([x, keras_hub.layers.SinePositionEncoding()(x)])

    source = keras.Input((None,), dtype="int32", name="source")
    decoder_in = keras.Input((None,), dtype="int32", name="decoder_input")
    source_mask, target_mask = ops.not_equal(source, 0), ops.not_equal(decoder_in, 0)
    x = layers.Dropout(dropout)(embed(source, source_vocab, "source"))
    for i in range(num_layers):
        x = keras_hub.layers.TransformerEncoder(ff_dim, num_heads, dropout, name=f"encoder_{i}")(
            x, padding_mask=source_mask)
    y = layers.Dropout(dropout)(embed(decoder_in, target_vocab, "target"))
    for i in range(num_layers):
        y = keras_hub.layers.TransformerDecoder(ff_dim, num_heads, dropout, name=f"decoder_{i}")(
            y, x, decoder_padding_mask=target_mask, encoder_padding_mask=source_mask)
    return keras.Model([source, decoder_in], layers.Dense(target_vocab, name="logits")(y), name="hub_transformer")


def build_hub_bert_encoder(vocab: int, d_model: int = 64, num_heads: int = 4, ff_dim: int = 128,
                           num_layers: int = 2, max_length: int = 64, dropout: float = 0.1):
    """`pretraining.build_bert_encoder` from keras-hub's `TokenAndPositionEmbedding` and encoder blocks."""
    import keras_hub

    ids = keras.Input((None,), dtype="int32", name="token_ids")
    mask = ops.not_equal(ids, 0)
    x = keras_hub.layers.TokenAndPositionEmbedding(vocab, max_length, d_model, tie_weights=True,
                                                   embeddings_initializer="uniform", name="embedding")(ids)
    x = layers.Dropout(dropout)(layers.LayerNormalization(epsilon=1e-5, name="embedding_norm")(x))
    for i in range(num_layers):
        x = keras_hub.layers.TransformerEncoder(ff_dim, num_heads, dropout, name=f"encoder_{i}")(x, padding_mask=mask)
    return keras.Model(ids, x, name="hub_bert_encoder")


def build_hub_gpt(vocab: int, d_model: int = 64, num_heads: int = 4, ff_dim: int = 128, num_layers: int = 2,
                  max_length: int = 64, dropout: float = 0.1):
    """`pretraining.build_gpt` from keras-hub's `TokenAndPositionEmbedding` and decoder blocks used
    without an encoder (causal self-attention only)."""
    import keras_hub

    ids = keras.Input((None,), dtype="int32", name="token_ids")
    x = keras_hub.layers.TokenAndPositionEmbedding(vocab, max_length, d_model, tie_weights=True,
                                                   embeddings_initializer="uniform", name="embedding")(ids)
    x = layers.Dropout(dropout)(x)
    for i in range(num_layers):
        x = keras_hub.layers.TransformerDecoder(ff_dim, num_heads, dropout, name=f"decoder_{i}")(
            x, decoder_padding_mask=ops.not_equal(ids, 0))
    x = layers.LayerNormalization(epsilon=1e-5, name="final_norm")(x)
    return keras.Model(ids, layers.Dense(vocab, name="logits")(x), name="hub_gpt")
# --8<-- [end:hub]
