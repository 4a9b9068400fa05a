"""Chapter 4 end to end at toy size: artifacts, reload, the CIFAR-10 path, bad input."""

import csv
import dataclasses
import json

import numpy as np
import pytest
import tensorflow_datasets as tfds

from kerasbook import cli
from kerasbook.chapters import ch04_resnet as ch
from kerasbook.data import shapes
from kerasbook.testing import reloads_identically, run_artifacts, toy_run_fixture, usage_error


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    """A model and data small enough for the test suite."""

    val_size: int = 40
    test_size: int = 40
    width: int = 4
    blocks: tuple = (1, 1, 1, 1)
    learning_rate: float = 1e-2
    deep_blocks: int = 1
    deep_width: int = 4
    deep_train_size: int = 96
    deep_epochs: int = 2
    deep_learning_rate: float = 5e-3


toy_run = toy_run_fixture(ch, Tiny, ["--train-size", "160", "--batch-size", "32", "--epochs", "4", "--xla", "off",
                                     "--quiet", "--seed", "3"], cache=True)


def test_run_writes_every_artifact(toy_run):
    metrics = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv", "figures/curves.png",
                            "figures/predictions.png", "figures/degradation_curves.png",
                            "figures/gradient_norms.png", "figures/pooling.png", "figures/costs.png")
    assert metrics["chapter"] == "ch04_resnet"
    assert metrics["jit_compile"] is False and metrics["xla_reason"] == "--xla off"
    assert metrics["dataset"] == {"name": "cifar10", "source": "builtin", "train": 160, "validation": 40, "test": 40}
    assert set(metrics["final"]) == {"test_accuracy", "plain_final_loss", "residual_final_loss"}
    assert 0.0 <= metrics["final"]["test_accuracy"] <= 1.0
    for name in ("plain", "residual"):
        deg = metrics["degradation"][name]
        assert deg["layers"] == 8 and len(deg["grad_init"]) == 7 and len(deg["history"]["loss"]) == 2
        assert metrics["final"][f"{name}_final_loss"] == deg["history"]["loss"][-1]
    assert metrics["pooling"]["max"] == [[9, 7], [8, 6]]


def test_loss_fell(toy_run):
    _, out = toy_run
    with open(out / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    assert float(rows[-1]["loss"]) < 0.9 * float(rows[0]["loss"])


def test_model_reloads_and_predicts_identically(toy_run, tmp_path):
    _, out = toy_run
    x = np.stack([shapes.draw_example(9, "check", i)[1] for i in range(4)])
    _, first = reloads_identically(out / "model.keras", x, tmp_path)
    assert first.shape == (4, ch.NUM_CLASSES)


def test_full_data_not_prepared_and_offline_is_one_line(capsys, monkeypatch, tmp_path):
    from kerasbook import data

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(data, "network_reachable", lambda url, timeout=3.0: False)
    assert "not prepared" in usage_error(ch.main, ["--data", "full", "--data-dir", str(tmp_path)], capsys)
    assert not (tmp_path / "runs").exists()


def test_full_data_goes_through_the_cifar10_loader(tmp_path):
    cfg = dataclasses.replace(Tiny(), train_size=20, val_size=8)
    with tfds.testing.mock_data(num_examples=40):
        splits, names = ch.load_data(cfg, "full", str(tmp_path), seed=5)
    assert names == shapes.CIFAR10_CLASSES
    (x, y), (xv, yv), (xt, yt) = splits["train"], splits["validation"], splits["test"]
    assert x.shape == (20, 32, 32, 3) and x.dtype == np.uint8 and y.dtype == np.int32   # capped by --train-size
    assert xv.shape == (8, 32, 32, 3) and yv.dtype == np.int32                         # carved out of the 40 train
    assert len(xt) == len(yt) == 40 and yt.min() >= 0 and yt.max() <= 9


def test_bad_validation_size_for_cifar10_is_a_usage_error(tmp_path):
    cfg = dataclasses.replace(Tiny(), val_size=40)
    with tfds.testing.mock_data(num_examples=40), pytest.raises(cli.UsageError, match="cannot load CIFAR-10"):
        ch.load_data(cfg, "full", str(tmp_path), seed=0)


def test_training_on_cifar10(tmp_path, monkeypatch):
    from kerasbook import data

    monkeypatch.setattr(ch, "Config", Tiny)
    monkeypatch.setattr(data, "network_reachable", lambda url, timeout=3.0: True)
    out = tmp_path / "run"
    with tfds.testing.mock_data(num_examples=80):
        code = ch.main(["--data", "full", "--epochs", "1", "--batch-size", "16", "--out", str(out), "--xla", "off",
                        "--quiet"])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"] == {"name": "cifar10", "source": "full", "train": 40, "validation": 40, "test": 80}


def test_auto_falls_back_to_builtin_offline(monkeypatch, tmp_path):
    from kerasbook import data

    monkeypatch.setattr(data, "network_reachable", lambda url, timeout=3.0: False)
    monkeypatch.setattr(tfds.core.DatasetBuilder, "is_prepared", lambda self: False)
    source, notice = data.choose_source(ch.SPEC, "auto", None)
    assert source == "builtin" and notice.startswith("note:")
    monkeypatch.setattr(tfds.core.DatasetBuilder, "is_prepared", lambda self: True)
    monkeypatch.setattr(data, "network_reachable", lambda url, timeout=3.0: pytest.fail("probed the network"))
    assert data.choose_source(ch.SPEC, "auto", None) == ("full", "")


def test_diagram_models_are_built_from_the_default_config():
    models = ch.diagram_models()
    assert set(models) == {"resnet18", "resnet18_imagenet", "plain", "residual"}
    assert models["resnet18"].input_shape == (None, 32, 32, 3)
    assert models["resnet18_imagenet"].input_shape == (None, 224, 224, 3)
    assert models["resnet18_imagenet"].get_layer("stem_pool").output.shape == (None, 56, 56, 64)
    assert models["plain"].name == f"plain{6 * ch.Config().deep_blocks + 2}"
