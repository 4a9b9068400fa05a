"""The builtin captcha data: determinism, labels, the TFDS builder."""

import subprocess
import sys

import numpy as np
import pytest
import tensorflow_datasets as tfds
from kerasbook.datasets.captcha_synth.captcha_synth_dataset_builder import (
    Builder,
    CaptchaConfig,
)

from kerasbook.data import captcha as cap


def test_examples_are_a_pure_function_of_seed_split_index():
    a_text, a_img = cap.draw_example(1, "train", 7)
    b_text, b_img = cap.draw_example(1, "train", 7)
    assert a_text == b_text and np.array_equal(a_img, b_img)
    c_text, c_img = cap.draw_example(1, "test", 7)
    assert (c_text, c_img.tobytes()) != (a_text, a_img.tobytes())
    assert a_img.shape == (cap.HEIGHT, cap.WIDTH) and a_img.dtype == np.uint8
    assert len(a_text) == cap.TEXT_LENGTH and set(a_text) <= set(cap.ALPHABET)


def test_drawing_leaves_the_captcha_package_unseeded_afterwards():
    import secrets

    import captcha.image as ci

    cap.draw_example(0, "train", 0)
    assert ci.secrets is secrets


def test_parallel_and_serial_drawing_agree():
    serial = list(cap.draw_split(4, "train", 12, workers=1))
    parallel = list(cap.draw_split(4, "train", 600, workers=2))[:12]
    assert [t for _, t, _ in serial] == [t for _, t, _ in parallel]
    assert all(np.array_equal(a[2], b[2]) for a, b in zip(serial, parallel))


def test_encode_decode_round_trip_and_blank():
    ids = cap.encode("a0z9")
    assert ids == [1, 27, 26, 36] and 0 not in ids
    assert cap.decode(ids + [0, -1]) == "a0z9"
    with pytest.raises(ValueError, match="not in the alphabet"):
        cap.encode("aB")


def test_tfds_builder_prepares_deterministic_splits(tmp_path):
    config = CaptchaConfig.make(12, 4, 4, seed=2)
    builder = Builder(config=config, data_dir=str(tmp_path))
    builder.download_and_prepare()
    assert {k: v.num_examples for k, v in builder.info.splits.items()} == {"train": 12, "validation": 4, "test": 4}
    test = tfds.as_numpy(builder.as_dataset(split="test", batch_size=-1))
    texts = sorted(t.decode() for t in test["text"])
    assert texts == sorted(cap.draw_example(2, "test", i)[0] for i in range(4))
    for image, text, label in zip(test["image"], test["text"], test["label"]):
        assert cap.decode(label) == text.decode()
        index = [cap.draw_example(2, "test", i)[0] for i in range(4)].index(text.decode())
        np.testing.assert_array_equal(image[..., 0], cap.draw_example(2, "test", index)[1])


@pytest.mark.slow          # 30 s: a whole `tfds build` in a subprocess; the builders themselves are tested above
def test_tfds_build_command_line(tmp_path):
    """`tfds build datasets/captcha_synth` works (on the named config of the quick preset)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "datasets" / "captcha_synth"
    proc = subprocess.run(
        [sys.executable, "-m", "tensorflow_datasets.scripts.cli.main", "build", str(folder),
         "--config", "train10000_val500_test500_seed0", "--data_dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    built = tfds.builder_from_directory(str(tmp_path / "captcha_synth" / "train10000_val500_test500_seed0" / "1.0.0"))
    assert builder_counts(built) == {"train": 10000, "validation": 500, "test": 500}


def builder_counts(builder):
    return {k: v.num_examples for k, v in builder.info.splits.items()}


def test_tfds_prepared_finds_datasets_with_and_without_a_config_folder(tmp_path):
    from kerasbook.data import tfds_prepared

    (tmp_path / "mnist" / "3.0.1").mkdir(parents=True)
    (tmp_path / "mnist" / "3.0.1" / "dataset_info.json").write_text("{}")
    (tmp_path / "imdb_reviews" / "plain_text" / "1.0.0").mkdir(parents=True)
    (tmp_path / "imdb_reviews" / "plain_text" / "1.0.0" / "dataset_info.json").write_text("{}")
    assert tfds_prepared("mnist", "MNIST")(str(tmp_path)) == (True, "")
    assert tfds_prepared("imdb_reviews", "IMDB")(str(tmp_path)) == (True, "")
    ok, why = tfds_prepared("oxford_iiit_pet", "Pets")(str(tmp_path))
    assert not ok and "Pets is not prepared" in why


def _generated_loads():
    """`(name, load)` for every dataset the book draws and writes through TFDS, at a tiny size."""
    import dataclasses

    from kerasbook.chapters import ch07_crnn, ch09_unet, ch11_colorization
    from kerasbook.data import enko, negation, shapes

    yield "shapes", lambda: shapes.load_builtin(20, 10, 10, seed=3)
    yield "captchas", lambda: ch07_crnn.load_builtin(
        dataclasses.replace(ch07_crnn.Config(), train_size=8, val_size=4, test_size=4), seed=3)
    yield "segshapes", lambda: ch09_unet.load_builtin(
        dataclasses.replace(ch09_unet.Config(), train_size=8, val_size=4, test_size=4), seed=3)
    yield "colorscenes", lambda: ch11_colorization.load_builtin(
        dataclasses.replace(ch11_colorization.Config(), train_size=8, val_size=4, test_size=4), seed=3)
    yield "enko", lambda: enko.load_builtin(20, 10, 10, 10, seed=3)
    yield "negation", lambda: negation.load_builtin(20, 10, 10, 10, seed=3)


@pytest.mark.parametrize("name, load", list(_generated_loads()), ids=lambda v: v if isinstance(v, str) else "")
def test_a_cached_dataset_leaves_the_random_state_as_writing_it_does(name, load, tmp_path, monkeypatch):
    """A run with its data cached starts its models from the same weights as the same run from an empty cache."""
    import random

    import keras

    monkeypatch.setenv("KERASBOOK_CACHE", str(tmp_path))

    def after_loading():
        keras.utils.set_random_seed(3)
        load()
        return random.random(), np.random.rand(), keras.initializers.GlorotUniform()((4,)).numpy().tolist()

    written = after_loading()            # draws and writes the dataset
    cached = after_loading()             # reads it back
    assert cached == written
