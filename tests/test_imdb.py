"""IMDB reviews through TFDS, on TFDS's mock data (no download)."""

import tensorflow_datasets as tfds

from kerasbook.data import imdb


def test_clean_splits_punctuation_and_drops_tags():
    assert imdb.clean("Great film!<br /><br />Really (truly) GOOD.") == "great film ! really ( truly ) good ."


def test_reviews_come_through_tfds_cleaned_and_sampled_by_seed(tmp_path):
    with tfds.testing.mock_data(num_examples=30):
        a = imdb.load_reviews({"train": 12, "test": 5, "unsupervised": 7}, seed=0, data_dir=str(tmp_path),
                              max_words=6)
        b = imdb.load_reviews({"train": 12}, seed=0, data_dir=str(tmp_path), max_words=6)
        c = imdb.load_reviews({"train": 12}, seed=1, data_dir=str(tmp_path), max_words=6)
    assert {k: len(v) for k, v in a.items()} == {"train": 12, "test": 5, "unsupervised": 7}
    assert a["train"] == b["train"] and a["train"] != c["train"]
    for review in a["train"] + a["test"]:
        assert review["label"] in (0, 1) and len(review["text"].split()) <= 6
        assert review["text"] == review["text"].lower() and "<br" not in review["text"]
    assert not imdb.available(str(tmp_path))[0]                    # mock data is not a prepared dataset
