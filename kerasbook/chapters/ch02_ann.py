"""Chapter 2: artificial neural networks, from a cubic fitted by hand to an MLP.

Three small models, each one step further from hand-written code. First we fit
sin(x) on [-pi, pi] with a cubic a + bx + cx^2 + dx^3 by plain gradient
descent: `tf.GradientTape` gives the four gradients of the sum of squared
errors and we update the coefficients ourselves with a learning rate of 1e-6;
then a Keras optimizer does the update for us. Next a multilayer perceptron
(MLP) predicts house prices from 13 numbers (regression, judged by MAE, MSE,
RMSE and R^2). Last the course's 784-64-10 MLP classifies handwritten digits.

Run it:

    python -m kerasbook.chapters.ch02_ann            # default run, builtin data
    python -m kerasbook.chapters.ch02_ann --quick    # under a minute on a laptop
    python -m kerasbook.chapters.ch02_ann --data full   # Boston housing + MNIST

References:
    Rumelhart, Hinton, Williams, "Learning representations by back-propagating
    errors", Nature 1986. LeCun et al., "Gradient-based learning applied to
    document recognition" (MNIST), 1998. Harrison and Rubinfeld, "Hedonic
    housing prices and the demand for clean air" (the Boston data), 1978.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerasbook import cli
from kerasbook.data import DatasetSpec, register
from kerasbook.data import digits as dg
from kerasbook.data import housing as hs
from kerasbook.metrics import regression_metrics
from kerasbook import xla

CHAPTER = "ch02_ann"
PROG = "python -m kerasbook.chapters.ch02_ann"
TITLE = "ANN"  # its name in the site's navigation
TRACK = "Image track"
TOPIC = ("batch, iteration and epoch; a cubic fitted by hand-written gradient descent; regression and "
         "784-64-10 MLPs")
NUM_CLASSES = 10
BOSTON_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 2 depends on.

    The common flags `--epochs`, `--batch-size` and `--train-size` set the digit
    classifier, the chapter's main model; the other two parts have their own fields.
    """

    # The sine fit, as the course does it.
    sine_points: int = 1000             # x evenly spaced over [-pi, pi]
    sine_steps: int = 5000              # gradient-descent updates (full batch)
    sine_learning_rate: float = 1e-6    # small, because the loss is a sum over 1000 points
    sine_optimizer: str = "rmsprop"     # the Keras optimizer for the second fit
    sine_optimizer_learning_rate: float = 1e-3
    # House prices: 4,000 rows in batches of 100 is 40 iterations per epoch.
    housing_train_size: int = 4000      # builtin rows generated for training
    housing_val_size: int = 500
    housing_test_size: int = 1000
    housing_epochs: int = 100
    housing_batch_size: int = 100
    housing_units: tuple = (64, 64)
    housing_learning_rate: float = 3e-3
    # The 784-64-10 digit classifier.
    train_size: int | None = None       # None: every training image there is
    epochs: int = 60
    batch_size: int = 32
    hidden_units: int = 64
    learning_rate: float = 1e-3

    def quick(self) -> "Config":
        """A preset that finishes well within 3 minutes on a laptop CPU."""
        return dataclasses.replace(self, sine_steps=3000, housing_epochs=30, epochs=20)
# --8<-- [end:config]


# --8<-- [start:data]
def _boston_available(data_dir):
    if hs.boston_path(data_dir).is_file():
        return True, ""
    return False, f"{hs.boston_path(data_dir)} is not cached"


DIGITS = dg.SPEC
HOUSING = register(DatasetSpec(
    name="housing",
    builtin="generated table with the 13 Boston columns and a known price rule (datasets/housing_synth)",
    full="the Boston housing data (506 rows) through keras.datasets.boston_housing",
    full_available=_boston_available,
    full_url=BOSTON_URL,
))


def iterations_per_epoch(examples: int, batch_size: int, drop_remainder: bool = False) -> int:
    """Updates in one pass over the data: 1,000 examples in batches of 100 is 10."""
    return examples // batch_size if drop_remainder else math.ceil(examples / batch_size)


def pipeline(x, y, batch_size, shuffle_seed=None):
    """A cached, (shuffled,) batched, prefetched `tf.data` pipeline."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle_seed is not None:
        ds = ds.shuffle(min(len(x), 60_000), seed=shuffle_seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
# --8<-- [end:data]


# --8<-- [start:sine]
def sine_data(points: int = 1000):
    """`x` evenly spaced over [-pi, pi] and `y = sin(x)`, float32."""
    x = np.linspace(-math.pi, math.pi, points, dtype="float32")
    return x, np.sin(x)


def cubic(x, coeffs):
    """a + b x + c x^2 + d x^3."""
    a, b, c, d = coeffs
    return a + b * x + c * x**2 + d * x**3


def sum_of_squares(y_pred, y):
    """The course's loss: squared errors added up, not averaged."""
    import tensorflow as tf

    return tf.reduce_sum(tf.square(y_pred - y))


def init_coeffs(seed: int):
    """Four random coefficients, named a, b, c, d, drawn from N(0, 1)."""
    import keras

    start = np.random.default_rng(seed).normal(size=4).astype("float32")
    return [keras.Variable(v, name=n) for v, n in zip(start, "abcd")]


def fit_cubic_by_hand(x, y, coeffs, learning_rate=1e-6, steps=5000, log_every=100):
    """Plain gradient descent: `w <- w - learning_rate * dLoss/dw` for each coefficient.

    Returns the loss every `log_every` steps, starting with the loss before any update.
    """
    import tensorflow as tf

    @tf.function
    def run(n):
        for _ in tf.range(n):
            with tf.GradientTape() as tape:
                loss = sum_of_squares(cubic(x, coeffs), y)             # forward pass and error
            grads = tape.gradient(loss, coeffs)                        # backward pass: 4 gradients
            for w, g in zip(coeffs, grads):
                w.assign_sub(learning_rate * g)                        # the update we write ourselves
        return sum_of_squares(cubic(x, coeffs), y)

    losses = [float(sum_of_squares(cubic(x, coeffs), y))]
    for done in range(0, steps, log_every):
        losses.append(float(run(tf.constant(min(log_every, steps - done)))))
    return losses


def fit_cubic_with_optimizer(x, y, coeffs, optimizer, steps=5000, log_every=100):
    """The same loop, with a Keras optimizer doing the update."""
    import tensorflow as tf

    @tf.function
    def run(n):
        for _ in tf.range(n):
            with tf.GradientTape() as tape:
                loss = sum_of_squares(cubic(x, coeffs), y)
            optimizer.apply_gradients(zip(tape.gradient(loss, coeffs), coeffs))
        return sum_of_squares(cubic(x, coeffs), y)

    losses = [float(sum_of_squares(cubic(x, coeffs), y))]
    for done in range(0, steps, log_every):
        losses.append(float(run(tf.constant(min(log_every, steps - done)))))
    return losses
# --8<-- [end:sine]


def least_squares_cubic(x, y):
    """The exact answer gradient descent is heading for: `np.linalg.lstsq` on [1, x, x^2, x^3]."""
    x = np.asarray(x, "float64")
    design = np.stack([np.ones_like(x), x, x**2, x**3], axis=1)               # (N, 4)
    coeffs, *_ = np.linalg.lstsq(design, np.asarray(y, "float64"), rcond=None)
    return coeffs


# --8<-- [start:models]
def build_housing_model(cfg: Config, train_features=None, train_prices=None):
    """An MLP for regression: standardise 13 features -> Dense-ReLU x 2 -> 1 price.

    With training data given, the inputs are standardised with its mean and
    variance and the output starts at its mean price.
    """
    import keras
    from keras import layers

    features = keras.Input((len(hs.FEATURES),), name="features")               # (B, 13)
    norm = layers.Normalization(name="standardise")
    if train_features is not None:
        norm.adapt(train_features)                                             # mean and variance of the training rows
    x = norm(features)
    for i, units in enumerate(cfg.housing_units):
        x = layers.Dense(units, activation="relu", name=f"hidden{i + 1}")(x)   # (B, units)
    # No activation: a price can be any number. Starting the bias at the mean price
    # spares the first epochs from learning only the average.
    start = float(np.mean(train_prices)) if train_prices is not None else 0.0
    price = layers.Dense(1, bias_initializer=keras.initializers.Constant(start), name="price")(x)  # (B, 1)
    return keras.Model(features, price, name="housing_mlp")


def build_classifier(cfg: Config):
    """The course's MLP: 28x28 pixels -> 784 inputs -> 64 ReLU units -> 10 class probabilities."""
    import keras
    from keras import layers

    image = keras.Input((dg.SIZE, dg.SIZE, 1), dtype="uint8", name="image")    # (B, 28, 28, 1)
    x = layers.Rescaling(1 / 255, name="scale")(image)                         # pixels to [0, 1]
    x = layers.Flatten(name="flatten")(x)                                      # (B, 784)
    x = layers.Dense(cfg.hidden_units, activation="relu", name="hidden")(x)    # (B, 64)
    probs = layers.Dense(NUM_CLASSES, activation="softmax", name="probs")(x)   # (B, 10)
    return keras.Model(image, probs, name="mlp_784_64_10")
# --8<-- [end:models]


def compile_classifier(model, cfg: Config, jit_compile: bool):
    import keras

    from kerasbook.training import compile_model

    compile_model(model, optimizer=keras.optimizers.Adam(cfg.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=jit_compile)


def compile_housing(model, cfg: Config, jit_compile: bool):
    import keras

    from kerasbook.training import compile_model

    compile_model(model, optimizer=keras.optimizers.Adam(cfg.housing_learning_rate),
                  loss="mse", metrics=["mae"], jit_compile=jit_compile)


def diagram_models() -> dict:
    """The chapter's two networks from the default Config, untrained, for the site's diagrams."""
    cfg = Config()
    return {"classifier": build_classifier(cfg), "housing": build_housing_model(cfg)}


def measure_step_times(cfg: Config, batch_size=None, steps=10, modes=(True, False), seed=0):
    """Seconds per training step of the digit classifier with XLA on and off."""
    import keras


    batch_size = batch_size or cfg.batch_size
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (batch_size, dg.SIZE, dg.SIZE, 1), dtype=np.uint8)
    y = rng.integers(0, NUM_CLASSES, batch_size).astype("int32")

    def make(jit):
        keras.utils.set_random_seed(seed)
        model = build_classifier(cfg)
        compile_classifier(model, cfg, jit_compile=jit)
        return model

    return xla.time_train_steps(make, x, y, steps=steps, modes=modes)


def run_sine(cfg: Config, seed: int, quiet: bool):
    """Both cubic fits; returns a dict of results (coefficients, losses) for metrics.json."""
    import keras

    x, y = sine_data(cfg.sine_points)
    start = [float(w.numpy()) for w in init_coeffs(seed)]
    hand = init_coeffs(seed)
    hand_losses = fit_cubic_by_hand(x, y, hand, cfg.sine_learning_rate, cfg.sine_steps)
    opt_coeffs = init_coeffs(seed)
    optimizer = keras.optimizers.get({"class_name": cfg.sine_optimizer,
                                      "config": {"learning_rate": cfg.sine_optimizer_learning_rate}})
    opt_losses = fit_cubic_with_optimizer(x, y, opt_coeffs, optimizer, cfg.sine_steps)
    exact = least_squares_cubic(x, y)
    result = {
        "start": dict(zip("abcd", start)),
        "by_hand": dict(zip("abcd", (float(w.numpy()) for w in hand))),
        "optimizer": dict(zip("abcd", (float(w.numpy()) for w in opt_coeffs))),
        "least_squares": dict(zip("abcd", map(float, exact))),
        "loss_start": hand_losses[0],
        "loss_by_hand": hand_losses[-1],
        "loss_optimizer": opt_losses[-1],
        "loss_least_squares": float(np.sum((cubic(x, exact) - y) ** 2)),
        "steps": cfg.sine_steps,
        "losses_by_hand": hand_losses,
        "losses_optimizer": opt_losses,
    }
    if not quiet:
        h = result["by_hand"]
        print(f"sine: loss {hand_losses[0]:.1f} -> {hand_losses[-1]:.3f} after {cfg.sine_steps} steps by hand "
              f"(y = {h['a']:.4f} + {h['b']:.4f} x + {h['c']:.4f} x^2 + {h['d']:.4f} x^3); "
              f"{cfg.sine_optimizer}: {opt_losses[-1]:.3f}; least squares: {result['loss_least_squares']:.3f}")
    return x, y, result


def save_sine_figures(figs: Path, x, y, result):
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    figs.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.plot(x, y, "k-", lw=3, alpha=0.35, label="sin(x)")
    for key, style, name in (("start", ":", "random start"), ("by_hand", "-", "gradient descent by hand"),
                             ("optimizer", "--", "Keras optimizer")):
        c = result[key]
        terms = [f"{c['a']:.3f}"] + [f"{'−' if c[k] < 0 else '+'} {abs(c[k]):.3f}{p}"
                                     for k, p in (("b", "x"), ("c", "x²"), ("d", "x³"))]
        label = f"{name}: {' '.join(terms)}"
        ax.plot(x, cubic(x, [c[k] for k in "abcd"]), style, lw=1.6, label=label)
    ax.set_ylim(-3, 3)
    ax.set_xlabel("x")
    ax.legend(fontsize=7.5, loc="upper left")
    ax.grid(alpha=0.3)
    ax.set_title("fitting sin(x) with a cubic")
    save_figure(fig, figs / "sine_fit.png", dpi=110)

    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    every = result["steps"] / (len(result["losses_by_hand"]) - 1)
    for key, name in (("losses_by_hand", "by hand (lr 1e-6)"), ("losses_optimizer", "Keras optimizer")):
        steps = np.arange(len(result[key])) * every
        ax.plot(steps, result[key], label=name)
    ax.axhline(result["loss_least_squares"], color="k", ls=":", label="least squares (the best cubic)")
    ax.set_yscale("log")
    ax.set_xlabel("update step")
    ax.set_ylabel("sum of squared errors")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save_figure(fig, figs / "sine_loss.png", dpi=110)


def save_housing_figure(figs: Path, y_true, y_pred, metrics, source):
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    ax.scatter(y_true, y_pred, s=8, alpha=0.6)
    lo, hi = float(min(y_true.min(), y_pred.min())), float(max(y_true.max(), y_pred.max()))
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="perfect prediction")
    ax.set_xlabel("true price ($1000s)")
    ax.set_ylabel("predicted price ($1000s)")
    ax.set_title(f"house prices, test set ({source})\nRMSE {metrics['rmse']:.2f}, R² {metrics['r2']:.3f}", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save_figure(fig, figs / "housing_fit.png", dpi=110)


def save_digit_figures(figs: Path, images, labels, predicted):
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    # The first 24 test digits, and every wrong answer after them up to 8 more.
    n = min(24, len(labels))
    shown = list(range(n)) + [i for i in np.flatnonzero(predicted != labels) if i >= n][:8]
    cols = 8
    rows = -(-len(shown) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.15 * cols, 1.35 * rows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, shown):
        ax.imshow(np.squeeze(images[i]), cmap="gray", vmin=0, vmax=255)
        wrong = predicted[i] != labels[i]
        ax.set_title(f"{predicted[i]} (true {labels[i]})" if wrong else f"{predicted[i]}", fontsize=9,
                     color="crimson" if wrong else "black")
    fig.suptitle("test digits and the class the MLP picked (red: wrong)", fontsize=10)
    save_figure(fig, figs / "predictions.png", dpi=110)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), int)
    np.add.at(confusion, (labels, predicted), 1)
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    ax.imshow(confusion, cmap="Blues")
    for (i, j), v in np.ndenumerate(confusion):
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                    color="white" if v > confusion.max() / 2 else "black")
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_yticks(range(NUM_CLASSES))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title("confusion matrix, test set", fontsize=10)
    save_figure(fig, figs / "confusion.png", dpi=110)


def _train(argv):
    from kerasbook import runs, training

    run = runs.setup(argv, chapter=CHAPTER, prog=PROG,
                     description="Fit sin(x) with a cubic, predict house prices, classify digits (chapter 2).",
                     config=Config(), specs=(DIGITS, HOUSING), measure=lambda run: measure_step_times(run.cfg, steps=10),
                     data_dir_hint=f"give the folder that holds TFDS' mnist/ and {hs.BOSTON_FILE}")
    cfg, out, args, jit = run.cfg, run.out, run.args, run.jit
    digits_source, housing_source = run.sources[DIGITS.name], run.sources[HOUSING.name]
    verbose = run.verbose(2)
    figs = out / "figures"

    # 1. The sine fit.
    start = time.perf_counter()
    # The hand-written fit's variables are plain ones, not the run's strategy's.
    x_sine, y_sine, sine = training.outside_strategy(run_sine, cfg, args.seed, args.quiet)
    out.mkdir(parents=True, exist_ok=True)
    save_sine_figures(figs, x_sine, y_sine, sine)
    sine_seconds = time.perf_counter() - start

    # 2. House prices.
    start = time.perf_counter()
    if housing_source == "builtin":
        h = hs.load_builtin(cfg.housing_train_size, cfg.housing_val_size, cfg.housing_test_size, args.seed)
    else:
        h = hs.load_boston(args.data_dir)
    (hx_tr, hy_tr), (hx_va, hy_va), (hx_te, hy_te) = (h[k] for k in ("train", "validation", "test"))
    print(f"housing: {housing_source}, {len(hx_tr)} train / {len(hx_va)} validation / {len(hx_te)} test rows; "
          f"{iterations_per_epoch(len(hx_tr), cfg.housing_batch_size)} iterations per epoch")
    h_info = run.run_info()
    with run.strategy.scope():
        housing_model = build_housing_model(cfg, hx_tr, hy_tr)
        compile_housing(housing_model, cfg, jit)
    housing_model, h_history = training.fit(
        housing_model, pipeline(hx_tr, hy_tr, cfg.housing_batch_size, args.seed),
        pipeline(hx_va, hy_va, cfg.housing_batch_size), epochs=cfg.housing_epochs, out=out / "housing",
        info=h_info, train_examples=len(hx_tr), verbose=0)
    h_pred = housing_model.predict(hx_te, batch_size=512, verbose=0)[:, 0]
    h_metrics = regression_metrics(hy_te, h_pred)
    housing = {"source": housing_source, "epochs_run": h_info.epochs_run, "train_seconds": h_info.train_seconds,
               **{f"test_{k}": v for k, v in h_metrics.items()}}
    if h["test_clean"] is not None:
        housing.update({f"noise_ceiling_{k}": v for k, v in regression_metrics(hy_te, h["test_clean"]).items()})
        design = np.c_[np.ones(len(hx_tr)), hx_tr]
        w, *_ = np.linalg.lstsq(design, hy_tr, rcond=None)
        housing.update({f"linear_{k}": v for k, v in regression_metrics(hy_te, np.c_[np.ones(len(hx_te)), hx_te] @ w).items()})
    save_housing_figure(figs, hy_te, h_pred, h_metrics, housing_source)
    from kerasbook.plots import plot_history

    plot_history(h_history, figs / "housing_curves.png", title="house-price MLP (loss = MSE)")
    print(f"housing: test RMSE {h_metrics['rmse']:.3f}, MAE {h_metrics['mae']:.3f}, R² {h_metrics['r2']:.4f}"
          + (f" (noise ceiling: RMSE {housing['noise_ceiling_rmse']:.3f}, R² {housing['noise_ceiling_r2']:.4f})"
             if "noise_ceiling_r2" in housing else ""))
    housing_seconds = time.perf_counter() - start

    # 3. The 784-64-10 digit classifier.
    start = time.perf_counter()
    splits = dg.load_builtin() if digits_source == "builtin" else dg.load_mnist(args.data_dir)
    data_seconds = time.perf_counter() - start
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = (splits[k] for k in ("train", "validation", "test"))
    if cfg.train_size is not None:
        x_tr, y_tr = x_tr[: cfg.train_size], y_tr[: cfg.train_size]
    run.require_batch(len(x_tr), "training images")
    print(f"digits: {digits_source}, {len(x_tr)} train / {len(x_va)} validation / {len(x_te)} test images; "
          f"{iterations_per_epoch(len(x_tr), cfg.batch_size)} iterations per epoch")
    info = run.run_info()
    with run.strategy.scope():
        model = build_classifier(cfg)
        compile_classifier(model, cfg, jit)
    model, history = training.fit(model, pipeline(x_tr, y_tr, cfg.batch_size, args.seed),
                                  pipeline(x_va, y_va, 512), epochs=cfg.epochs, out=out, info=info,
                                  train_examples=len(x_tr), verbose=verbose)
    predicted = model.predict(x_te, batch_size=512, verbose=0).argmax(axis=1)
    test_accuracy = float(np.mean(predicted == y_te))
    plot_history(history, figs / "curves.png", title="784-64-10 MLP on handwritten digits")
    save_digit_figures(figs, x_te, y_te, predicted)
    classifier_seconds = time.perf_counter() - start

    run.finish(
        dataset=run.dataset_entry(len(x_tr), len(x_va), len(x_te), name=DIGITS.name,
                                  housing=run.dataset_entry(len(hx_tr), len(hx_va), len(hx_te), name=HOUSING.name)),
        info=info,
        seconds={"sine": sine_seconds, "housing": housing_seconds, "data": data_seconds,
                 "train": info.train_seconds, "classifier": classifier_seconds},
        final={"test_accuracy": test_accuracy, "housing_test_rmse": h_metrics["rmse"],
               "housing_test_r2": h_metrics["r2"], "sine_final_loss": sine["loss_by_hand"]},
        classifier={"test_accuracy": test_accuracy, "best_val_accuracy": max(history["val_accuracy"]),
                    **{k: v[-1] for k, v in history.items()}},
        housing=housing,
        sine={k: v for k, v in sine.items() if not k.startswith("losses_")},
    )
    print(f"digits: test accuracy {test_accuracy:.4f}; sine loss {sine['loss_by_hand']:.3f}; "
          f"XLA {'on' if jit else 'off'}; wrote {out}")
    return 0


def main(argv=None):
    """Run the chapter (all three parts); returns the exit code."""
    return cli.chapter_main(argv, _train, PROG)


if __name__ == "__main__":
    sys.exit(main())
