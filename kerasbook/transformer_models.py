"""Models built from the Transformer layers: the encoder-decoder translator and its decoding stepper.

The translator reads source ids and teacher-forced target ids, like the
recurrent translators of `kerasbook.seq2seq`, and is trained and scored with
the same tools (`compile_translator`, `batches`, `greedy_decode`,
`beam_decode`, `corpus_bleu`): only the model inside changes.

* source ids → token embedding × √d_model + sinusoidal positions → N encoder blocks;
* target ids → the same for the target → N decoder blocks, each attending to
  the encoder's output → a dense layer of next-token scores.

Padding masks come from the ids (0 is padding) and the decoder's
self-attention is causal, so position t sees target tokens 0 … t only, and the
whole teacher-forced sentence trains in one call.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers, ops

from kerasbook.layers.transformer import SinusoidalPositionEncoding, TransformerDecoderBlock, TransformerEncoderBlock


# --8<-- [start:translator]
@keras.saving.register_keras_serializable(package="kerasbook")
class ScaledEmbedding(layers.Embedding):
    """Token embedding times √d (the paper's scaling, so the embeddings outweigh the sinusoids they join)."""

    def call(self, inputs):
        return super().call(inputs) * math.sqrt(self.output_dim)


def _embed(ids, vocab, d_model, name):
    x = ScaledEmbedding(vocab, d_model, name=f"{name}_embedding")(ids)
    return layers.Add(name=f"{name}_with_positions")([x, SinusoidalPositionEncoding(name=f"{name}_positions")(x)])


def build_transformer_translator(source_vocab: int, target_vocab: int, d_model: int = 128, num_heads: int = 4,
                                 ff_dim: int = 256, num_layers: int = 2, dropout: float = 0.1):
    """`[source ids (B, S), decoder input ids (B, T)] -> logits (B, T, target_vocab)`."""
    source = keras.Input((None,), dtype="int32", name="source")
    decoder_in = keras.Input((None,), dtype="int32", name="decoder_input")
    source_mask, target_mask = ops.not_equal(source, 0), ops.not_equal(decoder_in, 0)
    x = layers.Dropout(dropout, name="source_dropout")(_embed(source, source_vocab, d_model, "source"))
    for i in range(num_layers):
        x = TransformerEncoderBlock(num_heads, ff_dim, dropout, name=f"encoder_{i}")(x, padding_mask=source_mask)
    y = layers.Dropout(dropout, name="target_dropout")(_embed(decoder_in, target_vocab, d_model, "target"))
    for i in range(num_layers):
        y = TransformerDecoderBlock(num_heads, ff_dim, dropout, name=f"decoder_{i}")(
            [y, x], decoder_mask=target_mask, encoder_mask=source_mask)
    logits = layers.Dense(target_vocab, name="logits")(y)
    return keras.Model([source, decoder_in], logits, name="transformer")
# --8<-- [end:translator]


# --8<-- [start:stepper]
class TransformerStepper:
    """A trained Transformer translator split for `seq2seq.greedy_decode` / `beam_decode`.

    `encode(source)` runs the encoder once; each `step` appends the newest
    tokens to the prefix written so far (the "state") and runs the decoder on
    the whole prefix, returning the last position's log-probabilities and its
    cross-attention weights of the last decoder block, averaged over the heads.
    (Production decoders cache each block's keys and values instead of
    recomputing the prefix; for sentences of 30 tokens the plain way is fast
    enough and plainly right.)
    """

    def __init__(self, model):
        self.model = model
        self.encoders = [layer for layer in model.layers if isinstance(layer, TransformerEncoderBlock)]
        self.decoders = [layer for layer in model.layers if isinstance(layer, TransformerDecoderBlock)]

    def encode(self, source_ids):
        source_ids = np.asarray(source_ids, np.int32)
        x = _reuse_embed(self.model, "source", source_ids)
        for block in self.encoders:
            x = block(x, padding_mask=source_ids != 0, training=False)
        return x, [np.zeros((len(source_ids), 0), np.int32)]

    def step(self, tokens, encoded, source_ids, state):
        """`(log-probabilities (B, V), [prefix with tokens appended], cross-attention (B, S))`."""
        prefix = np.concatenate([ops.convert_to_numpy(state[0]).astype(np.int32),
                                 np.asarray(tokens, np.int32).reshape(-1, 1)], axis=1)
        y = _reuse_embed(self.model, "target", prefix)
        for block in self.decoders:
            y, (_, weights) = block([y, encoded], decoder_mask=prefix != 0,
                                    encoder_mask=np.asarray(source_ids) != 0, return_attention_scores=True,
                                    training=False)
        logits = self.model.get_layer("logits")(y[:, -1, :])
        logp = ops.convert_to_numpy(ops.log_softmax(logits, axis=-1))
        return logp, [prefix], ops.convert_to_numpy(ops.mean(weights[:, :, -1, :], axis=1))


def _reuse_embed(model, name, ids):
    x = model.get_layer(f"{name}_embedding")(ids)
    return model.get_layer(f"{name}_with_positions")([x, model.get_layer(f"{name}_positions")(x)])
# --8<-- [end:stepper]


# --8<-- [start:vit]
def build_vit(image_size: int, channels: int, num_classes: int, patch_size: int = 8, d_model: int = 64,
              num_heads: int = 4, ff_dim: int = 128, num_layers: int = 4, dropout: float = 0.1):
    """A Vision Transformer: standardised image -> patches -> dense projection -> class token -> learned
    positions -> encoder blocks -> LayerNorm -> classifier on the class token's output.

    Each image is standardised on its own first: the book's shapes come in random colours on random
    backgrounds, and without this the patch vectors are dominated by an image's overall colour (the
    ViT then stays at chance for many epochs, where a CNN's convolutions look past it)."""
    from kerasbook.layers.transformer import FirstToken, LearnedPositionEmbedding
    from kerasbook.layers.vit import ClassToken, Patches, Standardize

    images = keras.Input((image_size, image_size, channels), name="images")
    x = Standardize(name="standardize")(images)                        # each image to mean 0, variance 1
    x = layers.Dense(d_model, name="patch_projection")(Patches(patch_size, name="patches")(x))
    x = ClassToken(name="class_token")(x)
    x = layers.Add(name="with_positions")([x, LearnedPositionEmbedding(x.shape[1], name="positions")(x)])
    x = layers.Dropout(dropout, name="embedding_dropout")(x)
    for i in range(num_layers):
        x = TransformerEncoderBlock(num_heads, ff_dim, dropout, name=f"encoder_{i}")(x)
    x = layers.LayerNormalization(epsilon=1e-5, name="final_norm")(x)
    cls = FirstToken(name="cls")(x)
    return keras.Model(images, layers.Dense(num_classes, name="class_logits")(cls), name="vit")
# --8<-- [end:vit]
