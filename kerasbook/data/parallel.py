"""Drawing a generated split in parallel, in order.

The builtin image sets (`captcha`, `shapes`) draw example `i` of a split as a
pure function of `(seed, split, i)`, so a split can be cut into chunks that
worker processes draw independently; the examples still come back in index
order, whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing as mp
import os


def _draw_range(job):
    draw, start, stop = job
    return [draw(i) for i in range(start, stop)]


def draw_split(draw, n: int, chunk: int, workers: int | None = None, progress=None):
    """Yield `(index, *draw(index))` for `index` 0 to `n - 1`, in index order.

    `draw(index)` returns one example as a tuple. The examples are drawn
    `chunk` at a time, by a pool of `workers` spawned processes (default: one
    per CPU) when there are more than two chunks, else in this process; `draw`
    must therefore pickle (a module-level function, or a `functools.partial`
    of one). `progress` is called with the number of examples finished after
    each chunk.
    """
    workers = workers or os.cpu_count() or 1
    jobs = [(draw, s, min(s + chunk, n)) for s in range(0, n, chunk)]
    if workers == 1 or n <= 2 * chunk:
        results, pool = map(_draw_range, jobs), None
    else:
        pool = mp.get_context("spawn").Pool(workers)
        results = pool.imap(_draw_range, jobs)
    try:
        index = 0
        for batch in results:
            for example in batch:
                yield (index, *example)
                index += 1
            if progress:
                progress(len(batch))
    finally:
        if pool is not None:
            pool.terminate()
