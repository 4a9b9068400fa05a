"""The n-gram language model: hand-counted probabilities, distributions that sum to one, perplexity."""

import math

import pytest

from kerasbook.ngram import BOS, EOS, UNK, NGramLM

CORPUS = ["the cat sat", "the cat ran", "the dog sat"]


@pytest.mark.parametrize("smoothing, n", [("add-k", 1), ("add-k", 2), ("add-k", 3), ("kneser-ney", 2)])
def test_every_next_token_distribution_sums_to_one(smoothing, n):
    lm = NGramLM(n, smoothing, k=0.5).fit(CORPUS)
    contexts = [(BOS,) * (n - 1), ("the",) * (n - 1), ("cat",) * (n - 1), ("zebra",) * (n - 1), ("dog", "sat")[-(n - 1):] if n > 1 else ()]
    for context in contexts:
        assert sum(lm.prob(w, context) for w in lm.vocab) == pytest.approx(1.0)


def test_add_one_bigrams_by_hand():
    lm = NGramLM(2, "add-k", k=1).fit(CORPUS)
    v = len(lm.vocab)                                    # cat dog ran sat the </s> <unk> = 7
    assert v == 7
    assert lm.prob("cat", ("the",)) == pytest.approx((2 + 1) / (3 + v))
    assert lm.prob("dog", ("cat",)) == pytest.approx((0 + 1) / (2 + v))
    assert lm.prob("the", (BOS,)) == pytest.approx((3 + 1) / (3 + v))
    assert lm.prob("zebra", ("the",)) == lm.prob(UNK, ("the",))


def test_kneser_ney_bigrams_by_hand():
    lm = NGramLM(2, "kneser-ney", discount=0.75).fit(CORPUS)
    v = len(lm.vocab)
    # Distinct bigrams: <s> the, the cat, cat sat, sat </s>, cat ran, ran </s>, the dog, dog sat: 8.
    # "sat" ends 2 of them (cat sat, dog sat); "cat" ends 1.
    cont = {"sat": (2 + 1 / v) / 9, "cat": (1 + 1 / v) / 9, "dog": (1 + 1 / v) / 9}
    assert lm.continuation_prob("sat") == pytest.approx(cont["sat"])
    # After "the" (seen 3 times, followed by 2 different words): cat twice, dog once.
    assert lm.prob("cat", ("the",)) == pytest.approx((2 - 0.75) / 3 + 0.75 * 2 / 3 * cont["cat"])
    assert lm.prob("sat", ("the",)) == pytest.approx(0.75 * 2 / 3 * cont["sat"])
    assert lm.prob("sat", ("zebra",)) == pytest.approx(cont["sat"])        # unseen context: lower order only


def test_perplexity_is_the_exponent_of_the_mean_surprise():
    lm = NGramLM(2, "add-k", k=1).fit(CORPUS)
    tokens = [BOS, "the", "cat", "sat", EOS]
    logs = [math.log(lm.prob(tokens[i], (tokens[i - 1],))) for i in range(1, len(tokens))]
    assert lm.perplexity(["the cat sat"]) == pytest.approx(math.exp(-sum(logs) / len(logs)))
    # A model that spreads its mass evenly over V choices has perplexity V.
    uniform = NGramLM(1, "add-k", k=1).fit([])
    assert uniform.perplexity(["a b c"]) == pytest.approx(len(uniform.vocab))
    # Smoothing keeps unseen pairs possible; seen text is less surprising than unseen text.
    assert math.isfinite(lm.perplexity(["the dog ran"])) and lm.perplexity(CORPUS) < lm.perplexity(["dog the cat"])


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="bigrams"):
        NGramLM(3, "kneser-ney")
    with pytest.raises(ValueError, match="unknown smoothing"):
        NGramLM(2, "good-turing")
