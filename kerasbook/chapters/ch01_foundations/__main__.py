"""Chapter 1: foundations, from least squares to a training checklist you can run.

The chapter is a sequence of small, fast experiments, each one a figure:
linear regression solved twice (closed-form least squares and gradient
descent, full-batch and mini-batch) with MAE/MSE/RMSE/R²; k-nearest neighbours
and how accuracy moves with k; a linear softmax classifier that cannot separate
interleaved spirals next to a small MLP that can; and the checklist every
training run deserves: the initial loss is about log C, one tiny batch can be
learned by heart, a learning-rate sweep, Xavier vs He initialisation, step /
cosine / linear schedules, dropout and early stopping.

The saved `model.keras` is the MLP classifier of the main task: three spiral
arms on builtin data, the MNIST digits (through TFDS) with `--data full`.

The package reads in this order: `__main__.py` (this file: the steps of a
run), `config.py` (`Config`), `data.py` (spirals and MNIST), `methods.py`
(the maths and the models), `experiments.py` (one function per figure) and
`figures.py` (the drawing helpers); `penalties.py` and `search.py` are the two
experiments with their own commands.

Run it:

    python -m kerasbook.chapters.ch01_foundations            # default run, builtin data
    python -m kerasbook.chapters.ch01_foundations --quick    # about a minute on a laptop
    python -m kerasbook.chapters.ch01_foundations --data full
    python -m kerasbook.chapters.ch01_foundations penalties   # L1, L2, elastic net and dropout, side by side
    python -m kerasbook.chapters.ch01_foundations search      # grid vs random search (KerasTuner), on digits

References:
    Glorot and Bengio, "Understanding the difficulty of training deep
    feedforward neural networks", 2010. He et al., "Delving Deep into
    Rectifiers", 2015. Srivastava et al., "Dropout", 2014. Loshchilov and
    Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", 2017.
    Karpathy, "A Recipe for Training Neural Networks", 2019.
"""

from __future__ import annotations

import math
import sys
import time

from kerasbook import cli
from kerasbook.chapters.ch01_foundations.config import CHAPTER, PROG, Config
from kerasbook.chapters.ch01_foundations.data import SPEC, load_mnist, load_spirals
from kerasbook.chapters.ch01_foundations.experiments import (_fit, experiment_init, experiment_initial_loss,
                                                             experiment_knn, experiment_lr_sweep, experiment_regression,
                                                             experiment_regularisation, experiment_schedules,
                                                             experiment_tiny_batch)
from kerasbook.chapters.ch01_foundations.figures import save_main_figures
from kerasbook.chapters.ch01_foundations.methods import (accuracy, build_linear, build_mlp, compile_classifier,
                                                         initial_loss, measure_step_times)
from kerasbook.data import toy


def _validate(args, cfg, sources):
    if sources[SPEC.name] == "builtin" and cfg.train_size < cfg.tiny_batch:
        raise cli.UsageError(f"--train-size {cfg.train_size} is smaller than the tiny batch of {cfg.tiny_batch}; raise it")


def _train(argv):
    from kerasbook import runs, training

    def base(sources):
        return Config().mnist() if sources[SPEC.name] == "full" else Config()

    def measure(run):
        return measure_step_times(run.cfg, inputs=784 if run.source == "full" else 2, steps=10)

    run = runs.setup(argv, chapter=CHAPTER, prog=PROG,
                     description="Chapter 1: regression, k-NN, linear vs MLP, and the training checklist.",
                     config=base, specs=(SPEC,), measure=measure, validate=_validate)
    cfg, out, args, jit, source = run.cfg, run.out, run.args, run.jit, run.source
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    inputs = 784 if source == "full" else 2

    start = time.perf_counter()
    splits = load_spirals(cfg, args.seed) if source == "builtin" else load_mnist(args.data_dir, args.seed)
    train, val, test = (splits[k] for k in ("train", "validation", "test"))
    train = (train[0][: cfg.train_size], train[1][: cfg.train_size])
    run.require_batch(len(train[0]))
    if source == "builtin":
        knn_x, knn_y = toy.blobs(cfg.knn_train + cfg.knn_test, centers=4, spread=1.5, seed=args.seed)
        knn_data = ((knn_x[: cfg.knn_train], knn_y[: cfg.knn_train]), (knn_x[cfg.knn_train:], knn_y[cfg.knn_train:]))
    else:
        knn_data = ((train[0][: cfg.knn_train], train[1][: cfg.knn_train]), (test[0][: cfg.knn_test], test[1][: cfg.knn_test]))
    data_seconds = time.perf_counter() - start
    print(f"data: {source}, {len(train[0])} train / {len(val[0])} validation / {len(test[0])} test "
          f"({data_seconds:.0f}s)")

    figs = out / "figures"
    exp, seconds = {}, {"data": data_seconds}

    def step(i, name, fn, *a):
        say(f"[{i}/9] {name} ...")
        t = time.perf_counter()
        exp[name] = fn(*a)
        seconds[name] = time.perf_counter() - t

    step(1, "regression", experiment_regression, cfg, args.seed, figs)
    step(2, "knn", experiment_knn, cfg, knn_data, args.seed, figs)

    # 3. The main task: a linear softmax model and the MLP, same data, same optimiser.
    say("[3/9] linear softmax vs MLP ...")
    t = time.perf_counter()
    linear = compile_classifier(build_linear(inputs, cfg.classes), cfg.learning_rate, jit)
    linear_hist = _fit(linear, *train, val, cfg.epochs, cfg.batch_size)
    linear_acc = accuracy(linear, *test)
    import tensorflow as tf

    train_ds = (tf.data.Dataset.from_tensor_slices(train).shuffle(len(train[0]), seed=args.seed)
                .batch(cfg.batch_size).prefetch(tf.data.AUTOTUNE))
    val_ds = tf.data.Dataset.from_tensor_slices(val).batch(1024)
    info = run.run_info()
    with run.strategy.scope():
        mlp = compile_classifier(build_mlp(inputs, cfg.classes, cfg.hidden), cfg.learning_rate, jit)
    loss_at_init = initial_loss(mlp, *val)
    mlp, history = training.fit(mlp, train_ds, val_ds, epochs=cfg.epochs, out=out, info=info,
                                train_examples=len(train[0]), verbose=0 if args.quiet else 2)
    test_acc = accuracy(mlp, *test)
    save_main_figures(out, history, {"linear softmax": (linear, linear_acc), "MLP": (mlp, test_acc)}, test, cfg.classes)
    exp["linear_vs_mlp"] = {"linear_test_accuracy": linear_acc, "mlp_test_accuracy": test_acc,
                            "linear_final_train_loss": linear_hist["loss"][-1],
                            "mlp_final_train_loss": history["loss"][-1]}
    seconds["linear_vs_mlp"] = time.perf_counter() - t

    step(4, "initial_loss", experiment_initial_loss, cfg, train[0][:2000], args.seed, figs)
    exp["initial_loss"]["main_task"] = {"classes": cfg.classes, "log_c": math.log(cfg.classes),
                                        "measured": loss_at_init}
    step(5, "tiny_batch", experiment_tiny_batch, cfg, *train, jit, args.seed, figs)
    step(6, "lr_sweep", experiment_lr_sweep, cfg, train, val, jit, args.seed, figs)
    step(7, "init", experiment_init, cfg, args.seed, figs)
    step(8, "schedules", experiment_schedules, cfg, train, val, jit, args.seed, figs)
    step(9, "regularisation", experiment_regularisation, cfg, train, val, test, jit, args.seed, figs)

    seconds["train_main"] = info.train_seconds
    final = {"test_accuracy": test_acc, "linear_test_accuracy": linear_acc,
             "ols_gd_max_abs_diff": exp["regression"]["ols_gd_max_abs_diff"],
             "tiny_batch_accuracy": exp["tiny_batch"]["final_accuracy"]}
    metrics = run.finish(dataset=run.dataset_entry(len(train[0]), len(val[0]), len(test[0])), info=info,
                         seconds=seconds, final=final, experiments=exp)
    print(f"MLP test accuracy {test_acc:.3f}, linear softmax {linear_acc:.3f}; "
          f"OLS vs GD max |diff| {final['ols_gd_max_abs_diff']:.1e}; tiny batch {final['tiny_batch_accuracy']:.0%}; "
          f"XLA {'on' if jit else 'off'}; {metrics['seconds']['total']:.0f}s; wrote {out}")
    return 0


def _experiment_command(name, description, argv, make_config, run_experiment):
    """`penalties` and `search`: one experiment with its own folder, table and figure."""
    parser = cli.OneLineParser(prog=f"{PROG} {name}", description=description)
    parser.add_argument("--quick", action="store_true", help="a toy size that runs in seconds (for tests)")
    parser.add_argument("--seed", type=cli.whole_number, default=0, help="seed for the data and the weights")
    parser.add_argument("--out", help=f"output folder (default: runs/{CHAPTER}-{name}-TIMESTAMP)")
    parser.add_argument("--overwrite", action="store_true", help="allow --out to hold an earlier run")
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    args = parser.parse_args(argv)
    out = cli.output_dir(f"{CHAPTER}-{name}", args.out, args.overwrite)
    cfg = make_config().quick() if args.quick else make_config()
    start = time.perf_counter()
    run_experiment(cfg, args.seed, out, say=(lambda *a: None) if args.quiet else print)
    print((out / f"{name}.md").read_text(), end="")
    print(f"{time.perf_counter() - start:.0f}s; wrote {out}")
    return 0


def _penalties(argv):
    from kerasbook.chapters.ch01_foundations import penalties

    return _experiment_command("penalties", "Chapter 1: one MLP with no penalty, L1, L2, elastic net and dropout.",
                               argv, penalties.PenaltyConfig, penalties.run)


def _search(argv):
    from kerasbook.chapters.ch01_foundations import search

    return _experiment_command("search", "Chapter 1: grid search vs random search with KerasTuner on digits.",
                               argv, search.SearchConfig, search.run)


def main(argv=None):
    """Run every experiment of the chapter (the default, or `train`), `penalties` or `search`; returns the exit code."""
    return cli.chapter_main(argv, _train, PROG, penalties=_penalties, search=_search)


if __name__ == "__main__":
    sys.exit(main())
