"""Chapter 1's own maths against trusted references: scikit-learn, autodiff, theory."""

import math

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.neighbors import KNeighborsClassifier

from kerasbook import metrics
from kerasbook.chapters.ch01_foundations import methods as ch
from kerasbook.data import toy


@pytest.fixture
def table():
    x, y, w, b = toy.regression(200, 4, noise=0.3, seed=5)
    return x, y, w, b


def test_ols_matches_sklearn(table):
    x, y, _, _ = table
    w, b = ch.ols(x, y)
    ref = LinearRegression().fit(x, y)
    np.testing.assert_allclose(w, ref.coef_, atol=1e-9)
    assert b == pytest.approx(ref.intercept_, abs=1e-9)


def test_gradient_descent_reaches_the_closed_form(table):
    x, y, _, _ = table
    w, b = ch.ols(x, y)
    w_gd, b_gd, losses = ch.gradient_descent(x, y, 0.1, 400)
    np.testing.assert_allclose(np.append(w_gd, b_gd), np.append(w, b), atol=1e-6)
    assert len(losses) == 401
    assert np.all(np.diff(losses) <= 1e-12)                  # full-batch GD never goes uphill here
    assert losses[-1] == pytest.approx(metrics.mse(y, x @ w + b), rel=1e-9)


def test_one_gradient_step_matches_autodiff(table):
    import tensorflow as tf

    x, y, _, _ = table
    w0, b0 = tf.Variable(np.zeros(x.shape[1])), tf.Variable(0.0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((tf.linalg.matvec(tf.constant(x), w0) + b0 - y) ** 2)
    gw, gb = tape.gradient(loss, [w0, b0])
    w1, b1, _ = ch.gradient_descent(x, y, 0.05, 1)
    np.testing.assert_allclose(w1, -0.05 * gw.numpy(), atol=1e-12)
    assert b1 == pytest.approx(-0.05 * float(gb), abs=1e-12)


def test_sgd_lands_near_the_closed_form(table):
    x, y, _, _ = table
    w, b = ch.ols(x, y)
    w_s, b_s, losses = ch.gradient_descent(x, y, 0.05, 600, batch_size=16, seed=1)
    assert np.max(np.abs(np.append(w_s, b_s) - np.append(w, b))) < 0.1
    assert losses[-1] < 0.05 * losses[0]


def test_regression_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=50), rng.normal(size=50)
    assert metrics.mae(y, p) == pytest.approx(mean_absolute_error(y, p))
    assert metrics.mse(y, p) == pytest.approx(mean_squared_error(y, p))
    assert metrics.rmse(y, p) == pytest.approx(math.sqrt(mean_squared_error(y, p)))
    assert metrics.r2(y, p) == pytest.approx(r2_score(y, p))
    assert metrics.r2(y, y) == 1.0 and metrics.r2(y, np.full_like(y, y.mean())) == pytest.approx(0.0)


def test_worked_metrics_example():
    # Errors 1, -2, 1: MAE 4/3, MSE 2, RMSE sqrt 2; R² = 1 - 6 / SS_tot with SS_tot = 8.
    y, p = [3.0, 5.0, 7.0], [2.0, 7.0, 6.0]
    assert metrics.mae(y, p) == pytest.approx(4 / 3)
    assert metrics.mse(y, p) == pytest.approx(2.0)
    assert metrics.rmse(y, p) == pytest.approx(math.sqrt(2))
    assert metrics.r2(y, p) == pytest.approx(0.25)


@pytest.mark.parametrize("k", [1, 3, 8, 15])
def test_knn_matches_sklearn(k):
    x, y = toy.blobs(300, centers=4, spread=1.5, seed=2)
    q, _ = toy.blobs(120, centers=4, spread=2.0, seed=3)
    ref = KNeighborsClassifier(k, algorithm="brute").fit(x[:200], y[:200]).predict(q)
    np.testing.assert_array_equal(ch.knn_predict(x[:200], y[:200], q, k, chunk=50), ref)


def test_knn_tie_goes_to_the_smallest_class():
    x = np.array([[-1.0], [1.0]])
    y = np.array([1, 0])
    assert ch.knn_predict(x, y, np.array([[0.1]]), 2)[0] == 0
    assert KNeighborsClassifier(2).fit(x, y).predict([[0.1]])[0] == 0
    assert ch.knn_predict(x, y, np.array([[-0.9]]), 1)[0] == 1


def test_distance_contrast_shrinks_with_dimension():
    c = ch.distance_contrast([2, 20, 500], n=200, queries=20)
    assert c[0] > c[1] > c[2] and c[2] < 0.5


def test_flip_labels_changes_exactly_the_fraction():
    y = np.arange(100) % 3
    flipped = ch.flip_labels(y, 0.25, 3, seed=4)
    changed = flipped != y
    assert changed.sum() == 25 and set(np.unique(flipped)) <= {0, 1, 2}
    np.testing.assert_array_equal(y, np.arange(100) % 3)      # the input is left alone


def test_initial_loss_is_log_c_with_a_zero_output_layer():
    model = ch.build_mlp(2, 7, hidden=(8,))
    layer = model.get_layer("logits")
    layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    y = np.random.default_rng(1).integers(0, 7, 64)
    assert ch.initial_loss(model, x, y) == pytest.approx(math.log(7), abs=1e-5)


def test_initial_loss_with_default_init_is_near_log_c():
    x, _ = toy.spirals(300, seed=0)
    for c in (3, 10):
        y = np.random.default_rng(c).integers(0, c, 300)
        loss = ch.initial_loss(ch.build_mlp(2, c), x, y)
        assert math.log(c) * 0.9 < loss < math.log(c) * 1.35


def test_he_keeps_relu_activations_alive_and_xavier_halves_their_variance():
    he = ch.activation_stats("he_normal", "relu", depth=6, width=128, n=400)
    xavier = ch.activation_stats("glorot_normal", "relu", depth=6, width=128, n=400)
    small = ch.activation_stats({"class_name": "RandomNormal", "config": {"stddev": 0.01}}, "tanh",
                                depth=4, width=128, n=400)
    assert 0.5 < he[-1] / he[0] < 2.0
    # With fan_in = fan_out, Glorot's variance is 1/fan_in: half of what ReLU needs,
    # so each layer multiplies the standard deviation by about 1/sqrt(2).
    per_layer = (xavier[-1] / xavier[0]) ** (1 / 5)
    assert per_layer == pytest.approx(1 / math.sqrt(2), abs=0.06)
    # tanh is nearly linear for tiny inputs, so each layer scales the std by 0.01 * sqrt(128).
    expected = (0.01 * math.sqrt(128)) ** 4
    assert expected / 1.5 < small[-1] < expected * 1.5


def test_schedules_take_their_textbook_values():
    lr, total = 0.1, 1000
    step = ch.lr_schedule("step", lr, total)
    assert float(step(100)) == pytest.approx(lr)
    assert float(step(600)) == pytest.approx(lr * 0.1)
    assert float(step(900)) == pytest.approx(lr * 0.01)
    cosine = ch.lr_schedule("cosine", lr, total)
    assert float(cosine(500)) == pytest.approx(lr / 2, rel=1e-5)
    assert float(cosine(total)) == pytest.approx(0.0, abs=1e-7)
    linear = ch.lr_schedule("linear", lr, total)
    assert float(linear(250)) == pytest.approx(0.75 * lr, rel=1e-5)
    assert ch.lr_schedule("constant", lr, total) == lr
    with pytest.raises(ValueError):
        ch.lr_schedule("exponential", lr, total)


def test_toy_data_is_deterministic_and_balanced():
    a, b = toy.spirals(90, 3, seed=1), toy.spirals(90, 3, seed=1)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[0].shape == (90, 2) and np.bincount(a[1]).tolist() == [30, 30, 30]
    assert not np.array_equal(toy.spirals(90, 3, seed=2)[0], a[0])
    assert np.abs(a[0]).max() <= 1.0 + 1e-6
    x, y, w, b0 = toy.regression(50, 2, noise=0.0, seed=0)
    np.testing.assert_allclose(y, x @ w + b0)


def test_bench_pieces_agree_with_sklearn():
    from kerasbook.bench import ch01

    ls = ch01.bench_least_squares(n=400, features=3, repeats=1)
    assert ls["ols_vs_sklearn_max_abs_diff"] < 1e-8 and ls["gd_vs_sklearn_max_abs_diff"] < 1e-4
    kn = ch01.bench_knn(n_train=200, n_query=40, dims=4, repeats=1)
    assert kn["agreement_brute"] == 1.0 and kn["ours_s"] > 0
