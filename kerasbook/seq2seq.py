"""Sequence to sequence: vocabularies, encoder-decoder translators, greedy and beam decoding, BLEU.

The shared machinery of the translation chapters. A translator reads the
source tokens with an encoder RNN and writes the target one token at a time
with a decoder RNN that starts from the encoder's final state. In training the
decoder is fed the *true* previous token (teacher forcing), so all steps run
at once; in use it is fed its own previous output, step by step, either the
single most likely token (greedy) or the `width` best partial translations so
far (beam search). `forced_and_free` decodes the same sentences both ways,
fed the true previous tokens and fed its own, and scores each: the gap is
what exposure bias costs. `evaluate` scores a trained translator on unseen
sentences, on held-out structures and on the compositional split
(`kerasbook.data.enko.compositional_split`), by corpus BLEU and exact match.

Three translators, named by `kind`:

* `"plain"`: GRU encoder and decoder; the decoder sees the source only
  through the encoder's final state (the context-vector bottleneck);
* `"gru_additive"`: the same, plus additive (Bahdanau) attention over all
  encoder states at every step;
* `"lstm_general"`: LSTM encoder and decoder with multiplicative (Luong's
  general) attention.

The attentive decoders attend after their RNN step (Luong's arrangement): the
decoder state is the query, the context is concatenated to it and mixed by a
tanh layer before the output layer, so teacher-forced training runs over the
whole sequence in one call.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from kerasbook import cli

START, END = "[start]", "[end]"
KINDS = ("plain", "gru_additive", "lstm_general")


# --8<-- [start:vocab]
def make_vectorizers(sources, targets, max_source: int, max_target: int, max_tokens: int | None = None):
    """Keras `TextVectorization` layers for space-separated tokens, fitted on the training text.

    Index 0 is padding and 1 is `[UNK]` (out of vocabulary, or beyond the
    `max_tokens` most frequent, counting those two). The target vocabulary
    also holds `[start]` and `[end]`; target sequences are `max_target + 2`
    long (the sentence with both markers).
    """
    import keras

    def layer(length, texts, name):
        v = keras.layers.TextVectorization(max_tokens=max_tokens, standardize=None, split="whitespace",
                                           output_mode="int", output_sequence_length=length, name=name)
        v.adapt(list(texts))
        return v

    source = layer(max_source, sources, "source_vectorizer")
    target = layer(max_target + 2, [f"{START} {t} {END}" for t in targets], "target_vectorizer")
    return source, target


def encode(vectorizer, texts) -> np.ndarray:
    """Token ids `(N, length)` int32 of texts."""
    import keras

    return keras.ops.convert_to_numpy(vectorizer(list(texts))).astype(np.int32)


def teacher_forcing(target_ids: np.ndarray):
    """`(decoder input, decoder target)`: the target shifted right by one (starts with `[start]`) and left by one."""
    return target_ids[:, :-1], target_ids[:, 1:]
# --8<-- [end:vocab]


# --8<-- [start:batches]
LENGTH_BOUNDARIES = (8, 11, 14, 18, 24)      # source-length buckets of `batches`


def batches(inputs, target, batch_size: int, *, aligned=(), seed=None, bucket: bool = True, trim: bool = True):
    """A `tf.data` pipeline of `(inputs, target)` batches of right-padded id arrays.

    `inputs` is one array or a tuple of them. With `bucket`, sentences of
    similar length (the first input's) are batched together, by
    `tf.data.Dataset.bucket_by_sequence_length`; with `trim`, every array of a
    batch is cut to its longest row. A batch of short sentences then costs a
    short recurrence instead of one as long as the longest sentence in the
    data. Shapes change from batch to batch, which suits running without XLA;
    XLA compiles one program per shape, so it gets whole-length batches
    (`bucket=False, trim=False`). The inputs whose positions in `inputs` are
    listed in `aligned` (a decoder input, whose last real token is the `[end]`
    no position is asked to predict) are cut where the target is. `seed`
    shuffles every epoch and drops the incomplete last batches (with buckets,
    every epoch then has the same number of batches); `None` keeps the order
    and every example.
    """
    import tensorflow as tf

    several = isinstance(inputs, (tuple, list))
    ds = tf.data.Dataset.from_tensor_slices((tuple(inputs) if several else inputs, target))
    if seed is not None:
        ds = ds.shuffle(len(target), seed=seed, reshuffle_each_iteration=True)

    def length(x, y):
        return tf.reduce_sum(tf.cast(tf.not_equal(x[0] if several else x, 0), tf.int32))

    # Training drops each bucket's incomplete last batch, at most `buckets * (batch_size - 1)` sentences,
    # so every epoch has at least `full` whole batches; taking exactly that many lets Keras count the steps.
    buckets = len(LENGTH_BOUNDARIES) + 1
    full = (len(target) - buckets * (batch_size - 1)) // batch_size
    if bucket and (seed is None or full >= 1):
        ds = ds.bucket_by_sequence_length(length, list(LENGTH_BOUNDARIES), [batch_size] * buckets,
                                          drop_remainder=seed is not None)
        if seed is not None:
            ds = ds.take(full).apply(tf.data.experimental.assert_cardinality(full))
    else:                                               # too few sentences to fill every bucket: one batch size fits all
        ds = ds.batch(batch_size, drop_remainder=seed is not None)
    if trim:
        def longest(a):                                 # right padding only, so the longest row's length is enough
            return tf.maximum(tf.reduce_max(tf.reduce_sum(tf.cast(tf.not_equal(a, 0), tf.int32), axis=1)), 1)

        def cut(x, y):
            n = longest(y)
            xs = x if several else (x,)
            xs = tuple(a[:, :n] if i in aligned else a[:, : longest(a)] for i, a in enumerate(xs))
            return (xs if several else xs[0]), y[:, :n]

        ds = ds.map(cut, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
# --8<-- [end:batches]


# --8<-- [start:model]
def build_translator(kind: str, source_vocab: int, target_vocab: int, units: int = 128, embed: int = 64):
    """A teacher-forced translator `[source ids, decoder input ids] -> logits (B, T, target_vocab)`."""
    import keras
    from keras import layers, ops

    from kerasbook.layers.attention import AdditiveAttention, GeneralAttention

    if kind not in KINDS:
        raise ValueError(f"unknown translator {kind!r}; choose from {', '.join(KINDS)}")
    rnn = layers.LSTM if kind == "lstm_general" else layers.GRU
    source = keras.Input((None,), dtype="int32", name="source")
    decoder_in = keras.Input((None,), dtype="int32", name="decoder_input")
    x = layers.Embedding(source_vocab, embed, mask_zero=True, name="source_embedding")(source)
    encoded, *state = rnn(units, return_sequences=True, return_state=True, name="encoder")(x)   # (B, S, units)
    y = layers.Embedding(target_vocab, embed, mask_zero=True, name="target_embedding")(decoder_in)
    decoded = rnn(units, return_sequences=True, return_state=True, name="decoder")(y, initial_state=state)[0]
    if kind != "plain":
        attention = (AdditiveAttention(units, name="attention") if kind == "gru_additive"
                     else GeneralAttention(name="attention"))
        source_mask = ops.not_equal(source, 0)
        context, _ = attention([decoded, encoded], mask=[None, source_mask])              # (B, T, units)
        decoded = layers.Concatenate(name="with_context")([decoded, context])
        decoded = layers.Dense(units, activation="tanh", name="attentional")(decoded)
    logits = layers.Dense(target_vocab, name="logits")(decoded)                           # (B, T, vocab)
    return keras.Model([source, decoder_in], logits, name=kind)
# --8<-- [end:model]


@keras.saving.register_keras_serializable(package="kerasbook")
class TokenAccuracy(keras.metrics.Metric):
    """Share of the real target tokens (not padding, id 0) whose most likely prediction is right."""

    def __init__(self, name="token_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hits = self.add_variable(shape=(), initializer="zeros", name="hits")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        from keras import ops

        y_true = ops.cast(y_true, "int32")
        real = ops.cast(ops.not_equal(y_true, 0), "float32")
        right = ops.cast(ops.equal(y_true, ops.cast(ops.argmax(y_pred, axis=-1), "int32")), "float32")
        self.hits.assign_add(ops.sum(right * real))
        self.count.assign_add(ops.sum(real))

    def result(self):
        return self.hits / keras.ops.maximum(self.count, 1.0)


def typical_batch_lengths(batch_size: int, n: int = 2_000, seed: int = 0) -> tuple:
    """Mean (source, decoder) lengths of the batches `batches` makes of `n` sentences of the builtin
    English -> Korean grammar: bucketed by English length, each batch cut to its longest sentence (the
    decoder's with `[start]`). Benchmarks time a step without XLA at these lengths."""
    from kerasbook.data import enko

    pairs = enko.draw_split(seed, "train", n)
    en = np.array([len(p["en"].split()) for p in pairs])
    ko = np.array([len(p["ko_tokens"].split()) + 1 for p in pairs])
    bucket = np.searchsorted(LENGTH_BOUNDARIES, en, side="right")
    shapes = []
    for b in np.unique(bucket):
        idx = np.nonzero(bucket == b)[0]
        for i in range(0, len(idx) - batch_size + 1, batch_size):
            chunk = idx[i:i + batch_size]
            shapes.append((en[chunk].max(), ko[chunk].max()))
    return tuple(int(round(v)) for v in np.mean(shapes, axis=0))


def compile_translator(model, learning_rate: float = 3e-3, jit: bool = False):
    """Adam on cross-entropy that ignores padding (class 0), with the accuracy of the real tokens."""
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
                  metrics=[TokenAccuracy()],
                  jit_compile=jit)


# --8<-- [start:lm]
def build_language_model(vocab: int, units: int = 128, embed: int = 64):
    """A GRU language model, the decoder without an encoder: ids (B, T) -> next-token logits (B, T, vocab).

    Trained like the translators' decoder (teacher forcing on `[start] sentence [end]`),
    it reads the whole sentence so far, where an n-gram model reads only the last n - 1 tokens.
    """
    import keras
    from keras import layers

    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = layers.Embedding(vocab, embed, mask_zero=True, name="embedding")(tokens)
    x = layers.GRU(units, return_sequences=True, name="gru")(x)
    return keras.Model(tokens, layers.Dense(vocab, name="logits")(x), name="gru_language_model")


def perplexity(model, inputs: np.ndarray, targets: np.ndarray, batch_size: int = 256) -> float:
    """exp of the mean cross-entropy per real target token (padding, id 0, is left out)."""
    total, count = 0.0, 0
    for i in range(0, len(inputs), batch_size):
        logits = keras.ops.convert_to_numpy(model(inputs[i:i + batch_size], training=False)).astype(np.float64)
        y = targets[i:i + batch_size]
        logits -= logits.max(axis=-1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        picked = np.take_along_axis(log_p, y[..., None].astype(np.int64), axis=-1)[..., 0]
        real = y != 0
        total -= picked[real].sum()
        count += int(real.sum())
    return float(np.exp(total / count))
# --8<-- [end:lm]


# --8<-- [start:step]
class Stepper:
    """The trained translator split for decoding: `encode(source)` once, then `step(...)` per token.

    Built from a (trained or reloaded) translator's layers by name, so it shares its weights.
    """

    def __init__(self, model):
        import keras
        from keras import ops

        self.kind = model.name
        self.lstm = isinstance(model.get_layer("encoder"), keras.layers.LSTM)
        units = model.get_layer("encoder").units
        source = keras.Input((None,), dtype="int32")
        x = model.get_layer("source_embedding")(source)
        encoded, *state = model.get_layer("encoder")(x)
        self.encoder = keras.Model(source, [encoded, *state])

        token = keras.Input((1,), dtype="int32")
        enc_in = keras.Input((None, units))
        src_in = keras.Input((None,), dtype="int32")
        states_in = [keras.Input((units,)) for _ in state]
        y = model.get_layer("target_embedding")(token)
        out, *new_state = model.get_layer("decoder")(y, initial_state=states_in)
        outputs = []
        if self.kind != "plain":
            context, weights = model.get_layer("attention")([out, enc_in], mask=[None, ops.not_equal(src_in, 0)])
            out = model.get_layer("attentional")(model.get_layer("with_context")([out, context]))
            outputs.append(weights)                                     # (B, 1, S)
        logits = model.get_layer("logits")(out)
        self.decoder = keras.Model([token, enc_in, src_in, *states_in], [logits, *new_state, *outputs])

    def encode(self, source_ids):
        from keras import ops

        encoded, *state = self.encoder(ops.convert_to_tensor(np.asarray(source_ids, np.int32)), training=False)
        # A fresh tensor: the encoder's output carries the source's padding mask, which the
        # step model takes explicitly (from the source ids) instead.
        return ops.convert_to_tensor(ops.convert_to_numpy(encoded)), list(state)

    def step(self, tokens, encoded, source_ids, state):
        """`(log-probabilities (B, V), new state, attention weights (B, S) or None)` for the previous tokens `(B,)`."""
        import keras
        from keras import ops

        tokens = ops.reshape(ops.convert_to_tensor(np.asarray(tokens, np.int32)), (-1, 1))
        out = self.decoder([tokens, encoded, ops.convert_to_tensor(np.asarray(source_ids, np.int32)), *state],
                           training=False)
        logits, rest = out[0], list(out[1:])
        n_state = 2 if self.lstm else 1
        new_state, weights = rest[:n_state], (rest[n_state] if len(rest) > n_state else None)
        logp = keras.ops.convert_to_numpy(ops.log_softmax(logits[:, 0, :], axis=-1))
        return logp, new_state, (None if weights is None else keras.ops.convert_to_numpy(weights[:, 0, :]))
# --8<-- [end:step]


# --8<-- [start:decode]
def greedy_decode(stepper, source_ids, start_id: int, end_id: int, max_len: int):
    """The most likely token at every step. Returns `(token lists without markers, attention (N, T, S) or None)`."""
    source_ids = np.asarray(source_ids, np.int32)
    n = len(source_ids)
    encoded, state = stepper.encode(source_ids)
    tokens = np.full(n, start_id, np.int32)
    out, attn, done = [[] for _ in range(n)], [], np.zeros(n, bool)
    for _ in range(max_len):
        logp, state, weights = stepper.step(tokens, encoded, source_ids, state)
        tokens = logp.argmax(-1).astype(np.int32)
        if weights is not None:
            attn.append(weights)
        for i in np.nonzero(~done)[0]:
            if tokens[i] == end_id:
                done[i] = True
            else:
                out[i].append(int(tokens[i]))
        if done.all():
            break
    return out, (np.stack(attn, 1) if attn else None)


# --8<-- [start:exposure]
def forced_and_free(stepper, source_ids, target_ids, end_id: int) -> dict:
    """Token accuracy of the same sentences decoded with teacher forcing and free running.

    `target_ids` `(N, T)` are the reference sentences as `[start] ... [end]`, right-padded with 0.
    At every step both decoders predict the next token greedily; they differ in what they are fed:

    * teacher forcing feeds the *true* previous token, as in training, so every step starts
      from a correct prefix;
    * free running feeds the decoder's *own* previous prediction, as in use, so one mistake
      changes everything that follows (once it writes `[end]` it writes nothing more).

    Both are scored the same way: the share of the reference's tokens after `[start]` (`[end]`
    included, padding not) predicted at the same position. Free running is greedy decoding, token
    for token; teacher forcing reproduces the training metric. Returns `{"teacher_forcing": accuracy,
    "free_running": accuracy, "tokens": tokens scored, "free_running_ids": (N, T - 1) predictions}`.
    """
    source_ids, target_ids = np.asarray(source_ids, np.int32), np.asarray(target_ids, np.int32)
    labels = target_ids[:, 1:]                                   # (N, T-1): what each step should write
    real = labels != 0
    encoded, forced_state = stepper.encode(source_ids)
    free_state = list(forced_state)
    free_in = target_ids[:, 0]                                   # both start from [start]
    forced_out = np.zeros(labels.shape, np.int32)
    free_out = np.zeros(labels.shape, np.int32)
    ended = np.zeros(len(labels), bool)
    for t in range(labels.shape[1]):
        logp, forced_state, _ = stepper.step(target_ids[:, t], encoded, source_ids, forced_state)   # true token in
        forced_out[:, t] = logp.argmax(-1)
        logp, free_state, _ = stepper.step(free_in, encoded, source_ids, free_state)                # own token in
        free_in = logp.argmax(-1).astype(np.int32)
        free_out[:, t] = np.where(ended, 0, free_in)             # nothing after its own [end]
        ended |= free_in == end_id
    n = int(real.sum())
    return {"teacher_forcing": float((forced_out == labels)[real].sum() / max(n, 1)),
            "free_running": float((free_out == labels)[real].sum() / max(n, 1)),
            "tokens": n, "free_running_ids": free_out}
# --8<-- [end:exposure]


LENGTH_BUCKETS = ((3, 8), (9, 14), (15, 20), (21, 99))      # source (English) tokens


def bleu_by_length(references, hypotheses, lengths, buckets=LENGTH_BUCKETS) -> list:
    """Corpus BLEU of the sentences in each `(lo, hi)` band of `buckets` by source length `lengths`
    (inclusive; None when a band is empty). Chapters 12 and 13 score English length in `LENGTH_BUCKETS`."""
    out = []
    for lo, hi in buckets:
        idx = [i for i, n in enumerate(lengths) if lo <= n <= hi]
        out.append(corpus_bleu([references[i] for i in idx], [hypotheses[i] for i in idx]) if idx else None)
    return out


class Translator:
    """A trained translator with its vocabularies: source text in, target tokens (and attention) out.

    `stepper` splits the model for decoding (`Stepper` for the recurrent translators, by default; chapter
    13 passes its Transformer's). Source words it does not know become `[UNK]` (id 1).
    """

    def __init__(self, model, source_vocab: list, target_vocab: list, max_source: int, max_target: int,
                 stepper=None):
        self.model, self.source_vocab, self.target_vocab = model, source_vocab, target_vocab
        self.max_source, self.max_target = max_source, max_target
        self.index = {w: i for i, w in enumerate(source_vocab)}
        self.stepper = stepper if stepper is not None else Stepper(model)
        self.start, self.end = target_vocab.index(START), target_vocab.index(END)

    def unknown(self, sentence: str) -> list:
        return [w for w in sentence.split() if w not in self.index]

    def ids(self, sentences) -> np.ndarray:
        """Source ids, padded to the longest of `sentences` (at most `max_source`)."""
        longest = max([len(s.split()) for s in sentences] + [1])
        out = np.zeros((len(sentences), min(longest, self.max_source)), np.int32)
        for row, s in enumerate(sentences):
            tokens = [self.index.get(w, 1) for w in s.split()][: self.max_source]
            out[row, : len(tokens)] = tokens
        return out

    def greedy(self, sentences, batch: int = 256):
        """`(texts, attention per sentence or None)`, decoded greedily `batch` sentences at a time."""
        texts, attention = [], []
        for i in range(0, len(sentences), batch):
            out, att = greedy_decode(self.stepper, self.ids(sentences[i:i + batch]), self.start, self.end,
                                     self.max_target + 1)
            texts += [ids_to_text(o, self.target_vocab) for o in out]
            if att is not None:
                attention += [att[j, : max(1, len(out[j]) + 1)] for j in range(len(out))]
        return texts, (attention or None)

    def forced_and_free(self, sentences, references, batch: int = 256) -> dict:
        """Token accuracy with teacher forcing and free running (`forced_and_free`) over `sentences`
        and their reference translations (space-separated target tokens), `batch` at a time."""
        index = {w: i for i, w in enumerate(self.target_vocab)}
        hits = {"teacher_forcing": 0.0, "free_running": 0.0}
        total = 0
        for i in range(0, len(sentences), batch):
            rows = [[self.start] + [index.get(w, 1) for w in r.split()][: self.max_target] + [self.end]
                    for r in references[i:i + batch]]
            target = np.zeros((len(rows), max(map(len, rows))), np.int32)
            for row, ids in enumerate(rows):
                target[row, : len(ids)] = ids
            got = forced_and_free(self.stepper, self.ids(sentences[i:i + batch]), target, self.end)
            for key in hits:
                hits[key] += got[key] * got["tokens"]
            total += got["tokens"]
        return {**{k: v / max(total, 1) for k, v in hits.items()}, "tokens": total}

    def beam(self, sentences, width: int, alpha: float):
        out = beam_decode(self.stepper, self.ids(sentences), self.start, self.end, self.max_target + 1,
                          width=width, alpha=alpha)
        return [ids_to_text(o, self.target_vocab) for o in out]


def length_penalty(length: int, alpha: float) -> float:
    """GNMT's length normalisation ((5 + length) / 6) ** alpha; alpha = 0 compares plain sums of log-probabilities."""
    return ((5 + length) / 6) ** alpha


def beam_decode(stepper, source_ids, start_id: int, end_id: int, max_len: int, width: int = 4, alpha: float = 0.6):
    """Beam search: keep the `width` best partial translations of every sentence at every step.

    All sentences and their beams go through the decoder together, as one batch
    of `N * width` rows. A hypothesis ends when it writes `[end]`; the finished
    one with the best `log p / length_penalty(length, alpha)` (length counting
    `[end]`) wins. A sentence stops growing once it has `width` finished
    hypotheses and none of its open ones could still beat the best of them on
    the normalised score. Returns token lists without markers.
    """
    from keras import ops

    source_ids = np.asarray(source_ids, np.int32)
    n, k = len(source_ids), width
    encoded, state = stepper.encode(source_ids)
    rows = np.repeat(np.arange(n), k)                      # row r of the batch belongs to sentence r // k
    encoded, sources = ops.take(encoded, rows, axis=0), source_ids[rows]
    state = [ops.take(s, rows, axis=0) for s in state]
    scores = np.full((n, k), -np.inf)
    scores[:, 0] = 0.0                                     # one live hypothesis to start with
    tokens = np.full((n, k), start_id, np.int32)
    history = np.zeros((n, k, 0), np.int32)
    finished = [[] for _ in range(n)]
    done = np.zeros(n, bool)
    for _ in range(max_len):
        logp, new_state, _ = stepper.step(tokens.reshape(-1), encoded, sources, state)
        vocab = logp.shape[-1]
        candidates = (scores[:, :, None] + logp.reshape(n, k, vocab)).reshape(n, k * vocab)
        top = np.argsort(-candidates, axis=1)[:, : 2 * k]   # enough to refill k beams after some end
        new_scores = np.full((n, k), -np.inf)
        parents = np.zeros((n, k), np.int64)
        new_tokens = np.full((n, k), end_id, np.int32)
        for i in np.nonzero(~done)[0]:
            kept = 0
            for idx in top[i]:
                score = candidates[i, idx]
                if not np.isfinite(score):
                    break
                beam, token = divmod(int(idx), vocab)
                if token == end_id:
                    length = history.shape[2] + 1
                    finished[i].append((score / length_penalty(length, alpha), history[i, beam].tolist()))
                else:
                    new_scores[i, kept], parents[i, kept], new_tokens[i, kept] = score, beam, token
                    kept += 1
                    if kept == k:
                        break
            best_open = max((new_scores[i, j] / length_penalty(history.shape[2] + 1, alpha)
                             for j in range(kept)), default=-np.inf)
            if kept == 0 or (len(finished[i]) >= k and max(f[0] for f in finished[i]) >= best_open):
                done[i] = True
                new_scores[i] = -np.inf
        if done.all():
            break
        gather = (np.arange(n)[:, None] * k + parents).reshape(-1)
        state = [ops.take(s, gather, axis=0) for s in new_state]
        history = np.concatenate([history[np.arange(n)[:, None], parents], new_tokens[..., None]], axis=2)
        scores, tokens = new_scores, new_tokens
    results = []
    for i in range(n):
        if not finished[i]:                               # nothing ended within max_len: the best open one
            j = int(np.argmax(scores[i]))
            finished[i] = [(0.0, history[i, j].tolist())]
        results.append(max(finished[i], key=lambda f: f[0])[1])
    return results
# --8<-- [end:decode]


def ids_to_text(ids, vocabulary) -> str:
    """Token ids back to a space-separated string, without padding and markers."""
    return " ".join(vocabulary[i] for i in ids if i != 0 and vocabulary[i] not in (START, END))


def check_sentences(translator: Translator, sentences, listed_in: str):
    """Stop with a `cli.UsageError` at the first sentence with a word `translator` does not know or more words
    than it reads; `listed_in` says where its source vocabulary is written (for a `translate` command)."""
    for s in sentences:
        unknown = translator.unknown(s)
        if unknown:
            raise cli.UsageError(f"unknown word(s) {', '.join(repr(w) for w in unknown)} in {s!r}; the model knows "
                                 f"{len(translator.source_vocab) - 2} English words, listed in {listed_in}")
        if len(s.split()) > translator.max_source:
            raise cli.UsageError(f"{s!r} has {len(s.split())} words; the model reads at most {translator.max_source}")


# --8<-- [start:bleu]
def corpus_bleu(references, hypotheses) -> float:
    """Corpus-level BLEU (0-100) of space-separated token strings, by `keras_hub.metrics.Bleu` (4-grams, no smoothing)."""
    import keras_hub

    from kerasbook.training import outside_strategy

    def bleu():
        metric = keras_hub.metrics.Bleu(max_order=4)
        metric.update_state([[r] for r in references], list(hypotheses))
        return 100 * float(metric.result())

    return outside_strategy(bleu)              # one count over the corpus, whatever the run's strategy
# --8<-- [end:bleu]

def scores_by_kind(translator, examples, failures: int = 3) -> dict:
    """Greedy translations of `examples` (`{"en", "ko_tokens", "kind"}`) scored kind by kind:
    `{kind: {"bleu", "exact_match", "n", "unknown_words", "failures"}}`.

    `unknown_words` counts the sentences with a word the translator does not know (`Translator.unknown`,
    what `check_sentences` stops at); they are translated and scored all the same. `failures` keeps the
    first few wrong translations, `{"en", "reference", "translation"}`, to read.
    """
    from kerasbook.metrics import exact_match

    hyps, _ = translator.greedy([p["en"] for p in examples]) if examples else ([], None)
    out = {}
    for kind in dict.fromkeys(p["kind"] for p in examples):
        idx = [i for i, p in enumerate(examples) if p["kind"] == kind]
        refs, got = [examples[i]["ko_tokens"] for i in idx], [hyps[i] for i in idx]
        wrong = [{"en": examples[i]["en"], "reference": examples[i]["ko_tokens"], "translation": hyps[i]}
                 for i in idx if hyps[i] != examples[i]["ko_tokens"]]
        out[kind] = {"bleu": corpus_bleu(refs, got), "exact_match": exact_match(got, refs), "n": len(idx),
                     "unknown_words": sum(bool(translator.unknown(examples[i]["en"])) for i in idx),
                     "failures": wrong[:failures]}
    return out


def evaluate(translator, test: list, heldout: list = (), compositional: list = (), beam_sentences: int = 0,
             beam_width: int = 4, length_alpha: float = 0.6) -> dict:
    """A trained translator scored on example dicts (`{"en", "ko_tokens"}`), each score as corpus BLEU and
    exact match: greedy on `test` (unseen sentences of the structures trained on), also by source length;
    beam search on the first `beam_sentences` of them; greedy on `heldout` (structures never trained on;
    `None` when there are none) and on each kind of `compositional` (`scores_by_kind`); decoding speed."""
    from kerasbook.metrics import exact_match

    refs = [p["ko_tokens"] for p in test]
    start = time.perf_counter()
    hyps, _ = translator.greedy([p["en"] for p in test])
    greedy_s = time.perf_counter() - start
    n = min(beam_sentences, len(test))
    start = time.perf_counter()
    beams = translator.beam([p["en"] for p in test[:n]], beam_width, length_alpha) if n else []
    beam_s = time.perf_counter() - start
    held_refs = [p["ko_tokens"] for p in heldout]
    held = translator.greedy([p["en"] for p in heldout])[0] if heldout else []
    return {"bleu": corpus_bleu(refs, hyps), "exact_match": exact_match(hyps, refs),
            "bleu_by_length": bleu_by_length(refs, hyps, [len(p["en"].split()) for p in test]),
            "beam_sentences": n, "bleu_greedy_on_beam_sentences": corpus_bleu(refs[:n], hyps[:n]) if n else None,
            "bleu_beam": corpus_bleu(refs[:n], beams) if n else None,
            "exact_match_beam": exact_match(beams, refs[:n]) if n else None,
            "bleu_heldout_structures": corpus_bleu(held_refs, held) if heldout else None,
            "exact_match_heldout_structures": exact_match(held, held_refs) if heldout else None,
            "compositional": scores_by_kind(translator, list(compositional)),
            "greedy_sentences_per_s": len(test) / greedy_s, "beam_sentences_per_s": n / beam_s if n else None,
            "params": translator.model.count_params()}


def generalisation_table(results: dict, names: dict) -> str:
    """Exact match (and BLEU) of each translator of `results` (`evaluate`'s dicts) on unseen test
    sentences, held-out structures and each compositional kind, as a Markdown table."""
    first = next(iter(results.values()))
    columns = [("test", "exact_match", "bleu"), ("held-out structures", "exact_match_heldout_structures",
                                                  "bleu_heldout_structures")]
    columns = [c for c in columns if first.get(c[1]) is not None] + [(k, k, k) for k in first.get("compositional", {})]

    def cell(r, exact, bleu):
        got = r["compositional"][exact] if exact in r.get("compositional", {}) else {"exact_match": r[exact],
                                                                                       "bleu": r[bleu]}
        return f"{100 * got['exact_match']:.1f} % ({got['bleu']:.1f})"

    lines = ["| translator | " + " | ".join(c[0] for c in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {names.get(k, k)} | " + " | ".join(cell(r, e, b) for _, e, b in columns) + " |"
              for k, r in results.items()]
    return "\n".join(lines)


def failures_text(compositional: dict, join=lambda tokens: tokens, per_kind: int = 1) -> str:
    """The first wrong translations of each kind (`scores_by_kind`'s "failures"): English, wanted, got."""
    return "\n".join(f"  {kind}: {f['en']}\n    want {join(f['reference'])}\n    got  {join(f['translation'])}"
                     for kind, c in compositional.items() for f in c["failures"][:per_kind])


def generalisation_figure(path, results: dict, names: dict):
    """Exact match and BLEU of each translator on unseen sentences, held-out structures and each compositional kind."""
    import textwrap

    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    first = next(iter(results.values()))
    groups = ["test"] + (["held-out structures"] if first.get("exact_match_heldout_structures") is not None else [])
    groups += list(first.get("compositional", {}))

    def score(r, group, key):
        plain = {"test": key, "held-out structures": f"{key}_heldout_structures"}
        found = r[plain[group]] if group in plain else r["compositional"][group][key]
        return 100 * found if key == "exact_match" else found

    fig, axes = plt.subplots(2, 1, figsize=(1.1 * len(groups) + 2.5, 5.6), sharex=True)
    width = 0.8 / len(results)
    for ax, key, label in zip(axes, ("exact_match", "bleu"), ("exact match, greedy (%)", "corpus BLEU, greedy")):
        for j, (kind, r) in enumerate(results.items()):
            ax.bar(np.arange(len(groups)) + (j - (len(results) - 1) / 2) * width,
                   [score(r, g, key) for g in groups], width, label=names.get(kind, kind))
        ax.axvline(len(groups) - len(first.get("compositional", {})) - 0.5, color="grey", lw=0.8, ls="--")
        ax.set_ylabel(label, fontsize=8)
        ax.set_ylim(0, 105)
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_title("in distribution | compositional split (known words, new positions)", fontsize=9)
    axes[0].legend(fontsize=8)
    axes[1].set_xticks(range(len(groups)), [textwrap.fill(g, 14) for g in groups], fontsize=7)
    save_figure(fig, path, dpi=100)
