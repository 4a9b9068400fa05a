"""Chapter 6 benchmark: XLA on/off for the adding-problem LSTM, and our cell against keras.layers.LSTM.

* compile time, median step time and samples/s of a training step of our
  gate-by-gate LSTM over 100 steps with XLA on and off, and the mode
  `--xla auto` will therefore use;
* the same step with `keras.layers.LSTM` (its fused kernel) in place of ours.

Bar: on the adding problem (100 steps) the LSTM's test MSE is below 10 % of
the trivial baseline while the simple RNN's stays above 50 % of it, within
12 minutes of wall time.
"""

from __future__ import annotations

from kerasbook.bench.common import by_mode_name, chapter_report, chapter_steps, median_step_rows, step_rows
from kerasbook import xla

CHAPTER_MODULE = "kerasbook.chapters.ch06_lstm"
BAR = {"checks": [{"metric": "lstm_of_baseline", "at_most": 0.1}, {"metric": "rnn_of_baseline", "at_least": 0.5}],
       "wall_s_at_most": 12 * 60}


def keras_lstm_steps(cfg, steps):
    """Step times of the same model built on `keras.layers.LSTM`."""
    import keras

    from kerasbook import training
    from kerasbook.chapters import ch06_lstm as ch

    x, y = ch.adding_problem(cfg.batch_size, cfg.length, 0)

    def make(jit):
        keras.utils.set_random_seed(0)
        seq = keras.Input((cfg.length, 2))
        model = keras.Model(seq, keras.layers.Dense(1)(keras.layers.LSTM(cfg.units, use_cudnn=False)(seq)))
        training.compile_model(model, optimizer=keras.optimizers.Adam(1e-3), loss="mse", metrics=[], jit_compile=jit)
        return model

    return xla.time_train_steps(make, x, y, steps=steps)


def step_times(steps, quick=False, cfg=None):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    return chapter_steps(CHAPTER_MODULE, "our LSTM, 100 steps", steps, cfg)


def run(steps, quick, ship=False):
    report, cfg = chapter_report(CHAPTER_MODULE, step_times, steps, quick, ship)
    print("the same with keras.layers.LSTM ...", flush=True)
    report["keras_lstm"] = by_mode_name(keras_lstm_steps(cfg, max(5, steps // 2 if quick else steps)))
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    return step_rows(report) + median_step_rows("keras LSTM", report["keras_lstm"])
