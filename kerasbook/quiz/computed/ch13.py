"""Chapter 13 answers, computed from `kerasbook.layers.transformer`, `kerasbook.layers.vit`,
`kerasbook.transformer_models`, `kerasbook.pretraining`, `kerasbook.hub_models`, `kerasbook.seq2seq`,
`kerasbook.data.negation` and `kerasbook.chapters.ch13_transformer.downstream`.

Every number here comes out of the chapter's real code: the variance of the
attention scores read back from `attention_weights`, weights and outputs of
`scaled_dot_product_attention` for the vectors a question gives, causal and
combined masks from `causal_mask` / `combine_masks`, sinusoids from
`sinusoids`, shapes and parameter counts of real `MultiHeadAttention` layers,
encoder and decoder blocks, translators, BERT encoders, GPTs, ViTs and their
keras-hub rebuilds (built, never trained), BERT's masking rates from the real
`MaskedLMMaskGenerator` and labels from `mask_tokens`, greedy and beam output
of `generate` over a toy next-token table, what keras-hub's top-k and top-p
samplers can draw and what temperature does to a softmax, perplexities from the
loss the language models train with, twins and labels of the negation task,
BERT's packing, task-head shapes and answer spans and GPT-1's input sequences and
fine-tuning model from `kerasbook.chapters.ch13_transformer.downstream`.
Keras is imported inside the functions, so listing the banks never pays for
it; each model is built once per process and shared by the questions about it.
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


def _shape(x) -> list[int]:
    return [int(d) for d in x.shape]


# -- scaled dot-product attention -----------------------------------------------------------

@functools.cache
def _score_variance(d_k: int, scaled: bool) -> float:
    """The variance of the scores the real `attention_weights` takes a softmax of, over every key.

    The keys are all 2^d_k patterns of ±1 (entries of mean 0 and variance 1,
    independent, every combination exactly once) and the query a fixed ±1
    vector, so the answer is exact rather than a sample's estimate. Each key is
    paired with an all-zero key, whose score is 0; the softmax of the two then
    gives the key's score back as log(w_key) - log(w_zero). That score is the
    scaled one, q . k / √d_k; times √d_k it is the raw dot product.
    """
    from kerasbook.layers.transformer import attention_weights

    if d_k > 16:
        raise ValueError("every ±1 pattern of more than 16 numbers is too many keys")
    keys = ((np.arange(2 ** d_k)[:, None] >> np.arange(d_k)) & 1) * 2.0 - 1.0      # (2^d, d)
    query = np.where(np.arange(d_k) % 2 == 0, 1.0, -1.0)
    n = len(keys)
    q = np.broadcast_to(query, (n, 1, d_k)).astype("float32")                     # (n, 1, d)
    k = np.stack([keys, np.zeros_like(keys)], axis=1).astype("float32")          # (n, 2, d)
    w = _numpy(attention_weights(q, k))[:, 0, :].astype(np.float64)                # (n, 2)
    scores = np.log(w[:, 0]) - np.log(w[:, 1])
    if not scaled:
        scores = scores * math.sqrt(d_k)
    return float(np.var(scores))


@computed("ch13.score_variance")
def score_variance(question, d_k: int, scaled: bool = True, what: str = "variance"):
    """The variance ("variance") or standard deviation ("std") of attention scores for d_k-number
    queries and keys, raw (q . k) or as `attention_weights` scales them (q . k / √d_k)."""
    var = round(_score_variance(d_k, scaled), 4)
    return _answer(question, var if what == "variance" else round(math.sqrt(var), 4))


@computed("ch13.attention")
def attention(question, query, keys, values=None, part: str = "weights", index: int = 0, mask=None):
    """One number of the weights ("weights") or the output ("output") of the real
    `scaled_dot_product_attention` for one query over the given keys (the keys are the values unless
    `values` are given), with an optional boolean `mask` over the keys."""
    from kerasbook.layers.transformer import scaled_dot_product_attention

    q = np.asarray([[query]], "float32")                                       # (1, 1, d)
    k = np.asarray([keys], "float32")                                          # (1, S, d)
    v = k if values is None else np.asarray([values], "float32")
    m = None if mask is None else np.asarray([[mask]], bool)                   # (1, 1, S)
    output, weights = scaled_dot_product_attention(q, k, v, m)
    value = (_numpy(weights) if part == "weights" else _numpy(output))[0, 0, index]
    return _answer(question, float(value))


@computed("ch13.attention_shape")
def attention_shape(question, query, key, value=None, part: str = "weights"):
    """Shape of the weights or the output of `scaled_dot_product_attention` for query, key and value of
    the given shapes (batch axis left out; the value defaults to the key)."""
    from kerasbook.layers.transformer import scaled_dot_product_attention

    q, k = np.zeros((2, *query), "float32"), np.zeros((2, *key), "float32")
    v = k if value is None else np.zeros((2, *value), "float32")
    output, weights = scaled_dot_product_attention(q, k, v)
    return _shape_spellings(_shape(weights if part == "weights" else output)[1:])


# -- multi-head attention -------------------------------------------------------------------

def _mha(num_heads, key_dim, query_dim, source_dim=None, value_dim=None):
    from kerasbook.layers.transformer import MultiHeadAttention

    layer = MultiHeadAttention(num_heads, key_dim, value_dim=value_dim)
    layer.build([(None, 3, query_dim), (None, 5, source_dim or query_dim)])
    return layer


@computed("ch13.mha_params")
def mha_params(question, num_heads: int, key_dim: int, d_model: int, source_dim: int | None = None,
               value_dim: int | None = None):
    """Parameters of our `MultiHeadAttention(num_heads, key_dim)` for queries of `d_model` numbers and
    keys / values of `source_dim` (default `d_model`)."""
    return _answer(question, _mha(num_heads, key_dim, d_model, source_dim, value_dim).count_params())


@computed("ch13.mha_weight_shape")
def mha_weight_shape(question, num_heads: int, key_dim: int, d_model: int, weight: str):
    """Shape of one weight (`query_kernel`, `output_kernel` ...) of our `MultiHeadAttention`."""
    return _tuple_spellings(getattr(_mha(num_heads, key_dim, d_model), weight).shape)


@computed("ch13.mha_shape")
def mha_shape(question, num_heads: int, key_dim: int, query, value, part: str = "weights"):
    """Shape of the output or the weights our `MultiHeadAttention` returns for a query and a value of
    the given shapes (batch axis left out)."""
    from kerasbook.layers.transformer import MultiHeadAttention

    layer = MultiHeadAttention(num_heads, key_dim)
    output, weights = layer([np.zeros((2, *query), "float32"), np.zeros((2, *value), "float32")],
                            return_attention_scores=True)
    return _shape_spellings(_shape(weights if part == "weights" else output)[1:])


# -- encoder and decoder blocks ---------------------------------------------------------------

@functools.cache
def _block(kind: str, d_model: int, num_heads: int, ff_dim: int):
    from kerasbook.layers.transformer import TransformerDecoderBlock, TransformerEncoderBlock

    if kind == "encoder":
        block = TransformerEncoderBlock(num_heads, ff_dim)
        block.build((None, 3, d_model))
    else:
        block = TransformerDecoderBlock(num_heads, ff_dim)
        block.build([(None, 3, d_model), (None, 5, d_model)])
    return block


@computed("ch13.head_size")
def head_size(question, d_model: int, num_heads: int, ff_dim: int = 256):
    """How many numbers each head's queries and keys have in an encoder block of width `d_model`."""
    return _answer(question, _block("encoder", d_model, num_heads, ff_dim).attention.key_dim)


@computed("ch13.block_params")
def block_params(question, kind: str, d_model: int, num_heads: int, ff_dim: int, part: str | None = None):
    """Parameters of a real `TransformerEncoderBlock` or `TransformerDecoderBlock` ("encoder", "decoder"),
    or of one part of it: "attention" (all its attentions), "feed_forward" or "norms"."""
    block = _block(kind, d_model, num_heads, ff_dim)
    if part is None:
        return _answer(question, block.count_params())
    attentions = [block.attention] if kind == "encoder" else [block.self_attention, block.cross_attention]
    norms = [block.norm1, block.norm2] + ([block.norm3] if kind == "decoder" else [])
    layers = {"attention": attentions, "feed_forward": [block.ff1, block.ff2], "norms": norms}[part]
    return _answer(question, sum(layer.count_params() for layer in layers))


@computed("ch13.block_gap")
def block_gap(question, d_model: int, num_heads: int, ff_dim: int):
    """Parameters of a decoder block minus those of an encoder block of the same sizes."""
    gap = (_block("decoder", d_model, num_heads, ff_dim).count_params()
           - _block("encoder", d_model, num_heads, ff_dim).count_params())
    return _answer(question, gap)


@computed("ch13.decoder_weights_shape")
def decoder_weights_shape(question, num_heads: int, d_model: int, target_len: int, source_len: int,
                          part: str = "cross"):
    """Shape of the self-attention ("self") or cross-attention ("cross") weights a real
    `TransformerDecoderBlock` returns (batch axis left out)."""
    from kerasbook.layers.transformer import TransformerDecoderBlock

    block = TransformerDecoderBlock(num_heads, 2 * d_model)
    _, (self_w, cross_w) = block([np.zeros((2, target_len, d_model), "float32"),
                                  np.zeros((2, source_len, d_model), "float32")], return_attention_scores=True)
    return _shape_spellings(_shape(cross_w if part == "cross" else self_w)[1:])


# -- masks ------------------------------------------------------------------------------------

def _mask_row(row) -> list[str]:
    ints = _list_spellings([int(x) for x in row])
    words = ", ".join("True" if x else "False" for x in row)
    return [*ints, f"[{words}]", words]


@computed("ch13.causal")
def causal(question, query_length: int, key_length: int, part: str = "count", row: int = 0):
    """The real `causal_mask(query_length, key_length)`: how many entries are True ("count") or one row
    as 1s and 0s ("row")."""
    from kerasbook.layers.transformer import causal_mask

    mask = _numpy(causal_mask(query_length, key_length)).astype(bool)
    if part == "count":
        return _answer(question, int(mask.sum()))
    return _mask_row(mask[row])


@computed("ch13.combined_mask")
def combined_mask(question, query_length: int, key_length: int, query_mask=None, value_mask=None,
                  causal: bool = False, part: str = "count", row: int = 0):
    """What the real `combine_masks` makes of one sentence's query and value padding masks (1 = real
    token) and the causal mask: how many (query, key) pairs may attend ("count"), one row ("row"), or
    the mask's shape ("shape"; a batch of sentences shows as B, a mask shared by the batch as 1)."""
    from kerasbook.layers.transformer import combine_masks

    batch = lambda m: None if m is None else np.asarray([m, m], bool)          # noqa: E731 - two equal sentences
    mask = combine_masks(query_length, key_length, batch(query_mask), batch(value_mask), use_causal_mask=causal)
    if part == "shape":
        dims = _shape(mask)
        return _shape_spellings(dims[1:]) if dims[0] == 2 else _tuple_spellings(dims)
    full = np.broadcast_to(_numpy(mask).astype(bool), (_shape(mask)[0], query_length, key_length))[0]
    if part == "count":
        return _answer(question, int(full.sum()))
    return _mask_row(full[row])


@computed("ch13.padded_query_row")
def padded_query_row(question, queries, keys, value_mask, query_mask, row: int):
    """The sum of one row of the weights the real `attention_weights` gives when `combine_masks` joins a
    query padding mask and a value padding mask (0 for a padded query: nothing may be attended to)."""
    from kerasbook.layers.transformer import attention_weights, combine_masks

    q = np.asarray([queries], "float32")                                   # (1, Tq, d)
    k = np.asarray([keys], "float32")                                           # (1, Tk, d)
    mask = combine_masks(q.shape[1], k.shape[1], np.asarray([query_mask], bool), np.asarray([value_mask], bool))
    weights = _numpy(attention_weights(q, k, mask))[0]
    return _answer(question, float(weights[row].sum()))


# -- positions ----------------------------------------------------------------------------------

@computed("ch13.sinusoid")
def sinusoid(question, position: int, index: int, depth: int, max_wavelength: float = 10_000.0):
    """Entry `index` of the real `sinusoids` encoding of `position` for embeddings of `depth` numbers."""
    from kerasbook.layers.transformer import sinusoids

    return _answer(question, float(_numpy(sinusoids(position + 1, depth, max_wavelength))[position, index]))


@computed("ch13.sinusoid_row")
def sinusoid_row(question, position: int, depth: int, max_wavelength: float = 10_000.0):
    """The real `sinusoids` encoding of `position` for embeddings of `depth` numbers, to four decimals."""
    from kerasbook.layers.transformer import sinusoids

    row = _numpy(sinusoids(position + 1, depth, max_wavelength))[position]
    return _list_spellings([round(float(v), 4) + 0.0 for v in row])


@computed("ch13.position_params")
def position_params(question, kind: str, d_model: int, max_length: int = 64):
    """Parameters of a `LearnedPositionEmbedding(max_length)` ("learned") or a
    `SinusoidalPositionEncoding` ("sinusoidal") for embeddings of `d_model` numbers."""
    from kerasbook.layers.transformer import LearnedPositionEmbedding, SinusoidalPositionEncoding

    layer = LearnedPositionEmbedding(max_length) if kind == "learned" else SinusoidalPositionEncoding()
    layer(np.zeros((1, 3, d_model), "float32"))
    return _answer(question, layer.count_params())


# -- the translator -------------------------------------------------------------------------------

@functools.cache
def _translator(source_vocab: int, target_vocab: int, sizes: tuple = ()):
    """`build_transformer_translator` with its default sizes unless `sizes` says otherwise; never trained."""
    from kerasbook.transformer_models import build_transformer_translator

    return build_transformer_translator(source_vocab, target_vocab, **dict(sizes))


@computed("ch13.translator_params")
def translator_params(question, source_vocab: int, target_vocab: int, layer: str | None = None, **sizes):
    """Parameters of a translator built by `build_transformer_translator`, or of one of its named layers."""
    model = _translator(source_vocab, target_vocab, tuple(sorted(sizes.items())))
    return _answer(question, (model.get_layer(layer) if layer else model).count_params())


@computed("ch13.translator_shape")
def translator_shape(question, layer: str, source_len: int, target_len: int, source_vocab: int = 230,
                     target_vocab: int = 400):
    """Shape of what a named layer of `build_transformer_translator` gives for `source_len` source ids and
    `target_len` decoder-input ids (batch axis left out)."""
    import keras

    model = _translator(source_vocab, target_vocab)
    probe = keras.Model(model.inputs, model.get_layer(layer).output)
    out = probe([np.ones((1, source_len), "int32"), np.ones((1, target_len), "int32")])
    return _shape_spellings(_shape(out)[1:])


@computed("ch13.weightless_layers")
def weightless_layers(question, source_vocab: int = 230, target_vocab: int = 400):
    """The choices naming a layer of `build_transformer_translator` that has no parameters."""
    model = _translator(source_vocab, target_vocab)
    return _pick(question, [LETTERS[i] for i, c in enumerate(question.choices)
                            if model.get_layer(_choice_name(c)).count_params() == 0])


@computed("ch13.vocab_dependent_layers")
def vocab_dependent_layers(question, which: str = "target", source_vocab: int = 230, target_vocab: int = 400):
    """The choices naming a translator layer whose parameter count changes with the `which` ("source" or
    "target") vocabulary: the same translator built with one more token there, compared."""
    a = _translator(source_vocab, target_vocab)
    b = _translator(source_vocab + (which == "source"), target_vocab + (which == "target"))
    return _pick(question, [LETTERS[i] for i, c in enumerate(question.choices)
                            if a.get_layer(_choice_name(c)).count_params()
                            != b.get_layer(_choice_name(c)).count_params()])


@computed("ch13.teacher_forcing")
def teacher_forcing(question, ids, part: str = "input"):
    """The decoder input ("input") or target ("target") `seq2seq.teacher_forcing` makes of one id sequence
    (the Transformer translator is trained on the same shift as the recurrent ones)."""
    from kerasbook.seq2seq import teacher_forcing as shift

    decoder_in, decoder_out = shift(np.asarray([ids], np.int32))
    return _list_spellings([int(i) for i in (decoder_in if part == "input" else decoder_out)[0]])


# -- generation -------------------------------------------------------------------------------------

def _toy_lm(table):
    """A stand-in language model whose next-token log-probabilities depend only on the previous token.

    The vocabulary is padding, `[start]`, `[end]` and the table's words; after
    `[end]` (and padding) it writes the same token again with probability 1, so
    nothing after the end changes a sequence's score.
    """
    from keras import ops

    vocab = toy_vocabulary(table)
    logp = np.full((len(vocab), len(vocab)), -1e9, "float32")
    for prev, row in table.items():
        for word, p in row.items():
            logp[vocab.index(prev), vocab.index(word)] = math.log(p)
    logp[0, 0] = logp[2, 2] = 0.0
    rows = ops.convert_to_tensor(logp)

    def model(ids, training=False):
        return ops.take(rows, ops.cast(ids, "int32"), axis=0)                 # (B, T, V) next-token scores

    return model, vocab


@computed("ch13.toy_generate")
def toy_generate(question, table, sampler: str = "greedy", max_length: int = 8, part: str = "text"):
    """What `pretraining.generate` writes after the prompt `[start]` with keras-hub's "greedy" or "beam"
    sampler when the next-token probabilities are `table`: the words ("text") or the probability of
    the whole continuation, `[end]` included ("prob")."""
    from kerasbook.pretraining import generate

    model, vocab = _toy_lm(table)
    ids = generate(model, [[1]], max_length, sampler=sampler, end_id=2)[0]
    return decoded_answer(question, table, [vocab[i] for i in ids[1:] if i != 2], part)


class _RecordingSampler:
    """Stands in for a keras-hub sampler: remembers where `generate` asked it to start and writes nothing."""

    def __call__(self, next, prompt, index, mask, stop_token_ids=None):
        self.index, self.mask = int(index), np.asarray(mask)
        return prompt


@computed("ch13.generate_start")
def generate_start(question, prompts, max_length: int = 8):
    """The position `generate` hands the sampler as the first one to fill, for prompts of these ids."""
    from kerasbook.pretraining import generate

    recorder = _RecordingSampler()
    generate(lambda ids, training=False: ids, prompts, max_length, sampler=recorder)
    return _answer(question, recorder.index)


# -- BERT -------------------------------------------------------------------------------------------

@computed("ch13.mlm_expected")
def mlm_expected(question, tokens: int, part: str = "chosen", sentences: int = 1):
    """How many of `sentences` × `tokens` selectable tokens BERT's masking is expected to choose
    ("chosen"), and of those to replace by `[MASK]` ("mask"), by a random token ("random") or leave as
    they are ("unchanged"), with the rates of the real keras-hub generator `mlm_generator` makes."""
    from kerasbook.pretraining import mlm_generator

    gen = mlm_generator(vocab_size=1000, mask_id=3, special_ids=(0, 1, 2, 3), max_selections=tokens)
    chosen = sentences * tokens * gen.mask_selection_rate
    share = {"chosen": 1.0, "mask": gen.mask_token_rate, "random": gen.random_token_rate,
             "unchanged": 1.0 - gen.mask_token_rate - gen.random_token_rate}[part]
    return _answer(question, round(chosen * share, 6))


class _FixedMasker:
    """Stands in for keras-hub's generator: chooses the given positions and puts `[MASK]` (id 3) there."""

    def __init__(self, positions):
        self.positions = list(positions)

    def __call__(self, ids):
        ids = np.asarray(ids)
        masked = ids.copy()
        masked[:, self.positions] = 3
        n = len(self.positions)
        return {"token_ids": masked, "mask_positions": np.tile(self.positions, (len(ids), 1)),
                "mask_ids": ids[:, self.positions], "mask_weights": np.ones((len(ids), n), "float32")}


@computed("ch13.mask_labels")
def mask_labels(question, ids, positions, part: str = "labels"):
    """The labels ("labels") or inputs ("inputs") the real `mask_tokens` makes of one sentence of ids when
    the generator chooses `positions` and masks them all."""
    from kerasbook.pretraining import mask_tokens

    inputs, labels = mask_tokens([ids], _FixedMasker(positions))
    return _list_spellings([int(i) for i in (labels if part == "labels" else inputs)[0]])


@functools.cache
def _bert(vocab: int, sizes: tuple = ()):
    from kerasbook.pretraining import build_bert_encoder

    return build_bert_encoder(vocab, **dict(sizes))


@computed("ch13.bert_params")
def bert_params(question, vocab: int, layer: str | None = None, head: str | None = None, **sizes):
    """Parameters of `build_bert_encoder` (or one named layer); with `head` "mlm", of the layer `layer`
    of `build_mlm` on that encoder."""
    encoder = _bert(vocab, tuple(sorted(sizes.items())))
    if head == "mlm":
        from kerasbook.pretraining import build_mlm

        model = build_mlm(encoder, vocab)
        return _answer(question, model.get_layer(layer).count_params())
    return _answer(question, (encoder.get_layer(layer) if layer else encoder).count_params())


@computed("ch13.classifier_params")
def classifier_params(question, vocab: int, num_classes: int, frozen: bool = True, **sizes):
    """Trainable parameters of `build_classifier` on a `build_bert_encoder`, with the encoder frozen
    (a feature extractor) or not (fine-tuning everything)."""
    from kerasbook.pretraining import build_bert_encoder, build_classifier

    encoder = build_bert_encoder(vocab, **sizes)
    encoder.trainable = not frozen
    model = build_classifier(encoder, num_classes)
    return _answer(question, int(sum(np.prod(w.shape) for w in model.trainable_weights)))


@computed("ch13.cls_shape")
def cls_shape(question, vocab: int, num_classes: int, length: int, layer: str = "cls", **sizes):
    """Shape of what a named layer of `build_classifier` gives for a batch of `length`-token sentences."""
    import keras

    from kerasbook.pretraining import build_classifier

    model = build_classifier(_bert(vocab, tuple(sorted(sizes.items()))), num_classes)
    probe = keras.Model(model.input, model.get_layer(layer).output)
    return _shape_spellings(_shape(probe(np.ones((1, length), "int32")))[1:])


# -- GPT and sampling -------------------------------------------------------------------------------

@computed("ch13.gpt_params")
def gpt_params(question, vocab: int, layer: str | None = None, **sizes):
    """Parameters of `build_gpt` or of one of its named layers."""
    model = _cached_gpt(vocab, tuple(sorted(sizes.items())))
    return _answer(question, (model.get_layer(layer) if layer else model).count_params())


@functools.cache
def _cached_gpt(vocab: int, sizes: tuple = ()):
    from kerasbook.pretraining import build_gpt

    return build_gpt(vocab, **dict(sizes))


@computed("ch13.perplexity")
def perplexity(question, probs=None, uniform: int | None = None):
    """exp of the mean of the loss a language model trains with (Keras' sparse categorical cross-entropy
    from logits, padding class 0 ignored), for a model that gives the right next tokens the
    probabilities `probs`, or that spreads every guess evenly over `uniform` tokens."""
    import keras

    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    tiny = -1e30                                                           # the padding class: never chosen
    if uniform is not None:
        logits = np.concatenate([[tiny], np.zeros(uniform)])[None, None, :].repeat(3, axis=1)
        targets = np.array([[1, 2, uniform]])
    else:
        logits = np.array([[[tiny, math.log(p), math.log(1 - p) if p < 1 else tiny] for p in probs]])
        targets = np.ones((1, len(probs)), np.int64)
    return _answer(question, float(math.exp(float(loss(targets, logits.astype("float32"))))))


@computed("ch13.temperature")
def temperature(question, logits, temperature: float, index: int = 0):
    """Probability `index` keras-hub's samplers compute from `logits` at the given temperature."""
    import keras_hub

    probs = keras_hub.samplers.GreedySampler(temperature=temperature).compute_probabilities(
        np.asarray([logits], "float32"))
    return _answer(question, float(_numpy(probs)[0, index]))


@functools.cache
def _drawable(probs: tuple, kind: str, k: int | None, p: float | None, draws: int = 4000) -> frozenset:
    """The tokens a real keras-hub `TopKSampler` / `TopPSampler` draws in `draws` seeded tries.

    Any token it keeps has a probability of at least a few percent after
    renormalising, so 4,000 draws miss one with odds far below one in a billion.
    """
    import keras_hub

    sampler = (keras_hub.samplers.TopKSampler(k=k, seed=0) if kind == "top_k"
               else keras_hub.samplers.TopPSampler(p=p, seed=0))
    rows = np.repeat(np.asarray([probs], "float32"), draws, axis=0)
    return frozenset(int(t) for t in _numpy(sampler.get_next_token(rows)))


@computed("ch13.sampler_keeps")
def sampler_keeps(question, probs: dict, kind: str, k: int | None = None, p: float | None = None):
    """The choices naming a token (of `probs`, in its order) that keras-hub's top-k or top-p sampler can draw."""
    words = list(probs)
    kept = {words[i] for i in _drawable(tuple(probs.values()), kind, k, p)}
    return _pick(question, [LETTERS[i] for i, c in enumerate(question.choices) if _choice_name(c) in kept])


@computed("ch13.sampled_prob")
def sampled_prob(question, probs: dict, token: str, kind: str, k: int | None = None, p: float | None = None):
    """The probability with which the top-k / top-p sampler draws `token`: its probability over the sum
    of those of the tokens the real sampler keeps (0 if it is not kept)."""
    words = list(probs)
    kept = [words[i] for i in _drawable(tuple(probs.values()), kind, k, p)]
    share = probs[token] / sum(probs[w] for w in kept) if token in kept else 0.0
    return _answer(question, share)


@computed("ch13.sampler_count")
def sampler_count(question, probs: dict, kind: str, k: int | None = None, p: float | None = None):
    """How many tokens keras-hub's top-k or top-p sampler keeps of the distribution `probs`."""
    return _answer(question, len(_drawable(tuple(probs.values()), kind, k, p)))


# -- ViT ----------------------------------------------------------------------------------------------

@functools.cache
def _vit(image_size: int, channels: int, num_classes: int, patch_size: int, d_model: int):
    from kerasbook.transformer_models import build_vit

    return build_vit(image_size, channels, num_classes, patch_size=patch_size, d_model=d_model)


@computed("ch13.vit")
def vit(question, image_size: int, channels: int = 3, num_classes: int = 10, patch_size: int = 8,
        d_model: int = 64, what: str = "patches"):
    """A number about `build_vit`: how many patches ("patches"), numbers per patch ("patch_length"), the
    sequence length the encoder reads ("sequence"), or the parameters of a named layer ("params:NAME")
    or the whole model ("params")."""
    model = _vit(image_size, channels, num_classes, patch_size, d_model)
    if what == "patches":
        value = model.get_layer("patches").output.shape[1]
    elif what == "patch_length":
        value = model.get_layer("patches").output.shape[2]
    elif what == "sequence":
        value = model.get_layer("class_token").output.shape[1]
    elif what == "params":
        value = model.count_params()
    else:
        value = model.get_layer(what.split(":", 1)[1]).count_params()
    return _answer(question, int(value))


@computed("ch13.vit_shape")
def vit_shape(question, layer: str, image_size: int, channels: int = 3, num_classes: int = 10, patch_size: int = 8,
              d_model: int = 64):
    """The output shape of a named layer of `build_vit` (batch axis left out)."""
    model = _vit(image_size, channels, num_classes, patch_size, d_model)
    return _shape_spellings([int(d) for d in model.get_layer(layer).output.shape[1:]])


@computed("ch13.patches_shape")
def patches_shape(question, image, patch_size: int):
    """Shape of what the real `Patches(patch_size)` makes of images of shape `image` (batch left out)."""
    from kerasbook.layers.vit import Patches

    return _shape_spellings(_shape(Patches(patch_size)(np.zeros((2, *image), "float32")))[1:])


@computed("ch13.patch_value")
def patch_value(question, image_size: int, patch_size: int, patch: int, index: int):
    """Number `index` of patch `patch` that `Patches` cuts from a one-channel image whose pixels are
    numbered 0, 1, 2 ... row by row (so the answer is the pixel's number)."""
    from kerasbook.layers.vit import Patches

    image = np.arange(image_size * image_size, dtype="float32").reshape(1, image_size, image_size, 1)
    return _answer(question, int(_numpy(Patches(patch_size)(image))[0, patch, index]))


# -- keras-hub ------------------------------------------------------------------------------------------

@computed("ch13.hub_params")
def hub_params(question, kind: str, vocab: int = 5000, target_vocab: int = 400, **sizes):
    """Parameters of the keras-hub rebuild in `hub_models` ("translator" with `vocab` source and
    `target_vocab` target tokens, "bert" or "gpt")."""
    from kerasbook import hub_models

    if kind == "translator":
        model = hub_models.build_hub_translator(vocab, target_vocab, **sizes)
    else:
        model = {"bert": hub_models.build_hub_bert_encoder, "gpt": hub_models.build_hub_gpt}[kind](vocab, **sizes)
    return _answer(question, model.count_params())


# -- the negation task ------------------------------------------------------------------------------------

@computed("ch13.negation_twin")
def negation_twin(question, text: str):
    """The twin `negation.move_negation` makes of a sentence: the same words, "not" in the other clause."""
    from kerasbook.data.negation import move_negation

    twin = move_negation(text)
    return [twin, f'"{twin}"']


def _negation_label(text: str) -> int:
    from kerasbook.data.negation import NEGATIVE, POSITIVE, first_subject_positive

    words = text.split()
    first = next(w for w in words if w in POSITIVE + NEGATIVE)
    negated = "not" in words and words.index("not") < words.index(first)
    return first_subject_positive(first, negated)


@computed("ch13.negation_positive")
def negation_positive(question, label: int = 1):
    """The choices (each a sentence of the negation task) whose label, by `first_subject_positive`, is `label`."""
    return _pick(question, [LETTERS[i] for i, c in enumerate(question.choices)
                            if _negation_label(_choice_name(c)) == label])


# -- downstream tasks: BERT's heads, GPT-1's inputs ------------------------------------------------------

def _ids_of(words: str, first: int = 10) -> list[int]:
    """Stand-in token ids for space-separated words (the packing only counts and frames them)."""
    return list(range(first, first + len(words.split())))


@computed("ch13.packed_pair")
def packed_pair(question, first: str, second: str | None = None, sequence_length: int = 32,
                part: str = "real"):
    """`pack_pair` of two texts (`[CLS]` = 2, `[SEP]` = 4): how many positions are not padding ("real"),
    carry segment id 1 ("segment_b"), or hold `[SEP]` ("seps"); or the segment ids as a list ("segments")."""
    from kerasbook.chapters.ch13_transformer.downstream import pack_pair

    ids, segments = pack_pair(_ids_of(first), None if second is None else _ids_of(second, 100),
                              sequence_length=sequence_length, cls_id=2, sep_id=4)
    if part == "segments":
        return _list_spellings(segments.tolist())
    value = {"real": int((ids != 0).sum()), "segment_b": int((segments == 1).sum()), "seps": int((ids == 4).sum())}
    return _answer(question, value[part])


@computed("ch13.best_span")
def best_span(question, tokens, start, end, allowed=None, max_length: int | None = None):
    """The words of the answer `best_span` picks from the start and end scores of `tokens`."""
    from kerasbook.chapters.ch13_transformer.downstream import best_span as span

    i, j = span(start, end, allowed, max_length)
    words = " ".join(tokens[i: j + 1])
    return [words, f'"{words}"']


@computed("ch13.gpt1_sequences")
def gpt1_sequences(question, task: str, texts, part: str = "count", index: int = 0):
    """`gpt1_sequences(task, *texts)`: how many sequences ("count"), the length of sequence `index`
    ("length"), the tokens of all of them ("tokens", in total), or sequence `index` written out ("text")."""
    from kerasbook.chapters.ch13_transformer.downstream import gpt1_sequences as sequences

    seqs = sequences(task, *texts)
    if part == "text":
        text = " ".join(seqs[index])
        return [text, f'"{text}"']
    value = {"count": len(seqs), "length": len(seqs[index]), "tokens": sum(map(len, seqs))}[part]
    return _answer(question, value)


@functools.cache
def _tiny_bert_backbone():
    import keras
    import keras_hub

    keras.utils.set_random_seed(0)
    return keras_hub.models.BertBackbone(vocabulary_size=40, num_layers=1, num_heads=2, hidden_dim=16,
                                         intermediate_dim=32, max_sequence_length=64)


@computed("ch13.bert_task_shape")
def bert_task_shape(question, task: str, length: int, num_classes: int = 2, part: str | None = None):
    """The output shape of `build_bert_task_model(backbone, task, num_classes)` for `length` tokens (a span
    head's `part` "start" or "end"), from a real model on a tiny keras-hub `BertBackbone`."""
    from kerasbook.chapters.ch13_transformer.downstream import build_bert_task_model

    model = build_bert_task_model(_tiny_bert_backbone(), task, num_classes)
    ids = np.full((2, length), 5, np.int32)
    out = model({"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": np.ones_like(ids)})
    return _shape_spellings(_shape(out[part] if part else out)[1:])


@functools.cache
def _tiny_gpt():
    import keras

    from kerasbook.pretraining import build_gpt

    keras.utils.set_random_seed(0)
    return build_gpt(50, d_model=16, num_heads=2, ff_dim=32, num_layers=1, max_length=64)


@computed("ch13.gpt1_shape")
def gpt1_shape(question, task: str, length: int, sequences: int = 1, num_classes: int = 2, part: str = "task"):
    """The shape of output `part` ("task" or "lm") of `build_gpt1_finetuner` for ids `(B, sequences, length)`,
    from a real model on a tiny GPT of vocabulary 50."""
    from kerasbook.chapters.ch13_transformer.downstream import build_gpt1_finetuner

    model = build_gpt1_finetuner(_tiny_gpt(), task, length, sequences=sequences, num_classes=num_classes)
    out = model(np.full((2, sequences, length), 5, np.int32))
    return _shape_spellings(_shape(out[part])[1:])
