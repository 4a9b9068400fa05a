"""Chapter 7 end to end at toy size: artifacts, reload, predict, data sources, bad input."""

import csv
import dataclasses
import json

import keras
import numpy as np
import pytest
from PIL import Image

from kerasbook.chapters import ch07_crnn as ch
from kerasbook.data import captcha as cap
from kerasbook.testing import reloads_identically, run_artifacts, run_fresh, toy_run_fixture, usage_error


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    """A model and data small enough for the test suite."""

    val_size: int = 64
    test_size: int = 32
    widths: tuple = (8, 8, 16, 16)
    rnn_units: int = 16
    rnn_layers: int = 1
    beam_width: int = 2
    learning_rate: float = 1e-2


toy_run = toy_run_fixture(ch, Tiny, ["--train-size", "96", "--batch-size", "32", "--epochs", "4", "--xla", "off",
                                     "--quiet", "--seed", "3", "--learning-rate", "0.004", "--rnn-layers", "2"],
                          cache=True)


def read_history(out):
    with open(out / "history.csv") as f:
        return list(csv.DictReader(f))


def test_run_writes_every_artifact(toy_run):
    metrics = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv", "figures/curves.png",
                            "figures/predictions.png", "figures/ctc_alignment.png")
    assert metrics["chapter"] == "ch07_crnn"
    assert metrics["jit_compile"] is False and metrics["xla_reason"] == "--xla off"
    assert metrics["dataset"] == {"name": "captcha", "source": "builtin", "train": 96, "validation": 64, "test": 32}
    assert metrics["epochs_run"] == 4 and metrics["samples_per_s"] > 0
    for key in ("test_exact_match_beam", "test_cer_beam", "test_exact_match_greedy", "test_cer_greedy"):
        assert 0.0 <= metrics["final"][key] <= 1.5


def test_run_says_where_its_time_went(toy_run):
    _, out = toy_run
    metrics = json.loads((out / "metrics.json").read_text())
    seconds = metrics["seconds"]
    for key in ("data_prepare", "data_read", "predict", "greedy", "beam_search", "figures"):
        assert seconds[key] >= 0, key
    assert seconds["data_prepare"] + seconds["data_read"] <= seconds["data"] + 1e-3
    assert seconds["predict"] + seconds["greedy"] + seconds["beam_search"] <= seconds["evaluate"] + 1e-3
    known = seconds["data"] + seconds["train"] + seconds["evaluate"] + seconds["figures"]
    assert known <= seconds["total"]
    profile = metrics["extra"]["profile"]
    assert profile["steps"] == 4 * (96 // 32)
    line = ch.wall_time_line(seconds)
    assert line.startswith(f"wall time {seconds['total']:.0f}s: data ") and "beam search" in line


def test_loss_fell(toy_run):
    _, out = toy_run
    rows = read_history(out)
    assert len(rows) == 4
    assert float(rows[-1]["loss"]) < 0.8 * float(rows[0]["loss"])


def test_model_reloads_and_predicts_identically(toy_run, tmp_path):
    _, out = toy_run
    x = np.stack([cap.draw_example(9, "check", i)[1] for i in range(4)])[..., None]
    _, first = reloads_identically(out / "model.keras", x, tmp_path)
    assert first.shape == (4, 16, ch.NUM_CLASSES)


def test_predict_command_prints_text_per_image(toy_run, tmp_path, capsys):
    _, out = toy_run
    paths = []
    for i in range(2):
        text, image = cap.draw_example(5, "cli", i)
        paths.append(tmp_path / f"img{i}.png")
        Image.fromarray(image).save(paths[-1])
    printed = run_fresh(ch, ["predict", "--model", out / "model.keras", *paths])      # loads in a new process
    rows = [line.split("\t") for line in printed.splitlines()]
    assert [row[0] for row in rows] == [str(p) for p in paths]
    assert all(len(row) == 2 and set(row[1]) <= set(cap.ALPHABET) for row in rows)


def test_predict_without_a_model_is_one_line(capsys):
    assert "does not exist" in usage_error(ch.main, ["predict", "--model", "/no/such.keras", "x.png"], capsys)


def test_predict_rejects_a_file_that_is_not_an_image(toy_run, tmp_path, capsys):
    _, out = toy_run
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    assert "cannot read image" in usage_error(ch.main, ["predict", "--model", str(out / "model.keras"), str(bad)], capsys)


def write_lab_folder(folder, n, seed=0):
    """A lab-format folder: 200x50 colour PNGs named by their text."""
    folder.mkdir()
    texts = []
    for i in range(n):
        text, image = cap.draw_example(seed, "lab", i)
        Image.fromarray(image).convert("RGB").resize((200, 50)).save(folder / f"{text}.png")
        texts.append(text)
    return texts


def test_lab_folder_loader_reads_names_as_labels(tmp_path):
    texts = write_lab_folder(tmp_path / "lab", 20)
    splits = ch.load_lab(tmp_path / "lab", seed=1)
    got = sorted(t for part in splits.values() for t in part[2])
    assert got == sorted(texts)
    images, labels, names = splits["train"]
    assert images.shape[1:] == (cap.HEIGHT, cap.WIDTH, 1) and images.dtype == np.uint8
    assert [cap.decode(row) for row in labels] == names
    assert len(splits["test"][2]) == len(splits["validation"][2]) == 2


def test_lab_folder_with_a_bad_name_is_refused(tmp_path, capsys):
    write_lab_folder(tmp_path / "lab", 3)
    Image.new("L", (200, 50)).save(tmp_path / "lab" / "NOT_TEXT!.png")
    assert "NOT_TEXT!.png" in usage_error(ch.main, ["--data-dir", str(tmp_path / "lab"), "--out", str(tmp_path / "o")], capsys)


def test_training_on_a_lab_folder(tmp_path, monkeypatch):
    write_lab_folder(tmp_path / "lab", 60)
    monkeypatch.setattr(ch, "Config", Tiny)
    out = tmp_path / "run"
    assert ch.main(["--data-dir", str(tmp_path / "lab"), "--epochs", "1", "--batch-size", "16",
                    "--out", str(out), "--xla", "off", "--quiet"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"]["source"] == "full" and metrics["dataset"]["train"] == 48


def test_auto_falls_back_to_builtin_offline(monkeypatch, tmp_path):
    from kerasbook import data

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(data, "network_reachable", lambda url, timeout=3.0: False)
    source, notice = data.choose_source(ch.SPEC, "auto", None)
    assert source == "builtin" and notice.startswith("note:")
    with pytest.raises(data.UsageError):
        data.choose_source(ch.SPEC, "full", None)
    monkeypatch.setattr(data, "network_reachable", lambda url, timeout=3.0: True)
    assert data.choose_source(ch.SPEC, "auto", None)[0] == "full"


def test_cached_lab_copy_counts_as_available(monkeypatch, tmp_path):
    from kerasbook import data

    (tmp_path / "datasets").mkdir()
    write_lab_folder(tmp_path / "datasets" / "captcha_images_v2", 3)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(data, "network_reachable", lambda url, timeout=3.0: pytest.fail("probed the network"))
    assert data.choose_source(ch.SPEC, "auto", None) == ("full", "")


def test_model_shapes_and_greedy_decoding_compile():
    model = ch.build_model(Tiny())
    assert model.input_shape == (None, cap.HEIGHT, cap.WIDTH, 1)
    assert model.output_shape == (None, 16, ch.NUM_CLASSES)
    # 16 steps must leave room for 5 labels with every repeat separated by a blank.
    assert model.output_shape[1] >= 2 * cap.TEXT_LENGTH - 1


def test_step_profile_times_every_part_and_its_rows_add_up():
    from kerasbook.bench.ch07 import profile_rows

    profile = ch.profile_step(Tiny(), batch_size=4, repeats=1)
    for key in ("conv_front_ms", "gru_and_ctc_ms", "ctc_alone_ms", "optimizer_ms", "step_ms"):
        assert profile[key] > 0, key
    assert profile["ctc_alone_ms"] < profile["gru_and_ctc_ms"]
    assert profile["parts_ms"] == pytest.approx(
        profile["conv_front_ms"] + profile["gru_and_ctc_ms"] + profile["optimizer_ms"])
    rows = profile_rows(profile)
    assert rows[0][0] == "step profile (batch 4, XLA off)"
    shares = [float(v.split("(")[1].rstrip("%)")) for label, v in rows[1:] if "of which" not in label]
    assert len(shares) == 3 and abs(sum(shares) - 100) <= 2


def test_learning_rate_and_rnn_layers_flags_reach_the_model(toy_run):
    _, out = toy_run
    config = json.loads((out / "metrics.json").read_text())["config"]
    assert config["learning_rate"] == 0.004 and config["rnn_layers"] == 2
    model = keras.models.load_model(out / "model.keras")
    assert [layer.name for layer in model.layers if layer.name.startswith("bigru")] == ["bigru1", "bigru2"]


@pytest.mark.parametrize("flags, message", [
    (["--learning-rate", "0"], "--learning-rate must be above 0"),
    (["--rnn-layers", "0"], "--rnn-layers"),
])
def test_bad_learning_rate_or_layers_is_a_one_line_error(flags, message, tmp_path, capsys):
    assert message in usage_error(ch.main, [*flags, "--out", str(tmp_path / "run")], capsys)
    assert not (tmp_path / "run").exists()
