"""The Transformer translator: shapes, masks, and decoding a learned reordering with the shared decoders."""

import keras
import numpy as np
import pytest

from kerasbook import seq2seq as s2s
from kerasbook import transformer_models as tm
from kerasbook.testing import check_reversal_decoding, check_stepper_reproduces_model, train_reverser


@pytest.fixture(scope="module")
def reverser():
    """A small Transformer trained to write its source backwards."""
    return train_reverser(lambda src_size, tgt_size: tm.build_transformer_translator(
        src_size, tgt_size, d_model=32, num_heads=2, ff_dim=64, num_layers=1, dropout=0.0),
        1_500, learning_rate=3e-3, epochs=30, min_accuracy=0.97)


def test_translator_shapes_and_padding():
    model = tm.build_transformer_translator(20, 30, d_model=16, num_heads=2, ff_dim=32, num_layers=2)
    rng = np.random.default_rng(0)
    x = rng.integers(2, 20, (3, 7)).astype("int32")
    d = rng.integers(2, 30, (3, 5)).astype("int32")
    x[1, 4:] = 0
    out = keras.ops.convert_to_numpy(model([x, d], training=False))
    assert out.shape == (3, 5, 30)
    longer = np.pad(x, ((0, 0), (0, 3)))                    # more padding after every source: nothing changes
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model([longer, d], training=False)), out, atol=1e-5)
    unmasked = x.copy()
    unmasked[1, 4:] = 5                                     # real tokens where the padding was: the output moves
    assert not np.allclose(keras.ops.convert_to_numpy(model([unmasked, d], training=False))[1], out[1], atol=1e-4)
    later = d.copy()
    later[:, 3:] = 7                                        # the decoder is causal: earlier positions keep their scores
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model([x, later], training=False))[:, :3], out[:, :3],
                               atol=1e-5)
    assert {layer.name for layer in model.layers} >= {"encoder_0", "encoder_1", "decoder_0", "decoder_1", "logits"}


def test_greedy_and_beam_decode_a_learned_reordering(reverser):
    model, src, tgt = reverser
    check_reversal_decoding(tm.TransformerStepper(model), src, tgt)


def test_the_stepper_reproduces_the_teacher_forced_model(reverser):
    model, src, tgt = reverser
    check_stepper_reproduces_model(model, tm.TransformerStepper(model), src, tgt, training=False)


def test_the_translator_saves_and_reloads(reverser, tmp_path):
    model, src, _ = reverser
    ids = s2s.encode(src, ["w5 w1 w0"])
    din = np.array([[2, 3, 4]], np.int32)
    model.save(tmp_path / "t.keras")
    again = keras.models.load_model(tmp_path / "t.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(again([ids, din], training=False)),
                               keras.ops.convert_to_numpy(model([ids, din], training=False)), atol=1e-5)
