"""Chapter 9 at toy size, the scores against hand-made masks and Keras, the data, predict."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image

from kerasbook.chapters import ch09_unet as ch
from kerasbook.data import segshapes as sg
from kerasbook.layers import segmentation as seg
from kerasbook.testing import reloads_identically, run_artifacts, run_fresh, toy_run_fixture, usage_error


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    val_size: int = 16
    test_size: int = 16
    epochs: int = 3
    base: int = 4
    learning_rate: float = 1e-2


toy_run = toy_run_fixture(ch, Tiny, ["--train-size", "64", "--batch-size", "16", "--xla", "off", "--quiet"], cache=True)


def test_run_writes_every_artifact(toy_run):
    m = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv", "fcn/model.keras",
                      "unet_other_loss/model.keras", "figures/curves.png", "figures/unet_vs_fcn.png",
                      "figures/scores.png", "figures/tasks.png", "figures/instances.png")
    assert m["chapter"] == "ch09_unet"
    assert m["dataset"]["train"] == 64 and m["dataset"]["classes"] == list(sg.CLASSES)
    assert set(m["results"]) == {"U-Net", "FCN, no skips", "U-Net, cross-entropy only"}
    assert m["results"]["U-Net"]["loss"] == m["results"]["FCN, no skips"]["loss"] == "cross-entropy + Dice"
    for r in m["results"].values():
        assert len(r["iou"]) == len(r["boundary_iou"]) == 4 and 0 <= r["mean_iou"] <= 1
    assert m["final"]["unet_mean_iou"] == m["results"]["U-Net"]["mean_iou"]


def test_loss_fell_and_the_model_reloads(toy_run, tmp_path):
    _, out = toy_run
    rows = (out / "history.csv").read_text().splitlines()
    col = rows[0].split(",").index("loss")
    assert float(rows[-1].split(",")[col]) < float(rows[1].split(",")[col])
    reloads_identically(out / "model.keras", sg.draw_arrays(1, "check", 3)[0], tmp_path, atol=1e-5)


def test_predict_writes_overlays_at_the_original_size(toy_run, tmp_path, capsys):
    _, out = toy_run
    image = sg.draw_example(2, "cli", 0)[0]
    Image.fromarray(image).resize((96, 72)).save(tmp_path / "scene.png")
    printed = run_fresh(ch, ["predict", "--model", out / "model.keras", "--out-dir", tmp_path / "masks",
                             tmp_path / "scene.png"])                                  # loads in a new process
    line = printed.strip().split("\t")
    assert line[0] == str(tmp_path / "scene.png") and Image.open(line[1]).size == (96, 72)
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    assert "cannot read image" in usage_error(ch.main, ["predict", "--model", str(out / "model.keras"), str(bad)], capsys)
    assert "does not exist" in usage_error(ch.main, ["predict", "--model", str(tmp_path / "none.keras"), str(bad)], capsys)


def test_the_skip_connection_doubles_the_channels():
    cfg = dataclasses.replace(ch.Config(), base=64)        # the course's 64 + 64 -> 128 at the top level
    unet, fcn = ch.build_unet(cfg, 4), ch.build_unet(cfg, 4, skips=False)
    assert unet.get_layer("up1").output.shape[-1] == 64 and unet.get_layer("enc1_relu2").output.shape[-1] == 64
    assert unet.get_layer("skip1").output.shape == (None, 48, 48, 128)
    assert "skip1" not in [layer.name for layer in fcn.layers]
    assert unet.get_layer("head").kernel.shape == (1, 1, 64, 4)          # the 1x1 convolution head
    assert unet.output_shape == fcn.output_shape == (None, 48, 48, 4)
    up = ch.build_unet(dataclasses.replace(cfg, up="upsample"), 4)
    assert up.get_layer("up1").count_params() == 0 and up.output_shape == (None, 48, 48, 4)


def test_scores_on_hand_made_masks():
    truth = np.zeros((1, 6, 6), int)
    truth[0, 1:5, 1:5] = 1                                   # a 4x4 square: 16 pixels, 12 on its edge
    pred = np.zeros((1, 6, 6), int)
    pred[0, 1:5, 2:6] = 1                                    # the same square moved one pixel right
    s = seg.scores(truth, pred, 2, width=1)
    assert s["iou"][1] == pytest.approx(12 / 20)             # overlap 4x3 = 12, union 16 + 16 - 12 = 20
    assert s["dice"][1] == pytest.approx(2 * 12 / 32)
    assert s["iou"][0] == pytest.approx(16 / 24)             # background: 20 true, 20 predicted, 16 shared
    # Boundary bands of width 1 are the 12-pixel rings; they share 6 pixels (top and bottom rows, x = 2..4).
    assert s["boundary_iou"][1] == pytest.approx(6 / 18)
    assert seg.scores(truth, truth, 2)["mean_boundary_iou"] == 1.0


def test_iou_matches_keras():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 4, (3, 10, 10)), rng.integers(0, 4, (3, 10, 10))
    ours = seg.iou_per_class(seg.confusion(y, p, 4))
    for k in range(4):
        metric = keras.metrics.IoU(num_classes=4, target_class_ids=[k])
        metric.update_state(y, p)
        assert ours[k] == pytest.approx(float(metric.result()), rel=1e-5)
    mean = keras.metrics.MeanIoU(num_classes=4)
    mean.update_state(y, p)
    assert np.mean(ours) == pytest.approx(float(mean.result()), rel=1e-5)


def test_ce_dice_loss_is_cross_entropy_plus_keras_dice(tmp_path):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, (2, 5, 5))
    logits = rng.normal(size=(2, 5, 5, 3)).astype("float32")
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    onehot = np.eye(3)[y]
    ce = -np.log(np.take_along_axis(probs, y[..., None], -1))[..., 0].mean(axis=(1, 2))
    dice = 1 - 2 * (onehot * probs).sum(axis=(1, 2)) / (onehot.sum(axis=(1, 2)) + probs.sum(axis=(1, 2)))
    expected = np.mean(ce + dice.mean(axis=-1))
    assert float(seg.CrossEntropyDice(3)(y, logits)) == pytest.approx(expected, rel=1e-5)
    restored = seg.CrossEntropyDice.from_config(seg.CrossEntropyDice(3, dice_weight=0.5).get_config())
    assert restored.num_classes == 3 and restored.dice_weight == 0.5


def test_scenes_are_reproducible_and_masks_exact():
    a, b = sg.draw_example(0, "train", 5), sg.draw_example(0, "train", 5)
    np.testing.assert_array_equal(a[0], b[0])
    image, mask, objects, kinds = sg.draw_example(0, "train", 5, instances=True)
    assert image.shape == sg.IMAGE_SHAPE and mask.shape == (sg.SIZE, sg.SIZE)
    assert set(np.unique(mask)) <= {0, 1, 2, 3} and {1, 2, 3} <= set(kinds)
    # Every labelled pixel belongs to a drawn object of that class.
    for number, kind in enumerate(kinds, start=1):
        assert (mask[objects == number] == kind).all()
    assert ((mask > 0) == (objects > 0)).all()


def test_trimap_folds_to_pet_and_background():
    np.testing.assert_array_equal(ch.fold_trimap([[1, 2, 3]]), [[1, 0, 1]])


def test_pets_go_through_tfds_with_nearest_neighbour_masks(tmp_path):
    with tfds.testing.mock_data(num_examples=12):
        splits = ch.load_pets(32, str(tmp_path), val_fraction=0.25)
    (x, y), (xv, yv), (xt, yt) = splits["train"], splits["validation"], splits["test"]
    assert yv.shape == (3, 32, 32)
    assert x.shape == (9, 32, 32, 3) and x.dtype == np.uint8 and xv.shape[0] == 3 and xt.shape[0] == 12
    assert y.shape == (9, 32, 32) and set(np.unique(np.concatenate([y, yt]))) <= {0, 1}   # no invented labels


def _hand_drawn_scene():
    """Two discs apart, two touching triangles, and a rod cut in two by a disc lying across it."""
    truth = np.zeros((12, 12), np.uint8)
    truth[1:3, 1:3] = 1                        # disc 1
    truth[1:3, 8:10] = 2                       # disc 2, far from disc 1
    truth[5:7, 1:4] = 3                        # triangle 1 ...
    truth[5:7, 4:7] = 4                        # ... and triangle 2, touching it
    truth[9, 1:11] = 5                         # a rod ...
    truth[8:11, 5:7] = 6                       # ... with disc 3 on top, cutting it in two
    kinds = {1: 1, 2: 1, 3: 3, 4: 3, 5: 2, 6: 1}
    mask = np.vectorize(lambda t: kinds.get(int(t), 0))(truth).astype(np.uint8)
    return mask, truth


def test_instances_from_semantic_are_the_connected_components_of_each_class():
    from skimage.measure import label

    mask, truth = _hand_drawn_scene()
    found, classes = ch.instances_from_semantic(mask)
    # discs 1, 2 and 3; the two halves of the rod; the two triangles as one region
    assert found.max() == len(classes) == 6 and sorted(classes) == [1, 1, 1, 2, 2, 3]
    assert all((mask[found == n] == k).all() for n, k in enumerate(classes, start=1))
    # The same partition of the pixels as scikit-image's labelling of equal-valued regions.
    reference = label(mask, background=0, connectivity=2)
    pairs = set(zip(found[mask > 0].tolist(), reference[mask > 0].tolist()))
    assert len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs}) == reference.max()
    r = ch.match_instances(truth, found)
    assert r == {"objects": 6, "found": 6, "recovered": 3, "merged": 1, "split": 1}


def test_instances_connectivity_decides_whether_diagonal_pixels_join():
    diagonal = np.eye(3, dtype=np.uint8)
    assert ch.instances_from_semantic(diagonal, connectivity=2)[0].max() == 1
    assert ch.instances_from_semantic(diagonal, connectivity=1)[0].max() == 3


def test_instance_report_and_figure_on_builtin_scenes(tmp_path):
    report = ch.instance_report(0, 20)
    assert report["scenes"] == 20 and report["recovered"] <= report["objects"]
    assert report["objects"] == sum(len(np.unique(sg.draw_example(0, "instances", i, instances=True)[2])) - 1
                                    for i in range(20))
    ch.instances_figure(tmp_path / "instances.png", 0)
    assert Image.open(tmp_path / "instances.png").size[0] > 500
