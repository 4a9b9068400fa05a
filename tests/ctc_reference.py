"""CTC by brute force: the reference the CTC and quiz tests compare against."""

import itertools
import math


def collapse(path, blank=0):
    """Merge repeats, then drop blanks: the labelling a path stands for."""
    out, prev = [], None
    for k in path:
        if k != prev and k != blank:
            out.append(k)
        prev = k
    return tuple(out)


def brute_force_probs(probs):
    """P(labelling) for every labelling, by enumerating all K^T paths of a (T, K) table."""
    totals = {}
    for path in itertools.product(range(len(probs[0])), repeat=len(probs)):
        p = math.prod(probs[t][k] for t, k in enumerate(path))
        key = collapse(path)
        totals[key] = totals.get(key, 0.0) + p
    return totals
