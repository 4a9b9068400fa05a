"""Sequence metrics computed on decoded text (NumPy side, after the model)."""

from __future__ import annotations


def edit_distance(a, b) -> int:
    """Levenshtein distance: fewest insertions, deletions and substitutions from a to b."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def character_error_rate(predictions, targets) -> float:
    """Total edit distance over total target length (0 is perfect)."""
    errors = sum(edit_distance(p, t) for p, t in zip(predictions, targets, strict=True))
    return errors / max(1, sum(len(t) for t in targets))


def exact_match(predictions, targets) -> float:
    """Share of predictions equal to their target."""
    pairs = list(zip(predictions, targets, strict=True))
    return sum(p == t for p, t in pairs) / max(1, len(pairs))
