"""The seq2seq machinery: vocabularies, teacher forcing, the three translators, greedy and beam decoding, BLEU."""

import math

import keras
import numpy as np
import pytest

from kerasbook import seq2seq as s2s
from kerasbook.testing import check_reversal_decoding, check_stepper_reproduces_model, train_reverser


def test_vectorizers_pad_mark_and_flag_unknown_words():
    src, tgt = s2s.make_vectorizers(["the cat slept", "the dog ran"], ["고양이 는 잤다", "개 는 달렸다"], 5, 4)
    ids = s2s.encode(src, ["the cat ran", "the fox slept"])
    vocab = src.get_vocabulary()
    assert ids.shape == (2, 5) and vocab[:2] == ["", "[UNK]"]
    assert [vocab[i] for i in ids[0][:3]] == ["the", "cat", "ran"] and ids[0][3:].tolist() == [0, 0]
    assert ids[1][1] == 1                                            # "fox" is out of vocabulary
    t = s2s.encode(tgt, [f"{s2s.START} 고양이 는 잤다 {s2s.END}"])
    assert t.shape == (1, 6)
    din, dout = s2s.teacher_forcing(t)
    tv = tgt.get_vocabulary()
    assert [tv[i] for i in din[0][:4]] == [s2s.START, "고양이", "는", "잤다"]
    assert [tv[i] for i in dout[0][:4]] == ["고양이", "는", "잤다", s2s.END]
    assert s2s.ids_to_text(t[0], tv) == "고양이 는 잤다"


def test_bleu_is_keras_hubs_and_matches_a_hand_calculation():
    # 4 of 5 unigrams, 3 of 4 bigrams, 2 of 3 trigrams, 1 of 2 four-grams match; same length, so no brevity penalty.
    expected = 100 * (4 / 5 * 3 / 4 * 2 / 3 * 1 / 2) ** 0.25
    assert s2s.corpus_bleu(["선생님 은 책 을 읽었다"], ["선생님 은 책 을 읽는다"]) == pytest.approx(expected, rel=1e-5)
    assert s2s.corpus_bleu(["a b c d"], ["a b c d"]) == pytest.approx(100)
    # A shorter hypothesis pays the brevity penalty exp(1 - r / c).
    bp = math.exp(1 - 6 / 5)
    assert s2s.corpus_bleu(["a b c d e f"], ["a b c d e"]) == pytest.approx(100 * bp, rel=1e-5)


@pytest.mark.parametrize("kind", s2s.KINDS)
def test_translators_have_the_right_shapes_and_attention_only_where_named(kind):
    model = s2s.build_translator(kind, 30, 40, units=8, embed=4)
    out = model([np.ones((2, 7), np.int32), np.ones((2, 5), np.int32)])
    assert tuple(out.shape) == (2, 5, 40)
    names = {layer.name for layer in model.layers}
    assert ("attention" in names) == (kind != "plain")
    expected_rnn = keras.layers.LSTM if kind == "lstm_general" else keras.layers.GRU
    assert isinstance(model.get_layer("encoder"), expected_rnn) and isinstance(model.get_layer("decoder"), expected_rnn)


@pytest.fixture(scope="module")
def reverser():
    """An attentive translator trained to write its source backwards (a reordering task)."""
    return train_reverser(lambda src_size, tgt_size: s2s.build_translator("gru_additive", src_size, tgt_size,
                                                                          units=48, embed=16),
                          1_200, learning_rate=1e-2, epochs=25, min_accuracy=0.95)


def test_greedy_and_beam_decode_a_learned_reordering(reverser):
    model, src, tgt = reverser
    stepper = s2s.Stepper(model)
    got = check_reversal_decoding(stepper, src, tgt)
    assert got.attention.shape[0] == 3
    # Writing the source backwards, the first output word looks at the last source word.
    assert got.attention[0, 0].argmax() == 3
    # Decoding the sentences together gives what decoding each alone gives.
    assert [s2s.beam_decode(stepper, got.ids[i:i + 1], got.start, got.end, 8, width=3)[0] for i in range(3)] == got.beam


def test_the_stepper_reproduces_the_teacher_forced_model(reverser):
    model, src, tgt = reverser
    full = check_stepper_reproduces_model(model, s2s.Stepper(model), src, tgt)
    assert tgt.get_vocabulary()[int(full[3].argmax())] == s2s.END


def test_token_accuracy_ignores_padding():
    y_true = np.array([[3, 4, 0, 0]])
    y_pred = np.zeros((1, 4, 5), np.float32)
    y_pred[0, [0, 1, 2, 3], [3, 2, 0, 0]] = 1.0                  # first right, second wrong, padding "right"
    metric = s2s.TokenAccuracy()
    metric.update_state(y_true, y_pred)
    assert float(metric.result()) == pytest.approx(0.5)


def test_length_penalty():
    assert s2s.length_penalty(1, 0.6) == pytest.approx(1.0)
    assert s2s.length_penalty(7, 1.0) == pytest.approx(2.0)
    assert s2s.length_penalty(30, 0.0) == 1.0


def test_language_model_perplexity_is_exp_of_keras_cross_entropy_on_real_tokens():
    keras.utils.set_random_seed(3)
    model = s2s.build_language_model(12, units=8, embed=4)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 12, (5, 7)).astype("int32")
    y = rng.integers(1, 12, (5, 7)).astype("int32")
    x[2, 4:] = y[2, 4:] = 0                                          # a shorter sentence, padded
    x[4, 2:] = y[4, 2:] = 0
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    expected = math.exp(float(loss(y, model(x))))                   # keras' mean over the unmasked tokens
    assert s2s.perplexity(model, x, y, batch_size=2) == pytest.approx(expected, rel=1e-5)
    assert model(x).shape == (5, 7, 12)
    logits = model.get_layer("logits")                              # a model that guesses uniformly: perplexity V
    logits.set_weights([np.zeros_like(w) for w in logits.get_weights()])
    assert s2s.perplexity(model, x, y) == pytest.approx(12, rel=1e-6)


def test_batches_bucket_by_length_and_cut_to_the_longest_row():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 30, 200)
    source = np.zeros((200, 40), np.int32)
    target = np.zeros((200, 33), np.int32)
    decoder_in = np.zeros((200, 33), np.int32)
    for i, n in enumerate(lengths):
        source[i, :n] = rng.integers(2, 50, n)
        target[i, : n // 2 + 1] = rng.integers(2, 50, n // 2 + 1)      # the target ends with its [end]
        decoder_in[i, : n // 2 + 2] = rng.integers(2, 50, n // 2 + 2)  # [start] ... [end]: one token longer
    seen = []
    for (x, d), y in s2s.batches((source, decoder_in), target, 16, aligned=(1,), seed=None):
        x, d, y = (np.asarray(a) for a in (x, d, y))
        rows = (x != 0).sum(1)
        assert x.shape[1] == rows.max() and y.shape[1] == (y != 0).sum(1).max() and d.shape[1] == y.shape[1]
        buckets = np.searchsorted(s2s.LENGTH_BOUNDARIES, rows, side="right")
        assert len(set(buckets)) == 1                               # one length bucket per batch
        seen += [tuple(r[r != 0]) for r in x]
    assert sorted(seen) == sorted(tuple(r[r != 0]) for r in source)  # every sentence once, nothing cut off
    (x, d), y = next(iter(s2s.batches((source, decoder_in), target, 16, bucket=False, trim=False)))
    assert x.shape == (16, 40) and d.shape == y.shape == (16, 33)    # whole length, for XLA
    training = s2s.batches(target, target, 16, aligned=(0,), seed=0)
    sizes = [len(b[1]) for b in training]
    assert set(sizes) == {16} and len(sizes) == int(training.cardinality()) == (200 - 6 * 15) // 16
    assert [len(b[1]) for b in training] == sizes                    # the same number of batches every epoch


def test_teacher_forcing_scores_like_training_and_free_running_is_greedy_decoding():
    from kerasbook.testing import reversal_task

    src, tgt, x, din, dout = reversal_task(600)
    keras.utils.set_random_seed(2)
    model = s2s.build_translator("plain", src.vocabulary_size(), tgt.vocabulary_size(), units=16, embed=8)
    s2s.compile_translator(model, learning_rate=1e-2)
    model.fit([x, din], dout, batch_size=64, epochs=3, verbose=0)        # partly trained: it still makes mistakes
    vocab = tgt.get_vocabulary()
    start, end = vocab.index(s2s.START), vocab.index(s2s.END)
    x, din, dout = x[:120], din[:120], dout[:120]
    target = np.concatenate([din[:, :1], dout], axis=1)                  # [start] ... [end], padded
    stepper = s2s.Stepper(model)
    got = s2s.forced_and_free(stepper, x, target, end)
    assert got["tokens"] == int((dout != 0).sum())
    # Teacher forcing is the training metric: the model fed the true previous tokens all at once.
    metric = s2s.TokenAccuracy()
    metric.update_state(dout, model([x, din]))
    assert got["teacher_forcing"] == pytest.approx(float(metric.result()), abs=1e-6)
    # Free running is greedy decoding, token for token.
    greedy, _ = s2s.greedy_decode(stepper, x, start, end, target.shape[1] - 1)
    assert all(row[: len(g)].tolist() == g for row, g in zip(got["free_running_ids"], greedy))
    # The same model, the same sentences: fed its own mistakes, it gets fewer tokens right (exposure bias).
    assert got["free_running"] < got["teacher_forcing"] - 0.05
    # The Translator's version reads sentences and references as text and agrees.
    translator = s2s.Translator(model, src.get_vocabulary(), vocab, 6, 6)
    texts = [s2s.ids_to_text(row, src.get_vocabulary()) for row in x]
    refs = [s2s.ids_to_text(row, vocab) for row in dout]
    again = translator.forced_and_free(texts, refs, batch=50)
    assert again["tokens"] == got["tokens"]
    assert again["teacher_forcing"] == pytest.approx(got["teacher_forcing"], abs=1e-9)
    assert again["free_running"] == pytest.approx(got["free_running"], abs=1e-9)


def test_scores_by_kind_gives_exact_match_beside_bleu_and_keeps_the_failures():
    table = {"a": "x y z w", "b zebra": "x y z q", "c": "p q r s"}           # what the stand-in translator writes

    class Table:
        def greedy(self, sentences):
            return [table[s] for s in sentences], None

        def unknown(self, sentence):
            return [w for w in sentence.split() if w == "zebra"]

    examples = [{"en": "a", "ko_tokens": "x y z w", "kind": "first"}, {"en": "b zebra", "ko_tokens": "x y z w",
                "kind": "first"}, {"en": "c", "ko_tokens": "p q r s", "kind": "second"}]
    got = s2s.scores_by_kind(Table(), examples)
    assert list(got) == ["first", "second"]
    assert got["first"]["exact_match"] == 0.5 and got["first"]["n"] == 2 and got["first"]["unknown_words"] == 1
    assert got["first"]["bleu"] == pytest.approx(s2s.corpus_bleu(["x y z w"] * 2, ["x y z w", "x y z q"]))
    assert got["first"]["failures"] == [{"en": "b zebra", "reference": "x y z w", "translation": "x y z q"}]
    assert got["second"] == {"bleu": pytest.approx(100), "exact_match": 1.0, "n": 1, "unknown_words": 0,
                             "failures": []}
    results = {"gru": {"exact_match": 0.75, "bleu": 90.0, "exact_match_heldout_structures": None,
                       "compositional": got}}
    table_text = s2s.generalisation_table(results, {"gru": "GRU"})
    assert table_text.splitlines()[0] == "| translator | test | first | second |"
    assert table_text.splitlines()[2].startswith("| GRU | 75.0 % (90.0) | 50.0 % (")
    assert "want x y z w" in s2s.failures_text(got) and "b zebra" in s2s.failures_text(got)
