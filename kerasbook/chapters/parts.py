"""What the chapters made of parts (13 and 14) share: each part's XLA decision."""

from __future__ import annotations


def part_xla(run, part: str, first: str, measure_step_times, run_steps):
    """`(jit, why)` for one part of a run: the chapter's own decision for its `first` part; for any other, the
    part's own, recorded as `CHAPTER.PART` by `python -m kerasbook.bench`, or else measured now from
    `measure_step_times(cfg, part, steps=5)` and spread over the `run_steps(cfg, part)` steps the run takes."""
    from kerasbook import xla

    if part == first:
        return run.jit, run.why
    return xla.resolve(run.args.xla, f"{run.chapter}.{part}", measure=lambda: xla.seconds_per_step(
        measure_step_times(run.cfg, part, steps=5), run_steps(run.cfg, part)))
