"""Chapter 6 end to end at toy size, the adding problem and the gate trace."""

import dataclasses

import keras
import numpy as np
import pytest

from kerasbook.chapters import ch06_lstm as ch
from kerasbook.layers.recurrent import GateLSTMCell
from kerasbook.testing import reloads_identically, run_artifacts, toy_run_fixture


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    length: int = 12
    val_size: int = 64
    test_size: int = 64
    units: int = 4
    head_units: int = 4
    forecast_epochs: int = 1


toy_run = toy_run_fixture(ch, Tiny, ["--epochs", "3", "--train-size", "512", "--batch-size", "32", "--xla", "off",
                                     "--quiet"])


def test_run_writes_every_artifact(toy_run):
    m = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv", "adding_rnn/model.keras",
                      "forecast_rnn/model.keras", "forecast_lstm/model.keras", "figures/adding.png",
                      "figures/gates.png", "figures/curves.png", "figures/forecast.png",
                      "figures/forecast_scores.png")
    assert m["chapter"] == "ch06_lstm"
    assert m["dataset"]["name"] == "adding_problem" and m["dataset"]["train"] == 512
    assert m["dataset"]["forecasting"]["source"] == "builtin"
    assert set(m["adding"]) == {"simple RNN", "LSTM"}
    assert m["final"]["lstm_of_baseline"] == pytest.approx(m["final"]["lstm_test_mse"] / m["final"]["baseline_mse"], rel=1e-4)
    assert {"simple RNN", "LSTM", "persistence"} <= set(m["forecasting"]["results"])
    # The LSTM has four gates where the simple RNN has one transform: 4x the recurrent parameters (+ the same head).
    assert m["adding"]["LSTM"]["params"] - 5 == 4 * (m["adding"]["simple RNN"]["params"] - 5)


def test_the_saved_lstm_reloads_and_its_loss_fell(toy_run, tmp_path):
    _, out = toy_run
    x, _ = ch.adding_problem(4, 12, 0)
    model, _ = reloads_identically(out / "model.keras", x, tmp_path)
    assert isinstance(model.get_layer("lstm").cell, GateLSTMCell)
    rows = (out / "history.csv").read_text().splitlines()
    losses = [float(r.split(",")[rows[0].split(",").index("loss")]) for r in rows[1:]]
    assert losses[-1] < losses[0]


def test_adding_problem_marks_two_values_and_sums_them():
    x, y = ch.adding_problem(20_000, 50, seed=1)
    assert x.shape == (20_000, 50, 2) and y.shape == (20_000, 1)
    marks = x[..., 1]
    assert (marks.sum(axis=1) == 2).all()
    first, second = np.argmax(marks, axis=1), 49 - np.argmax(marks[:, ::-1], axis=1)
    assert first.max() < 5 and second.min() >= 25
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * marks).sum(axis=1), atol=1e-6)
    # Always answering 1 scores Var(u1 + u2) = 1/6.
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, rel=0.03)


def test_gate_trace_replays_the_layer():
    keras.utils.set_random_seed(0)
    cell = GateLSTMCell(5)
    layer = keras.layers.RNN(cell, return_sequences=True)
    x, _ = ch.adding_problem(1, 9, 0)
    outputs = keras.ops.convert_to_numpy(layer(x))[0]
    trace = ch.gate_trace(cell, x[0])
    np.testing.assert_allclose(trace["hidden"], outputs, atol=1e-5)
    assert trace["forget"].shape == (9, 5)
    prev = np.vstack([np.zeros((1, 5)), trace["cell"][:-1]])
    np.testing.assert_allclose(trace["cell"], trace["forget"] * prev + trace["input"] * trace["candidate"], atol=1e-5)


def test_a_bad_csv_stops_the_run_before_any_training(tmp_path, capsys):
    from kerasbook.testing import usage_error

    bad = tmp_path / "bad.csv"
    bad.write_text("Date,Close\n2020-01-01,1\n2020-01-02,x\n")
    err = usage_error(ch.main, ["--csv", str(bad), "--out", str(tmp_path / "o")], capsys)
    assert "line 3: Close is 'x', not a number" in err
    assert not (tmp_path / "o").exists()
