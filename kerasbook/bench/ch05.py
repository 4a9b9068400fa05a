"""Chapter 5 benchmark: XLA on/off for the RNN forecaster, and our cell against keras.layers.SimpleRNN.

* compile time, median step time and samples/s of a training step of the
  forecaster (our `ElmanRNN`, 30 steps) with XLA on and off, and the mode
  `--xla auto` will therefore use;
* the same step with `keras.layers.SimpleRNN` in place of our cell, to show
  what writing the cell ourselves costs.

Bar: on the builtin hourly temperatures the RNN's test MAE is at most 0.9x
naive persistence's, within 12 minutes of wall time.
"""

from __future__ import annotations

from kerasbook.bench.common import by_mode_name, chapter_report, chapter_steps, median_step_rows, step_rows
from kerasbook import xla

CHAPTER_MODULE = "kerasbook.chapters.ch05_rnn"
BAR = {"metric": "rnn_vs_persistence_mae", "at_most": 0.9, "wall_s_at_most": 12 * 60}


def keras_cell_steps(cfg, steps):
    """Step times of the same forecaster built on `keras.layers.SimpleRNN`."""
    import keras
    import numpy as np

    from kerasbook import forecast, training

    rng = np.random.default_rng(0)
    x = rng.normal(size=(cfg.batch_size, cfg.window, 1)).astype("float32")
    y = rng.normal(size=(cfg.batch_size, 1)).astype("float32")

    def make(jit):
        keras.utils.set_random_seed(0)
        model = forecast.build_forecaster(cfg.window, keras.layers.SimpleRNN(cfg.units, name="rnn"), cfg.head_units)
        training.compile_model(model, optimizer=keras.optimizers.Adam(1e-3), loss="mse", metrics=[], jit_compile=jit)
        return model

    return xla.time_train_steps(make, x, y, steps=steps)


def step_times(steps, quick=False, cfg=None):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    return chapter_steps(CHAPTER_MODULE, "RNN forecaster", steps, cfg)


def run(steps, quick, ship=False):
    report, cfg = chapter_report(CHAPTER_MODULE, step_times, steps, quick, ship)
    print("the same with keras.layers.SimpleRNN ...", flush=True)
    report["keras_simple_rnn"] = by_mode_name(keras_cell_steps(cfg, max(5, steps // 2 if quick else steps)))
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    return step_rows(report) + median_step_rows("keras SimpleRNN", report["keras_simple_rnn"])
