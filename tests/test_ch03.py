"""Chapter 3 end to end at toy size, plus references for the sizes, padding and parameter counts."""

import csv
import dataclasses

import keras
import numpy as np
import pytest

from kerasbook.chapters import ch03_cnn as ch
from kerasbook.data import shapes
from kerasbook.layers.padding import Padding2D, RandomPadCrop
from kerasbook.testing import check_layer, reloads_identically, run_artifacts, toy_run_fixture, usage_error


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    """A model and data small enough for the test suite."""

    val_size: int = 40
    test_size: int = 40
    widths: tuple = (8, 8, 16)
    dense_units: tuple = (16, 16)
    dropout: float = 0.0
    learning_rate: float = 3e-3
    transfer_per_class: tuple = (4,)
    transfer_test_size: int = 20
    transfer_epochs: int = 2
    fine_tune_epochs: int = 1


toy_run = toy_run_fixture(ch, Tiny, ["--train-size", "160", "--batch-size", "32", "--epochs", "4", "--xla", "off",
                                     "--quiet", "--seed", "3"], cache=True)


def test_run_writes_every_artifact(toy_run):
    metrics = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv", "figures/curves.png",
                            "figures/samples.png", "figures/predictions.png", "figures/augmentation.png",
                            "figures/padding.png", "figures/feature_maps.png", "figures/transfer.png")
    assert metrics["chapter"] == "ch03_cnn"
    assert metrics["jit_compile"] is False and metrics["xla_reason"] == "--xla off"
    assert metrics["dataset"] == {"name": "shapes32", "source": "builtin", "train": 160, "validation": 40, "test": 40}
    assert set(metrics["final"]) == {"test_accuracy", "transfer_scratch", "transfer_feature_extraction",
                                     "transfer_fine_tune"}
    assert all(0.0 <= v <= 1.0 for v in metrics["final"].values())
    assert metrics["transfer"]["per_class"]["4"]["scratch"] == metrics["final"]["transfer_scratch"]


def test_loss_fell(toy_run):
    _, out = toy_run
    with open(out / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])


def test_model_reloads_and_predicts_identically(toy_run, tmp_path):
    _, out = toy_run
    x = np.stack([shapes.draw_example(9, "check", i)[1] for i in range(4)])
    model, first = reloads_identically(out / "model.keras", x, tmp_path, atol=1e-5)
    assert first.shape == (4, 10)
    # Augmentation is off at inference: the same image always gets the same scores.
    np.testing.assert_allclose(model.predict(x, verbose=0), first, atol=1e-6)


def test_data_full_without_cifar_and_offline_is_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("kerasbook.data.network_reachable", lambda url, timeout=3.0: False)
    empty = tmp_path / "tfds"
    empty.mkdir()
    err = usage_error(ch.main, ["--data", "full", "--data-dir", str(empty), "--out", str(tmp_path / "run")], capsys)
    assert len(err.splitlines()) == 1 and "CIFAR-10 is not prepared" in err


# --- the output-size formula against real layers -------------------------------------

@pytest.mark.parametrize("n, k, p, s", [(32, 3, 1, 1), (32, 3, 0, 1), (32, 5, 2, 2), (7, 3, 0, 2),
                                        (28, 5, 0, 1), (224, 7, 3, 2), (31, 4, 1, 3)])
def test_conv_output_size_matches_conv2d(n, k, p, s):
    x = np.zeros((1, n, n, 2), "float32")
    y = keras.layers.Conv2D(3, k, strides=s)(Padding2D(p)(x))
    assert y.shape[1] == y.shape[2] == ch.conv_output_size(n, k, p, s)


@pytest.mark.parametrize("n, k, s", [(32, 2, 2), (33, 2, 2), (8, 3, 1), (9, 3, 2)])
def test_conv_output_size_matches_max_pooling(n, k, s):
    y = keras.layers.MaxPooling2D(k, strides=s)(np.zeros((1, n, n, 1), "float32"))
    assert y.shape[1] == ch.conv_output_size(n, k, 0, s)


def test_max_pooling_worked_example():
    x = np.array([[2, 2, 7, 3], [9, 4, 6, 1], [8, 5, 2, 4], [3, 1, 2, 6]], "float32")[None, :, :, None]
    y = keras.ops.convert_to_numpy(keras.layers.MaxPooling2D(2)(x))[0, :, :, 0]
    np.testing.assert_array_equal(y, [[9, 7], [8, 6]])


# --- padding and the augmentation crop --------------------------------------------------

@pytest.mark.parametrize("mode, np_mode", [("zero", "constant"), ("reflect", "reflect"), ("replicate", "edge")])
@pytest.mark.parametrize("padding", [1, 2, (1, 3)])
def test_padding2d_matches_numpy(mode, np_mode, padding):
    x = np.random.default_rng(0).normal(size=(2, 5, 6, 3)).astype("float32")
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    expected = np.pad(x, [(0, 0), (ph, ph), (pw, pw), (0, 0)], mode=np_mode)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(Padding2D(padding, mode)(x)), expected)


def test_padding2d_passes_the_layer_checks(tmp_path):
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 2)).astype("float32")
    for mode in ("zero", "reflect", "replicate"):
        check_layer(Padding2D, {"padding": 2, "mode": mode}, x, tmp_path, expected_output_shape=(2, 10, 10, 2))
    with pytest.raises(ValueError, match="mode must be one of"):
        Padding2D(1, "wrap")


def test_random_pad_crop_cuts_windows_of_the_padded_image(tmp_path):
    x = np.random.default_rng(2).uniform(size=(6, 8, 8, 3)).astype("float32")
    layer = RandomPadCrop(2, "reflect", seed=5)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x)          # inference: unchanged
    y = keras.ops.convert_to_numpy(layer(x, training=True))
    padded = np.pad(x, [(0, 0), (2, 2), (2, 2), (0, 0)], mode="reflect")
    offsets = []
    for i in range(len(x)):
        hits = [(dy, dx) for dy in range(5) for dx in range(5)
                if np.allclose(padded[i, dy:dy + 8, dx:dx + 8], y[i], atol=1e-6)]
        assert hits, f"image {i} is not a window of its padded image"
        offsets.append(hits[0])
    assert len(set(offsets)) > 1                       # one offset per image, not one per batch
    check_layer(RandomPadCrop, {"padding": 2, "mode": "replicate", "seed": 1}, x, tmp_path,
                expected_output_shape=x.shape)


# --- parameter counts and transfer plumbing ---------------------------------------------

def test_parameter_counts_follow_the_formulas():
    cfg = dataclasses.replace(ch.Config(), batch_norm=False)
    counts = ch.parameter_counts(cfg)
    w = (3,) + tuple(cfg.widths)
    convs = sum(3 * 3 * cin * cout + cout for cin, cout in
                [(w[b], w[b + 1]) for b in range(3)] + [(w[b + 1], w[b + 1]) for b in range(3)])
    assert counts["cnn_conv_layers"] == convs
    flat = 4 * 4 * cfg.widths[-1]
    d1, d2 = cfg.dense_units
    assert counts["cnn_fc_layers"] == (flat + 1) * d1 + (d1 + 1) * d2 + (d2 + 1) * 10
    assert counts["mlp_first_layer"] == (32 * 32 * 3 + 1) * d1
    assert counts["mlp"] == counts["mlp_first_layer"] + (d1 + 1) * d2 + (d2 + 1) * 10


def test_unfreeze_top_opens_only_the_top_block():
    cfg = Tiny()
    backbone = ch.backbone_of(ch.build_model(cfg))
    model = ch.build_transfer_model(backbone, 5, cfg)
    assert not backbone.trainable_weights
    heads = len(model.trainable_weights)
    ch.unfreeze_top(backbone, 1)
    opened = {w.path.split("/")[0] for w in backbone.trainable_weights}
    assert opened and all(name.startswith("block3_") for name in opened)
    assert len(model.trainable_weights) > heads
    ch.unfreeze_top(backbone, 2)
    assert {n[:6] for n in (w.path.split("/")[0] for w in backbone.trainable_weights)} == {"block2", "block3"}


def test_diagram_models_build():
    models = ch.diagram_models()
    assert models["vgg"].output.shape == (None, 10) and models["transfer"].output.shape == (None, 5)
