"""Chapter 5 end to end at toy size, the windows, the baselines, the gradient probe and the CSV reader."""

import csv
import dataclasses
import json

import keras
import numpy as np
import pandas as pd
import pytest

from kerasbook import forecast
from kerasbook.chapters import ch05_rnn as ch
from kerasbook.data import series as sr
from kerasbook.layers.recurrent import ElmanCell
from kerasbook.testing import reloads_identically, run_artifacts, toy_run_fixture, usage_error


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    units: int = 4
    head_units: int = 4
    walk_size: int = 400
    walk_epochs: int = 1
    gradient_window: int = 40


toy_run = toy_run_fixture(ch, Tiny, ["--epochs", "3", "--train-size", "2000", "--batch-size", "64", "--xla", "off",
                                     "--quiet", "--seed", "2"])


def test_run_writes_every_artifact(toy_run):
    m = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv", "random_walk/model.keras",
                      "figures/curves.png", "figures/forecast.png", "figures/scores.png",
                      "figures/random_walk.png", "figures/gradient_norms.png")
    assert m["chapter"] == "ch05_rnn" and m["jit_compile"] is False
    assert m["dataset"]["source"] == "builtin" and m["dataset"]["values"] == 8760
    assert (m["dataset"]["train"], m["dataset"]["validation"], m["dataset"]["test"]) == (2000, 1314, 1314)
    assert set(m["results"]) == {"persistence", "seasonal naive (24)", "linear AR (30 lags)", "simple RNN"}
    assert m["final"]["rnn_vs_persistence_mae"] == pytest.approx(m["final"]["rnn_test_mae"] / m["final"]["persistence_test_mae"], rel=1e-4)
    assert len(m["gradient_norms"]["fresh"]) == 40
    assert m["shapes"]["many_to_one"] == [4, 8] and m["shapes"]["many_to_many"] == [4, 30, 8]
    assert len(set(m["shapes"]["params_by_length"].values())) == 1          # weight sharing across time


def test_loss_fell_and_the_model_reloads(toy_run, tmp_path):
    _, out = toy_run
    with open(out / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])
    x = np.random.default_rng(0).normal(size=(5, 30, 1)).astype("float32")
    reloads_identically(out / "model.keras", x, tmp_path)


def test_scaler_and_persistence_use_only_what_they_may(toy_run):
    _, out = toy_run
    m = json.loads((out / "metrics.json").read_text())
    temps = sr.greensboro_temperature().to_numpy()
    split = forecast.Split.chronological(len(temps), 30)
    assert m["scaler"]["mean"] == pytest.approx(temps[: split.a].mean(), rel=1e-5)     # training span only
    b = split.b
    assert m["results"]["persistence"]["mae"] == pytest.approx(np.mean(np.abs(temps[b:] - temps[b - 1:-1])), rel=1e-4)
    assert m["results"]["seasonal naive (24)"]["mae"] == pytest.approx(np.mean(np.abs(temps[b:] - temps[b - 24:-24])), rel=1e-4)


def test_windows_target_the_value_right_after_them():
    values = np.arange(100, dtype="float32")            # each value is its own index
    x, y = forecast.window_arrays(values, 30, 40, 75)
    assert x.shape == (35, 30) and y.shape == (35,)
    for row, target in zip(x, y):
        np.testing.assert_array_equal(row, np.arange(target - 30, target))
    np.testing.assert_array_equal(y, np.arange(40, 75))
    np.testing.assert_array_equal(forecast.persistence(x), y - 1)
    np.testing.assert_array_equal(forecast.seasonal_naive(values, 24, 40, 75), y - 24)
    shuffled = np.concatenate([b[1].numpy() for b in forecast.windows(values, 30, 40, 75, batch_size=8, shuffle_seed=1)])
    assert sorted(shuffled) == list(y)


def test_split_is_chronological_and_train_size_keeps_the_latest():
    split = forecast.Split.chronological(1000, 30)
    assert split.span("train") == (30, 700) and split.span("validation") == (700, 850) and split.span("test") == (850, 1000)
    assert split.latest(100).span("train") == (600, 700)
    assert split.latest(10_000) == split


def test_state_gradients_match_the_closed_form_for_a_linear_cell():
    keras.utils.set_random_seed(0)
    cell = ElmanCell(3, activation="linear")
    x = np.random.default_rng(1).normal(size=(2, 6, 1)).astype("float32")
    y = np.array([0.5, -1.0], "float32")
    v = np.array([[1.0], [-2.0], [0.5]], "float32")
    norms = forecast.state_gradient_norms(cell, lambda h, _: keras.ops.matmul(h, v), x, y)
    w, u, b = (keras.ops.convert_to_numpy(t) for t in (cell.kernel, cell.recurrent_kernel, cell.bias))
    h = np.zeros((2, 3))
    for t in range(6):
        h = x[:, t] @ w + h @ u + b
    g = (2 * ((h @ v)[:, 0] - y) / 2)[:, None] * v[:, 0]             # d loss / d h_T, per example
    expected = []
    for _ in range(6):
        expected.append(np.linalg.norm(g, axis=1).mean())
        g = g @ u.T                                                   # one step back: h_t = ... + h_{t-1} U
    np.testing.assert_allclose(norms, expected, rtol=1e-4)


def test_rnn_shapes_follow_the_three_patterns():
    shapes = ch.rnn_shapes(batch=2, steps=7, features=3, units=5)
    assert shapes["many_to_one"] == (2, 5)
    assert shapes["many_to_many"] == shapes["one_to_many"] == (2, 7, 5)
    assert shapes["with_state"] == [(2, 5), (2, 5)]
    assert set(shapes["params_by_length"].values()) == {5 * (3 + 5 + 1)}


def test_random_walk_is_reproducible_and_positive():
    a, b = sr.random_walk(500, seed=3), sr.random_walk(500, seed=3)
    pd.testing.assert_series_equal(a, b)
    assert len(a) == 500 and (a > 0).all() and not a.equals(sr.random_walk(500, seed=4))


def write_prices(path, rows, header="Date,Open,High,Low,Close,Adj Close,Volume"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def price_rows(n, start="2020-01-01"):
    dates = pd.bdate_range(start, periods=n)
    close = 100 + np.cumsum(np.random.default_rng(0).normal(size=n))
    return [f"{d.date()},{c:.2f},{c + 1:.2f},{c - 1:.2f},{c:.2f},{c:.2f},1000" for d, c in zip(dates, close)]


def test_csv_reader_takes_close_sorted_by_date(tmp_path):
    rows = price_rows(10)
    series = sr.read_csv_series(write_prices(tmp_path / "p.csv", rows[::-1]))
    assert series.name == "Close" and series.index.is_monotonic_increasing and len(series) == 10
    assert series.iloc[0] == pytest.approx(float(rows[0].split(",")[4]))
    assert sr.read_csv_series(tmp_path / "p.csv", "Open").name == "Open"


@pytest.mark.parametrize("header, rows, words", [
    ("Day0,Close", ["2020-01-01,1"], "no date column"),
    ("Date,Open,High", ["2020-01-01,1,2"], "no Close column"),
    ("Date,Close", ["2020-01-01,1", "2020-01-02,abc"], "line 3: Close is 'abc', not a number"),
    ("Date,Close", ["2020-01-01,1", "someday,2"], "line 3: Date is 'someday', not a date"),
    ("Date,Close", ["2020-01-01,1", "2020-01-01,2"], "appears twice"),
])
def test_malformed_csv_is_named(tmp_path, header, rows, words):
    from kerasbook.cli import UsageError

    with pytest.raises(UsageError, match=words):
        sr.read_csv_series(write_prices(tmp_path / "bad.csv", rows, header))


@dataclasses.dataclass(frozen=True)
class TinyLongProbe(Tiny):
    gradient_window: int = 120          # longer than the CSV below: the probe must shorten it


def test_training_on_a_price_csv(tmp_path, monkeypatch):
    monkeypatch.setattr(ch, "Config", TinyLongProbe)
    csv_path = write_prices(tmp_path / "nflx.csv", price_rows(100))
    out = tmp_path / "run"
    assert ch.main(["--csv", str(csv_path), "--epochs", "1", "--batch-size", "32", "--out", str(out),
                    "--xla", "off", "--quiet"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["dataset"]["source"] == "full" and m["dataset"]["values"] == 100 and m["dataset"]["season"] is None
    assert (m["dataset"]["train"], m["dataset"]["validation"], m["dataset"]["test"]) == (40, 15, 15)
    assert "seasonal naive (24)" not in m["results"]
    assert len(m["gradient_norms"]["fresh"]) == 98


def test_csv_problems_are_one_line(tmp_path, capsys):
    bad = write_prices(tmp_path / "bad.csv", ["2020-01-01,1", "2020-01-02,x"], "Date,Close")
    assert "line 3" in usage_error(ch.main, ["--csv", str(bad), "--out", str(tmp_path / "o")], capsys)
    assert "does not exist" in usage_error(ch.main, ["--csv", str(tmp_path / "none.csv")], capsys)
    assert "no price CSV given" in usage_error(ch.main, ["--data", "full"], capsys)
    short = write_prices(tmp_path / "short.csv", price_rows(50))
    assert "the series has 50 values" in usage_error(ch.main, ["--csv", str(short)], capsys)
    (tmp_path / "empty").mkdir()
    assert "holds no CSV file" in usage_error(ch.main, ["--data-dir", str(tmp_path / "empty")], capsys)
    assert not (tmp_path / "o").exists()
