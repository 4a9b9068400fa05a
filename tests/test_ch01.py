"""Chapter 1 end to end at toy size: artifacts, reload, the MNIST loader, bad input."""

import csv
import dataclasses

import numpy as np

from kerasbook.chapters import ch01_foundations as ch
from kerasbook.chapters.ch01_foundations import __main__ as run_order
from kerasbook.chapters.ch01_foundations.config import Config
from kerasbook.chapters.ch01_foundations.data import SPEC, load_mnist
from kerasbook.chapters.ch01_foundations.experiments import experiment_knn
from kerasbook.chapters.ch01_foundations.figures import save_main_figures
from kerasbook.chapters.ch01_foundations.methods import build_linear, build_mlp, diagram_models
from kerasbook.testing import reloads_identically, run_artifacts, toy_run_fixture, usage_error


@dataclasses.dataclass(frozen=True)
class Tiny(Config):
    """Every experiment, small enough for the test suite."""

    val_size: int = 64
    test_size: int = 64
    hidden: tuple = (16, 16)
    reg_samples: int = 100
    gd_steps: int = 100
    knn_train: int = 60
    knn_test: int = 40
    knn_ks: tuple = (1, 3, 9)
    loss_check_classes: tuple = (2, 10)
    tiny_steps: int = 30
    sweep_lrs: tuple = (1e-3, 1e-1)
    sweep_epochs: int = 2
    init_depth: int = 3
    init_width: int = 32
    schedule_epochs: int = 1
    overfit_train: int = 48
    overfit_width: int = 16
    overfit_epochs: int = 4
    patience: int = 1


FIGURES = ("curves", "linear_vs_mlp", "regression", "knn", "initial_loss", "tiny_batch", "lr_sweep",
           "init_stats", "schedules", "dropout_early_stopping")


# `Tiny` replaces `Config` where the run order (`__main__._train`) reads it.
toy_run = toy_run_fixture(run_order, Tiny, ["--train-size", "128", "--batch-size", "32", "--epochs", "4",
                                            "--xla", "off", "--quiet", "--seed", "3"], cache=True)


def test_run_writes_every_artifact(toy_run):
    metrics = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv",
                            *(f"figures/{f}.png" for f in FIGURES))
    assert metrics["chapter"] == "ch01_foundations"
    assert metrics["jit_compile"] is False and metrics["xla_reason"] == "--xla off"
    assert metrics["dataset"] == {"name": "ch01_main", "source": "builtin", "train": 128, "validation": 64, "test": 64}
    assert metrics["config"]["hidden"] == [16, 16] and metrics["config"]["overfit_epochs"] == 4   # Tiny, not Config
    final = metrics["final"]
    assert set(final) == {"test_accuracy", "linear_test_accuracy", "ols_gd_max_abs_diff", "tiny_batch_accuracy"}
    assert 0.0 <= final["test_accuracy"] <= 1.0 and 0.0 <= final["linear_test_accuracy"] <= 1.0
    exp = metrics["experiments"]
    assert exp["knn"]["ks"] == [1, 3, 9] and exp["knn"]["train_accuracy"][0] == 1.0
    assert len(exp["lr_sweep"]["final_loss"]) == 2
    assert set(exp["schedules"]) == {"constant", "step", "cosine", "linear"}
    assert exp["regularisation"]["early_stopping"]["epochs_run"] <= 4


def test_loss_fell(toy_run):
    _, out = toy_run
    with open(out / "history.csv") as f:
        losses = [float(row["loss"]) for row in csv.DictReader(f)]
    assert len(losses) == 4
    assert losses[-1] < 0.95 * losses[0]


def test_model_reloads_and_predicts_identically(toy_run, tmp_path):
    _, out = toy_run
    x = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    _, first = reloads_identically(out / "model.keras", x, tmp_path)
    assert first.shape == (8, 3)
    np.testing.assert_allclose(first.sum(axis=1), 1.0, atol=1e-5)


def test_full_data_offline_and_uncached_is_refused(capsys, monkeypatch, tmp_path):
    from kerasbook import data

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(data, "network_reachable", lambda url, timeout=3.0: False)
    (tmp_path / "tfds").mkdir()
    assert "MNIST is not in the TFDS data folder" in usage_error(ch.main, ["--data", "full", "--data-dir", str(tmp_path / "tfds")], capsys)
    source, notice = data.choose_source(SPEC, "auto", str(tmp_path / "tfds"))
    assert source == "builtin" and notice.startswith("note:")


def test_mnist_loader_with_mock_data(tmp_path):
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=24):
        splits = load_mnist(data_dir=str(tmp_path))
    x, y = splits["train"]
    assert x.shape == (22, 784) and x.dtype == np.float32 and y.dtype == np.int32
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() > 0.0
    assert len(splits["validation"][0]) == 2 and splits["test"][0].shape[1] == 784
    assert set(np.unique(y)) <= set(range(10))


def test_mnist_preset_and_diagram_models():
    cfg = Config().mnist()
    assert cfg.classes == 10 and cfg.train_size == 60_000
    models = diagram_models()
    assert set(models) == {"linear_softmax", "mlp"}
    assert models["linear_softmax"].count_params() == 2 * 3 + 3
    assert models["mlp"].output_shape == (None, 3)
    assert models["mlp"].count_params() == (2 * 64 + 64) + (64 * 64 + 64) + (64 * 3 + 3)


def test_the_package_reexports_what_other_code_uses():
    """bench/ch01.py, the quiz, the figures tool and the front door import these from the package itself."""
    from kerasbook.chapters.ch01_foundations import methods

    for name in ("ols", "gradient_descent", "knn_predict", "build_mlp", "initial_loss", "lr_schedule",
                 "measure_step_times", "diagram_models"):
        assert getattr(ch, name) is getattr(methods, name), name
    assert ch.Config is Config and ch.SPEC is SPEC and ch.CHAPTER == "ch01_foundations"
    assert ch.experiment_knn is experiment_knn and ch.save_main_figures is save_main_figures


def test_image_data_branches_draw_their_figures(tmp_path):
    """With MNIST-shaped inputs (784 features) k-NN skips the region plots and the run draws digits."""
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(40, 784)).astype("float32")
    y = (np.arange(40) % 10).astype("int32")
    cfg = dataclasses.replace(Tiny(), classes=10)
    result = experiment_knn(cfg, ((x[:30], y[:30]), (x[30:], y[30:])), 0, tmp_path / "figures")
    assert result["train_accuracy"][0] == 1.0 and (tmp_path / "figures" / "knn.png").is_file()
    mlp = build_mlp(784, 10, hidden=(8,))
    history = {"loss": [2.3, 2.0], "accuracy": [0.1, 0.2], "val_loss": [2.3, 2.1], "val_accuracy": [0.1, 0.1]}
    save_main_figures(tmp_path, history, {"linear softmax": (build_linear(784, 10), 0.1), "MLP": (mlp, 0.2)},
                      (x[30:], y[30:]), 10)
    assert (tmp_path / "figures" / "predictions.png").is_file()
    assert not (tmp_path / "figures" / "linear_vs_mlp.png").exists()
