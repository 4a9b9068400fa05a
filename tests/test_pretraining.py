"""BERT's masking (statistically), the encoder-only and decoder-only models, and generation."""

import keras
import numpy as np
import pytest

from kerasbook import pretraining as P
from kerasbook import seq2seq as s2s

MASK, SPECIAL = 3, (0, 1, 2, 3)          # padding, [UNK], [CLS], [MASK]


def test_mlm_masking_chooses_15_percent_then_80_10_10():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    ids = rng.integers(4, 500, (3000, 40)).astype(np.int32)
    lengths = rng.integers(5, 41, 3000)
    ids[np.arange(40)[None] >= lengths[:, None]] = 0                       # padding is never chosen
    ids[:, 0] = 2                                                            # nor is [CLS]
    inputs, labels = P.mask_tokens(ids, P.mlm_generator(500, MASK, SPECIAL, max_selections=40))
    chosen = labels != 0
    real = (ids != 0) & (ids != 2)
    assert not chosen[~real].any()
    assert chosen.sum() / real.sum() == pytest.approx(0.15, abs=0.01)
    np.testing.assert_array_equal(labels[chosen], ids[chosen])             # labels are the originals
    masked = (inputs == MASK) & chosen
    kept = (inputs == ids) & chosen
    randomised = chosen & ~masked & ~kept
    n = chosen.sum()
    assert masked.sum() / n == pytest.approx(0.8, abs=0.02)
    assert kept.sum() / n == pytest.approx(0.1 + 0.1 / 500, abs=0.015)      # a random draw can hit the original
    assert randomised.sum() / n == pytest.approx(0.1, abs=0.015)
    np.testing.assert_array_equal(inputs[~chosen], ids[~chosen])           # nothing else changes


def test_bert_models_share_the_encoder_and_read_cls():
    encoder = P.build_bert_encoder(50, d_model=16, num_heads=2, ff_dim=32, num_layers=2, max_length=12)
    mlm, clf = P.build_mlm(encoder, 50), P.build_classifier(encoder, 3)
    ids = np.random.default_rng(1).integers(4, 50, (2, 9)).astype(np.int32)
    assert mlm(ids).shape == (2, 9, 50) and clf(ids).shape == (2, 3)
    shared = {id(w) for w in encoder.weights}
    assert shared <= {id(w) for w in mlm.weights} and shared <= {id(w) for w in clf.weights}
    later = ids.copy()
    later[:, 5:] = 7                                  # bidirectional: [CLS] sees the end of the sentence
    assert not np.allclose(keras.ops.convert_to_numpy(clf(ids, training=False)),
                           keras.ops.convert_to_numpy(clf(later, training=False)))


def test_gpt_is_causal():
    gpt = P.build_gpt(30, d_model=16, num_heads=2, ff_dim=32, num_layers=2, max_length=10)
    ids = np.random.default_rng(2).integers(4, 30, (2, 8)).astype(np.int32)
    later = ids.copy()
    later[:, 5:] = 9
    a, b = (keras.ops.convert_to_numpy(gpt(x, training=False)) for x in (ids, later))
    np.testing.assert_allclose(a[:, :5], b[:, :5], atol=1e-5)
    assert a.shape == (2, 8, 30)


@pytest.fixture(scope="module")
def counter():
    """A small GPT trained on counting sentences: 'a b c d ...' starting anywhere, then [end]."""
    keras.utils.set_random_seed(3)
    vocab, end = 16, 2                                   # ids 4..15 are the "words", 2 ends a sentence
    rows = []
    for start in range(4, 12):
        seq = list(range(start, 16)) + [end]
        rows.append(seq + [0] * (14 - len(seq)))
    data = np.array(rows * 40, np.int32)
    x, y = data[:, :-1], data[:, 1:]
    gpt = P.build_gpt(vocab, d_model=32, num_heads=2, ff_dim=64, num_layers=1, max_length=16, dropout=0.0)
    gpt.compile(optimizer=keras.optimizers.Adam(5e-3),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    gpt.fit(x, y, batch_size=32, epochs=40, verbose=0)
    return gpt, end, x, y


def test_generation_continues_the_learned_pattern(counter):
    gpt, end, x, y = counter
    prompts = [[6, 7], [9, 10]]
    for sampler in ("greedy", "beam"):
        out = P.generate(gpt, prompts, max_length=14, sampler=sampler, end_id=end)
        assert out == [list(range(6, 16)) + [end], list(range(9, 16)) + [end]], sampler
    sampled = P.generate(gpt, prompts, max_length=14, sampler="top_k", end_id=end, seed=1)
    assert all(s[:2] == p for s, p in zip(sampled, prompts))
    assert s2s.perplexity(gpt, x[:8], y[:8]) < 1.5                         # it has learned to count
    with pytest.raises(ValueError, match="unknown sampler"):
        P.generate(gpt, prompts, 14, sampler="nucleus")
