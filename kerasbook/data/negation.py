"""Two-clause sentences whose label hangs on where the negation sits: a task a bag of words cannot read.

"the teacher is not happy but the dog is tired": is the *first* subject
described positively? Here no: "happy" is positive, and it is negated. Move
the "not" to the other clause, "the teacher is happy but the dog is not
tired", and the answer flips, yet the sentence holds exactly the same words.
So every sentence has a twin with the same bag of words and the opposite
label, and a model that only counts words scores 50 % on average; reading the
order (which adjective belongs to the first subject, which clause the "not"
is in) is the whole task. Chapter 13 fine-tunes a pre-trained encoder on a
few hundred of these against the same model trained from scratch.

Every sentence negates exactly one clause, and the subjects, adjectives,
conjunction and an optional time word are drawn independently, from the seed.
"""

from __future__ import annotations

import hashlib

import numpy as np

from kerasbook.data.enko import ANIMALS, PEOPLE

POSITIVE = ("happy", "kind", "brave", "clever", "calm", "cheerful", "friendly", "gentle")
NEGATIVE = ("tired", "hungry", "sad", "angry", "lazy", "rude", "grumpy", "nervous")
SUBJECTS = tuple(en for en, _ in PEOPLE + ANIMALS if " " not in en)
CONJUNCTIONS = ("but", "and", "while")
TIMES = ("today", "yesterday", "now", "again")


def _seed(seed: int, split: str, index: int) -> int:
    return int.from_bytes(hashlib.sha256(f"negation/{seed}/{split}/{index}".encode()).digest()[:8], "little")


# --8<-- [start:negation]
def first_subject_positive(first_adjective: str, first_negated: bool) -> int:
    """1 when the first subject is described positively: a positive adjective not negated, or a negative one negated."""
    return int((first_adjective in POSITIVE) != first_negated)


def draw_example(seed: int, split: str, index: int) -> dict:
    """`{"text", "label", "negated"}`: example `index` of `split`; `negated` is the clause (0 or 1) with "not"."""
    rng = np.random.default_rng(_seed(seed, split, index))
    subjects = rng.choice(SUBJECTS, 2, replace=False)
    adjectives = [rng.choice(POSITIVE if rng.random() < 0.5 else NEGATIVE) for _ in range(2)]
    negated = int(rng.integers(2))
    clauses = [f"the {s} is {'not ' if negated == i else ''}{a}" for i, (s, a) in enumerate(zip(subjects, adjectives))]
    text = f" {rng.choice(CONJUNCTIONS)} ".join(clauses)
    if rng.random() < 0.3:
        text = f"{rng.choice(TIMES)} {text}"
    return {"text": text, "label": first_subject_positive(adjectives[0], negated == 0), "negated": negated}
# --8<-- [end:negation]


def draw_split(seed: int, split: str, n: int) -> list[dict]:
    return [draw_example(seed, split, i) for i in range(n)]


def move_negation(text: str) -> str:
    """The twin sentence: the same words with "not" moved to the other clause."""
    words = text.split()
    at = words.index("not")
    words.pop(at)
    other = [i for i, w in enumerate(words) if w == "is" and i != at - 1][0]
    words.insert(other + 1, "not")
    return " ".join(words)


def load_builtin(pretrain_size: int, train_size: int, val_size: int, test_size: int, seed: int) -> dict:
    """`{split: list of {"text", "label", "negated"}}` for "pretrain", "train", "validation" and "test", read
    from the TFDS builder in `datasets/negation_twins` (prepared once under the book's cache), in drawing order."""
    from kerasbook.data import generated_splits
    from kerasbook.datasets.negation_twins.negation_twins_dataset_builder import Builder, TwinsConfig

    config = TwinsConfig.make(pretrain_size, train_size, val_size, test_size, seed)
    splits = generated_splits(Builder, config, ("pretrain", "train", "validation", "test"))
    return {k: [{"text": v["text"][i].decode(), "label": int(v["label"][i]), "negated": int(v["negated"][i])}
                for i in range(len(v["text"]))] for k, v in splits.items()}
