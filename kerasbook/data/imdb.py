"""IMDB movie reviews (positive or negative) through TFDS: chapter 13's full data for fine-tuning.

`tfds.load("imdb_reviews")` gives 25,000 training and 25,000 test reviews.
`load_reviews` cleans them the way the book's tokenisers expect (lower case,
line-break tags removed, punctuation split off as tokens), draws the
requested numbers from each split by the seed, and also returns unlabelled
text from the `unsupervised` split for masked-language-model pre-training.
"""

from __future__ import annotations

import re

import numpy as np

from kerasbook.data import tfds_data_dir, tfds_prepared

NAME = "imdb_reviews"
available = tfds_prepared(NAME, "imdb_reviews")
_TAGS = re.compile(r"<[^>]+>")
_PUNCTUATION = re.compile(r"([.,!?;:()\"])")


def clean(text: str) -> str:
    """Lower case, HTML line breaks removed, punctuation split off: 'Great!<br />A' -> 'great ! a'."""
    return " ".join(_PUNCTUATION.sub(r" \1 ", _TAGS.sub(" ", text.lower())).split())


def load_reviews(sizes: dict, seed: int = 0, data_dir=None, max_words: int | None = None) -> dict:
    """`{split: list of {"text", "label"}}` for the splits and sizes in `sizes` (keys "train", "test" and
    "unsupervised", whose labels are -1); each review cut to its first `max_words` tokens."""
    import tensorflow_datasets as tfds

    rng = np.random.default_rng(seed)
    out = {}
    for split, n in sizes.items():
        ds = tfds.load(NAME, split=split, as_supervised=True, data_dir=str(tfds_data_dir(data_dir)))
        texts, labels = [], []
        for text, label in tfds.as_numpy(ds):
            texts.append(text.decode("utf-8", "replace"))
            labels.append(int(label))
        pick = rng.permutation(len(texts))[: min(n, len(texts))]
        out[split] = [{"text": " ".join(clean(texts[i]).split()[:max_words]), "label": labels[i]} for i in pick]
    return out
