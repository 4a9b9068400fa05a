"""Our recurrent cells against Keras' own layers with copied weights, and the shared layer test."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasbook.layers.recurrent import ElmanCell, ElmanRNN, GateGRU, GateGRUCell, GateLSTM, GateLSTMCell
from kerasbook.testing import check_layer

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 7, 4)).astype("float32")                 # (B, T, input_dim)


def outputs_and_gradients(layer, x, mask=None):
    """Every output of `layer(x)` and the gradients of a fixed random projection of them."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        outs = layer(x, mask=mask)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        weights = [tf.constant(np.random.default_rng(i).normal(size=o.shape).astype("float32"))
                   for i, o in enumerate(outs)]
        loss = sum(tf.reduce_sum(o * w) for o, w in zip(outs, weights))
    grads = tape.gradient(loss, [x, *layer.trainable_weights])
    return [o.numpy() for o in outs], [g.numpy() for g in grads]


@pytest.mark.parametrize("return_sequences", [False, True])
def test_elman_cell_equals_keras_simple_rnn(return_sequences):
    ours = keras.layers.RNN(ElmanCell(5), return_sequences=return_sequences)
    theirs = keras.layers.SimpleRNN(5, return_sequences=return_sequences)
    ours.build(X.shape)
    theirs.build(X.shape)
    theirs.set_weights([RNG.normal(size=w.shape).astype("float32") * 0.5 for w in theirs.get_weights()])
    ours.set_weights(theirs.get_weights())                      # kernel, recurrent_kernel, bias
    (out_a,), grads_a = outputs_and_gradients(ours, X)
    (out_b,), grads_b = outputs_and_gradients(theirs, X)
    assert out_a.shape == ((3, 7, 5) if return_sequences else (3, 5))
    np.testing.assert_allclose(out_a, out_b, atol=1e-5)
    for a, b in zip(grads_a, grads_b):                           # d/dx, d/dW, d/dU, d/db
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_elman_cell_is_the_formula():
    cell = ElmanCell(3)
    x, h = RNG.normal(size=(2, 4)).astype("float32"), RNG.normal(size=(2, 3)).astype("float32")
    out, (state,) = cell(x, [h])
    w, u, b = (keras.ops.convert_to_numpy(v) for v in (cell.kernel, cell.recurrent_kernel, cell.bias))
    np.testing.assert_allclose(out, np.tanh(x @ w + h @ u + b), atol=1e-6)
    np.testing.assert_allclose(state, out)


def copy_lstm(theirs, units):
    ours = keras.layers.RNN(GateLSTMCell(units), return_sequences=theirs.return_sequences,
                            return_state=theirs.return_state)
    ours.build(X.shape)
    kernel, recurrent, bias = theirs.get_weights()
    ours.cell.set_from_keras_lstm(kernel, recurrent, bias)
    return ours


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("return_state", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_gate_lstm_cell_equals_keras_lstm(return_sequences, return_state, masked):
    theirs = keras.layers.LSTM(6, return_sequences=return_sequences, return_state=return_state, use_cudnn=False)
    theirs.build(X.shape)
    theirs.set_weights([RNG.normal(size=w.shape).astype("float32") * 0.5 for w in theirs.get_weights()])
    ours = copy_lstm(theirs, 6)
    # Left-aligned sequences of lengths 7, 4 and 2: the padding must change nothing.
    mask = tf.constant(np.arange(7)[None, :] < np.array([7, 4, 2])[:, None]) if masked else None
    outs_a, grads_a = outputs_and_gradients(ours, X, mask)
    outs_b, grads_b = outputs_and_gradients(theirs, X, mask)
    assert len(outs_a) == len(outs_b) == (3 if return_state else 1)
    for a, b in zip(outs_a, outs_b):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(grads_a[0], grads_b[0], atol=1e-4)   # d/dx
    # Our per-gate weight gradients, put back into Keras' layout, equal Keras' kernel gradients.
    u, d = 6, X.shape[-1]
    by_name = dict(zip([w.path.split("/")[-1] for w in ours.trainable_weights], grads_a[1:]))
    order = ("input", "forget", "candidate", "output")
    kernel = np.concatenate([by_name[f"w_{g}"][u:] for g in order], axis=1)          # (d, 4u)
    recurrent = np.concatenate([by_name[f"w_{g}"][:u] for g in order], axis=1)       # (u, 4u)
    bias = np.concatenate([by_name[f"b_{g}"] for g in order])
    assert kernel.shape == (d, 4 * u)
    for a, b in zip((kernel, recurrent, bias), grads_b[1:]):
        np.testing.assert_allclose(a, b, atol=1e-4)
    if masked and return_sequences:
        # Past the end of the shortest sequence its state stands still.
        out = outs_a[0]
        np.testing.assert_allclose(out[2, 2:], np.repeat(out[2, 1:2], 5, axis=0), atol=1e-6)


def test_lstm_forget_bias_starts_at_one_like_keras():
    cell = GateLSTMCell(4)
    cell.build((None, 3))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(cell.b["forget"]), np.ones(4))
    theirs = keras.layers.LSTM(4)
    theirs.build((None, 5, 3))
    np.testing.assert_array_equal(theirs.get_weights()[2][4:8], np.ones(4))   # the f slice of i, f, c, o


def test_lstm_gates_obey_their_ranges_and_the_cell_update():
    cell = GateLSTMCell(5)
    x = RNG.normal(size=(4, 3)).astype("float32") * 3
    h, c = (RNG.normal(size=(4, 5)).astype("float32") for _ in range(2))
    out, (h_new, c_new) = cell(x, [h, c])
    g = {k: keras.ops.convert_to_numpy(v) for k, v in cell.gates(x, [h, c]).items()}
    for gate in ("forget", "input", "output"):
        assert g[gate].min() > 0 and g[gate].max() < 1
    assert g["candidate"].min() > -1 and g["candidate"].max() < 1
    np.testing.assert_allclose(c_new, g["forget"] * c + g["input"] * g["candidate"], atol=1e-6)
    np.testing.assert_allclose(h_new, g["output"] * np.tanh(c_new), atol=1e-6)


def copy_gru(theirs, units):
    ours = keras.layers.RNN(GateGRUCell(units), return_sequences=theirs.return_sequences,
                            return_state=theirs.return_state)
    ours.build(X.shape)
    ours.cell.set_from_keras_gru(*theirs.get_weights())
    return ours


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("return_state", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_gate_gru_cell_equals_keras_gru(return_sequences, return_state, masked):
    theirs = keras.layers.GRU(6, return_sequences=return_sequences, return_state=return_state, use_cudnn=False)
    assert theirs.cell.reset_after                                  # Keras' default, the form our cell computes
    theirs.build(X.shape)
    theirs.set_weights([RNG.normal(size=w.shape).astype("float32") * 0.5 for w in theirs.get_weights()])
    ours = copy_gru(theirs, 6)
    mask = tf.constant(np.arange(7)[None, :] < np.array([7, 4, 2])[:, None]) if masked else None
    outs_a, grads_a = outputs_and_gradients(ours, X, mask)
    outs_b, grads_b = outputs_and_gradients(theirs, X, mask)
    assert len(outs_a) == len(outs_b) == (2 if return_state else 1)
    for a, b in zip(outs_a, outs_b):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(grads_a[0], grads_b[0], atol=1e-4)   # d/dx
    # Our per-gate weight gradients, put back into Keras' layout, equal Keras' own.
    by_name = dict(zip([w.path.split("/")[-1] for w in ours.trainable_weights], grads_a[1:]))
    order = GateGRUCell.GATES
    kernel = np.concatenate([by_name[f"w_x_{g}"] for g in order], axis=1)            # (d, 3u)
    recurrent = np.concatenate([by_name[f"w_h_{g}"] for g in order], axis=1)         # (u, 3u)
    bias = np.stack([np.concatenate([by_name[f"b_{side}_{g}"] for g in order]) for side in "xh"])   # (2, 3u)
    for a, b in zip((kernel, recurrent, bias), grads_b[1:]):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_gru_has_as_many_weights_as_keras_gru():
    ours, theirs = keras.layers.RNN(GateGRUCell(5)), keras.layers.GRU(5)
    ours.build((None, 7, 3))
    theirs.build((None, 7, 3))
    assert ours.count_params() == theirs.count_params() == 3 * (3 * 5 + 5 * 5 + 2 * 5)


def test_gru_gates_obey_their_ranges_and_the_mix():
    cell = GateGRUCell(5)
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    h = RNG.normal(size=(4, 5)).astype("float32")
    out, (state,) = cell(x, [h])
    g = {k: keras.ops.convert_to_numpy(v) for k, v in cell.gates(x, [h]).items()}
    for gate in ("update", "reset"):
        assert g[gate].min() > 0 and g[gate].max() < 1
    assert g["candidate"].min() > -1 and g["candidate"].max() < 1
    np.testing.assert_allclose(out, g["update"] * h + (1 - g["update"]) * g["candidate"], atol=1e-6)
    np.testing.assert_allclose(state, out)
    # With the update gate shut (z = 1 everywhere) the old state passes through untouched.
    cell.b_x["update"].assign(np.full(5, 50.0, "float32"))
    np.testing.assert_allclose(cell(x, [h])[0], h, atol=1e-6)


@pytest.mark.parametrize("layer_cls, kwargs", [
    (ElmanRNN, {"units": 4}),
    (ElmanRNN, {"units": 4, "return_sequences": True, "activation": "relu"}),
    (GateLSTM, {"units": 4}),
    (GateLSTM, {"units": 4, "return_sequences": True}),
    (GateGRU, {"units": 4}),
    (GateGRU, {"units": 4, "return_sequences": True}),
])
def test_shared_layer_checks(layer_cls, kwargs, tmp_path):
    out = check_layer(layer_cls, kwargs, X, tmp_path)
    assert out.shape == ((3, 7, 4) if kwargs.get("return_sequences") else (3, 4))
