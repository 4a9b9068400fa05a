"""Our Transformer layers against NumPy, against keras.layers.MultiHeadAttention and keras-hub,
and through the shared layer test."""

import keras
import numpy as np
import pytest

from kerasbook.layers import transformer as T
from kerasbook.testing import check_layer


def np_(x):
    return keras.ops.convert_to_numpy(x)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_scaled_dot_product_attention_matches_numpy_with_a_mask():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 6))
    mask = rng.random((2, 3, 5)) > 0.3
    mask[..., 0] = True                                            # every query may see something
    scores = np.where(mask, q @ k.transpose(0, 2, 1) / 2.0, -np.inf)   # √d_k = 2
    expected_w = softmax(scores)
    out, w = T.scaled_dot_product_attention(*(x.astype("float32") for x in (q, k, v)), mask)
    np.testing.assert_allclose(np_(w), expected_w, atol=1e-6)
    np.testing.assert_allclose(np_(out), expected_w @ v, atol=1e-5)
    assert np.all(np_(w)[~mask] == 0)


def test_dividing_by_root_dk_keeps_the_score_variance_at_one():
    rng = np.random.default_rng(1)
    for d in (4, 64, 512):
        q, k = rng.normal(size=(20_000, d)), rng.normal(size=(20_000, d))
        dots = (q * k).sum(-1)
        assert np.var(dots) == pytest.approx(d, rel=0.05)                   # a sum of d products of variance 1
        assert np.var(dots / np.sqrt(d)) == pytest.approx(1.0, rel=0.05)
    # Unscaled scores saturate the softmax: the largest weight of 10 keys is close to 1.
    q, k = rng.normal(size=(2000, 1, 512)), rng.normal(size=(2000, 10, 512))
    raw = softmax((q @ k.transpose(0, 2, 1))[:, 0]).max(-1).mean()
    scaled = softmax((q @ k.transpose(0, 2, 1))[:, 0] / np.sqrt(512)).max(-1).mean()
    assert raw > 0.95 and scaled < 0.5


def test_causal_mask_is_the_lower_triangle():
    np.testing.assert_array_equal(np_(T.causal_mask(3, 3)), np.tril(np.ones((3, 3), bool)))
    np.testing.assert_array_equal(np_(T.causal_mask(2, 4)), [[1, 0, 0, 0], [1, 1, 0, 0]])


def _pair(num_heads, key_dim, query, value, value_dim=None):
    theirs = keras.layers.MultiHeadAttention(num_heads, key_dim, value_dim=value_dim)
    theirs(query, value)
    ours = T.MultiHeadAttention(num_heads, key_dim, value_dim=value_dim)
    ours([query, value])
    for a, b in zip(ours.weights, theirs.weights):
        assert tuple(a.shape) == tuple(b.shape), (a.path, b.path)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


CASES = {
    "padding masks": dict(query_mask=True, value_mask=True),
    "causal": dict(use_causal_mask=True),
    "padding and causal": dict(query_mask=True, value_mask=True, use_causal_mask=True),
    "explicit mask": dict(attention_mask=True),
    "no mask": dict(),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lengths", [(6, 6), (4, 7)])
def test_multi_head_attention_equals_keras_with_copied_weights(case, lengths):
    tq, tk = lengths
    if "causal" in case and tq != tk:
        tk = tq + 0                                                   # causal self-attention: one sequence
    rng = np.random.default_rng(2)
    query = rng.normal(size=(3, tq, 8)).astype("float32")
    value = rng.normal(size=(3, tk, 10)).astype("float32")
    ours, theirs = _pair(4, 5, query, value, value_dim=3)
    kwargs, theirs_query = {}, query
    if CASES[case].get("query_mask"):
        kwargs["query_mask"] = np.arange(tq)[None] < np.array([[tq], [tq - 2], [1]])
        # Keras 3.15 reads the query's padding from the Keras mask the query tensor carries and
        # ignores a `query_mask` argument, so give it the mask that way: zeros under Masking.
        query = query * kwargs["query_mask"][..., None]
        theirs_query = keras.layers.Masking(0.0)(query)
    if CASES[case].get("value_mask"):
        kwargs["value_mask"] = np.arange(tk)[None] < np.array([[tk], [2], [tk - 1]])
    if CASES[case].get("attention_mask"):
        kwargs["attention_mask"] = rng.random((3, tq, tk)) > 0.4
    if CASES[case].get("use_causal_mask"):
        kwargs["use_causal_mask"] = True
    out, w = ours([query, value], return_attention_scores=True, **kwargs)
    theirs_kwargs = {k: v for k, v in kwargs.items() if k != "query_mask"}
    ref, ref_w = theirs(theirs_query, value, return_attention_scores=True, **theirs_kwargs)
    np.testing.assert_allclose(np_(w), np_(ref_w), atol=1e-6)
    np.testing.assert_allclose(np_(out), np_(ref), atol=1e-5)
    # Keras' fused path (no scores asked for) agrees on every real query; on a padded query with
    # nothing to attend to it returns the uniform average where its other path, and ours, give 0.
    fused = np_(theirs(theirs_query, value, **theirs_kwargs))
    real = kwargs.get("query_mask", np.ones((3, tq), bool))
    np.testing.assert_allclose(np_(ours([query, value], **kwargs))[real], fused[real], atol=1e-4)
    assert np_(w).shape == (3, 4, tq, tk)


def test_multi_head_attention_with_a_separate_key():
    rng = np.random.default_rng(3)
    q, v, k = (rng.normal(size=(2, n, d)).astype("float32") for n, d in ((3, 6), (5, 4), (5, 7)))
    theirs = keras.layers.MultiHeadAttention(2, 4)
    theirs(q, v, k)
    ours = T.MultiHeadAttention(2, 4)
    ours([q, v, k])
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np_(ours([q, v, k])), np_(theirs(q, v, k)), atol=1e-5)


def test_sinusoids_match_keras_hub_and_the_formula():
    import keras_hub

    x = np.zeros((2, 50, 16), "float32")
    ours = np_(T.SinusoidalPositionEncoding()(x))
    np.testing.assert_allclose(ours, np_(keras_hub.layers.SinePositionEncoding()(x)), atol=1e-5)
    p, i = 7, 3                                                   # PE[7, 2*3] and PE[7, 2*3 + 1]
    assert ours[0, p, 2 * i] == pytest.approx(np.sin(p / 10_000 ** (2 * i / 16)), abs=1e-6)
    assert ours[0, p, 2 * i + 1] == pytest.approx(np.cos(p / 10_000 ** (2 * i / 16)), abs=1e-6)


def test_every_layer_passes_the_shared_layer_test(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    memory = rng.normal(size=(2, 7, 8)).astype("float32")
    check_layer(T.MultiHeadAttention, {"num_heads": 2, "key_dim": 4}, [x, memory], tmp_path, (2, 5, 8))
    check_layer(T.SinusoidalPositionEncoding, {"max_wavelength": 100.0}, x, tmp_path, (2, 5, 8))
    check_layer(T.LearnedPositionEmbedding, {"max_length": 9}, x, tmp_path, (2, 5, 8))
    check_layer(T.TransformerEncoderBlock, {"num_heads": 2, "ff_dim": 16}, x, tmp_path, (2, 5, 8))
    check_layer(T.TransformerDecoderBlock, {"num_heads": 2, "ff_dim": 16}, [x, memory], tmp_path, (2, 5, 8))


def test_encoder_block_ignores_what_sits_under_the_padding():
    keras.utils.set_random_seed(0)
    block = T.TransformerEncoderBlock(2, 16)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1, 6, 8)).astype("float32")
    mask = np.array([[True] * 4 + [False] * 2])
    changed = x.copy()
    changed[:, 4:] = rng.normal(size=(1, 2, 8))
    a, b = np_(block(x, padding_mask=mask)), np_(block(changed, padding_mask=mask))
    np.testing.assert_allclose(a[:, :4], b[:, :4], atol=1e-5)
    assert not np.allclose(np_(block(x))[:, :4], np_(block(changed))[:, :4], atol=1e-3)    # without it, it does not


def test_decoder_block_is_causal_and_masks_the_encoders_padding():
    keras.utils.set_random_seed(0)
    block = T.TransformerDecoderBlock(2, 16)
    rng = np.random.default_rng(6)
    y = rng.normal(size=(1, 5, 8)).astype("float32")
    memory = rng.normal(size=(1, 7, 8)).astype("float32")
    source_mask = np.array([[True] * 5 + [False] * 2])
    out, (self_w, cross_w) = block([y, memory], encoder_mask=source_mask, return_attention_scores=True)
    later = y.copy()
    later[:, 3:] = rng.normal(size=(1, 2, 8))                      # change only the last two target positions
    np.testing.assert_allclose(np_(block([later, memory], encoder_mask=source_mask))[:, :3], np_(out)[:, :3],
                               atol=1e-5)
    padded = memory.copy()
    padded[:, 5:] = 9.0                                             # change only the encoder's padding
    np.testing.assert_allclose(np_(block([y, padded], encoder_mask=source_mask)), np_(out), atol=1e-5)
    assert np.all(np.triu(np_(self_w)[0, 0], 1) == 0) and np.all(np_(cross_w)[..., 5:] == 0)
    assert np_(cross_w).shape == (1, 2, 5, 7)


def test_blocks_equal_keras_hubs_with_copied_weights():
    import keras_hub

    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    memory = rng.normal(size=(2, 7, 8)).astype("float32")
    target_mask = np.arange(5)[None] < np.array([[5], [3]])
    source_mask = np.arange(7)[None] < np.array([[7], [4]])

    hub = keras_hub.layers.TransformerEncoder(16, 2)
    hub(x)
    ours = T.TransformerEncoderBlock(2, 16)
    ours(x)
    assert ours.count_params() == hub.count_params()
    ours.set_weights(hub.get_weights())
    np.testing.assert_allclose(np_(ours(x, padding_mask=target_mask))[target_mask],
                               np_(hub(x, padding_mask=target_mask))[target_mask], atol=1e-5)

    hub = keras_hub.layers.TransformerDecoder(16, 2)
    hub(x, memory)
    ours = T.TransformerDecoderBlock(2, 16)
    ours([x, memory])
    assert ours.count_params() == hub.count_params()
    ours.set_weights(hub.get_weights())
    theirs = hub(x, memory, decoder_padding_mask=target_mask, encoder_padding_mask=source_mask)
    mine = ours([x, memory], decoder_mask=target_mask, encoder_mask=source_mask)
    np.testing.assert_allclose(np_(mine)[target_mask], np_(theirs)[target_mask], atol=1e-5)


def test_a_causal_encoder_block_is_a_decoder_only_block():
    keras.utils.set_random_seed(0)
    block = T.TransformerEncoderBlock(2, 16)
    rng = np.random.default_rng(8)
    x = rng.normal(size=(1, 6, 8)).astype("float32")
    out, w = block(x, use_causal_mask=True, return_attention_scores=True)
    later = x.copy()
    later[:, 4:] = rng.normal(size=(1, 2, 8))
    np.testing.assert_allclose(np_(block(later, use_causal_mask=True))[:, :4], np_(out)[:, :4], atol=1e-5)
    assert np.all(np.triu(np_(w)[0, 1], 1) == 0)
