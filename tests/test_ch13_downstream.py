"""Chapter 13's task heads: BERT's packing, heads and answer spans; GPT-1's input transformation and its
fine-tuning model on our GPT."""

import itertools

import keras
import numpy as np
import pytest

from kerasbook.chapters.ch13_transformer import downstream as ds
from kerasbook.pretraining import build_gpt


def test_pack_pair_frames_a_pair_with_cls_and_two_seps():
    ids, segments = ds.pack_pair([11, 12, 13], [21, 22], sequence_length=10, cls_id=2, sep_id=4)
    assert ids.tolist() == [2, 11, 12, 13, 4, 21, 22, 4, 0, 0]
    assert segments.tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 0, 0]
    ids, segments = ds.pack_pair([11, 12], sequence_length=6, cls_id=2, sep_id=4)
    assert ids.tolist() == [2, 11, 12, 4, 0, 0] and segments.tolist() == [0] * 6
    ids, _ = ds.pack_pair(list(range(10, 20)), [30, 31], sequence_length=8, cls_id=2, sep_id=4)
    assert len(ids) == 8 and ids[0] == 2 and list(ids).count(4) == 2 and 31 in ids   # the longer one is cut


def test_best_span_is_the_brute_force_best_allowed_span():
    rng = np.random.default_rng(0)
    for _ in range(20):
        s, e = rng.normal(size=9), rng.normal(size=9)
        allowed = np.arange(9) >= 3                                   # the context starts at position 3
        best = max(((i, j) for i, j in itertools.product(range(3, 9), repeat=2) if i <= j < i + 4),
                   key=lambda ij: s[ij[0]] + e[ij[1]])
        assert ds.best_span(s, e, allowed, max_length=4) == best
    # The best start and the best end alone would make a backwards span; the best valid one is chosen.
    assert ds.best_span([0, 1, 5], [5, 0, 1]) == (2, 2)


@pytest.fixture(scope="module")
def backbone():
    import keras_hub

    keras.utils.set_random_seed(0)
    return keras_hub.models.BertBackbone(vocabulary_size=40, num_layers=1, num_heads=2, hidden_dim=16,
                                         intermediate_dim=32, max_sequence_length=24)


@pytest.mark.parametrize("task", ds.BERT_TASKS)
def test_bert_heads_read_cls_every_token_or_span_ends(backbone, task):
    model = ds.build_bert_task_model(backbone, task, num_classes=5)
    ids, segments = ds.pack_pair([11, 12, 13], [21, 22], sequence_length=10, cls_id=2, sep_id=4)
    batch = {"token_ids": np.stack([ids, ids]), "segment_ids": np.stack([segments, segments]),
             "padding_mask": np.stack([ids != 0, ids != 0]).astype("int32")}
    out = model(batch)
    if task in ("sentence", "pair"):
        assert tuple(out.shape) == (2, 5)
        # The head reads the [CLS] vector only: it is the backbone's output at position 0.
        cls = keras.ops.convert_to_numpy(backbone(batch)["sequence_output"])[:, 0]
        w, b = model.get_layer("class_logits").get_weights()
        np.testing.assert_allclose(keras.ops.convert_to_numpy(out), cls @ w + b, atol=1e-5)
    elif task == "tagging":
        assert tuple(out.shape) == (2, 10, 5)
    else:
        assert tuple(out["start"].shape) == tuple(out["end"].shape) == (2, 10)
    # Segment ids matter: the same tokens read as one segment give other outputs.
    other = dict(batch, segment_ids=np.zeros_like(batch["segment_ids"]))
    first = out if task != "span" else out["start"]
    second = model(other) if task != "span" else model(other)["start"]
    assert not np.allclose(keras.ops.convert_to_numpy(first), keras.ops.convert_to_numpy(second))


def test_gpt1_sequences_follow_the_papers_figure():
    assert ds.gpt1_sequences("classification", "a fine film") == [["[START]", "a", "fine", "film", "[EXTRACT]"]]
    assert ds.gpt1_sequences("entailment", "it rains", "it is wet") == [
        ["[START]", "it", "rains", "[DELIM]", "it", "is", "wet", "[EXTRACT]"]]
    a, b = ds.gpt1_sequences("similarity", "x y", "z")
    assert a == ["[START]", "x", "y", "[DELIM]", "z", "[EXTRACT]"] and b == ["[START]", "z", "[DELIM]", "x", "y",
                                                                             "[EXTRACT]"]
    choices = ds.gpt1_sequences("multiple_choice", "q", "a1", "a2 b2", "a3")
    assert len(choices) == 3 and [len(c) for c in choices] == [5, 6, 5]
    with pytest.raises(ValueError, match="unknown task"):
        ds.gpt1_sequences("translation", "x")


def _ids(sequences, vocab, length):
    out = np.zeros((len(sequences), length), np.int32)
    for row, seq in enumerate(sequences):
        out[row, : len(seq)] = [vocab.setdefault(w, len(vocab) + 1) for w in seq]
    return out


@pytest.fixture(scope="module")
def gpt():
    keras.utils.set_random_seed(1)
    return build_gpt(30, d_model=16, num_heads=2, ff_dim=32, num_layers=1, max_length=16)


@pytest.mark.parametrize("task,texts,n", [("entailment", ("it rains", "it is wet"), 1),
                                          ("similarity", ("a b c", "d e"), 2),
                                          ("multiple_choice", ("q r", "a", "b c", "d"), 3)])
def test_gpt1_head_reads_the_extract_state(gpt, task, texts, n):
    vocab = {}
    ids = _ids(ds.gpt1_sequences(task, *texts), vocab, 10)[None]                    # (1, n, 10)
    model = ds.build_gpt1_finetuner(gpt, task, 10, sequences=n, num_classes=3)
    out = model(ids)
    assert tuple(out["lm"].shape) == (1, n, 10, 30)
    assert tuple(out["task"].shape) == ((1, n) if task == "multiple_choice" else (1, 3))
    # The linear head reads the body's final state at [EXTRACT], the last real token of each sequence.
    h = keras.ops.convert_to_numpy(model.get_layer("gpt_body")(ids[0]))              # (n, 10, d)
    last = (ids[0] != 0).sum(1) - 1
    assert all(ids[0, k, last[k]] == vocab["[EXTRACT]"] for k in range(n))
    states = h[np.arange(n), last]                                                    # (n, d)
    if task == "multiple_choice":
        w, b = model.get_layer("answer_score").get_weights()
        expected = (states @ w + b)[:, 0]
    else:
        w, b = model.get_layer("class_logits").get_weights()
        expected = states.sum(0) @ w + b
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out["task"])[0], expected, atol=1e-4)
    if task == "similarity":                                                          # the order does not matter
        swapped = keras.ops.convert_to_numpy(model(ids[:, ::-1])["task"])
        np.testing.assert_allclose(swapped, keras.ops.convert_to_numpy(out["task"]), atol=1e-4)


def test_gpt1_fine_tuning_adds_half_the_language_model_loss(gpt):
    vocab = {}
    rows = [ds.gpt1_sequences("entailment", p, h)[0] for p, h in
            [("it rains", "it is wet"), ("the sun shines", "it is dark"), ("a cat sat", "an animal sat")] * 4]
    ids = _ids(rows, vocab, 10)[:, None]                                             # (12, 1, 10)
    labels = np.array([0, 1, 0] * 4)
    model = ds.build_gpt1_finetuner(gpt, "entailment", 10, num_classes=2)
    ds.compile_gpt1(model, learning_rate=1e-3)
    targets = {"task": labels, "lm": ds.next_token_labels(ids)}
    assert targets["lm"][0, 0, : 2].tolist() == ids[0, 0, 1:3].tolist() and targets["lm"][0, 0, -1] == 0
    logs = model.evaluate(ids, targets, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["task_loss"] + 0.5 * logs["lm_loss"], rel=1e-4)
    history = model.fit(ids, targets, epochs=3, batch_size=12, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
