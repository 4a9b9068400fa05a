"""The experiments of chapter 1, one per figure.

Each one runs in seconds, draws its figure into `figs` and returns the
numbers that go into metrics.json; `__main__._train` calls them in order.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from kerasbook.chapters.ch01_foundations.config import Config
from kerasbook.chapters.ch01_foundations.figures import _plt, _regions, _save
from kerasbook.chapters.ch01_foundations.methods import (accuracy, activation_stats, build_mlp, compile_classifier,
                                                         distance_contrast, flip_labels, gradient_descent, initial_loss,
                                                         knn_predict, lr_schedule, ols)
from kerasbook.data import toy
from kerasbook.metrics import mae, mse, r2, rmse


def experiment_regression(cfg: Config, seed: int, figs: Path) -> dict:
    """OLS and gradient descent on the same table; they must agree."""
    x, y, w_true, b_true = toy.regression(cfg.reg_samples, cfg.reg_features, seed=seed)
    n_train = int(0.8 * len(x))
    (x_tr, y_tr), (x_te, y_te) = (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
    w_ols, b_ols = ols(x_tr, y_tr)
    w_gd, b_gd, gd_losses = gradient_descent(x_tr, y_tr, cfg.gd_learning_rate, cfg.gd_steps)
    w_sgd, b_sgd, sgd_losses = gradient_descent(x_tr, y_tr, cfg.gd_learning_rate / 2, cfg.gd_steps,
                                                batch_size=cfg.sgd_batch, seed=seed)
    diff = float(np.max(np.abs(np.append(w_ols, b_ols) - np.append(w_gd, b_gd))))
    pred = x_te @ w_ols + b_ols
    result = {
        "ols_gd_max_abs_diff": diff,
        "ols_gd_max_abs_diff_text": f"{diff:.2e}",    # metrics.json rounds floats to 6 decimals
        "ols_sgd_max_abs_diff": float(np.max(np.abs(np.append(w_ols, b_ols) - np.append(w_sgd, b_sgd)))),
        "w_true": list(w_true), "b_true": b_true, "w_ols": list(w_ols), "b_ols": b_ols,
        "test_mae": mae(y_te, pred), "test_mse": mse(y_te, pred), "test_rmse": rmse(y_te, pred),
        "test_r2": r2(y_te, pred), "train_mse_ols": mse(y_tr, x_tr @ w_ols + b_ols),
    }
    plt = _plt()
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(11, 3.2))
    a.plot(gd_losses, label="gradient descent (all data)")
    a.plot(sgd_losses, label=f"SGD (batches of {cfg.sgd_batch})", alpha=0.7)
    a.axhline(result["train_mse_ols"], color="k", ls="--", lw=1, label="OLS (closed form)")
    a.set(yscale="log", xlabel="step", ylabel="training MSE", title="loss per step")
    a.legend(fontsize=7)
    b.bar(np.arange(len(w_ols) + 1) - 0.2, np.append(w_ols, b_ols), 0.4, label="OLS")
    b.bar(np.arange(len(w_ols) + 1) + 0.2, np.append(w_gd, b_gd), 0.4, label="GD")
    b.set_xticks(range(len(w_ols) + 1), [f"w{i + 1}" for i in range(len(w_ols))] + ["b"])
    b.set_title(f"coefficients (max |OLS − GD| = {diff:.1e})", fontsize=9)
    b.legend(fontsize=7)
    c.scatter(y_te, pred, s=6)
    lims = [min(y_te.min(), pred.min()), max(y_te.max(), pred.max())]
    c.plot(lims, lims, "k--", lw=1)
    c.set(xlabel="true y", ylabel="predicted y",
          title=f"test: RMSE {result['test_rmse']:.2f}, R² {result['test_r2']:.3f}")
    _save(fig, figs / "regression.png")
    return result


def experiment_knn(cfg: Config, data, seed: int, figs: Path) -> dict:
    """Train and test accuracy of k-NN for every k, and the curse of dimensionality."""
    (x_tr, y_tr), (x_te, y_te) = data
    ks = [k for k in cfg.knn_ks if k <= len(x_tr)]
    train_acc = [float(np.mean(knn_predict(x_tr, y_tr, x_tr, k) == y_tr)) for k in ks]
    test_acc = [float(np.mean(knn_predict(x_tr, y_tr, x_te, k) == y_te)) for k in ks]
    best = ks[int(np.argmax(test_acc))]
    dims = [2, 10, 100, 1000]
    contrast = distance_contrast(dims, seed=seed)
    plt = _plt()
    two_d = x_tr.shape[1] == 2
    fig, axes = plt.subplots(1, 4 if two_d else 2, figsize=(13 if two_d else 7, 3.2))
    axes[0].plot(ks, train_acc, "o-", ms=3, label="train (each point votes for itself)")
    axes[0].plot(ks, test_acc, "s-", ms=3, label="test")
    axes[0].set(xscale="log", xlabel="k", ylabel="accuracy", title=f"accuracy vs k (best test k = {best})")
    axes[0].legend(fontsize=7)
    if two_d:
        classes = int(y_tr.max()) + 1
        for ax, k in zip(axes[1:3], (1, best)):
            _regions(ax, lambda g, k=k: knn_predict(x_tr, y_tr, g, k), x_tr, y_tr, f"k = {k}", classes)
    axes[-1].plot(dims, contrast, "o-")
    axes[-1].set(xscale="log", yscale="log", xlabel="dimension", ylabel="(max − min) / min distance",
                 title="curse of dimensionality")
    _save(fig, figs / "knn.png")
    return {"ks": ks, "train_accuracy": train_acc, "test_accuracy": test_acc, "best_k": best,
            "best_test_accuracy": max(test_acc), "dims": dims, "distance_contrast": contrast}


def _fit(model, x, y, val, epochs, batch_size, callbacks=()):
    history = model.fit(x, y, validation_data=val, epochs=epochs, batch_size=batch_size, verbose=0,
                        callbacks=list(callbacks))
    return history.history


def experiment_initial_loss(cfg: Config, x, seed: int, figs: Path) -> dict:
    """The untrained MLP's cross-entropy against log C, for several class counts."""
    import keras

    rng = np.random.default_rng(seed)
    measured = []
    for c in cfg.loss_check_classes:
        keras.utils.set_random_seed(seed)
        y = rng.integers(0, c, len(x)).astype("int32")
        measured.append(initial_loss(build_mlp(x.shape[1], c, cfg.hidden), x, y))
    expected = [math.log(c) for c in cfg.loss_check_classes]
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 3.2))
    ax.plot(cfg.loss_check_classes, expected, "k--", label="log C")
    ax.plot(cfg.loss_check_classes, measured, "o", label="untrained MLP")
    ax.set(xscale="log", xlabel="classes C", ylabel="initial cross-entropy", title="initial loss ≈ log C")
    ax.legend()
    _save(fig, figs / "initial_loss.png")
    return {"classes": list(cfg.loss_check_classes), "measured": measured, "log_c": expected}


def experiment_tiny_batch(cfg: Config, x, y, jit: bool, seed: int, figs: Path) -> dict:
    """Learn one tiny batch by heart: if this fails, something is wired wrong."""
    import keras

    keras.utils.set_random_seed(seed)
    model = compile_classifier(build_mlp(x.shape[1], cfg.classes, cfg.hidden), cfg.learning_rate, jit)
    xb, yb = x[: cfg.tiny_batch], y[: cfg.tiny_batch]
    h = _fit(model, xb, yb, None, cfg.tiny_steps, cfg.tiny_batch)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 3.2))
    ax.plot(h["loss"], label="loss")
    ax.set(yscale="log", xlabel=f"step (one batch of {len(xb)})", ylabel="cross-entropy")
    ax2 = ax.twinx()
    ax2.plot(h["accuracy"], color="C1", label="accuracy")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("accuracy")
    ax.set_title(f"overfit one batch: accuracy {h['accuracy'][-1]:.0%}", fontsize=9)
    _save(fig, figs / "tiny_batch.png")
    return {"examples": len(xb), "steps": cfg.tiny_steps, "first_loss": h["loss"][0],
            "final_loss": h["loss"][-1], "final_accuracy": h["accuracy"][-1]}


def experiment_lr_sweep(cfg: Config, train, val, jit: bool, seed: int, figs: Path) -> dict:
    """The same MLP trained briefly at learning rates a factor of 10 apart."""
    import keras

    final_loss, val_acc = [], []
    for lr in cfg.sweep_lrs:
        keras.utils.set_random_seed(seed)
        model = compile_classifier(build_mlp(train[0].shape[1], cfg.classes, cfg.hidden), lr, jit)
        h = _fit(model, *train, val, cfg.sweep_epochs, cfg.batch_size)
        loss = h["loss"][-1]
        final_loss.append(loss if math.isfinite(loss) else float("nan"))
        val_acc.append(h["val_accuracy"][-1])
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.8, 3.2))
    ax.plot(cfg.sweep_lrs, final_loss, "o-", label="final training loss")
    ax.set(xscale="log", yscale="log", xlabel="learning rate (Adam)", ylabel="training loss",
           title=f"learning-rate sweep, {cfg.sweep_epochs} epochs each")
    ax2 = ax.twinx()
    ax2.plot(cfg.sweep_lrs, val_acc, "s--", color="C1", label="validation accuracy")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("validation accuracy")
    _save(fig, figs / "lr_sweep.png")
    return {"learning_rates": list(cfg.sweep_lrs), "final_loss": final_loss, "val_accuracy": val_acc,
            "best_learning_rate": cfg.sweep_lrs[int(np.nanargmax(val_acc))]}


INITS = {"small N(0, 0.01)": {"class_name": "RandomNormal", "config": {"stddev": 0.01}},
         "Xavier (Glorot normal)": "glorot_normal", "He normal": "he_normal"}


def experiment_init(cfg: Config, seed: int, figs: Path) -> dict:
    """Activation standard deviation by depth, for three initialisations and two activations."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    result = {}
    for ax, act in zip(axes, ("tanh", "relu")):
        for name, init in INITS.items():
            stds = activation_stats(init, act, cfg.init_depth, cfg.init_width, seed=seed)
            result[f"{act} / {name}"] = stds
            ax.plot(range(1, cfg.init_depth + 1), stds, "o-", ms=3, label=name)
        ax.set(yscale="log", xlabel="layer", ylabel="std of activations", title=f"{act}, width {cfg.init_width}")
        ax.legend(fontsize=7)
    _save(fig, figs / "init_stats.png")
    return result


def experiment_schedules(cfg: Config, train, val, jit: bool, seed: int, figs: Path) -> dict:
    """Constant, step, cosine and linear schedules: their shape, and training with each."""
    import keras

    from kerasbook.training import compile_model

    steps_per_epoch = math.ceil(len(train[0]) / cfg.batch_size)
    total = cfg.schedule_epochs * steps_per_epoch
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    result = {}
    for kind in ("constant", "step", "cosine", "linear"):
        sched = lr_schedule(kind, cfg.learning_rate, total)
        t = np.arange(total)
        a.plot(t, [float(sched(int(i))) if callable(sched) else sched for i in t], label=kind)
        keras.utils.set_random_seed(seed)
        model = build_mlp(train[0].shape[1], cfg.classes, cfg.hidden)
        compile_model(model, optimizer=keras.optimizers.Adam(sched),
                      loss=keras.losses.SparseCategoricalCrossentropy(),
                      metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")], jit_compile=jit)
        h = _fit(model, *train, val, cfg.schedule_epochs, cfg.batch_size)
        b.plot(range(1, len(h["val_loss"]) + 1), h["val_loss"], label=kind)
        result[kind] = {"final_val_loss": h["val_loss"][-1], "final_val_accuracy": h["val_accuracy"][-1]}
    a.set(xlabel="step", ylabel="learning rate", title="schedules")
    a.legend(fontsize=7)
    b.set(yscale="log", xlabel="epoch", ylabel="validation loss", title="training with each")
    b.legend(fontsize=7)
    _save(fig, figs / "schedules.png")
    return result


def experiment_regularisation(cfg: Config, train, val, test, jit: bool, seed: int, figs: Path) -> dict:
    """A wide MLP on a small training set with some wrong labels: plain, dropout, early stopping.

    Only the training labels are flipped; validation and test labels stay
    correct, so memorising the wrong labels shows up as worse validation loss
    and test accuracy.
    """
    import keras

    x_small = train[0][: cfg.overfit_train]
    y_small = flip_labels(train[1][: cfg.overfit_train], cfg.label_noise, cfg.classes, seed)
    hidden = (cfg.overfit_width, cfg.overfit_width)
    runs, result = {}, {}
    for name, dropout, stop in (("plain", 0.0, False), ("dropout", cfg.dropout, False),
                                ("early_stopping", 0.0, True)):
        keras.utils.set_random_seed(seed)
        model = compile_classifier(build_mlp(x_small.shape[1], cfg.classes, hidden, dropout), cfg.learning_rate, jit)
        callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.patience,
                                                   restore_best_weights=True)] if stop else []
        runs[name] = h = _fit(model, x_small, y_small, val, cfg.overfit_epochs, cfg.batch_size, callbacks)
        test_acc = accuracy(model, *test)
        result[name] = {"epochs_run": len(h["loss"]), "best_epoch": int(np.argmin(h["val_loss"])) + 1,
                        "min_val_loss": min(h["val_loss"]), "final_val_loss": h["val_loss"][-1],
                        "final_train_loss": h["loss"][-1], "test_accuracy": float(test_acc)}
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
    for ax, name in zip(axes, ("plain", "dropout")):
        h = runs[name]
        ax.plot(range(1, len(h["loss"]) + 1), h["loss"], label="train")
        ax.plot(range(1, len(h["val_loss"]) + 1), h["val_loss"], label="validation")
        label = f"dropout {cfg.dropout}" if name == "dropout" else "no dropout"
        ax.set(yscale="log", xlabel="epoch", title=f"{label}: test accuracy {result[name]['test_accuracy']:.1%}")
    stopped = result["early_stopping"]
    axes[0].axvline(stopped["epochs_run"], color="k", ls="--", lw=1,
                    label=f"early stopping ends (epoch {stopped['epochs_run']}, best {stopped['best_epoch']}, "
                          f"test {stopped['test_accuracy']:.1%})")
    axes[0].set_ylabel("cross-entropy")
    for ax in axes:
        ax.legend(fontsize=7)
    _save(fig, figs / "dropout_early_stopping.png")
    return result
