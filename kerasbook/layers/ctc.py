"""Connectionist Temporal Classification (CTC), written with `keras.ops`.

CTC scores a label sequence against a longer sequence of per-step class
probabilities without knowing where each label sits. A path is one class per
step; it *collapses* to a labelling by merging repeats and then dropping the
blank. The probability of a labelling is the sum over every path that
collapses to it, which the forward recursion below computes in O(T * S) time
(S = 2L + 1 extended states) instead of enumerating K^T paths.

Worked example (the course's): two steps, P(a) = 0.4 and P(blank) = 0.1 at
each step. The paths "aa", "a_" and "_a" all collapse to "a", so
P("a") = 0.16 + 0.04 + 0.04 = 0.24.

Everything here has static shapes and no data-dependent Python control flow,
so it compiles under XLA (`jit_compile=True`).

Reference: Graves et al., "Connectionist Temporal Classification: Labelling
Unsegmented Sequence Data with Recurrent Neural Networks", ICML 2006.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

# A finite stand-in for log(0). With -inf, logsumexp over three impossible
# states gives 0 * inf = NaN in the gradient; a large finite number does not.
NEG_INF = -1e9


def _logsumexp3(a, b, c):
    m = ops.maximum(ops.maximum(a, b), c)
    return m + ops.log(ops.exp(a - m) + ops.exp(b - m) + ops.exp(c - m))


def ctc_loss(labels, logits, label_length=None, logit_length=None, blank=0):
    """Negative log-likelihood of `labels` under CTC, one value per example.

    Args:
        labels: int tensor `(B, L)`, padded with `blank` past each label's length.
        logits: float tensor `(B, T, K)` of unnormalised class scores; `T`
            must be static.
        label_length: int tensor `(B,)`. Defaults to the count of non-blank
            entries in each row of `labels`.
        logit_length: int tensor `(B,)`. Defaults to `T` for every example.
        blank: int. Index of the blank class (0, as in `keras.ops.ctc_loss`).

    Returns:
        Float tensor `(B,)`: `-log P(labels | logits)`.
    """
    labels = ops.cast(labels, "int32")
    logits = ops.cast(logits, "float32")
    steps = logits.shape[1]
    max_len = labels.shape[1]
    if steps is None or max_len is None:
        raise ValueError("ctc_loss needs static time and label dimensions.")
    if label_length is None:
        label_length = ops.sum(ops.cast(ops.not_equal(labels, blank), "int32"), axis=1)
    if logit_length is None:
        logit_length = ops.full_like(label_length, steps)
    label_length = ops.cast(label_length, "int32")
    logit_length = ops.cast(logit_length, "int32")

    log_probs = ops.log_softmax(logits, axis=-1)                       # (B, T, K)
    batch = ops.shape(labels)[0]
    n_states = 2 * max_len + 1

    # Extended labelling: blank, l1, blank, l2, ..., lL, blank.
    blanks = ops.full((batch, max_len), blank, dtype="int32")
    ext = ops.reshape(ops.stack([blanks, labels], axis=2), (batch, 2 * max_len))
    ext = ops.concatenate([ext, blanks[:, :1]], axis=1)                # (B, S)

    # A state may be reached from two states back when it is a label that
    # differs from the previous label (skipping the blank between them).
    same_as_two_back = ops.concatenate(
        [ops.ones((batch, 2), dtype="bool"), ops.equal(ext[:, 2:], ext[:, :-2])], axis=1
    )
    is_label = ops.not_equal(ext, blank)
    can_skip = ops.logical_and(is_label, ops.logical_not(same_as_two_back))  # (B, S)

    # Emission log-probabilities of every state at every step. A one-hot matmul
    # rather than a gather: its gradient is another matmul, where a gather's is
    # a scatter, which XLA runs slowly on CPU.
    ext_onehot = ops.one_hot(ext, logits.shape[-1], dtype="float32")  # (B, S, K)
    emit = ops.einsum("btk,bsk->bts", log_probs, ext_onehot)           # (B, T, S)

    state_ids = ops.arange(n_states)[None, :]                          # (1, S)
    last = 2 * label_length                                            # (B,)
    # A complete path ends on the last label or on the blank after it.
    is_end = ops.logical_or(state_ids == last[:, None],
                            ops.logical_and(state_ids == last[:, None] - 1, (label_length > 0)[:, None]))

    @ops.custom_gradient
    def nll(emit):
        alphas, log_p = _forward(emit, can_skip, is_end, logit_length)
        log_p_safe = ops.maximum(log_p, NEG_INF / 2)

        def grad(*args, upstream=None):
            upstream = args[0] if upstream is None else upstream      # (B,)
            betas = _backward(emit, can_skip, is_end, logit_length)
            # d(-log p)/d emit[t, s] = -P(the path is in state s at step t | labels).
            live = ops.cast(ops.arange(steps)[None, :, None] < logit_length[:, None, None], "float32")
            possible = ops.cast(log_p > NEG_INF / 2, "float32")[:, None, None]
            posterior = ops.exp(alphas + betas - log_p_safe[:, None, None]) * live * possible
            return -posterior * upstream[:, None, None]

        return -log_p, grad

    return nll(emit)


def _shift(x, n):
    """x moved n states to the right along the last axis, NEG_INF filled."""
    pad = ops.full((ops.shape(x)[0], n), NEG_INF, dtype=x.dtype)
    return ops.concatenate([pad, x[:, :-n]], axis=1)


def _unshift(x, n):
    """x moved n states to the left along the last axis, NEG_INF filled."""
    pad = ops.full((ops.shape(x)[0], n), NEG_INF, dtype=x.dtype)
    return ops.concatenate([x[:, n:], pad], axis=1)


def _forward(emit, can_skip, is_end, logit_length):
    """Alpha recursion: log P(prefix paths that are in state s at step t)."""
    steps, n_states = emit.shape[1], emit.shape[2]
    state_ids = ops.arange(n_states)[None, :]
    alpha = ops.where(state_ids < 2, emit[:, 0, :], NEG_INF)           # (B, S)
    alphas = [alpha]
    for t in range(1, steps):
        skip = ops.where(can_skip, _shift(alpha, 2), NEG_INF)
        new = _logsumexp3(alpha, _shift(alpha, 1), skip) + emit[:, t, :]
        # Examples shorter than T keep their alpha frozen past their end.
        alpha = ops.where((t < logit_length)[:, None], new, alpha)
        alphas.append(alpha)
    ends = ops.where(is_end, alpha, NEG_INF)
    m = ops.max(ends, axis=1)
    log_p = m + ops.log(ops.sum(ops.exp(ends - m[:, None]), axis=1))  # (B,)
    return ops.stack(alphas, axis=1), log_p                            # (B, T, S), (B,)


def _backward(emit, can_skip, is_end, logit_length):
    """Beta recursion: log P(suffix paths from state s at step t), emissions after t."""
    steps = emit.shape[1]
    end = ops.where(is_end, 0.0, NEG_INF)                              # (B, S)
    # State s may step to s+2 when s+2 is allowed to skip its blank.
    skip_from = _unshift(ops.where(can_skip, 0.0, NEG_INF), 2)
    beta = end
    betas = [beta]
    for t in range(steps - 2, -1, -1):
        nxt = beta + emit[:, t + 1, :]
        new = _logsumexp3(nxt, _unshift(nxt, 1), _unshift(nxt, 2) + skip_from)
        # At or past an example's last step, only end states remain.
        beta = ops.where((t >= logit_length - 1)[:, None], end, new)
        betas.append(beta)
    return ops.stack(betas[::-1], axis=1)                              # (B, T, S)


def ctc_greedy_decode(logits, logit_length=None, blank=0):
    """Best-path decoding: argmax per step, merge repeats, drop blanks.

    Args:
        logits: float tensor `(B, T, K)`.
        logit_length: optional int tensor `(B,)`; steps past it are ignored.
        blank: int. Index of the blank class.

    Returns:
        Int tensor `(B, T)`: decoded labels packed to the left, `-1` after the end.
    """
    steps = logits.shape[1]
    best = ops.cast(ops.argmax(logits, axis=-1), "int32")              # (B, T)
    prev = ops.concatenate([ops.full_like(best[:, :1], -1), best[:, :-1]], axis=1)
    keep = ops.logical_and(ops.not_equal(best, blank), ops.not_equal(best, prev))
    if logit_length is not None:
        keep = ops.logical_and(keep, ops.arange(steps)[None, :] < ops.cast(logit_length, "int32")[:, None])
    keep_i = ops.cast(keep, "int32")
    # Where each kept label lands in the output: its rank among kept labels.
    slot = ops.cumsum(keep_i, axis=1) - 1                              # (B, T)
    onehot = ops.cast(ops.equal(slot[:, :, None], ops.arange(steps)[None, None, :]), "int32")
    onehot = onehot * keep_i[:, :, None]                               # (B, T_in, T_out)
    packed = ops.sum(onehot * best[:, :, None], axis=1)                # (B, T_out)
    filled = ops.sum(onehot, axis=1)                                   # (B, T_out)
    return ops.where(filled > 0, packed, -1)


def ctc_beam_search_decode(log_probs, beam_width=16, blank=0, min_prob=0.0):
    """CTC prefix beam search for one example, in NumPy.

    Unlike best-path decoding, prefix beam search adds up the probability of
    every path that yields the same prefix, so it can find a labelling whose
    probability is spread over many paths.

    Args:
        log_probs: array `(T, K)` of log-probabilities (log-softmax output).
        beam_width: int. Number of prefixes kept after each step.
        blank: int. Index of the blank class.
        min_prob: float. Labels less likely than this at a step are not tried
            there (0 tries every label: exact, but slower). A trained model
            puts almost all its mass on one or two classes per step, so 1e-4
            changes nothing we can measure and makes decoding many times faster.

    Returns:
        `(labels, log_prob)`: the best labelling as a tuple of ints and its
        log-probability summed over the paths the beam kept.
    """
    log_probs = np.asarray(log_probs, dtype=np.float64)
    # prefix -> (log P(prefix, path ends in blank), log P(prefix, ends in label))
    beams = {(): (0.0, -math.inf)}
    floor = math.log(min_prob) if min_prob > 0 else -math.inf
    for t in range(log_probs.shape[0]):
        lp = log_probs[t]
        nxt: dict[tuple, list[float]] = {}

        def add(prefix, blank_lp, label_lp):
            b, nb = nxt.get(prefix, (-math.inf, -math.inf))
            nxt[prefix] = (np.logaddexp(b, blank_lp), np.logaddexp(nb, label_lp))

        candidates = [k for k in range(lp.shape[0]) if k != blank and lp[k] >= floor]
        for prefix, (p_b, p_nb) in beams.items():
            total = np.logaddexp(p_b, p_nb)
            add(prefix, total + lp[blank], -math.inf)
            for k in candidates:
                if prefix and prefix[-1] == k:
                    # Repeating the last label only extends the prefix after a blank;
                    # right after the same label it merges into the same prefix.
                    add(prefix + (k,), -math.inf, p_b + lp[k])
                    add(prefix, -math.inf, p_nb + lp[k])
                else:
                    add(prefix + (k,), -math.inf, total + lp[k])
        ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        beams = dict(ranked[:beam_width])
    best, (p_b, p_nb) = max(beams.items(), key=lambda kv: np.logaddexp(*kv[1]))
    return best, float(np.logaddexp(p_b, p_nb))


@keras.saving.register_keras_serializable(package="kerasbook")
class CTCLoss(keras.losses.Loss):
    """Keras loss wrapper around `ctc_loss`.

    `y_true` is `(B, L)` int labels padded with the blank index; `y_pred` is the
    model's `(B, T, K)` logits. Every example uses all `T` steps.

    Args:
        blank: int. Index of the blank class.
        **kwargs: passed to `keras.losses.Loss`.
    """

    def __init__(self, blank=0, name="ctc_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.blank = blank

    def call(self, y_true, y_pred):
        return ctc_loss(y_true, y_pred, blank=self.blank)

    def get_config(self):
        return {**super().get_config(), "blank": self.blank}


@keras.saving.register_keras_serializable(package="kerasbook")
class SequenceAccuracy(keras.metrics.Metric):
    """Share of examples whose greedy CTC decoding equals the label exactly.

    Args:
        blank: int. Index of the blank class.
        **kwargs: passed to `keras.metrics.Metric`.
    """

    def __init__(self, blank=0, name="seq_acc", **kwargs):
        super().__init__(name=name, **kwargs)
        self.blank = blank
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        decoded = ctc_greedy_decode(y_pred, blank=self.blank)          # (B, T)
        width = y_true.shape[1]
        target = ops.where(ops.equal(y_true, self.blank), -1, y_true)  # (B, L)
        head_ok = ops.all(ops.equal(decoded[:, :width], target), axis=1)
        tail_ok = ops.all(ops.equal(decoded[:, width:], -1), axis=1)
        hits = ops.cast(ops.logical_and(head_ok, tail_ok), "float32")
        self.correct.assign_add(ops.sum(hits))
        self.total.assign_add(ops.cast(ops.shape(hits)[0], "float32"))

    def result(self):
        return self.correct / ops.maximum(self.total, 1.0)

    def reset_state(self):
        self.correct.assign(0.0)
        self.total.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "blank": self.blank}
