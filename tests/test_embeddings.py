"""Word embeddings: skip-gram pairs and negative samples, CBOW windows, neighbours and analogies, one training."""

import keras
import numpy as np
import pytest

from kerasbook import embeddings as E
from kerasbook.data import enko


def test_vocabulary_is_by_frequency_with_padding_first():
    words, counts = E.vocabulary(["b a b", "c b a"])
    assert words == ["<pad>", "b", "a", "c"] and counts.tolist() == [0, 3, 2, 1]


def test_skipgram_positive_pairs_are_the_neighbours_within_the_window():
    words, counts = E.vocabulary(["a b c d"])
    index = {w: i for i, w in enumerate(words)}
    t, c, y = E.skipgram_pairs(["a b c d"], index, window=1, negatives=2, counts=counts)
    pos = {(words[a], words[b]) for a, b, label in zip(t, c, y) if label == 1}
    assert pos == {("a", "b"), ("b", "a"), ("b", "c"), ("c", "b"), ("c", "d"), ("d", "c")}
    assert (y == 0).sum() == 2 * (y == 1).sum() and (c[y == 0] != 0).all()     # never the padding index


def test_negative_samples_follow_the_unigram_distribution_to_the_three_quarters():
    counts = np.array([0, 81, 16, 1], np.float64)
    index = {"x": 1}
    sentences = ["x x"] * 5_000                                  # 10,000 positive pairs
    _, c, y = E.skipgram_pairs(sentences, index, window=1, negatives=3, counts=counts, seed=1)
    seen = np.bincount(c[y == 0], minlength=4)[1:] / (y == 0).sum()
    expected = counts[1:] ** 0.75 / (counts[1:] ** 0.75).sum()   # 27 : 8 : 1
    np.testing.assert_allclose(seen, expected, atol=0.01)


def test_cbow_windows_are_padded_at_the_edges():
    index = {"a": 1, "b": 2, "c": 3}
    x, y = E.cbow_examples(["a b c"], index, window=1)
    assert y.tolist() == [1, 2, 3]
    assert x.tolist() == [[2, 0], [1, 3], [2, 0]]


def test_nearest_and_analogy_on_hand_made_vectors():
    words = ["<pad>", "king", "queen", "man", "woman", "apple"]
    royal, male, fruit = np.eye(3)
    vectors = np.array([np.zeros(3), royal + male, royal - male, male, -male, fruit])
    assert E.nearest(vectors, words, "king", 1)[0] == ("man", pytest.approx(2 ** -0.5))    # shares "male" only
    assert E.analogy(vectors, words, "man", "king", "woman")[0][0] == "queen"
    sims = dict(E.nearest(vectors, words, "apple", 4))
    assert sims["king"] == pytest.approx(0.0) and "apple" not in sims


def test_skipgram_on_the_corpus_puts_foods_next_to_foods():
    sentences = [p["en"] for p in enko.draw_split(0, "train", 10_000)]
    words, counts = E.vocabulary(sentences)
    index = {w: i for i, w in enumerate(words)}
    x, c, y = E.skipgram_pairs(sentences, index, window=2, negatives=4, counts=counts)
    keras.utils.set_random_seed(0)
    model = E.build_skipgram(len(words), 32)
    model.compile(optimizer=keras.optimizers.Adam(5e-3), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    model.fit([x, c], y, batch_size=1024, epochs=2, verbose=0)
    vectors = model.get_layer("word_embedding").get_weights()[0]
    unit = E.normalise(vectors)

    def mean_similarity(group_a, group_b):
        a = unit[[words.index(en) for en, _ in group_a]]
        b = unit[[words.index(en) for en, _ in group_b]]
        sims = a @ b.T
        return sims[~np.eye(len(a), dtype=bool)].mean() if group_a is group_b else sims.mean()

    # Foods are used with the same verbs (eat, buy, wash ...), places with the same prepositions:
    # each group's words sit closer to each other than to the other group's.
    assert mean_similarity(enko.FOOD, enko.FOOD) > mean_similarity(enko.FOOD, enko.PLACES) + 0.1
    assert mean_similarity(enko.PLACES, enko.PLACES) > mean_similarity(enko.FOOD, enko.PLACES) + 0.1


def test_cbow_model_shapes():
    model = E.build_cbow(10, 4)
    assert tuple(model(np.array([[1, 2, 0, 0]], np.int32)).shape) == (1, 10)
