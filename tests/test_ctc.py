"""Our CTC against trusted references: keras.ops.ctc_loss, brute force, the worked example."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from ctc_reference import brute_force_probs, collapse
from keras import ops

from kerasbook.layers.ctc import (
    CTCLoss,
    SequenceAccuracy,
    ctc_beam_search_decode,
    ctc_greedy_decode,
    ctc_loss,
)


def random_case(rng, batch, steps, classes, max_len, repeats=True):
    logits = rng.normal(size=(batch, steps, classes)).astype("float32") * 2
    lengths = rng.integers(1, max_len + 1, size=batch).astype("int32")
    labels = np.zeros((batch, max_len), "int32")
    for b in range(batch):
        row = rng.integers(1, classes, size=lengths[b])
        if repeats and lengths[b] > 1:
            row[1] = row[0]  # force a repeated label, which needs a blank between
        labels[b, : lengths[b]] = row
    return labels, logits, lengths


def test_worked_example_p_a_is_0_24():
    # Classes: blank, "a", "b". P(a) = 0.4 and P(blank) = 0.1 at both steps.
    probs = np.array([[[0.1, 0.4, 0.5], [0.1, 0.4, 0.5]]], "float32")
    loss = ctc_loss(np.array([[1]]), np.log(probs))
    assert math.exp(-float(loss[0])) == pytest.approx(0.24, abs=1e-6)
    assert brute_force_probs(probs[0])[(1,)] == pytest.approx(0.24)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loss_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(3), size=5).astype("float32")  # T=5, K=3
    totals = brute_force_probs(probs)
    for labelling in [(1,), (2, 1), (1, 1), (1, 2, 1), (2, 2, 2)]:
        labels = np.array([labelling], "int32")
        got = math.exp(-float(ctc_loss(labels, np.log(probs)[None])[0]))
        assert got == pytest.approx(totals.get(labelling, 0.0), rel=1e-4, abs=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_loss_and_gradient_match_keras(seed):
    rng = np.random.default_rng(seed)
    labels, logits, lengths = random_case(rng, batch=6, steps=20, classes=7, max_len=6)
    ours_fn = lambda z: ctc_loss(labels, z, lengths)  # noqa: E731
    ref_fn = lambda z: ops.ctc_loss(labels, z, lengths, np.full(6, 20, "int32"), mask_index=0)  # noqa: E731
    z = tf.constant(logits)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(z)
        ours, ref = ours_fn(z), ref_fn(z)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(tape.gradient(ours, z).numpy(), tape.gradient(ref, z).numpy(), atol=1e-4)


def test_variable_logit_lengths_match_keras():
    rng = np.random.default_rng(7)
    labels, logits, lengths = random_case(rng, batch=5, steps=16, classes=5, max_len=4)
    logit_lengths = np.array([16, 12, 9, 14, 10], "int32")
    ours = ctc_loss(labels, logits, lengths, logit_lengths)
    ref = ops.ctc_loss(labels, logits, lengths, logit_lengths, mask_index=0)
    np.testing.assert_allclose(ops.convert_to_numpy(ours), ops.convert_to_numpy(ref), rtol=1e-4, atol=1e-4)


def test_impossible_alignment_gives_huge_loss_not_nan():
    # "aa" needs at least 3 steps (a, blank, a); with 2 steps it is impossible.
    logits = np.zeros((1, 2, 3), "float32")
    z = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = ctc_loss(np.array([[1, 1]]), z)
    assert float(loss[0]) > 1e6
    assert np.all(np.isfinite(tape.gradient(loss, z).numpy()))


def test_loss_compiles_under_xla():
    rng = np.random.default_rng(3)
    labels, logits, lengths = random_case(rng, batch=4, steps=12, classes=6, max_len=4)
    eager = ctc_loss(labels, logits, lengths)
    compiled = tf.function(lambda z: ctc_loss(labels, z, lengths), jit_compile=True)(tf.constant(logits))
    np.testing.assert_allclose(compiled.numpy(), ops.convert_to_numpy(eager), rtol=1e-5, atol=1e-5)


def naive_greedy(logits, blank=0):
    return [list(collapse(np.argmax(row, axis=-1), blank)) for row in logits]


def test_greedy_decode_matches_naive_and_keras_and_compiles():
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(8, 15, 5)).astype("float32")
    logits[:, ::3, 0] += 3.0  # plenty of blanks, some repeats
    expected = naive_greedy(logits)
    for fn in (ctc_greedy_decode, tf.function(ctc_greedy_decode, jit_compile=True)):
        got = ops.convert_to_numpy(fn(tf.constant(logits)))
        assert [[int(v) for v in row if v >= 0] for row in got] == expected
    decoded, _ = ops.ctc_decode(logits, np.full(8, 15, "int32"), strategy="greedy", mask_index=0)
    ref = [[int(v) for v in row if v > 0] for row in ops.convert_to_numpy(decoded[0])]
    assert ref == expected


def test_greedy_decode_respects_logit_length():
    logits = np.full((1, 4, 3), -5.0, "float32")
    logits[0, :, 1] = 5.0
    logits[0, 1, :] = [5.0, -5.0, -5.0]  # blank at step 1 separates two 1s
    out = ops.convert_to_numpy(ctc_greedy_decode(logits, logit_length=np.array([4])))
    assert out[0].tolist() == [1, 1, -1, -1]
    out = ops.convert_to_numpy(ctc_greedy_decode(logits, logit_length=np.array([1])))
    assert out[0].tolist() == [1, -1, -1, -1]


@pytest.mark.parametrize("seed", range(5))
def test_beam_search_finds_the_most_probable_labelling(seed):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(3) * 0.7, size=5)
    totals = brute_force_probs(probs)
    best = max(totals, key=totals.get)
    got, log_p = ctc_beam_search_decode(np.log(probs), beam_width=64)
    assert got == best
    assert math.exp(log_p) == pytest.approx(totals[best], rel=1e-6)


def test_beam_search_beats_greedy_when_mass_is_spread():
    # Best path is blank-blank (-> ""), but "a" gathers more probability overall.
    probs = np.array([[0.4, 0.35, 0.25], [0.4, 0.35, 0.25]])
    assert naive_greedy(np.log(probs)[None]) == [[]]
    labelling, log_p = ctc_beam_search_decode(np.log(probs), beam_width=8)
    assert labelling == (1,)
    assert math.exp(log_p) == pytest.approx(brute_force_probs(probs)[(1,)])


def test_pruned_beam_search_keeps_the_answer_of_a_confident_model():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(20, 12, 6)).astype("float32") * 6  # peaked, like a trained model
    log_probs = ops.convert_to_numpy(ops.log_softmax(logits, axis=-1))
    for lp in log_probs:
        exact, exact_lp = ctc_beam_search_decode(lp, beam_width=8)
        pruned, pruned_lp = ctc_beam_search_decode(lp, beam_width=8, min_prob=1e-4)
        assert pruned == exact
        assert pruned_lp == pytest.approx(exact_lp, abs=1e-3)


def test_beam_search_agrees_with_keras_beam_decoder():
    rng = np.random.default_rng(11)
    logits = rng.normal(size=(6, 10, 5)).astype("float32") * 2
    decoded, _ = ops.ctc_decode(logits, np.full(6, 10, "int32"), strategy="beam_search", beam_width=32, mask_index=0)
    ref = [tuple(int(v) for v in row if v > 0) for row in ops.convert_to_numpy(decoded[0])]
    log_probs = ops.convert_to_numpy(ops.log_softmax(logits, axis=-1))
    ours = [ctc_beam_search_decode(lp, beam_width=32)[0] for lp in log_probs]
    assert ours == ref


def test_sequence_accuracy_counts_exact_matches_only():
    metric = SequenceAccuracy()
    logits = np.full((3, 6, 4), -5.0, "float32")
    for b, path in enumerate([[1, 0, 2, 2, 0, 3], [1, 1, 1, 0, 0, 0], [2, 0, 2, 0, 3, 0]]):
        logits[b, np.arange(6), path] = 5.0
    labels = np.array([[1, 2, 3], [1, 2, 0], [2, 2, 3]])  # right, wrong (decodes "1"), right
    metric.update_state(labels, logits)
    assert float(metric.result()) == pytest.approx(2 / 3)


def test_ctc_loss_class_round_trips_and_trains():
    loss = CTCLoss.from_config(CTCLoss(blank=0).get_config())
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8)), keras.layers.Dense(5)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    # Each step sees its own position, so a Dense layer can learn where labels go.
    x = np.tile(np.eye(8, dtype="float32")[None], (16, 1, 1))
    y = np.tile(np.array([[1, 2, 3]]), (16, 1))
    hist = model.fit(x, y, epochs=60, verbose=0).history["loss"]
    assert hist[-1] < 0.1 * hist[0]
