"""Chapter 2 at toy size: the three parts end to end, the maths against references, the loaders, bad input."""

import csv
import dataclasses
import json

import keras
import numpy as np
import pytest
import tensorflow_datasets as tfds

from kerasbook.chapters import ch02_ann as ch
from kerasbook.data import digits as dg
from kerasbook.data import housing as hs
from kerasbook.testing import reloads_identically, run_artifacts, toy_run_fixture, usage_error


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    """Everything small enough for the test suite."""

    sine_steps: int = 300
    housing_train_size: int = 300
    housing_val_size: int = 60
    housing_test_size: int = 60
    housing_epochs: int = 4
    housing_batch_size: int = 50
    housing_units: tuple = (16,)
    housing_learning_rate: float = 3e-2
    epochs: int = 4
    batch_size: int = 64
    hidden_units: int = 16
    learning_rate: float = 3e-3


toy_run = toy_run_fixture(ch, Tiny, ["--train-size", "640", "--xla", "off", "--quiet", "--seed", "1"], cache=True)


def losses(path):
    with open(path) as f:
        return [float(row["loss"]) for row in csv.DictReader(f)]


def test_run_writes_every_artifact(toy_run):
    figures = ("sine_fit", "sine_loss", "housing_fit", "housing_curves", "curves", "predictions", "confusion")
    metrics = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv", "housing/model.keras",
                            "housing/history.csv", *(f"figures/{f}.png" for f in figures))
    assert metrics["chapter"] == "ch02_ann" and metrics["jit_compile"] is False
    assert set(metrics["final"]) == {"test_accuracy", "housing_test_rmse", "housing_test_r2", "sine_final_loss"}
    assert metrics["dataset"]["source"] == "builtin" and metrics["dataset"]["train"] == 640
    assert metrics["dataset"]["test"] == 360 and metrics["dataset"]["housing"]["train"] == 300
    assert metrics["epochs_run"] == 4 and metrics["samples_per_s"] > 0
    assert 0.0 <= metrics["final"]["test_accuracy"] <= 1.0
    # the headline sine loss is the hand-written fit's, and it fell from the random start
    assert metrics["final"]["sine_final_loss"] == metrics["sine"]["loss_by_hand"] < metrics["sine"]["loss_start"]


def test_losses_fell(toy_run):
    _, out = toy_run
    classifier, housing = losses(out / "history.csv"), losses(out / "housing" / "history.csv")
    assert len(classifier) == 4 and classifier[-1] < 0.7 * classifier[0]
    assert len(housing) == 4 and housing[-1] < 0.7 * housing[0]


def test_models_reload_and_predict_identically(toy_run, tmp_path):
    _, out = toy_run
    images = dg.load_builtin()["test"][0][:8]
    rows = hs.generate(8, 5, "test")[0]
    for path, x, shape in ((out / "model.keras", images, (8, 10)), (out / "housing" / "model.keras", rows, (8, 1))):
        _, first = reloads_identically(path, x, tmp_path)
        assert first.shape == shape
    assert np.isfinite(first).all()
    probs = keras.models.load_model(out / "model.keras").predict(images, verbose=0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_full_data_offline_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path):
    from kerasbook import data

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    monkeypatch.setattr(data, "network_reachable", lambda url, timeout=3.0: False)
    err = usage_error(ch.main, ["--data", "full", "--out", str(tmp_path / "run")], capsys)
    assert len(err.splitlines()) == 1 and "MNIST is not prepared" in err
    assert not (tmp_path / "run").exists()
    assert data.choose_source(ch.HOUSING, "auto", None)[0] == "builtin"


# -- the sine fit --------------------------------------------------------------------

def closed_form_gd(x, y, start, learning_rate, steps):
    """Gradient descent on a quadratic loss is linear: theta_T = theta* + (I - lr H)^T (theta_0 - theta*)."""
    x = np.asarray(x, "float64")
    design = np.stack([np.ones_like(x), x, x**2, x**3], axis=1)
    best, *_ = np.linalg.lstsq(design, np.asarray(y, "float64"), rcond=None)
    hessian = 2 * design.T @ design                                   # of the sum of squared errors
    step = np.eye(4) - learning_rate * hessian
    return best + np.linalg.matrix_power(step, steps) @ (np.asarray(start, "float64") - best)


def test_hand_written_descent_follows_the_exact_trajectory():
    x, y = ch.sine_data(1000)
    coeffs = ch.init_coeffs(7)
    start = [float(w.numpy()) for w in coeffs]
    ch.fit_cubic_by_hand(x, y, coeffs, learning_rate=1e-6, steps=700, log_every=100)
    got = np.array([float(w.numpy()) for w in coeffs])
    np.testing.assert_allclose(got, closed_form_gd(x, y, start, 1e-6, 700), atol=2e-4)


def test_descent_reaches_the_least_squares_cubic():
    x, y = ch.sine_data(1000)
    coeffs = ch.init_coeffs(0)
    trace = ch.fit_cubic_by_hand(x, y, coeffs, learning_rate=1e-6, steps=8000, log_every=1000)
    best = ch.least_squares_cubic(x, y)
    np.testing.assert_allclose([float(w.numpy()) for w in coeffs], best, atol=1e-3)
    best_loss = float(np.sum((ch.cubic(x, best) - y) ** 2))
    assert trace[-1] == pytest.approx(best_loss, rel=1e-3)
    assert all(b <= a for a, b in zip(trace, trace[1:]))             # lr 1e-6 is small enough to never overshoot
    # sin(x) ~ x - x^3/6 near 0; over [-pi, pi] the best cubic bends less
    assert 0.8 < best[1] < 1.0 and -0.17 < best[3] < -0.09 and abs(best[0]) < 1e-9 and abs(best[2]) < 1e-9


def test_keras_sgd_does_exactly_what_our_update_does():
    x, y = ch.sine_data(200)
    mine, theirs = ch.init_coeffs(3), ch.init_coeffs(3)
    ch.fit_cubic_by_hand(x, y, mine, learning_rate=1e-5, steps=50, log_every=25)
    ch.fit_cubic_with_optimizer(x, y, theirs, keras.optimizers.SGD(1e-5), steps=50, log_every=25)
    np.testing.assert_allclose([w.numpy() for w in mine], [w.numpy() for w in theirs], rtol=1e-6)


def test_sine_data_and_loss():
    x, y = ch.sine_data(1000)
    assert x.shape == (1000,) and x[0] == pytest.approx(-np.pi) and x[-1] == pytest.approx(np.pi)
    coeffs = [0.5, -1.0, 0.25, 2.0]
    expected = np.sum((0.5 - x + 0.25 * x**2 + 2 * x**3 - np.sin(x)) ** 2)
    assert float(ch.sum_of_squares(ch.cubic(x, coeffs), y)) == pytest.approx(expected, rel=1e-5)


def test_iterations_per_epoch_is_what_keras_runs():
    assert ch.iterations_per_epoch(1000, 100) == 10
    assert ch.iterations_per_epoch(1001, 100) == 11 and ch.iterations_per_epoch(1001, 100, drop_remainder=True) == 10

    class Count(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.batches = 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    for n in (1000, 1050):
        counter = Count()
        model.fit(np.zeros((n, 1)), np.zeros(n), batch_size=100, epochs=1, verbose=0, callbacks=[counter])
        assert counter.batches == ch.iterations_per_epoch(n, 100)


# -- metrics, models -----------------------------------------------------------------

def test_regression_metrics_match_sklearn():
    from sklearn import metrics as skm

    rng = np.random.default_rng(0)
    y = rng.normal(20, 5, 50)
    pred = y + rng.normal(0, 2, 50)
    got = ch.regression_metrics(y, pred)
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y, pred))
    assert got["mse"] == pytest.approx(skm.mean_squared_error(y, pred))
    assert got["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, pred)))
    assert got["r2"] == pytest.approx(skm.r2_score(y, pred))
    assert ch.regression_metrics(y, np.full_like(y, y.mean()))["r2"] == pytest.approx(0.0, abs=1e-12)


def test_classifier_is_784_64_10():
    model = ch.build_classifier(ch.Config())
    assert model.get_layer("flatten").output.shape[1:] == (784,)
    assert model.get_layer("hidden").output.shape[1:] == (64,)
    assert model.output_shape == (None, 10)
    assert model.count_params() == 784 * 64 + 64 + 64 * 10 + 10
    models = ch.diagram_models()
    assert set(models) == {"classifier", "housing"} and models["housing"].output_shape == (None, 1)


# -- data ------------------------------------------------------------------------------

def test_builtin_digits_are_stratified_fixed_and_disjoint():
    from sklearn.datasets import load_digits

    labels = load_digits().target
    split = dg.stratified_split(labels)
    assert sum(len(v) for v in split.values()) == len(labels) == 1797
    assert not set(split["train"]) & set(split["test"]) and not set(split["validation"]) & set(split["test"])
    for part in split.values():
        shares = np.bincount(labels[part], minlength=10) / len(part)
        np.testing.assert_allclose(shares, np.bincount(labels) / len(labels), atol=0.01)
    again = dg.stratified_split(labels)
    assert all(np.array_equal(split[k], again[k]) for k in split)
    data = dg.load_builtin()
    images, y = data["test"]
    assert images.shape == (360, 28, 28, 1) and images.dtype == np.uint8 and y.dtype == np.int32
    np.testing.assert_array_equal(y, labels[split["test"]])


def test_upsampling_keeps_range_and_shape():
    flat = dg.upsample(np.full((2, 8, 8), 16.0))
    assert flat.shape == (2, 28, 28, 1) and (flat == 255).all()
    bar = np.zeros((1, 8, 8))
    bar[0, :, 3:5] = 16                                         # a vertical stroke stays in the middle
    up = dg.upsample(bar)[0, :, :, 0]
    assert up[:, 13:15].min() == 255 and up[:, :6].max() == 0 and up[:, 22:].max() == 0


def test_mnist_loader_with_mock_data(tmp_path):
    with tfds.testing.mock_data(num_examples=40):
        splits = dg.load_mnist(tmp_path, val_size=5)
    assert {k: len(v[0]) for k, v in splits.items()} == {"train": 35, "validation": 5, "test": 40}
    images, labels = splits["train"]
    assert images.shape[1:] == (28, 28, 1) and images.dtype == np.uint8
    assert labels.dtype == np.int32 and labels.min() >= 0 and labels.max() <= 9


def write_fake_boston(path, n=506, seed=0):
    rng = np.random.default_rng(seed)
    x = hs.generate_features(n, rng).astype("float64")
    np.savez(path, x=x, y=hs.true_price(x))
    return x


def test_boston_loader_goes_through_keras(tmp_path, monkeypatch):
    import keras.src.datasets.boston_housing as kb

    fake = tmp_path / "boston_housing.npz"
    x = write_fake_boston(fake)
    asked = []
    monkeypatch.setattr(kb, "get_file", lambda path, origin, file_hash: asked.append(origin) or str(fake))
    splits = hs.load_boston()
    assert asked and asked[0].endswith("boston_housing.npz")
    assert {k: len(v[0]) for k, v in splits.items() if v is not None} == {"train": 323, "validation": 81, "test": 102}
    rows = np.concatenate([splits[k][0] for k in ("train", "validation", "test")])
    assert rows.shape == (506, 13)
    np.testing.assert_allclose(np.sort(rows[:, 5]), np.sort(x[:, 5]).astype("float32"))
    np.testing.assert_allclose(splits["test"][1], hs.true_price(splits["test"][0]), rtol=1e-4)


def test_full_run_on_mock_mnist_and_fake_boston(tmp_path, monkeypatch):
    import keras.src.datasets.boston_housing as kb

    from kerasbook import data

    fake = tmp_path / "boston_housing.npz"
    write_fake_boston(fake)
    monkeypatch.setattr(kb, "get_file", lambda path, origin, file_hash: str(fake))
    monkeypatch.setattr(data, "network_reachable", lambda url, timeout=3.0: True)
    monkeypatch.setattr(ch, "Config", Tiny)
    out = tmp_path / "run"
    with tfds.testing.mock_data(num_examples=200):
        assert ch.main(["--data", "full", "--epochs", "1", "--out", str(out), "--xla", "off", "--quiet"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"]["source"] == "full" and metrics["dataset"]["test"] == 200
    assert metrics["dataset"]["housing"] == {"name": "housing", "source": "full", "train": 323, "validation": 81,
                                             "test": 102}
    assert "noise_ceiling_r2" not in metrics["housing"]


def test_housing_table_follows_its_rule():
    x, y, clean = hs.generate(4000, 0, "train")
    assert x.shape == (4000, len(hs.FEATURES)) == (4000, 13)
    again = hs.generate(4000, 0, "train")
    assert np.array_equal(x, again[0]) and np.array_equal(y, again[1])
    assert not np.array_equal(x[:10], hs.generate(10, 0, "test")[0])
    assert np.std(y - clean) == pytest.approx(hs.NOISE_STD, rel=0.05)
    # one row by hand: every term of the rule
    row = {"CRIM": 0.0, "ZN": 25.0, "INDUS": 5.0, "CHAS": 1.0, "NOX": 0.55, "RM": 7.5, "AGE": 50.0, "DIS": 3.3,
           "RAD": 4.0, "TAX": 300.0, "PTRATIO": 18.5, "B": 390.0, "LSTAT": 11.0}
    value = hs.true_price(np.array([[row[f] for f in hs.FEATURES]]))[0]
    assert value == pytest.approx(23.0 + 5.0 * 1.2 + 4.0 * 1.0**2 + 3.0 + 0.03 * 25)
    # prices rise with rooms and fall with LSTAT
    i_rm, i_lstat = hs.FEATURES.index("RM"), hs.FEATURES.index("LSTAT")
    assert np.corrcoef(x[:, i_rm], y)[0, 1] > 0.3 and np.corrcoef(x[:, i_lstat], y)[0, 1] < -0.3


def test_bench_measures_the_sine_update():
    from kerasbook.bench import ch02

    result = ch02.bench_sine(steps=50, repeats=1)
    assert result["xla_on_us_per_update"] > 0 and result["xla_off_us_per_update"] > 0
    assert ch02.BAR["metric"] == "test_accuracy" and ch02.BAR["at_least"] == 0.95
