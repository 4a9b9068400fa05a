"""The builtin coloured shapes and the CIFAR-10 loader: determinism, balance, TFDS, mock data."""

import numpy as np
import pytest
import tensorflow_datasets as tfds
from kerasbook.datasets.shapes32.shapes32_dataset_builder import Builder, ShapesConfig

from kerasbook.data import shapes


def test_examples_are_a_pure_function_of_their_arguments():
    label, image = shapes.draw_example(1, "train", 7)
    again = shapes.draw_example(1, "train", 7)
    assert label == again[0] and np.array_equal(image, again[1])
    assert image.shape == shapes.IMAGE_SHAPE and image.dtype == np.uint8
    assert label == 7 % len(shapes.CLASSES)
    for other in [(2, "train", 7, "shapes"), (1, "test", 7, "shapes"), (1, "train", 17, "shapes"),
                  (1, "train", 7, "transfer")]:
        assert not np.array_equal(image, shapes.draw_example(*other)[1]), other


def test_classes_and_tasks():
    assert len(shapes.CLASSES) == 10 and len(set(shapes.CLASSES)) == 10
    assert not set(shapes.CLASSES) & set(shapes.TRANSFER_CLASSES)
    labels = [shapes.draw_example(0, "x", i, "transfer")[0] for i in range(10)]
    assert labels == [i % 5 for i in range(10)]
    with pytest.raises(ValueError, match="unknown shapes task"):
        shapes.draw_example(0, "train", 0, task="letters")


def test_colour_and_position_do_not_give_the_class_away():
    # Mean colour varies far more within one class than between class averages.
    x, y = shapes.draw_arrays(0, "check", 400, workers=1)
    colour = x.reshape(len(x), -1, 3).mean(1)                      # (N, 3)
    class_means = np.stack([colour[y == c].mean(0) for c in range(10)])
    within = np.mean([colour[y == c].std(0).mean() for c in range(10)])
    assert class_means.std(0).mean() < 0.5 * within
    # Every class shows up on many different backgrounds: the images are not near-copies.
    first = x[y == 0].astype(float)
    assert np.mean([np.abs(first[i] - first[i + 1]).mean() for i in range(len(first) - 1)]) > 20


def test_every_shape_is_visible():
    # The shape is drawn in a colour that stands out: some pixels differ strongly from the rest.
    for i in range(20):
        _, image = shapes.draw_example(3, "vis", i)
        assert np.ptp(image.astype(int)) > 100


def test_parallel_and_serial_drawing_agree():
    serial = shapes.draw_arrays(4, "train", 12, workers=1)
    parallel = shapes.draw_arrays(4, "train", 2_100, workers=2)
    np.testing.assert_array_equal(serial[0], parallel[0][:12])
    np.testing.assert_array_equal(serial[1], parallel[1][:12])


def test_tfds_builder_and_load_builtin_give_drawing_order(tmp_path):
    builder = Builder(config=ShapesConfig.make(20, 10, 10, seed=2), data_dir=str(tmp_path))
    builder.download_and_prepare()
    assert {k: v.num_examples for k, v in builder.info.splits.items()} == {"train": 20, "validation": 10, "test": 10}
    data = shapes.load_builtin(20, 10, 10, seed=2, data_dir=tmp_path)
    for split, n in (("train", 20), ("validation", 10), ("test", 10)):
        x, y = data[split]
        assert x.shape == (n, 32, 32, 3) and x.dtype == np.uint8 and y.dtype == np.int32
        for i in (0, n - 1):
            label, image = shapes.draw_example(2, split, i)
            assert y[i] == label
            np.testing.assert_array_equal(x[i], image)
    assert np.bincount(data["train"][1]).tolist() == [2] * 10


def test_transfer_task_builds_with_its_own_class_names(tmp_path):
    builder = shapes.builtin_builder(10, 5, 5, seed=0, task="transfer", data_dir=tmp_path)
    builder.download_and_prepare()
    assert builder.info.features["label"].names == list(shapes.TRANSFER_CLASSES)
    with pytest.raises(ValueError, match="unknown shapes task"):
        ShapesConfig.make(10, 5, 5, 0, task="nope")


def test_cifar10_loader_with_mock_data():
    with tfds.testing.mock_data(num_examples=30):
        data = shapes.load_cifar10(val_size=6, seed=1)
    assert set(data) == {"train", "validation", "test"}
    (xtr, ytr), (xva, yva), (xte, yte) = data["train"], data["validation"], data["test"]
    assert xtr.shape == (24, 32, 32, 3) and xva.shape == (6, 32, 32, 3) and xte.shape == (30, 32, 32, 3)
    assert xtr.dtype == np.uint8 and ytr.dtype == np.int32 and yte.min() >= 0 and yte.max() <= 9
    # The validation images are carved out of train: no image is in both.
    tr = {a.tobytes() for a in xtr}
    assert not any(a.tobytes() in tr for a in xva)
    with tfds.testing.mock_data(num_examples=30):
        again = shapes.load_cifar10(val_size=6, seed=1)
    np.testing.assert_array_equal(again["validation"][0], xva)
    with tfds.testing.mock_data(num_examples=30), pytest.raises(ValueError, match="validation size"):
        shapes.load_cifar10(val_size=30)
