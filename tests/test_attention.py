"""Our attention layers: the worked example, the shared layer test, and Keras' own layers where they coincide."""

import keras
import numpy as np
import pytest

from kerasbook.layers.attention import AdditiveAttention, DotAttention, GeneralAttention
from kerasbook.testing import check_layer

H = np.array([[[1, 0, 0], [0, 1, 1], [1, 1, 0]]], np.float32)      # encoder states h1, h2, h3
S = np.array([[2, 1, 1]], np.float32)                              # the decoder state s_t


def np_(x):
    return keras.ops.convert_to_numpy(x)


def test_the_worked_example():
    context, weights = DotAttention()([S, H])
    np.testing.assert_allclose(np_(weights)[0], np.exp([2, 2, 3]) / np.exp([2, 2, 3]).sum(), rtol=1e-6)
    np.testing.assert_allclose(np_(weights)[0], [0.212, 0.212, 0.576], atol=1e-3)
    np.testing.assert_allclose(np_(context)[0], [0.788, 0.788, 0.212], atol=1e-3)
    # The context is the weighted average of the states.
    np.testing.assert_allclose(np_(context)[0], (np_(weights)[0][:, None] * H[0]).sum(0), rtol=1e-6)


@pytest.mark.parametrize("cls, kwargs", [(DotAttention, {}), (GeneralAttention, {}), (AdditiveAttention, {"units": 5})])
def test_every_attention_layer_passes_the_shared_layer_test(cls, kwargs, tmp_path):
    rng = np.random.default_rng(0)
    query, value = rng.normal(size=(2, 3, 4)).astype(np.float32), rng.normal(size=(2, 6, 4)).astype(np.float32)

    class ContextOnly(cls):                 # check_layer compares one output: keep the context
        def call(self, inputs, mask=None):
            return super().call(inputs, mask)[0]

    ContextOnly.__name__ = cls.__name__
    keras.saving.register_keras_serializable(package="kerasbook_test")(ContextOnly)
    check_layer(ContextOnly, kwargs, [query, value], tmp_path, expected_output_shape=(2, 3, 4))
    context, weights = cls(**kwargs)([query, value])
    assert tuple(weights.shape) == (2, 3, 6)
    np.testing.assert_allclose(np_(weights).sum(-1), 1, rtol=1e-5)


def masked_inputs(seed=1):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(2, 3, 4)).astype(np.float32)
    value = rng.normal(size=(2, 5, 4)).astype(np.float32)
    query_mask = np.array([[True, True, False], [True, True, True]])
    value_mask = np.array([[True, True, True, False, False], [True, True, True, True, True]])
    return query, value, query_mask, value_mask


def test_dot_attention_equals_keras_attention_with_masks():
    query, value, qm, vm = masked_inputs()
    ours_c, ours_w = DotAttention()([query, value], mask=[qm, vm])
    theirs_c, theirs_w = keras.layers.Attention(score_mode="dot")([query, value], mask=[qm, vm],
                                                                   return_attention_scores=True)
    np.testing.assert_allclose(np_(ours_w), np_(theirs_w), atol=1e-6)
    np.testing.assert_allclose(np_(ours_c), np_(theirs_c), atol=1e-6)
    assert np.abs(np_(ours_w)[0, :, 3:]).max() == 0                     # padded source words get no weight
    assert np.abs(np_(ours_c)[0, 2]).max() == 0                         # a padded query position gives zeros


def test_general_attention_is_keras_attention_on_the_projected_query():
    query, value, qm, vm = masked_inputs(2)
    layer = GeneralAttention()
    ours_c, ours_w = layer([query, value], mask=[qm, vm])
    w = np_(layer.w)
    theirs_c, theirs_w = keras.layers.Attention()([query @ w, value], mask=[qm, vm], return_attention_scores=True)
    np.testing.assert_allclose(np_(ours_w), np_(theirs_w), atol=1e-5)
    np.testing.assert_allclose(np_(ours_c), np_(theirs_c), atol=1e-5)
    layer.w.assign(np.eye(4, dtype=np.float32))                        # W = I: general is dot
    np.testing.assert_allclose(np_(layer([query, value])[1]), np_(DotAttention()([query, value])[1]), atol=1e-6)


def test_additive_attention_equals_keras_additive_attention_when_the_projections_are_identities():
    query, value, qm, vm = masked_inputs(3)
    ours = AdditiveAttention(units=4)
    ours([query, value])
    theirs = keras.layers.AdditiveAttention(use_scale=True)
    theirs([query, value])
    scale = np.random.default_rng(4).normal(size=4).astype(np.float32)
    ours.w_query.assign(np.eye(4, dtype=np.float32))
    ours.w_key.assign(np.eye(4, dtype=np.float32))
    ours.v.assign(scale)
    theirs.scale.assign(scale)
    ours_c, ours_w = ours([query, value], mask=[qm, vm])
    theirs_c, theirs_w = theirs([query, value], mask=[qm, vm], return_attention_scores=True)
    np.testing.assert_allclose(np_(ours_w), np_(theirs_w), atol=1e-6)
    np.testing.assert_allclose(np_(ours_c), np_(theirs_c), atol=1e-6)


def test_additive_scores_by_hand():
    layer = AdditiveAttention(units=2)
    layer([S, H])
    wq = np.array([[1, 0], [0, 1], [1, 1]], np.float32)
    wk = np.array([[0, 1], [1, 0], [1, -1]], np.float32)
    v = np.array([1.0, -2.0], np.float32)
    for var, val in ((layer.w_query, wq), (layer.w_key, wk), (layer.v, v)):
        var.assign(val)
    scores = np.array([v @ np.tanh(S[0] @ wq + h @ wk) for h in H[0]])
    _, weights = layer([S, H])
    np.testing.assert_allclose(np_(weights)[0], np.exp(scores) / np.exp(scores).sum(), rtol=1e-5)


def test_a_separate_key_scores_while_the_value_is_averaged():
    key = H
    value = np.array([[[10, 0], [0, 10], [5, 5]]], np.float32)
    context, weights = DotAttention()([S, value, key])
    np.testing.assert_allclose(np_(context)[0], np_(weights)[0] @ value[0], rtol=1e-6)
    np.testing.assert_allclose(np_(weights)[0], [0.212, 0.212, 0.576], atol=1e-3)
