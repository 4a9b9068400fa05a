"""Chapter 12 answers, computed from `kerasbook.layers.attention`, `kerasbook.seq2seq`, `kerasbook.ngram`,
`kerasbook.embeddings`, `kerasbook.data.enko` and `kerasbook.chapters.ch12_attention`.

Every number here comes out of the chapter's real code: attention weights and
contexts from real `DotAttention` / `GeneralAttention` / `AdditiveAttention`
layers whose weights are set to the values a question gives, their output
shapes and parameter counts, shapes and parameter counts of the named layers
of translators built by `build_translator` (built, never trained), the
teacher-forcing shift, vocabularies from `make_vectorizers`, BLEU from
`corpus_bleu`, the length penalty, greedy and beam decoding run by
`greedy_decode` / `beam_decode` on a toy next-token table, n-gram
probabilities and perplexities from `NGramLM`, perplexity from
`seq2seq.perplexity`, skip-gram pairs, CBOW windows, the negative-sampling
distribution, cosine neighbours and analogies from `kerasbook.embeddings`,
Korean particles, joining and romanisation, tokenising, length bands, the
token accuracies of `forced_and_free` on a toy next-token table, the
noisy-channel choice of statistical MT scored with `NGramLM`, and the
settings from `Config`. Keras is imported inside the functions, so listing the
banks never pays for it; each translator is built once per process and shared
by the questions about it.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from kerasbook.quiz.compute import answer as _answer
from kerasbook.quiz.compute import choice_name as _choice_name
from kerasbook.quiz.compute import computed, decoded_answer, toy_vocabulary
from kerasbook.quiz.compute import pick_choices as _pick
from kerasbook.quiz.compute import list_spellings as _list_spellings
from kerasbook.quiz.compute import shape_spellings as _shape_spellings
from kerasbook.quiz.compute import tuple_spellings as _tuple_spellings
from kerasbook.quiz.schema import LETTERS

# -- spellings ----------------------------------------------------------------------


def _numpy(x) -> np.ndarray:
    from keras import ops

    return np.asarray(ops.convert_to_numpy(x))


# -- settings ---------------------------------------------------------------------------

def _config(preset: str = "default"):
    from kerasbook.chapters.ch12_attention import Config

    cfg = Config()
    return {"default": cfg, "quick": cfg.quick(), "full": cfg.full()}[preset]


@computed("ch12.config")
def config_value(question, field: str, preset: str = "default"):
    """One setting of `Config()` (`preset` "default"), `Config().quick()` or `Config().full()`."""
    return _answer(question, getattr(_config(preset), field))


@computed("ch12.length_band")
def length_band(question, length: int):
    """The band of `LENGTH_BUCKETS` (English tokens) a sentence of `length` tokens is scored in."""
    from kerasbook.chapters.ch12_attention import LENGTH_BUCKETS

    lo, hi = next((lo, hi) for lo, hi in LENGTH_BUCKETS if lo <= length <= hi)
    if hi >= 99:
        return [f"{lo}+", f"{lo} or more", f"{lo}-{hi}", f"{lo} 이상"]
    return [f"{lo}-{hi}", f"{lo} to {hi}", f"{lo}–{hi}", f"{lo}~{hi}", f"{lo} - {hi}", f"({lo}, {hi})"]


# -- attention layers -------------------------------------------------------------------

def _layer(kind: str, units: int | None = None):
    from kerasbook.layers.attention import AdditiveAttention, DotAttention, GeneralAttention

    if kind == "additive":
        return AdditiveAttention(units)
    return {"dot": DotAttention, "general": GeneralAttention}[kind]()


def _attend(kind, query, keys, values=None, w=None, w_query=None, w_key=None, v=None, value_mask=None):
    """`(context (d_value,), weights (S,))` of one decoder step `query` over `keys`, from a real layer.

    The layer's weights are set to the ones given (W for general; W_q, W_k and v for additive).
    """
    q = np.asarray([query], "float32")                       # (1, d): a single decoder step
    k = np.asarray([keys], "float32")                        # (1, S, d)
    inputs = [q, k] if values is None else [q, np.asarray([values], "float32"), k]
    layer = _layer(kind, len(v) if v is not None else None)
    mask = None if value_mask is None else [None, np.asarray([value_mask], bool)]
    layer(inputs, mask=mask)                                 # builds the weights
    if kind == "general" and w is not None:
        layer.w.assign(np.asarray(w, "float32"))
    if kind == "additive":
        layer.w_query.assign(np.asarray(w_query, "float32"))
        layer.w_key.assign(np.asarray(w_key, "float32"))
        layer.v.assign(np.asarray(v, "float32"))
    context, weights = layer(inputs, mask=mask)
    return _numpy(context)[0], _numpy(weights)[0]


@computed("ch12.softmax")
def softmax(question, scores, index: int):
    """Weight `index` of the softmax of `scores`, from a real `DotAttention`: a one-number query 1 scored
    against keys that are the scores themselves, so q . k is exactly each score."""
    _, weights = _attend("dot", [1.0], [[s] for s in scores])
    return _answer(question, float(weights[index]))


@computed("ch12.attend")
def attend(question, kind: str, query, keys, part: str = "weights", index: int = 0, values=None, w=None,
           w_query=None, w_key=None, v=None, value_mask=None):
    """One number of the weights ("weights") or the context ("context") of a real attention layer
    (`kind` "dot", "general" or "additive") for one decoder step, with the weights a question gives."""
    context, weights = _attend(kind, query, keys, values, w, w_query, w_key, v, value_mask)
    value = (weights if part == "weights" else context)[index]
    return _answer(question, float(value))


@computed("ch12.attention_shape")
def attention_shape(question, kind: str, query, value, key=None, units: int = 8, part: str = "context"):
    """Shape of the context or weights a real attention layer returns for inputs of the given shapes
    (batch axis left out; `query` of one axis is a single decoder step)."""
    layer = _layer(kind, units)
    inputs = [np.zeros((2, *query), "float32"), np.zeros((2, *value), "float32")]
    if key is not None:
        inputs.append(np.zeros((2, *key), "float32"))
    context, weights = layer(inputs)
    return _shape_spellings([int(d) for d in (context if part == "context" else weights).shape[1:]])


@computed("ch12.additive_hidden_shape")
def additive_hidden_shape(question, query, value, units: int):
    """Shape of `q + k` inside `AdditiveAttention.score`, with the real layer's projections (batch left out)."""
    from keras import ops

    layer = _layer("additive", units)
    q_in, k_in = np.zeros((2, *query), "float32"), np.zeros((2, *value), "float32")
    layer([q_in, k_in])
    q = ops.expand_dims(ops.matmul(q_in, layer.w_query), 2)
    k = ops.expand_dims(ops.matmul(k_in, layer.w_key), 1)
    return _shape_spellings([int(d) for d in (q + k).shape[1:]])


@computed("ch12.general_kernel_shape")
def general_kernel_shape(question, query_dim: int, key_dim: int):
    """Shape of `GeneralAttention`'s learned W for queries of `query_dim` and keys of `key_dim` numbers."""
    layer = _layer("general")
    layer([np.zeros((2, 3, query_dim), "float32"), np.zeros((2, 5, key_dim), "float32")])
    return _tuple_spellings(layer.w.shape)


@computed("ch12.attention_params")
def attention_params(question, kind: str, query_dim: int, key_dim: int, units: int | None = None):
    """Parameters of a real attention layer for queries of `query_dim` and keys of `key_dim` numbers."""
    layer = _layer(kind, units)
    layer([np.zeros((2, 3, query_dim), "float32"), np.zeros((2, 5, key_dim), "float32")])
    return _answer(question, layer.count_params())


# -- the translators ----------------------------------------------------------------------

@functools.cache
def _translator(kind: str, source_vocab: int, target_vocab: int, units: int | None = None,
                embed: int | None = None):
    """`build_translator` with `Config()`'s units and embedding size unless given; built, never trained."""
    from kerasbook.seq2seq import build_translator

    cfg = _config()
    return build_translator(kind, source_vocab, target_vocab, units or cfg.units, embed or cfg.embed)


@computed("ch12.translator_params")
def translator_params(question, kind: str, source_vocab: int, target_vocab: int, layer: str | None = None,
                      units: int | None = None, embed: int | None = None):
    """Parameters of a translator built by `build_translator`, or of one of its named layers."""
    model = _translator(kind, source_vocab, target_vocab, units, embed)
    return _answer(question, (model.get_layer(layer) if layer else model).count_params())


@computed("ch12.translator_param_gap")
def translator_param_gap(question, kind: str, source_vocab: int, target_vocab: int, base: str = "plain"):
    """Parameters of translator `kind` minus those of translator `base`, same vocabularies and sizes."""
    gap = (_translator(kind, source_vocab, target_vocab).count_params()
           - _translator(base, source_vocab, target_vocab).count_params())
    return _answer(question, gap)


@functools.cache
def _translator_output_shape(kind, layer, source_len, target_len, source_vocab, target_vocab, part):
    import keras

    model = _translator(kind, source_vocab, target_vocab)
    out = model.get_layer(layer).output
    probe = keras.Model(model.inputs, out if part is None else out[part])
    result = probe([np.ones((1, source_len), "int32"), np.ones((1, target_len), "int32")])
    return tuple(int(d) for d in result.shape[1:])


@computed("ch12.translator_shape")
def translator_shape(question, kind: str, layer: str, source_len: int, target_len: int, source_vocab: int,
                     target_vocab: int, part: int | None = None):
    """Shape of what a named layer of `build_translator` gives for `source_len` source tokens and
    `target_len` decoder-input tokens (batch axis left out); `part` picks one of several outputs
    (the attention layer's context 0 and weights 1, the encoder's sequence 0 and state 1)."""
    return _shape_spellings(_translator_output_shape(kind, layer, source_len, target_len, source_vocab,
                                                     target_vocab, part))


@computed("ch12.layers_only_in")
def layers_only_in(question, kind: str, other: str = "plain", source_vocab: int = 230, target_vocab: int = 400):
    """The choices naming a layer translator `kind` has and translator `other` lacks."""
    mine = {layer.name for layer in _translator(kind, source_vocab, target_vocab).layers}
    theirs = {layer.name for layer in _translator(other, source_vocab, target_vocab).layers}
    return _pick(question, [LETTERS[i] for i, c in enumerate(question.choices)
                            if _choice_name(c) in mine and _choice_name(c) not in theirs])


@computed("ch12.vocab_dependent_layers")
def vocab_dependent_layers(question, kind: str, which: str = "target", source_vocab: int = 230,
                           target_vocab: int = 400):
    """The choices naming a layer of translator `kind` whose parameter count changes with the `which`
    ("source" or "target") vocabulary: the same translator built with one more token there, compared."""
    a = _translator(kind, source_vocab, target_vocab)
    b = _translator(kind, source_vocab + (which == "source"), target_vocab + (which == "target"))
    return _pick(question, [LETTERS[i] for i, c in enumerate(question.choices)
                            if a.get_layer(_choice_name(c)).count_params()
                            != b.get_layer(_choice_name(c)).count_params()])


@computed("ch12.weightless_layers")
def weightless_layers(question, kind: str, source_vocab: int = 230, target_vocab: int = 400):
    """The choices naming a layer of translator `kind` that has no parameters."""
    model = _translator(kind, source_vocab, target_vocab)
    return _pick(question, [LETTERS[i] for i, c in enumerate(question.choices)
                            if model.get_layer(_choice_name(c)).count_params() == 0])


# -- tokens, teacher forcing, BLEU -----------------------------------------------------------

@computed("ch12.teacher_forcing")
def teacher_forcing(question, ids, part: str = "input"):
    """The decoder input ("input") or decoder target ("target") `teacher_forcing` makes of one id sequence."""
    from kerasbook.seq2seq import teacher_forcing as shift

    decoder_in, decoder_out = shift(np.asarray([ids], np.int32))
    return _list_spellings([int(i) for i in (decoder_in if part == "input" else decoder_out)[0]])


@computed("ch12.vectorizer")
def vectorizer(question, sources, targets, max_source: int, max_target: int, what: str = "target_vocab"):
    """What `make_vectorizers` makes of a tiny corpus: the source or target vocabulary size
    ("source_vocab", "target_vocab") or the length of an encoded source or target sequence
    ("source_length", "target_length")."""
    from kerasbook.seq2seq import END, START, encode, make_vectorizers

    src, tgt = make_vectorizers(sources, targets, max_source, max_target)
    value = {"source_vocab": lambda: src.vocabulary_size(), "target_vocab": lambda: tgt.vocabulary_size(),
             "source_length": lambda: encode(src, sources[:1]).shape[1],
             "target_length": lambda: encode(tgt, [f"{START} {targets[0]} {END}"]).shape[1]}[what]()
    return _answer(question, int(value))


@computed("ch12.vocab_token")
def vocab_token(question, index: int):
    """The token at `index` of a target vocabulary made by `make_vectorizers`."""
    from kerasbook.seq2seq import make_vectorizers

    _, tgt = make_vectorizers(["a b"], ["x y"], 4, 4)
    token = tgt.get_vocabulary()[index]
    return [token] if token else ["(empty string)", "''", "padding"]


@computed("ch12.bleu")
def bleu(question, references, hypotheses):
    """Corpus BLEU (0-100) of hypothesis sentences against one reference each, by `corpus_bleu`."""
    from kerasbook.seq2seq import corpus_bleu

    return _answer(question, corpus_bleu(references, hypotheses))


@computed("ch12.tokenize")
def tokenize(question, text: str, back: bool = False):
    """The chapter's `tokenize` of real text, or (`back`) its `detokenize` of tokens."""
    from kerasbook.chapters.ch12_attention import detokenize, tokenize as split

    out = detokenize(text) if back else split(text)
    return [out, f'"{out}"']


# -- decoding ---------------------------------------------------------------------------------

@computed("ch12.length_penalty")
def length_penalty(question, length: int, alpha: float | None = None):
    """GNMT's length penalty of `seq2seq.length_penalty` (alpha defaults to `Config().length_alpha`)."""
    from kerasbook.seq2seq import length_penalty as penalty

    return _answer(question, penalty(length, _config().length_alpha if alpha is None else alpha))


@computed("ch12.normalised_score")
def normalised_score(question, logp: float, length: int, alpha: float | None = None):
    """The score beam search ranks a finished hypothesis by: log p / length_penalty(length, alpha)."""
    from kerasbook.seq2seq import length_penalty as penalty

    return _answer(question, logp / penalty(length, _config().length_alpha if alpha is None else alpha))


@computed("ch12.penalty_winner")
def penalty_winner(question, hypotheses, alpha: float | None = None):
    """The choice whose finished hypothesis `[log p, length]` (one per choice) has the best normalised score."""
    from kerasbook.seq2seq import length_penalty as penalty

    alpha = _config().length_alpha if alpha is None else alpha
    scores = [logp / penalty(length, alpha) for logp, length in hypotheses]
    best = max(scores)
    return _pick(question, [LETTERS[i] for i, s in enumerate(scores) if s == best])


class _TableStepper:
    """A stand-in for `Stepper` whose next-token probabilities depend only on the previous token.

    `table` maps a token to `{next token: probability}`; the vocabulary is
    padding, `[start]`, `[end]` and the table's words. It counts the rows of
    every batch it is asked to score, which is how beam search's batch shows.
    """

    def __init__(self, table):
        self.vocab = toy_vocabulary(table)
        self.logp = np.full((len(self.vocab), len(self.vocab)), -np.inf)
        for prev, row in table.items():
            for word, p in row.items():
                self.logp[self.vocab.index(prev), self.vocab.index(word)] = math.log(p) if p > 0 else -np.inf
        self.rows = []

    def encode(self, source_ids):
        n = len(source_ids)
        return np.zeros((n, 1, 1), "float32"), [np.zeros((n, 1), "float32")]

    def step(self, tokens, encoded, source_ids, state):
        tokens = np.asarray(tokens).reshape(-1)
        self.rows.append(len(tokens))
        return self.logp[tokens], state, None


def _toy_decode(table, method, width, alpha, sentences=1, max_len=10):
    from kerasbook.seq2seq import END, START, beam_decode, greedy_decode

    stepper = _TableStepper(table)
    start, end = stepper.vocab.index(START), stepper.vocab.index(END)
    source = np.ones((sentences, 3), np.int32)
    if method == "greedy":
        out, _ = greedy_decode(stepper, source, start, end, max_len)
    else:
        out = beam_decode(stepper, source, start, end, max_len, width=width, alpha=alpha)
    return stepper, out


@computed("ch12.toy_decode")
def toy_decode(question, table, method: str = "greedy", width: int = 2, alpha: float = 0.0, part: str = "text"):
    """What `greedy_decode` or `beam_decode` writes when the next-token probabilities are `table`:
    the tokens ("text") or the probability of the whole output, `[end]` included ("prob")."""
    stepper, out = _toy_decode(table, method, width, alpha)
    return decoded_answer(question, table, [stepper.vocab[i] for i in out[0]], part)


@computed("ch12.beam_rows")
def beam_rows(question, sentences: int, width: int | None = None, vocab: int | None = None):
    """How many rows `beam_decode` sends through the decoder at once for `sentences` sentences and beam
    `width` (default `Config().beam_width`), counted by a stand-in stepper; with `vocab`, how many
    candidates that makes per sentence and step (every live hypothesis times every token)."""
    width = width or _config().beam_width
    table = {"[start]": {"a": 0.6, "[end]": 0.4}, "a": {"a": 0.6, "[end]": 0.4}}
    stepper, _ = _toy_decode(table, "beam", width, 0.0, sentences=sentences, max_len=3)
    rows = stepper.rows[0]
    return _answer(question, rows if vocab is None else rows // sentences * vocab)


@computed("ch12.toy_forced_free")
def toy_forced_free(question, table, reference: str, part: str = "free_running"):
    """The token accuracy `forced_and_free` gives ("teacher_forcing" or "free_running") when the decoder's
    next-token probabilities are `table` and the reference translation is `reference`."""
    from kerasbook.seq2seq import END, START, forced_and_free

    stepper = _TableStepper(table)
    target = np.array([[stepper.vocab.index(w) for w in [START, *reference.split(), END]]], np.int32)
    got = forced_and_free(stepper, np.ones((1, 3), np.int32), target, stepper.vocab.index(END))
    return _answer(question, got[part])


# -- language models -------------------------------------------------------------------------

def _ngram(corpus, n=2, smoothing="add-k", k=1.0, discount=0.75):
    from kerasbook.ngram import NGramLM

    return NGramLM(n=n, smoothing=smoothing, k=k, discount=discount).fit(corpus)


@computed("ch12.ngram_prob")
def ngram_prob(question, corpus, word: str, context, n: int = 2, smoothing: str = "add-k", k: float = 1.0,
               discount: float = 0.75):
    """`NGramLM(...).fit(corpus).prob(word, context)`."""
    return _answer(question, _ngram(corpus, n, smoothing, k, discount).prob(word, tuple(context)))


@computed("ch12.ngram_perplexity")
def ngram_perplexity(question, corpus, test, n: int = 2, smoothing: str = "add-k", k: float = 1.0,
                     discount: float = 0.75):
    """`NGramLM(...).fit(corpus).perplexity(test)`."""
    return _answer(question, _ngram(corpus, n, smoothing, k, discount).perplexity(test))


@computed("ch12.ngram_vocab")
def ngram_vocab(question, corpus):
    """How many tokens an `NGramLM` fitted on `corpus` can predict (its words, `</s>` and `<unk>`)."""
    return _answer(question, len(_ngram(corpus).vocab))


@computed("ch12.continuation")
def continuation(question, corpus, word: str):
    """Kneser-Ney's continuation probability of `word` in a bigram model fitted on `corpus`."""
    return _answer(question, _ngram(corpus, smoothing="kneser-ney").continuation_prob(word))


@computed("ch12.padded")
def padded(question, sentence: str, n: int):
    """The tokens an order-`n` `NGramLM` pads a sentence to before counting."""
    from kerasbook.ngram import NGramLM

    text = " ".join(NGramLM(n=n, smoothing="add-k")._pad(sentence.split()))
    return [text, f"[{', '.join(text.split())}]"]


@computed("ch12.perplexity")
def perplexity(question, probs=None, uniform: int | None = None):
    """`seq2seq.perplexity` of a stand-in model that gives the right next token the probabilities `probs`
    (one per position), or that spreads its guess evenly over `uniform` tokens."""
    from kerasbook.seq2seq import perplexity as measure

    tiny = -1e30                                            # the padding class: never chosen
    if uniform is not None:
        logits = np.concatenate([[tiny], np.zeros(uniform)])[None, None, :].repeat(3, axis=1)
        targets = np.array([[1, 2, uniform]])
    else:
        rows = [[tiny, math.log(p), math.log(1 - p) if p < 1 else tiny] for p in probs]
        logits = np.array([rows])
        targets = np.ones((1, len(probs)), np.int64)
    return _answer(question, measure(lambda x, training=False: logits, np.zeros_like(targets), targets))


# -- word embeddings --------------------------------------------------------------------------

@computed("ch12.skipgram_count")
def skipgram_count(question, sentences, window: int, negatives: int | None = None, part: str = "positive"):
    """How many (word, context) pairs `skipgram_pairs` makes of `sentences`: the real ones ("positive")
    or all, the negative samples included ("all"); `negatives` defaults to `Config().word_negatives`."""
    from kerasbook.embeddings import skipgram_pairs, vocabulary

    words, counts = vocabulary(sentences)
    index = {w: i for i, w in enumerate(words)}
    negatives = _config().word_negatives if negatives is None else negatives
    _, _, labels = skipgram_pairs(sentences, index, window, negatives, counts)
    return _answer(question, int(labels.sum()) if part == "positive" else len(labels))


class _RecordingRng(np.random.Generator):
    """A NumPy generator that remembers the probabilities it was last asked to draw with."""

    def choice(self, a, size=None, replace=True, p=None, shuffle=True):
        self.p = None if p is None else np.asarray(p, np.float64).copy()
        return super().choice(a, size=size, replace=replace, p=p, shuffle=shuffle)


@computed("ch12.noise_prob")
def noise_prob(question, counts: dict, word: str):
    """The probability `skipgram_pairs` draws `word` as a negative sample, for words seen `counts` times.

    `np.random.default_rng` hands a generator it is given straight back, so the
    real function draws with our recording generator and its noise distribution shows.
    """
    from kerasbook.embeddings import skipgram_pairs

    words = ["<pad>", *counts]
    index = {w: i for i, w in enumerate(words)}
    rng = _RecordingRng(np.random.PCG64(0))
    skipgram_pairs([" ".join(counts)], index, window=1, negatives=1, counts=[0, *counts.values()], seed=rng)
    return _answer(question, float(rng.p[index[word]]))


@computed("ch12.cbow_row")
def cbow_row(question, sentence: str, index: dict, window: int, position: int):
    """The context row `cbow_examples` makes for the word at `position` of `sentence`."""
    from kerasbook.embeddings import cbow_examples

    rows, _ = cbow_examples([sentence], index, window)
    return _list_spellings([int(i) for i in rows[position]])


def _table(vectors: dict):
    words = ["<pad>", *vectors]
    dim = len(next(iter(vectors.values())))
    return np.array([[0.0] * dim, *vectors.values()], np.float64), words


@computed("ch12.cosine")
def cosine(question, vectors: dict, a: str, b: str):
    """The cosine similarity of the vectors of `a` and `b`, as `embeddings.nearest` ranks them."""
    from kerasbook.embeddings import nearest

    table, words = _table(vectors)
    sims = dict(nearest(table, words, a, k=len(words)))
    return _answer(question, sims[b])


@computed("ch12.nearest")
def nearest_word(question, vectors: dict, query: str):
    """The word `embeddings.nearest` puts first for `query`."""
    from kerasbook.embeddings import nearest

    table, words = _table(vectors)
    return [nearest(table, words, query, k=1)[0][0]]


@computed("ch12.analogy")
def analogy(question, vectors: dict, a: str, b: str, c: str):
    """The word `embeddings.analogy` finds for "a is to b as c is to ?"."""
    from kerasbook.embeddings import analogy as solve

    table, words = _table(vectors)
    return [solve(table, words, a, b, c, k=1)[0][0]]


# -- Korean -------------------------------------------------------------------------------------

@computed("ch12.particle")
def particle(question, word: str, role: str):
    """The particle `enko.particle` puts after `word` in `role` ("topic", "subject", "object", "with")."""
    from kerasbook.data.enko import particle as pick

    p = pick(word, role)
    return [p, f"{word}{p}", f"{word} {p}", f"-{p}"]


@computed("ch12.takes_particle")
def takes_particle(question, role: str, particle: str):
    """The choices (each a Korean noun: the first word of its Korean text) after which `enko.particle`
    writes `particle` for `role`."""
    from kerasbook.data.enko import particle as pick

    return _pick(question, [LETTERS[i] for i, c in enumerate(question.choices)
                            if pick(c.ko.split()[0], role) == particle])


@computed("ch12.join_korean")
def join_korean(question, tokens: str):
    """Korean as a person writes it, from the morpheme tokens the translators read, by `enko.join_korean`."""
    from kerasbook.data.enko import join_korean as join

    return [join(tokens)]


@computed("ch12.romanize")
def romanize(question, word: str):
    """The chapter's `romanize` of a Korean word (the letters the heat-maps use without a Hangul font)."""
    from kerasbook.data.enko import romanize as spell

    out = spell(word)
    return [out, out.capitalize()]


@computed("ch12.noun_count")
def noun_count(question, kind: str | None = None):
    """How many nouns the grammar's lexicon has (of one `kind`, or in all)."""
    from kerasbook.data.enko import NOUNS

    return _answer(question, len(NOUNS[kind]) if kind else sum(len(v) for v in NOUNS.values()))


@computed("ch12.verb_count")
def verb_count(question, transitive: bool | None = None):
    """How many verbs the grammar's lexicon has (only the transitive or intransitive ones when asked)."""
    from kerasbook.data.enko import VERBS

    return _answer(question, sum(1 for v in VERBS if transitive is None or bool(v.objects) == transitive))


@computed("ch12.held_out_count")
def held_out_count(question):
    """How many sentence structures `enko.HELD_OUT` keeps out of training."""
    from kerasbook.data.enko import HELD_OUT

    return _answer(question, len(HELD_OUT))


# -- statistical MT ---------------------------------------------------------------------------------

@computed("ch12.noisy_channel")
def noisy_channel(question, corpus, candidates: dict, k: float = 1.0):
    """The choice naming the candidate e with the largest P(f | e) P(e): `candidates` maps each candidate
    to its translation-model probability P(f | e); P(e) is a bigram `NGramLM(2, "add-k", k)` fitted on
    `corpus`, the sentence's probability with its `</s>` (perplexity ** -(words + 1))."""
    lm = _ngram(corpus, 2, "add-k", k)

    def p_e(sentence):
        return lm.perplexity([sentence]) ** -(len(sentence.split()) + 1)

    best = max(candidates, key=lambda e: candidates[e] * p_e(e))
    return _pick(question, [LETTERS[i] for i, c in enumerate(question.choices) if _choice_name(c) == best])
