"""Recurrent cells written from their equations: the simple (Elman) RNN, the LSTM and the GRU.

A cell is one time step: it takes the input x_t and the states of step t-1
and returns the output and the new states. `keras.layers.RNN` runs a cell over
the time axis with the *same* weights at every step; that loop (and its
masking, `return_sequences`, `return_state`, ...) is not ours to rewrite.

* `ElmanCell`: h_t = tanh(W x_t + U h_{t-1} + b). `ElmanRNN` runs it.
* `GateLSTMCell`: the four gates of the LSTM computed from the concatenation
  [h_{t-1}, x_t], a cell state c_t that is only ever scaled and added to, and
  h_t = o_t * tanh(c_t). `GateLSTM` runs it.
* `GateGRUCell`: an update gate z_t and a reset gate r_t, a candidate state
  and one hidden state h_t = z_t * h_{t-1} + (1 - z_t) * candidate. `GateGRU`
  runs it.

All three are proven equal to `keras.layers.SimpleRNN` / `keras.layers.LSTM` /
`keras.layers.GRU` with copied weights in `tests/test_recurrent.py`.
"""

from __future__ import annotations

import keras
from keras import ops


# --8<-- [start:elman]
@keras.saving.register_keras_serializable(package="kerasbook")
class ElmanCell(keras.layers.Layer):
    """One step of the simple recurrent network: h_t = tanh(W x_t + U h_{t-1} + b).

    The weights are stored the way `keras.layers.SimpleRNNCell` stores them, so
    they can be copied across: `kernel` is W, shape `(input_dim, units)`;
    `recurrent_kernel` is U, shape `(units, units)`; `bias` is b, `(units,)`.

    Args:
        units: int. Size of the hidden state h_t.
        activation: the squashing function f (default tanh).
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: `(B, input_dim)`, the input x_t of one step.
        states: `[h_{t-1}]`, shape `(B, units)`.

    Example:
        >>> rnn = keras.layers.RNN(ElmanCell(8))
        >>> rnn(keras.ops.zeros((2, 30, 1))).shape
        (2, 8)

    Reference: Elman, "Finding Structure in Time", 1990.
    """

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform",
                                      name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="orthogonal",
                                                name="recurrent_kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs, states):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states       # (B, units)
        h = self.activation(ops.matmul(inputs, self.kernel)                        # W x_t: (B, units)
                            + ops.matmul(h_prev, self.recurrent_kernel)            # U h_{t-1}: (B, units)
                            + self.bias)
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": keras.activations.serialize(self.activation)}
# --8<-- [end:elman]


# --8<-- [start:lstm]
@keras.saving.register_keras_serializable(package="kerasbook")
class GateLSTMCell(keras.layers.Layer):
    """One LSTM step, computed gate by gate from the concatenation [h_{t-1}, x_t].

    With z = [h_{t-1}, x_t]:

        f_t = sigmoid(z W_f + b_f)     forget gate: how much of c_{t-1} to keep
        i_t = sigmoid(z W_i + b_i)     input gate: how much of the candidate to write
        g_t = tanh(z W_c + b_c)        candidate: what could be written, in [-1, 1]
        o_t = sigmoid(z W_o + b_o)     output gate: how much of the memory to show
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)

    The gates use a sigmoid because they are proportions (0 = closed, 1 =
    open); the candidate and the output use tanh because they carry signed
    content. Each gate has its own matrix of shape `(units + input_dim, units)`
    (the rows for h_{t-1} first, as in the concatenation) and its own bias. The
    forget bias starts at 1, so a fresh cell remembers by default.

    Args:
        units: int. Size of the hidden state h_t and of the cell state c_t.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: `(B, input_dim)`, the input x_t of one step.
        states: `[h_{t-1}, c_{t-1}]`, each `(B, units)`.

    Example:
        >>> lstm = keras.layers.RNN(GateLSTMCell(8), return_state=True)
        >>> tuple(t.shape for t in lstm(keras.ops.zeros((2, 30, 1))))
        ((2, 8), (2, 8), (2, 8))

    Reference: Hochreiter, Schmidhuber, "Long Short-Term Memory", 1997;
    Gers, Schmidhuber, Cummins, "Learning to Forget", 2000.
    """

    GATES = ("forget", "input", "candidate", "output")

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [units, units]                       # [h, c]
        self.output_size = units

    def build(self, input_shape):
        rows = self.units + input_shape[-1]                    # [h_{t-1}, x_t]
        self.w = {}
        self.b = {}
        for gate in self.GATES:
            self.w[gate] = self.add_weight(shape=(rows, self.units), initializer="glorot_uniform", name=f"w_{gate}")
            self.b[gate] = self.add_weight(shape=(self.units,), name=f"b_{gate}",
                                           initializer="ones" if gate == "forget" else "zeros")

    def gates(self, inputs, states):
        """The four gate activations of one step: `{"forget": f_t, "input": i_t, "candidate": g_t, "output": o_t}`."""
        h_prev, _ = states
        z = ops.concatenate([h_prev, inputs], axis=-1)                          # (B, units + input_dim)
        pre = {gate: ops.matmul(z, self.w[gate]) + self.b[gate] for gate in self.GATES}   # each (B, units)
        return {"forget": ops.sigmoid(pre["forget"]), "input": ops.sigmoid(pre["input"]),
                "candidate": ops.tanh(pre["candidate"]), "output": ops.sigmoid(pre["output"])}

    def call(self, inputs, states):
        _, c_prev = states
        g = self.gates(inputs, states)
        c = g["forget"] * c_prev + g["input"] * g["candidate"]                  # (B, units)
        h = g["output"] * ops.tanh(c)                                           # (B, units)
        return h, [h, c]

    # --8<-- [end:lstm]
    # --8<-- [start:keras-layout]
    def set_from_keras_lstm(self, kernel, recurrent_kernel, bias):
        """Copy the weights of a `keras.layers.LSTM` into this cell.

        Keras keeps `kernel` `(input_dim, 4 * units)` and `recurrent_kernel`
        `(units, 4 * units)` with the gates side by side in the order input,
        forget, candidate, output. Our matrix for gate k is the recurrent slice
        stacked on top of the input slice, matching z = [h_{t-1}, x_t].
        """
        u = self.units
        for k, gate in enumerate(("input", "forget", "candidate", "output")):
            cols = slice(k * u, (k + 1) * u)
            self.w[gate].assign(ops.concatenate([recurrent_kernel[:, cols], kernel[:, cols]], axis=0))
            self.b[gate].assign(bias[cols])
    # --8<-- [end:keras-layout]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


# --8<-- [start:gru]
@keras.saving.register_keras_serializable(package="kerasbook")
class GateGRUCell(keras.layers.Layer):
    """One GRU step, gate by gate, in the convention `keras.layers.GRU` uses.

    With x_t the input and h_{t-1} the previous state:

        z_t = sigmoid(x_t W_xz + b_xz + h_{t-1} W_hz + b_hz)          update gate
        r_t = sigmoid(x_t W_xr + b_xr + h_{t-1} W_hr + b_hr)          reset gate
        g_t = tanh(x_t W_xg + b_xg + r_t * (h_{t-1} W_hg + b_hg))     candidate state
        h_t = z_t * h_{t-1} + (1 - z_t) * g_t                         the mix

    z_t is the share of the *old* state that is kept (Cho et al. 2014, and Keras);
    texts that call z_t the share of new information write the mix with z_t and
    1 - z_t swapped, which is the same cell. The reset gate is applied after the
    recurrent product, with a bias of its own inside (Keras' default
    `reset_after=True`, the form cuDNN computes); the original GRU applies it
    before, r_t * h_{t-1}. Each gate has an input matrix `(input_dim, units)`, a
    recurrent matrix `(units, units)` and two biases, so a cell has
    3 * (input_dim * units + units * units + 2 * units) weights, as a Keras GRU does.

    Args:
        units: int. Size of the hidden state h_t.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: `(B, input_dim)`, the input x_t of one step.
        states: `[h_{t-1}]`, shape `(B, units)`.

    Example:
        >>> gru = keras.layers.RNN(GateGRUCell(8), return_state=True)
        >>> tuple(t.shape for t in gru(keras.ops.zeros((2, 30, 1))))
        ((2, 8), (2, 8))

    Reference: Cho et al., "Learning Phrase Representations using RNN
    Encoder-Decoder for Statistical Machine Translation", 2014.
    """

    GATES = ("update", "reset", "candidate")

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        self.w_x, self.w_h, self.b_x, self.b_h = {}, {}, {}, {}
        for gate in self.GATES:
            self.w_x[gate] = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform",
                                             name=f"w_x_{gate}")
            self.w_h[gate] = self.add_weight(shape=(self.units, self.units), initializer="orthogonal",
                                             name=f"w_h_{gate}")
            self.b_x[gate] = self.add_weight(shape=(self.units,), initializer="zeros", name=f"b_x_{gate}")
            self.b_h[gate] = self.add_weight(shape=(self.units,), initializer="zeros", name=f"b_h_{gate}")

    def gates(self, inputs, states):
        """The gates and the candidate of one step: `{"update": z_t, "reset": r_t, "candidate": g_t}`."""
        h_prev = states[0] if isinstance(states, (list, tuple)) else states           # (B, units)
        from_x = {g: ops.matmul(inputs, self.w_x[g]) + self.b_x[g] for g in self.GATES}   # each (B, units)
        from_h = {g: ops.matmul(h_prev, self.w_h[g]) + self.b_h[g] for g in self.GATES}   # each (B, units)
        z = ops.sigmoid(from_x["update"] + from_h["update"])
        r = ops.sigmoid(from_x["reset"] + from_h["reset"])
        g = ops.tanh(from_x["candidate"] + r * from_h["candidate"])                  # reset after the product
        return {"update": z, "reset": r, "candidate": g}

    def call(self, inputs, states):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        g = self.gates(inputs, states)
        h = g["update"] * h_prev + (1.0 - g["update"]) * g["candidate"]             # (B, units)
        return h, [h]

    # --8<-- [end:gru]
    # --8<-- [start:gru-keras-layout]
    def set_from_keras_gru(self, kernel, recurrent_kernel, bias):
        """Copy the weights of a `keras.layers.GRU` (`reset_after=True`) into this cell.

        Keras keeps `kernel` `(input_dim, 3 * units)` and `recurrent_kernel`
        `(units, 3 * units)` with the blocks side by side in the order update,
        reset, candidate, and `bias` as `(2, 3 * units)`: row 0 the input biases,
        row 1 the recurrent ones.
        """
        u = self.units
        for k, gate in enumerate(self.GATES):
            cols = slice(k * u, (k + 1) * u)
            self.w_x[gate].assign(kernel[:, cols])
            self.w_h[gate].assign(recurrent_kernel[:, cols])
            self.b_x[gate].assign(bias[0, cols])
            self.b_h[gate].assign(bias[1, cols])
    # --8<-- [end:gru-keras-layout]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class _CellRNN(keras.layers.RNN):
    """`keras.layers.RNN` around one of our cells, saved by the cell's arguments."""

    CELL = None
    CELL_ARGS = ()

    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False, unroll=False,
                 **kwargs):
        cell_kwargs = {k: kwargs.pop(k) for k in self.CELL_ARGS if k in kwargs}
        cell = self.CELL(units, name="cell", **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, unroll=unroll, **kwargs)
        self.units = units

    def get_config(self):
        config = super().get_config()
        cell = config.pop("cell")["config"]
        config["units"] = self.units
        for key in self.CELL_ARGS:
            config[key] = cell[key]
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="kerasbook")
class ElmanRNN(_CellRNN):
    """`keras.layers.RNN(ElmanCell(units))`: our simple RNN over a whole sequence.

    Args:
        units: int. Size of the hidden state.
        return_sequences: bool. Return h_t for every step, not only the last.
        return_state: bool. Also return the final state.
        go_backwards: bool. Read the sequence from its end.
        unroll: bool. Unroll the loop over time (as in `keras.layers.RNN`).
        **kwargs: passed to `keras.layers.RNN`; `activation` (default tanh)
            goes to the cell.

    Call arguments:
        inputs: `(B, T, input_dim)`.
        mask: optional `(B, T)` booleans; masked steps keep the previous state.

    Example:
        >>> ElmanRNN(16, return_sequences=True)(keras.ops.zeros((2, 30, 1))).shape
        (2, 30, 16)
    """

    CELL = ElmanCell
    CELL_ARGS = ("activation",)


@keras.saving.register_keras_serializable(package="kerasbook")
class GateLSTM(_CellRNN):
    """`keras.layers.RNN(GateLSTMCell(units))`: our LSTM over a whole sequence.

    Args:
        units: int. Size of the hidden and cell states.
        return_sequences: bool. Return h_t for every step, not only the last.
        return_state: bool. Also return the final h and c: `[output, h, c]`.
        go_backwards: bool. Read the sequence from its end.
        unroll: bool. Unroll the loop over time (as in `keras.layers.RNN`).
        **kwargs: passed to `keras.layers.RNN`.

    Call arguments:
        inputs: `(B, T, input_dim)`.
        mask: optional `(B, T)` booleans; masked steps keep the previous states.

    Example:
        >>> h, h_last, c_last = GateLSTM(16, return_sequences=True, return_state=True)(keras.ops.zeros((2, 30, 1)))
        >>> h.shape, c_last.shape
        ((2, 30, 16), (2, 16))
    """

    CELL = GateLSTMCell


@keras.saving.register_keras_serializable(package="kerasbook")
class GateGRU(_CellRNN):
    """`keras.layers.RNN(GateGRUCell(units))`: our GRU over a whole sequence.

    Args:
        units: int. Size of the hidden state.
        return_sequences: bool. Return h_t for every step, not only the last.
        return_state: bool. Also return the final state: `[output, h]`.
        go_backwards: bool. Read the sequence from its end.
        unroll: bool. Unroll the loop over time (as in `keras.layers.RNN`).
        **kwargs: passed to `keras.layers.RNN`.

    Call arguments:
        inputs: `(B, T, input_dim)`.
        mask: optional `(B, T)` booleans; masked steps keep the previous state.

    Example:
        >>> GateGRU(16, return_sequences=True)(keras.ops.zeros((2, 30, 1))).shape
        (2, 30, 16)
    """

    CELL = GateGRUCell
