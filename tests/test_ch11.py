"""Chapter 11 at toy size; our Lab conversion against scikit-image; the fusion layer; the landscapes; colorize."""

import dataclasses
import json
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

from kerasbook import colour
from kerasbook.chapters import ch11_colorization as ch
from kerasbook.data import colorscenes as cs
from kerasbook.layers.fusion import FusionLayer
from kerasbook.testing import check_layer, run_artifacts, run_fresh, toy_run_fixture, usage_error

skimage_color = pytest.importorskip("skimage.color")


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    val_size: int = 16
    test_size: int = 16
    epochs: int = 2
    width: int = 4
    learning_rate: float = 5e-3

    def full(self):
        return self


toy_run = toy_run_fixture(ch, Tiny, ["--train-size", "64", "--batch-size", "16", "--xla", "off", "--quiet"], cache=True)


def np_(x):
    return keras.ops.convert_to_numpy(x)


# ---------------------------------------------------------------- colour spaces

def cube_surface(n=9):
    """Colours on the faces, edges and corners of the RGB cube: the edge of the sRGB gamut."""
    t = np.linspace(0, 1, n)
    u, v = (a.ravel() for a in np.meshgrid(t, t))
    faces = []
    for axis in range(3):
        for value in (0.0, 1.0):
            face = np.empty((u.size, 3))
            face[:, axis] = value
            face[:, [i for i in range(3) if i != axis]] = np.stack([u, v], -1)
            faces.append(face)
    return np.concatenate(faces).astype(np.float32)


def test_rgb_to_lab_matches_scikit_image_inside_and_on_the_edge_of_the_gamut():
    rng = np.random.default_rng(0)
    for rgb in (rng.random((2_000, 3)).astype(np.float32), cube_surface()):
        np.testing.assert_allclose(np_(colour.rgb_to_lab(rgb)), skimage_color.rgb2lab(rgb), atol=2e-3)
    # Images keep their shape: (N, H, W, 3).
    images = rng.random((2, 5, 7, 3)).astype(np.float32)
    np.testing.assert_allclose(np_(colour.rgb_to_lab(images)), skimage_color.rgb2lab(images), atol=2e-3)


def test_lab_to_rgb_matches_scikit_image_including_out_of_gamut_colours():
    rng = np.random.default_rng(1)
    lab = np.stack([rng.uniform(0, 100, 3_000), rng.uniform(-128, 127, 3_000), rng.uniform(-128, 127, 3_000)],
                   -1).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")              # scikit-image warns about the negative Z it clips
        expected = skimage_color.lab2rgb(lab)
    ours = np_(colour.lab_to_rgb(lab))
    np.testing.assert_allclose(ours, expected, atol=1e-4)
    assert ours.min() >= 0 and ours.max() <= 1


def test_lab_round_trip_and_known_values():
    rgb = cube_surface()
    np.testing.assert_allclose(np_(colour.lab_to_rgb(colour.rgb_to_lab(rgb))), rgb, atol=1e-4)
    # The published 6-digit matrix and white point agree to about 5e-3 of a*, b* (so does scikit-image).
    white, black = np_(colour.rgb_to_lab(np.array([[1, 1, 1], [0, 0, 0]], np.float32)))
    np.testing.assert_allclose(white, [100, 0, 0], atol=1e-2)
    np.testing.assert_allclose(black, [0, 0, 0], atol=1e-3)
    grey = np_(colour.rgb_to_lab(np.full((1, 3), 0.5, np.float32)))[0]
    assert abs(grey[1]) < 1e-2 and abs(grey[2]) < 1e-2          # greys have no colour, a* = b* = 0


def test_lab_conversion_runs_inside_a_tf_data_pipeline_and_is_differentiable():
    images = np.random.default_rng(2).integers(0, 256, (4, 6, 6, 3), dtype=np.uint8)
    piped = np.stack([e for e in tfds.as_numpy(tf.data.Dataset.from_tensor_slices(images).map(colour.uint8_to_lab))])
    np.testing.assert_allclose(piped, skimage_color.rgb2lab(images), atol=2e-3)
    x = tf.Variable(images.astype(np.float32) / 255)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(colour.rgb_to_lab(x))
    assert np.isfinite(tape.gradient(total, x).numpy()).all()


def test_cmyk_is_the_textbook_formula_and_round_trips():
    np.testing.assert_allclose(colour.rgb_to_cmyk([[1, 0, 0], [0, 0, 0], [1, 1, 1], [0.2, 0.4, 0.6]]),
                               [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [2 / 3, 1 / 3, 0, 0.4]], atol=1e-12)
    rgb = np.random.default_rng(3).random((500, 3))
    np.testing.assert_allclose(colour.cmyk_to_rgb(colour.rgb_to_cmyk(rgb)), rgb, atol=1e-12)


# ---------------------------------------------------------------- the fusion layer

def test_fusion_layer_passes_the_shared_layer_test(tmp_path):
    rng = np.random.default_rng(0)
    local = rng.normal(size=(2, 4, 5, 6)).astype(np.float32)
    glob = rng.normal(size=(2, 3)).astype(np.float32)
    check_layer(FusionLayer, {"units": 7}, [local, glob], tmp_path, expected_output_shape=(2, 4, 5, 7))


def test_fusion_is_concatenation_then_one_weight_matrix_per_pixel():
    rng = np.random.default_rng(1)
    local = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    glob = rng.normal(size=(2, 6)).astype(np.float32)
    layer = FusionLayer(4, activation="linear")
    out = np_(layer([local, glob]))
    kernel, bias = (np_(w) for w in layer.conv.weights)
    assert kernel.shape == (1, 1, 5 + 6, 4)                    # a 1x1 convolution over local + global channels
    joined = np.concatenate([local, np.broadcast_to(glob[:, None, None, :], (2, 3, 4, 6))], -1)
    np.testing.assert_allclose(out, joined @ kernel[0, 0] + bias, atol=1e-5)


def test_every_output_pixel_changes_when_only_the_global_input_changes():
    rng = np.random.default_rng(2)
    local = rng.normal(size=(1, 6, 6, 4)).astype(np.float32)
    glob = rng.normal(size=(1, 3)).astype(np.float32)
    layer = FusionLayer(5, activation="linear")
    before, after = np_(layer([local, glob])), np_(layer([local, glob + 1.0]))
    changed = np.abs(after - before).max(axis=-1)               # (1, 6, 6): largest change at each pixel
    assert (changed > 1e-4).all()
    # ... and the change is the same at every pixel: the global vector is broadcast.
    np.testing.assert_allclose(after - before, np.broadcast_to((after - before)[:, :1, :1], after.shape), atol=1e-5)


# ---------------------------------------------------------------- the networks

def test_the_four_networks_have_the_papers_shapes_and_share_low_level_weights():
    cfg = ch.Config()
    model = ch.build_colorizer(cfg, 4)
    low = model.get_layer("low_level")
    assert low.get_layer("low6").output.shape == (None, None, None, 8 * cfg.width)
    strides = [low.get_layer(f"low{i}").strides for i in range(1, 7)]
    assert strides == [(2, 2), (1, 1), (2, 2), (1, 1), (2, 2), (1, 1)]
    # One low-level network, called twice: on the full image (local path) and on the resized one (global path).
    assert len(low._inbound_nodes) == 2
    assert [layer.name for layer in model.layers].count("low_level") == 1
    assert model.get_layer("global_resize").output.shape == (None, 64, 64, 1)
    size = cfg.image_size
    assert model.get_layer("mid2_relu").output.shape == (None, size // 8, size // 8, 4 * cfg.width)
    assert model.get_layer("global4_relu").output.shape == (None, 2, 2, 8 * cfg.width)
    assert model.get_layer("global_fc3").output.shape == (None, 4 * cfg.width)
    assert model.get_layer("fusion").output.shape == (None, size // 8, size // 8, 4 * cfg.width)
    assert model.get_layer("color_ab").output.shape == (None, size // 2, size // 2, 2)
    assert model.output["ab"].shape == (None, size, size, 2) and model.output["scene"].shape == (None, 4)
    twin = ch.build_colorizer(cfg, 4, fusion=False)
    names = {layer.name for layer in twin.layers}
    assert not any(n.startswith(("global", "class", "fusion", "scene")) for n in names)
    assert twin.output["ab"].shape == (None, size, size, 2) and "scene" not in twin.output
    # Without the global path only these layers are missing; the local layers are the same.
    shared = [n for n in ("mid1", "mid2", "color1", "color4", "color_ab")]
    for n in shared:
        assert twin.get_layer(n).count_params() == model.get_layer(n).count_params()


def test_same_size_global_path_reuses_the_local_low_level_features():
    cfg = dataclasses.replace(ch.Config(), image_size=64, global_size=64)
    model = ch.build_colorizer(cfg, 3)
    assert len(model.get_layer("low_level")._inbound_nodes) == 1
    assert "global_resize" not in [layer.name for layer in model.layers]


def test_ab_errors_on_hand_made_arrays():
    truth = np.zeros((2, 2, 2, 2))
    pred = np.zeros((2, 2, 2, 2))
    pred[0, 0, 0] = [3, 4]                                      # distance 5
    pred[1, 1, 1] = [6, 8]                                      # distance 10, but not scene-dependent
    dependent = np.ones((2, 2, 2), np.uint8)
    dependent[1, 1, 1] = 0
    e = ch.ab_errors(pred, truth, dependent, np.array([0, 1]), 2)
    assert e["ab_error_scene"] == pytest.approx(5 / 7)
    assert e["ab_error_all"] == pytest.approx(15 / 8)
    assert e["ab_error_scene_per_class"] == pytest.approx([5 / 4, 0.0])


def test_errors_by_distance_from_the_emblem():
    lightness = np.full((1, 1, 70, 1), 50.0)
    lightness[0, 0, 0] = 92.0                                   # the emblem: one bright pixel at x = 0
    distance = ch.emblem_distance(lightness)
    np.testing.assert_array_equal(distance[0, 0], np.arange(70))
    pred = np.zeros((1, 1, 70, 2))
    pred[..., 0] = np.where(np.arange(70) < 32, 1.0, 3.0)        # error 1 near the emblem, 3 from 32 px on
    dependent = np.ones((1, 1, 70), np.uint8)
    dependent[0, 0, 0] = 0
    bands = ch.error_by_distance(pred, np.zeros_like(pred), dependent, distance)
    assert bands == [1.0, 1.0, 3.0, 3.0, 3.0]                  # 1-15, 16-31, 32-47, 48-63, 64-69


# ---------------------------------------------------------------- the landscapes

def test_landscapes_are_reproducible_and_only_the_emblem_tells_the_class_in_grey():
    a, b = cs.draw_example(0, "train", 3), cs.draw_example(0, "train", 3)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[0].shape == cs.IMAGE_SHAPE and a[1].shape == (cs.SIZE, cs.SIZE) and a[2] in range(4)
    for index in range(3):
        drawn = [cs.draw_example(0, "check", index, label=k) for k in range(len(cs.CLASSES))]
        lightness = [ch.lab_of(image)[..., 0] for image, _, _ in drawn]
        open_land = np.prod([dependent for _, dependent, _ in drawn], axis=0).astype(bool)
        assert open_land.mean() > 0.8
        for k in range(1, len(drawn)):
            # Same lightness wherever no emblem is (up to 8-bit rounding) ...
            assert np.abs(lightness[k] - lightness[0])[open_land].max() < 0.6
            # ... while the colour of sky and ground differs by a lot.
            ab = [ch.lab_of(d[0])[..., 1:] for d in (drawn[0], drawn[k])]
            assert np.sqrt(((ab[0] - ab[1]) ** 2).sum(-1))[open_land].mean() > 15


def test_scene_dependent_mask_leaves_out_houses_trees_and_the_emblem():
    rng = np.random.default_rng(cs.example_seed(0, "mask", 0))
    lab, dependent = cs.draw_scene_lab(rng, 0)
    sky_ab, ground_ab = cs.SKY_AB[0], cs.GROUND_AB[0]
    # Every scene-dependent pixel has a sky or ground colour (within the jitter); objects do not count.
    d_sky = np.abs(lab[..., 1:] - sky_ab).max(-1)
    d_ground = np.abs(lab[..., 1:] - ground_ab).max(-1)
    inside = dependent.astype(bool)
    near = np.minimum(d_sky, d_ground)[inside]
    assert (near <= cs.JITTER + 1e-3).mean() > 0.97          # the rest is the blended horizon line
    # Houses, trees and the emblem are left out: their pixels carry their own colours.
    assert (~inside).sum() > 20 and (np.minimum(d_sky, d_ground)[~inside] > cs.JITTER).mean() > 0.5


# ---------------------------------------------------------------- the run

def test_run_writes_every_artifact(toy_run):
    _, out = toy_run
    figures = ("curves", "comparison", "error_maps", "colour_spaces", "scenes")
    m = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv", "no_fusion/model.keras",
                      "no_fusion/history.csv", *(f"figures/{fig}.png" for fig in figures))
    assert m["chapter"] == "ch11_colorization" and m["dataset"]["train"] == 64
    assert m["dataset"]["classes"] == list(cs.CLASSES)
    assert set(m["results"]) == {"with fusion", "without fusion"}
    for r in m["results"].values():
        assert len(r["ab_error_by_emblem_distance"]) == len(ch.DISTANCE_BINS) - 1
    f = m["final"]
    assert f["fusion_error_reduction"] == pytest.approx(1 - f["fusion_ab_error_scene"] / f["no_fusion_ab_error_scene"],
                                                        abs=1e-4)
    assert 0 <= f["scene_accuracy"] <= 1 and f["final_colour_loss"] > 0 and f["final_scene_loss"] > 0
    assert f["grey_ab_error_scene"] > 10                       # the colours are far from grey
    header = (out / "history.csv").read_text().splitlines()[0].split(",")
    assert {"ab_loss", "scene_loss", "val_ab_loss", "val_scene_loss", "scene_accuracy"} <= set(header)


def test_joint_loss_is_colour_plus_alpha_times_scene(toy_run):
    _, out = toy_run
    rows = (out / "history.csv").read_text().splitlines()
    header = rows[0].split(",")
    alpha = json.loads((out / "metrics.json").read_text())["config"]["alpha"]
    assert alpha == pytest.approx(1 / 300, rel=1e-5)            # metrics.json keeps 6 significant digits
    for row in rows[1:]:
        v = dict(zip(header, map(float, row.split(","))))
        assert v["val_loss"] == pytest.approx(v["val_ab_loss"] + alpha * v["val_scene_loss"], rel=1e-3)


def test_model_reloads_and_predicts_identically(toy_run, tmp_path):
    _, out = toy_run
    model = keras.models.load_model(out / "model.keras")
    lightness = ch.lab_of(cs.draw_arrays(1, "check", 2)[0])[..., :1]
    model.save(tmp_path / "again.keras")
    a, b = model.predict(lightness, verbose=0), keras.models.load_model(tmp_path / "again.keras").predict(lightness, verbose=0)
    np.testing.assert_allclose(a["ab"], b["ab"], atol=1e-5)
    assert np.abs(a["ab"]).max() <= 1                              # tanh: ab / 128


def test_pipeline_gives_lightness_and_scaled_ab():
    images, _, labels = cs.draw_arrays(2, "pipe", 5)
    L, target = next(iter(ch.lab_pipeline(images, labels, 5)))
    lab = ch.lab_of(images)
    np.testing.assert_allclose(L.numpy(), lab[..., :1], atol=1e-3)
    np.testing.assert_allclose(target["ab"].numpy(), lab[..., 1:] / ch.AB_SCALE, atol=1e-5)
    np.testing.assert_array_equal(target["scene"].numpy(), labels)


def test_colorize_writes_colour_images_at_the_original_size(toy_run, tmp_path, capsys):
    _, out = toy_run
    image = cs.draw_example(3, "cli", 0)[0]
    Image.fromarray(image).convert("L").resize((150, 110)).save(tmp_path / "grey.png")   # a grey file
    Image.fromarray(image).save(tmp_path / "colour.jpg")                                 # colour, read as grey
    printed = run_fresh(ch, ["colorize", "--model", out / "model.keras", "--out-dir", tmp_path / "c",
                             tmp_path / "grey.png", tmp_path / "colour.jpg"])           # loads in a new process
    lines = [line.split("\t") for line in printed.strip().splitlines()]
    assert [line[0] for line in lines] == [str(tmp_path / "grey.png"), str(tmp_path / "colour.jpg")]
    first = Image.open(lines[0][1])
    assert first.size == (150, 110) and first.mode == "RGB"
    assert lines[0][2].startswith("scene: ") and lines[0][2].split()[1] in cs.CLASSES
    # The lightness of the output is the input's: colourising only adds a* and b*.
    grey_l = ch.lab_of(np.asarray(Image.open(tmp_path / "grey.png").convert("RGB")))[..., 0]
    np.testing.assert_allclose(ch.lab_of(np.asarray(first))[..., 0], grey_l, atol=2.5)


def test_colorize_refuses_bad_images_without_writing(toy_run, tmp_path, capsys):
    _, out = toy_run
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    good = tmp_path / "good.png"
    Image.fromarray(cs.draw_example(3, "cli", 1)[0]).save(good)
    target = tmp_path / "c"
    err = usage_error(ch.main, ["colorize", "--model", str(out / "model.keras"), "--out-dir", str(target),
                                str(good), str(bad)], capsys)
    assert "cannot read image" in err and str(bad) in err
    assert not target.exists()                                    # nothing half-written
    assert "does not exist" in usage_error(ch.main, ["colorize", "--model", str(tmp_path / "no.keras"), str(good)],
                                           capsys)


def test_bad_alpha_is_refused(capsys):
    assert "--alpha" in usage_error(ch.main, ["--alpha", "-1", "--out", "/tmp/never"], capsys)


def test_photos_go_through_tfds_and_are_resized(tmp_path):
    with tfds.testing.mock_data(num_examples=20):
        splits, names = ch.load_photos(32, str(tmp_path), sizes=(3, 4))
    assert names == ("dandelion", "daisy", "tulips", "sunflowers", "roses")
    (x, y, m), (xv, _, _), (xt, _, _) = splits["train"], splits["validation"], splits["test"]
    assert x.shape == (13, 32, 32, 3) and x.dtype == np.uint8 and xv.shape[0] == 3 and xt.shape[0] == 4
    assert m.shape == (13, 32, 32) and m.all() and set(np.unique(y)) <= set(range(5))


def test_full_data_run_trains_on_photos_through_tfds(tmp_path, monkeypatch):
    """`--data full` end to end on TFDS mock photos (the loader is told the data is prepared)."""
    monkeypatch.setenv("KERASBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(ch, "Config", Tiny)
    data_dir = tmp_path / "tfds"
    (data_dir / "tf_flowers" / "3.0.1").mkdir(parents=True)
    (data_dir / "tf_flowers" / "3.0.1" / "dataset_info.json").write_text("{}")
    out = tmp_path / "run"
    with tfds.testing.mock_data(num_examples=40):
        code = ch.main(["--data-dir", str(data_dir), "--train-size", "16", "--batch-size", "8", "--epochs", "1",
                        "--out", str(out), "--xla", "off", "--quiet"])
    assert code == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["dataset"]["source"] == "full" and m["dataset"]["train"] == 16 and len(m["dataset"]["classes"]) == 5
    assert m["results"]["with fusion"]["ab_error_scene"] == pytest.approx(m["results"]["with fusion"]["ab_error_all"])
    assert "ab_error_by_emblem_distance" not in m["results"]["with fusion"]
    assert not (out / "figures" / "scenes.png").exists() and (out / "figures" / "comparison.png").is_file()
