"""Our Transformers and their keras-hub rebuilds: equal parameter counts, and equal outputs once the weights are copied."""

import keras
import numpy as np

from kerasbook import hub_models as H
from kerasbook import pretraining as P
from kerasbook import transformer_models as tm


def np_(x):
    return keras.ops.convert_to_numpy(x)


def _ids(rng, shape, vocab, lengths):
    ids = rng.integers(2, vocab, shape).astype("int32")
    ids[np.arange(shape[1])[None] >= np.asarray(lengths)[:, None]] = 0
    return ids


def test_translator_rebuilt_from_keras_hub_matches_ours():
    rng = np.random.default_rng(0)
    ours = tm.build_transformer_translator(30, 40, d_model=16, num_heads=2, ff_dim=32, num_layers=2)
    hub = H.build_hub_translator(30, 40, d_model=16, num_heads=2, ff_dim=32, num_layers=2)
    assert ours.count_params() == hub.count_params()
    hub.set_weights(ours.get_weights())
    x, d = _ids(rng, (3, 7), 30, [7, 4, 2]), _ids(rng, (3, 5), 40, [5, 5, 3])
    real = d != 0
    np.testing.assert_allclose(np_(hub([x, d], training=False))[real], np_(ours([x, d], training=False))[real],
                               atol=1e-4)


def test_bert_encoder_rebuilt_from_keras_hub_matches_ours():
    rng = np.random.default_rng(1)
    ours = P.build_bert_encoder(50, d_model=16, num_heads=2, ff_dim=32, num_layers=2, max_length=12)
    hub = H.build_hub_bert_encoder(50, d_model=16, num_heads=2, ff_dim=32, num_layers=2, max_length=12)
    assert ours.count_params() == hub.count_params()
    hub.set_weights(ours.get_weights())
    ids = _ids(rng, (3, 9), 50, [9, 6, 3])
    real = ids != 0
    np.testing.assert_allclose(np_(hub(ids, training=False))[real], np_(ours(ids, training=False))[real], atol=1e-4)


def test_gpt_rebuilt_from_keras_hub_matches_ours():
    rng = np.random.default_rng(2)
    ours = P.build_gpt(30, d_model=16, num_heads=2, ff_dim=32, num_layers=2, max_length=10)
    hub = H.build_hub_gpt(30, d_model=16, num_heads=2, ff_dim=32, num_layers=2, max_length=10)
    assert ours.count_params() == hub.count_params()
    # keras-hub's decoder block keeps its feed-forward LayerNorm after the dense layers; ours before them.
    weights = []
    for layer in ours.layers:
        w = layer.get_weights()
        if layer.name.startswith("decoder_"):
            w = w[:8] + w[8:10] + w[12:16] + w[10:12]      # attention, attention norm, feed-forward, its norm
        weights += w
    hub.set_weights(weights)
    ids = _ids(rng, (2, 8), 30, [8, 5])
    real = ids != 0
    np.testing.assert_allclose(np_(hub(ids, training=False))[real], np_(ours(ids, training=False))[real], atol=1e-4)
