"""N-gram language models: counting, smoothing and perplexity.

A language model gives the probability of the next token from the ones
before it. An n-gram model only looks at the last n - 1 tokens and estimates
P(w | context) from counts in a training corpus:

    P(w | c) = count(c, w) / count(c)

A context never followed by `w` in training gets probability 0, and one unseen
pair makes a whole test sentence impossible (infinite perplexity), so the
counts are **smoothed**:

* add-k (Laplace for k = 1): pretend every pair was seen k more times,
  P(w | c) = (count(c, w) + k) / (count(c) + k V);
* interpolated Kneser-Ney (bigrams here): subtract a discount d from every seen count and
  give the mass saved to a lower-order model, whose probabilities count in
  how many *different* contexts a word appears (its continuation count), not
  how often.

**Perplexity** is exp of the mean negative log-probability per token: the
number of equally likely choices the model is as unsure as. A model that
guesses uniformly among V tokens has perplexity V.

Sentences are padded with `<s>` (n - 1 times) at the start and `</s>` at the
end; `</s>` is predicted and counted, `<s>` never is.
"""

from __future__ import annotations

import math
from collections import Counter

BOS, EOS, UNK = "<s>", "</s>", "<unk>"


# --8<-- [start:ngram]
class NGramLM:
    """An n-gram model over space-separated tokens with add-k or interpolated Kneser-Ney smoothing.

    Args:
        n: the order (2 for bigrams).
        smoothing: "add-k" or "kneser-ney".
        k: the pseudo-count of add-k smoothing (1 is Laplace).
        discount: Kneser-Ney's absolute discount d, between 0 and 1.
    """

    def __init__(self, n: int = 2, smoothing: str = "kneser-ney", k: float = 1.0, discount: float = 0.75):
        if n < 1:
            raise ValueError("n must be at least 1")
        if smoothing not in ("add-k", "kneser-ney"):
            raise ValueError(f"unknown smoothing {smoothing!r}; use add-k or kneser-ney")
        if smoothing == "kneser-ney" and n != 2:
            raise ValueError("this Kneser-Ney is written for bigrams (n = 2); use add-k for other orders")
        self.n, self.smoothing, self.k, self.discount = n, smoothing, k, discount

    def fit(self, sentences):
        """Count every order from 1 to n on `sentences` (strings of space-separated tokens)."""
        words = Counter(w for s in sentences for w in s.split())
        self.vocab = sorted(words) + [EOS, UNK]                   # what can be predicted
        known = set(self.vocab)
        self.counts = [Counter() for _ in range(self.n + 1)]     # counts[m][(w1..wm)]
        self.context_counts = [Counter() for _ in range(self.n + 1)]
        for s in sentences:
            tokens = self._pad([w if w in known else UNK for w in s.split()])
            for m in range(1, self.n + 1):
                for i in range(self.n - 1, len(tokens)):
                    gram = tuple(tokens[i - m + 1: i + 1])
                    self.counts[m][gram] += 1
                    self.context_counts[m][gram[:-1]] += 1
        # Kneser-Ney: in how many different contexts each word appears (its continuation
        # count), how many different bigrams there are, and how many different words follow each context.
        self.continuation, self.followers = Counter(), Counter()
        if self.n == 2:
            for context, word in self.counts[2]:
                self.continuation[word] += 1
                self.followers[(context,)] += 1
        self.bigram_types = len(self.counts[2]) if self.n == 2 else 0
        return self

    def _pad(self, tokens):
        return [BOS] * (self.n - 1) + list(tokens) + [EOS]

    def prob(self, word: str, context: tuple) -> float:
        """P(word | the last n - 1 tokens of context)."""
        word = word if word in self.vocab else UNK
        context = tuple(context)[-(self.n - 1):] if self.n > 1 else ()
        if self.smoothing == "add-k":
            gram = context + (word,)
            return (self.counts[len(gram)][gram] + self.k) / (self.context_counts[len(gram)][context]
                                                               + self.k * len(self.vocab))
        return self._kneser_ney(word, context)

    def continuation_prob(self, word: str) -> float:
        """Kneser-Ney's lower order: the share of all distinct bigrams that end in `word`.

        Every word also gets a pseudo-count of 1 / V, so one never seen after
        anything (such as `<unk>`) keeps a little mass; the shares still sum to 1.
        """
        return (self.continuation[word] + 1 / len(self.vocab)) / (self.bigram_types + 1)

    def _kneser_ney(self, word, context):
        """P(w | c) = max(C(c w) - d, 0) / C(c) + d N(c .) / C(c) * P_continuation(w)."""
        seen = self.context_counts[2][context]
        if seen == 0:                                             # a context never seen: the lower order alone
            return self.continuation_prob(word)
        d = self.discount
        return (max(self.counts[2][context + (word,)] - d, 0) / seen
                + d * self.followers[context] / seen * self.continuation_prob(word))

    def perplexity(self, sentences) -> float:
        """exp(mean negative log-probability) per predicted token (every word and `</s>`)."""
        total, count = 0.0, 0
        for s in sentences:
            tokens = self._pad(s.split())
            for i in range(self.n - 1, len(tokens)):
                p = self.prob(tokens[i], tuple(tokens[max(0, i - self.n + 1): i]))
                total += -math.log(p) if p > 0 else math.inf
                count += 1
        return math.exp(total / count)
# --8<-- [end:ngram]
