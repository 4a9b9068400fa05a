"""Chapter 1: foundations, from least squares to a training checklist you can run.

Run it with `python -m kerasbook.chapters.ch01_foundations` (`--help` for the
flags). Read `__main__.py` first: it is the run, step by step; `config.py`,
`data.py`, `methods.py`, `experiments.py` and `figures.py` hold what it calls.
The names other code uses are importable from the package itself.
"""

from __future__ import annotations

from kerasbook.chapters.ch01_foundations.config import TITLE, TOPIC, TRACK  # noqa: F401 - what the chapter list reads
from kerasbook.chapters.ch01_foundations.config import CHAPTER, MNIST_URL, PROG, Config
from kerasbook.chapters.ch01_foundations.data import SPEC, load_mnist, load_spirals
from kerasbook.chapters.ch01_foundations.experiments import (INITS, experiment_init, experiment_initial_loss,
                                                             experiment_knn, experiment_lr_sweep, experiment_regression,
                                                             experiment_regularisation, experiment_schedules,
                                                             experiment_tiny_batch)
from kerasbook.chapters.ch01_foundations.figures import save_main_figures
from kerasbook.chapters.ch01_foundations.methods import (accuracy, activation_stats, build_linear, build_mlp,
                                                         compile_classifier, diagram_models, distance_contrast,
                                                         flip_labels, gradient_descent, initial_loss, knn_predict,
                                                         lr_schedule, measure_step_times, ols, predict_probs)
from kerasbook.metrics import mae, mse, r2, rmse

__all__ = [
    "CHAPTER", "MNIST_URL", "PROG", "SPEC", "INITS", "Config", "load_spirals", "load_mnist",
    "ols", "gradient_descent", "knn_predict", "distance_contrast", "build_linear", "build_mlp",
    "compile_classifier", "diagram_models", "predict_probs", "accuracy", "initial_loss", "activation_stats",
    "lr_schedule", "flip_labels", "measure_step_times",
    "experiment_regression", "experiment_knn", "experiment_initial_loss", "experiment_tiny_batch",
    "experiment_lr_sweep", "experiment_init", "experiment_schedules", "experiment_regularisation",
    "save_main_figures", "mae", "mse", "rmse", "r2", "main",
]


def main(argv=None):
    """Run every experiment of the chapter; returns the exit code."""
    # Imported here, not at the top: `python -m` imports this package and then runs
    # __main__.py as the script; importing it here too would load it a second time.
    from kerasbook.chapters.ch01_foundations.__main__ import main as run

    return run(argv)
