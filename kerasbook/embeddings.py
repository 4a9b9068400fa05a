"""Word embeddings: skip-gram with negative sampling and CBOW, in Keras; neighbours and analogies.

A one-hot vector says which word it is and nothing else: every two words are
equally far apart. A dense embedding puts words used in similar contexts close
together, and it is learned from raw text by a prediction game (Mikolov et
al.'s word2vec):

* **skip-gram**: from a word, predict the words around it (within `window`).
  With **negative sampling** it becomes a binary task: is (word, context) a
  pair that occurs in the text, or a random word drawn from the unigram
  distribution raised to the power 3/4? The score is the dot product of the
  word's vector and the context's vector;
* **CBOW** (continuous bag of words): from the average of the surrounding
  words' vectors, predict the word in the middle (a softmax over the vocabulary).

Then nearest neighbours by cosine similarity, and analogies by vector
arithmetic: b - a + c lands near the word that is to c what b is to a.
"""

from __future__ import annotations

import numpy as np


def vocabulary(sentences, min_count: int = 1):
    """`(words, counts)`: the words of `sentences` by falling frequency (ties alphabetical); index 0 is padding."""
    from collections import Counter

    counts = Counter(w for s in sentences for w in s.split())
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return ["<pad>"] + words, np.array([0] + [counts[w] for w in words], np.float64)


# --8<-- [start:pairs]
def skipgram_pairs(sentences, index: dict, window: int = 2, negatives: int = 4, counts=None, seed: int = 0):
    """`(targets, contexts, labels)` int32/int32/float32 arrays for skip-gram with negative sampling.

    Every (word, neighbour within `window`) pair gets label 1, and `negatives`
    pairs (word, random word) get label 0, the random words drawn with
    probability proportional to count ** 0.75.
    """
    rng = np.random.default_rng(seed)
    targets, contexts = [], []
    for s in sentences:
        ids = [index[w] for w in s.split() if w in index]
        for i, t in enumerate(ids):
            for j in range(max(0, i - window), min(len(ids), i + window + 1)):
                if j != i:
                    targets.append(t)
                    contexts.append(ids[j])
    targets, contexts = np.array(targets, np.int32), np.array(contexts, np.int32)
    noise = np.asarray(counts, np.float64) ** 0.75
    noise[0] = 0.0                                          # never the padding index
    noise /= noise.sum()
    fake = rng.choice(len(noise), size=len(targets) * negatives, p=noise).astype(np.int32)
    all_targets = np.concatenate([targets, np.repeat(targets, negatives)])
    all_contexts = np.concatenate([contexts, fake])
    labels = np.concatenate([np.ones(len(targets)), np.zeros(len(fake))]).astype(np.float32)
    return all_targets, all_contexts, labels


def cbow_examples(sentences, index: dict, window: int = 2):
    """`(contexts (N, 2 window) int32, zero-padded at the sentence edges; middle words (N,) int32)`."""
    rows, middles = [], []
    for s in sentences:
        ids = [index[w] for w in s.split() if w in index]
        for i, t in enumerate(ids):
            around = ids[max(0, i - window): i] + ids[i + 1: i + window + 1]
            rows.append(around + [0] * (2 * window - len(around)))
            middles.append(t)
    return np.array(rows, np.int32), np.array(middles, np.int32)
# --8<-- [end:pairs]


# --8<-- [start:models]
def build_skipgram(vocab_size: int, dim: int = 32):
    """(word, context) ids -> the logit that they really occur together: word vector . context vector."""
    import keras
    from keras import layers

    word = keras.Input((), dtype="int32", name="word")
    context = keras.Input((), dtype="int32", name="context")
    w = layers.Embedding(vocab_size, dim, name="word_embedding")(word)          # (B, dim): what we keep
    c = layers.Embedding(vocab_size, dim, name="context_embedding")(context)    # (B, dim)
    logit = layers.Dot(axes=-1, name="score")([w, c])                           # (B, 1)
    return keras.Model([word, context], logit, name="skipgram")


def build_cbow(vocab_size: int, dim: int = 32):
    """Context word ids (B, 2 window) -> logits over the vocabulary for the middle word."""
    import keras
    from keras import layers

    context = keras.Input((None,), dtype="int32", name="context")
    e = layers.Embedding(vocab_size, dim, mask_zero=True, name="word_embedding")(context)   # (B, 2w, dim)
    mean = layers.GlobalAveragePooling1D(name="average")(e)                             # padding ignored
    return keras.Model(context, layers.Dense(vocab_size, name="logits")(mean), name="cbow")
# --8<-- [end:models]


# --8<-- [start:neighbours]
def normalise(vectors) -> np.ndarray:
    vectors = np.asarray(vectors, np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def nearest(vectors, words: list, query, k: int = 5, exclude=()) -> list:
    """The `k` words whose vectors have the highest cosine similarity with `query` (a word or a vector)."""
    unit = normalise(vectors)
    q = unit[words.index(query)] if isinstance(query, str) else normalise(query)
    sims = unit @ q
    skip = set(exclude) | ({query} if isinstance(query, str) else set()) | {words[0]}
    order = [i for i in np.argsort(-sims) if words[i] not in skip]
    return [(words[i], float(sims[i])) for i in order[:k]]


def analogy(vectors, words: list, a: str, b: str, c: str, k: int = 1) -> list:
    """Words near b - a + c (unit vectors), leaving out a, b and c: "a is to b as c is to ?"."""
    unit = normalise(vectors)
    target = unit[words.index(b)] - unit[words.index(a)] + unit[words.index(c)]
    return nearest(vectors, words, target, k=k, exclude=(a, b, c))
# --8<-- [end:neighbours]
