"""The negation task: labels by hand, twins with the same words and the opposite label, and a bag of words at chance."""

from collections import Counter

import numpy as np

from kerasbook.data import negation as N


def test_labels_follow_the_first_clause():
    assert N.first_subject_positive("happy", False) == 1 and N.first_subject_positive("happy", True) == 0
    assert N.first_subject_positive("tired", False) == 0 and N.first_subject_positive("tired", True) == 1
    ex = N.draw_example(0, "train", 3)
    words = ex["text"].split()
    first_adjective = next(w for w in words if w in N.POSITIVE + N.NEGATIVE)
    first_negated = words.index("not") < words.index(first_adjective)
    assert ex["label"] == N.first_subject_positive(first_adjective, first_negated)
    assert N.draw_example(0, "train", 3) == ex and N.draw_example(1, "train", 3) != ex


def test_every_sentence_has_a_twin_with_the_same_words_and_the_opposite_label():
    for ex in N.draw_split(0, "train", 300):
        twin = N.move_negation(ex["text"])
        assert Counter(twin.split()) == Counter(ex["text"].split()) and twin != ex["text"]
        words = twin.split()
        first_adjective = next(w for w in words if w in N.POSITIVE + N.NEGATIVE)
        assert N.first_subject_positive(first_adjective, words.index("not") < words.index(first_adjective)) \
            == 1 - ex["label"]


def test_a_bag_of_words_reads_it_at_chance():
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    train, test = N.draw_split(0, "train", 4000), N.draw_split(0, "test", 2000)
    labels = np.array([e["label"] for e in train])
    assert 0.45 < labels.mean() < 0.55
    bag = CountVectorizer(token_pattern=r"\S+").fit([e["text"] for e in train])
    clf = LogisticRegression(max_iter=2000).fit(bag.transform([e["text"] for e in train]), labels)
    accuracy = clf.score(bag.transform([e["text"] for e in test]), [e["label"] for e in test])
    assert 0.4 < accuracy < 0.6
    # Word order is all it takes: bigrams such as "not happy" and "the teacher is" already help.
    pairs = CountVectorizer(token_pattern=r"\S+", ngram_range=(1, 3)).fit([e["text"] for e in train])
    clf = LogisticRegression(max_iter=2000).fit(pairs.transform([e["text"] for e in train]), labels)
    assert clf.score(pairs.transform([e["text"] for e in test]), [e["label"] for e in test]) > accuracy + 0.1


def test_the_tfds_builder_writes_every_split_in_drawing_order(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASBOOK_CACHE", str(tmp_path))
    splits = N.load_builtin(30, 12, 5, 7, 0)
    assert {k: len(v) for k, v in splits.items()} == {"pretrain": 30, "train": 12, "validation": 5, "test": 7}
    for split in ("pretrain", "test"):
        assert splits[split] == N.draw_split(0, split, len(splits[split]))
    assert (tmp_path / "tfds").is_dir()
