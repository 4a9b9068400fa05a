"""Edit distance, CER and exact match against tf.edit_distance."""

import numpy as np
import pytest
import tensorflow as tf

from kerasbook.metrics import character_error_rate, edit_distance, exact_match


def tf_distance(a, b):
    def sparse(s):
        ids = [ord(c) for c in s]
        return tf.SparseTensor([[0, i] for i in range(len(ids))] or np.zeros((0, 2), "int64"),
                               tf.constant(ids, tf.int64), [1, max(1, len(ids))])
    return int(tf.edit_distance(sparse(a), sparse(b), normalize=False).numpy()[0])


@pytest.mark.parametrize("seed", range(4))
def test_edit_distance_matches_tensorflow(seed):
    rng = np.random.default_rng(seed)
    for _ in range(25):
        a = "".join(rng.choice(list("abc"), size=rng.integers(1, 7)))
        b = "".join(rng.choice(list("abc"), size=rng.integers(1, 7)))
        assert edit_distance(a, b) == tf_distance(a, b), (a, b)


def test_cer_and_exact_match():
    preds, targets = ["abcde", "abxde", "abde", ""], ["abcde", "abcde", "abcde", "ab"]
    assert character_error_rate(preds, targets) == pytest.approx((0 + 1 + 1 + 2) / 17)
    assert exact_match(preds, targets) == 0.25
    with pytest.raises(ValueError):
        exact_match(["a"], ["a", "b"])
