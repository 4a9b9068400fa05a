"""Chapter 1 benchmark: XLA on/off training steps, and our NumPy maths against scikit-learn.

* compile time, median step time and samples/s of a training step of the
  spiral MLP with XLA on and off, and the mode `--xla auto` will therefore use;
* least squares: our normal equations and our gradient descent against
  `sklearn.linear_model.LinearRegression` (time and largest coefficient gap);
* k-NN: our vectorised majority vote against `sklearn.neighbors.KNeighborsClassifier`
  (time, and the share of predictions on which the two agree).

Bar: the MLP reaches at least 95 % test accuracy on the 600 unseen spiral
points of the default run (while the linear softmax model stays near chance,
which the run reports as `linear_test_accuracy`), within 5 minutes of wall time.
"""

from __future__ import annotations

import numpy as np

from kerasbook.bench.common import chapter_report, chapter_steps, step_rows
from kerasbook.xla import median_time

CHAPTER_MODULE = "kerasbook.chapters.ch01_foundations"
BAR = {"metric": "test_accuracy", "at_least": 0.95, "wall_s_at_most": 5 * 60}


def bench_least_squares(n=20_000, features=20, repeats=5, seed=0):
    """Seconds and coefficient gaps: our OLS, our GD, scikit-learn's LinearRegression."""
    from sklearn.linear_model import LinearRegression

    from kerasbook.chapters import ch01_foundations as ch
    from kerasbook.data import toy

    x, y, _, _ = toy.regression(n, features, seed=seed)
    ref = LinearRegression().fit(x, y)
    ref_theta = np.append(ref.coef_, ref.intercept_)
    w, b = ch.ols(x, y)
    w_gd, b_gd, _ = ch.gradient_descent(x, y, 0.1, 300)
    return {
        "ols_s": median_time(lambda: ch.ols(x, y), repeats),
        "gd_300_steps_s": median_time(lambda: ch.gradient_descent(x, y, 0.1, 300), max(1, repeats // 2)),
        "sklearn_s": median_time(lambda: LinearRegression().fit(x, y), repeats),
        "ols_vs_sklearn_max_abs_diff": float(np.max(np.abs(np.append(w, b) - ref_theta))),
        "gd_vs_sklearn_max_abs_diff": float(np.max(np.abs(np.append(w_gd, b_gd) - ref_theta))),
    }


def bench_knn(n_train=5_000, n_query=1_000, dims=64, k=5, repeats=3, seed=0):
    """Seconds to classify `n_query` points: ours vs scikit-learn (brute force and its default)."""
    from sklearn.neighbors import KNeighborsClassifier

    from kerasbook.chapters import ch01_foundations as ch

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_train, dims)).astype("float32")
    y = rng.integers(0, 10, n_train).astype("int32")
    q = rng.normal(size=(n_query, dims)).astype("float32")
    ours = ch.knn_predict(x, y, q, k)
    out = {"ours_s": median_time(lambda: ch.knn_predict(x, y, q, k), repeats)}
    for algo in ("brute", "auto"):
        ref = KNeighborsClassifier(k, algorithm=algo).fit(x, y)
        out[f"sklearn_{algo}_s"] = median_time(lambda ref=ref: ref.predict(q), repeats)
        out[f"agreement_{algo}"] = float(np.mean(ref.predict(q) == ours))
    return out


def step_times(steps, quick=False, cfg=None):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    return chapter_steps(CHAPTER_MODULE, "spiral MLP", steps, cfg)


def run(steps, quick, ship=False):
    report, _ = chapter_report(CHAPTER_MODULE, step_times, steps, quick, ship)
    print("measuring least squares and k-NN against scikit-learn ...", flush=True)
    report["least_squares"] = bench_least_squares(repeats=3 if quick else 5)
    report["knn"] = bench_knn(repeats=2 if quick else 3)
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    out = step_rows(report)
    ls = report["least_squares"]
    out.append(("least squares, 20,000 x 20", (f"ours (normal equations) {ls['ols_s'] * 1e3:.1f} ms, "
                                              f"GD 300 steps {ls['gd_300_steps_s'] * 1e3:.0f} ms, "
                                              f"sklearn {ls['sklearn_s'] * 1e3:.1f} ms")))
    out.append(("max |coef - sklearn|", (f"OLS {ls['ols_vs_sklearn_max_abs_diff']:.1e}, "
                                         f"GD {ls['gd_vs_sklearn_max_abs_diff']:.1e}")))
    kn = report["knn"]
    out.append(("k-NN, 1,000 queries on 5,000 x 64", (f"ours {kn['ours_s'] * 1e3:.0f} ms, sklearn brute "
                                                       f"{kn['sklearn_brute_s'] * 1e3:.0f} ms, sklearn auto "
                                                       f"{kn['sklearn_auto_s'] * 1e3:.0f} ms")))
    out.append(("k-NN agreement with sklearn", f"brute {kn['agreement_brute']:.1%}, auto {kn['agreement_auto']:.1%}"))
    return out
