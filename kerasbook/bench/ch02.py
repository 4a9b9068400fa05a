"""Chapter 2 benchmark: XLA on/off for the 784-64-10 MLP, and the hand-written sine fit.

* compile time, median step time and samples/s of a training step of the
  digit classifier with XLA on and off, and the mode `--xla auto` will use;
* the sine fit's gradient-descent update, as a `tf.function` with and without
  XLA, in microseconds per update (1,000 points, full batch).

Bar: at least 95 % test accuracy for the 784-64-10 MLP on the builtin
handwritten digits (360 held-out images), within 3 minutes of wall time.
"""

from __future__ import annotations

import time

from kerasbook.bench.common import chapter_report, chapter_steps, step_rows

CHAPTER_MODULE = "kerasbook.chapters.ch02_ann"
BAR = {"metric": "test_accuracy", "at_least": 0.95, "wall_s_at_most": 3 * 60}


def bench_sine(steps=2000, repeats=3):
    """Microseconds per hand-written gradient-descent update of the cubic, XLA on and off."""
    import tensorflow as tf

    from kerasbook.chapters import ch02_ann as ch

    x, y = ch.sine_data(1000)
    result = {}
    for jit in (True, False):
        coeffs = ch.init_coeffs(0)

        @tf.function(jit_compile=jit)
        def run(n):
            for _ in tf.range(n):
                with tf.GradientTape() as tape:
                    loss = ch.sum_of_squares(ch.cubic(x, coeffs), y)
                for w, g in zip(coeffs, tape.gradient(loss, coeffs)):
                    w.assign_sub(1e-6 * g)
            return loss

        run(tf.constant(10))                                     # trace and compile
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run(tf.constant(steps)).numpy()
            times.append((time.perf_counter() - start) / steps)
        result[f"xla_{'on' if jit else 'off'}_us_per_update"] = min(times) * 1e6
    return result


def step_times(steps, quick=False, cfg=None):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    return chapter_steps(CHAPTER_MODULE, "784-64-10 MLP", steps, cfg)


def run(steps, quick, ship=False):
    report, _ = chapter_report(CHAPTER_MODULE, step_times, steps, quick, ship)
    print("measuring the hand-written sine-fit update ...", flush=True)
    report["sine"] = bench_sine(steps=500 if quick else 2000)
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    out = step_rows(report)
    s = report["sine"]
    out.append(("sine GD update", f"XLA on {s['xla_on_us_per_update']:.0f} µs, off {s['xla_off_us_per_update']:.0f} µs"))
    return out
