"""Chapter 14 end to end at toy size, the GAN's own train_step against a hand computation, and our maths
against references: PSNR and SSIM against tf.image, the Fréchet distance against SciPy, the sub-pixel
shuffle against a hand-built case."""

import dataclasses
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasbook import metrics
from kerasbook.chapters import ch14_gan as ch
from kerasbook.chapters.ch14_gan import __main__ as run_order    # the run's steps; it reads `Config` from here
from kerasbook.data import photos as ph
from kerasbook.layers.gan import GAN, SRGAN, BicubicUpsampling, SubPixelUpsampling, random_translate
from kerasbook.testing import check_layer, run_artifacts, run_fresh, toy_run_fixture, usage_error



@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    widths: tuple = (32, 16, 8)
    d_widths: tuple = (64, 32, 16)
    epochs: int = 2
    judge_epochs: int = 2
    generated: int = 200
    eval_every: int = 1
    dead_steps: int = 2
    patches: int = 48
    sr_filters: int = 8
    sr_blocks: int = 1
    sr_epochs: int = 1
    srgan_epochs: int = 1
    feature_epochs: int = 1

    def mnist(self):
        return self


# `Tiny` replaces `Config` where the run order (`__main__._train`) reads it.
toy_run = toy_run_fixture(run_order, Tiny, ["--train-size", "128", "--batch-size", "32", "--xla", "off", "--quiet"])


def test_run_writes_every_artifact(toy_run):
    _, out = toy_run
    figures = ("samples.png", "progress.png", "training.gif", "losses.png", "judge_scores.png", "class_shares.png",
               "dead_neurons.png", "super_resolution.png", "epochs/epoch_001.png", "epochs/epoch_002.png")
    m = run_artifacts(toy_run, "generator.keras", "discriminator.keras", "model.keras", "srresnet.keras",
                      "judge/model.keras", "metrics.json", "dcgan_history.csv", "srresnet_history.csv",
                      "srgan_history.csv", *(f"figures/{fig}" for fig in figures))
    assert m["chapter"] == "ch14_gan" and m["dataset"]["train"] == 128 and m["dataset"]["source"] == "builtin"
    c = m["config"]                                                      # the run was Tiny's, not the default's
    assert c["widths"] == [32, 16, 8] and c["d_widths"] == [64, 32, 16] and c["epochs"] == 2 and c["sr_blocks"] == 1
    f = m["final"]
    assert 0 <= f["confident_share"] <= 1 and f["min_class_share"] <= 0.1 <= f["max_class_share"]
    assert f["frechet_distance"] >= 0 and f["frechet_distance_real"] >= 0
    assert f["srresnet_gain_db"] == pytest.approx(f["psnr_srresnet"] - f["psnr_bicubic"], abs=1e-3)
    assert set(m["dead"]) == set(ch.ACTIVATIONS) and len(m["dead"]["relu"]["after"]) == 3
    assert sum(m["dcgan"]["class_shares"]) == pytest.approx(1.0)
    assert [s["epoch"] for s in m["dcgan"]["scores_over_training"]] == [1, 2]
    best = None
    for s in m["dcgan"]["scores_over_training"]:
        best = s if ch.better_scoring(s, best, ch.Config().class_range) else best
    assert f["kept_epoch"] == (best["epoch"] if best else 2)           # the last epoch when none was balanced
    assert set(m["srgan"]["per_photo"]) == set(ph.TEST) and m["srgan"]["perceptual_features"] == "own"
    history = (out / "dcgan_history.csv").read_text().splitlines()
    assert history[0].split(",")[:5] == ["epoch", "d_fake_accuracy", "d_loss", "d_real_accuracy", "g_loss"]
    assert len(history) == 3                                                      # a header and two epochs


def test_saved_models_reload_in_safe_mode(toy_run, tmp_path):
    _, out = toy_run
    generator = keras.models.load_model(out / "generator.keras", safe_mode=True)
    z = np.random.default_rng(0).normal(size=(3, 100)).astype("float32")
    images = generator.predict(z, verbose=0)
    assert images.shape == (3, 32, 32, 1) and images.min() >= -1 and images.max() <= 1
    sr = keras.models.load_model(out / "model.keras", safe_mode=True)
    low = np.random.default_rng(1).random((1, 10, 14, 3)).astype("float32")
    assert sr.predict(low, verbose=0).shape == (1, 40, 56, 3)                    # any size, x4
    d = keras.models.load_model(out / "discriminator.keras", safe_mode=True)
    convs = [layer.filters for layer in d.layers if isinstance(layer, keras.layers.Conv2D)]
    assert convs == [16, 32, 64]                                 # Config.d_widths, mirrored: 16x16 -> 8x8 -> 4x4


def test_sample_writes_a_grid_and_keeps_what_exists(toy_run, tmp_path, capsys):
    _, out = toy_run
    target = tmp_path / "grid.png"
    printed = run_fresh(ch, ["sample", "--model", out / "generator.keras", "--n", "10", "--out", target])
    assert f"wrote 10 digits to {target}" in printed                       # loaded in a new process (NoiseMixture)
    from PIL import Image

    picture = np.asarray(Image.open(target))
    assert picture.shape == (2 * (2 * 34 + 2), 2 * (8 * 34 + 2))                  # 2 rows of 8, drawn at 2x
    before = target.read_bytes()
    err = usage_error(ch.main, ["sample", "--model", str(out / "generator.keras"), "--out", str(target)], capsys)
    assert "already exists" in err and target.read_bytes() == before
    assert "does not exist" in usage_error(ch.main, ["sample", "--model", str(tmp_path / "no.keras")], capsys)
    assert "not a generator" in usage_error(ch.main, ["sample", "--model", str(out / "model.keras"), "--out",
                                                      str(tmp_path / "x.png")], capsys)


def test_upscale_writes_x4_images(toy_run, tmp_path, capsys):
    _, out = toy_run
    from PIL import Image

    source = tmp_path / "small.png"
    Image.fromarray(np.random.default_rng(2).integers(0, 255, (12, 20, 3), dtype="uint8")).save(source)
    run_fresh(ch, ["upscale", "--model", out / "model.keras", source])                 # loads in a new process
    assert Image.open(tmp_path / "small_x4.png").size == (80, 48)
    assert "already exists" in usage_error(ch.main, ["upscale", "--model", str(out / "model.keras"), str(source)], capsys)
    (tmp_path / "notes.txt").write_text("not a picture")
    assert "not an image" in usage_error(ch.main, ["upscale", "--model", str(out / "model.keras"),
                                                   str(tmp_path / "notes.txt")], capsys)
    assert "not an up-scaling model" in usage_error(ch.main, ["upscale", "--model", str(out / "generator.keras"),
                                                              "--out", str(tmp_path / "o"), str(source)], capsys)


def test_bad_parts_stop_with_one_line(capsys, tmp_path):
    assert "unknown part 'vae'" in usage_error(ch.main, ["--parts", "dcgan,vae", "--out", str(tmp_path / "r")], capsys)
    assert not (tmp_path / "r").exists()
    assert "--modes must be 0" in usage_error(ch.main, ["--modes", "1", "--out", str(tmp_path / "r")], capsys)
    assert not (tmp_path / "r").exists()
    for bad in ("128,64", "128,0,32", "wide"):
        assert "--d-widths takes three" in usage_error(ch.main, ["--d-widths", bad, "--out", str(tmp_path / "r")],
                                                       capsys)
    assert not (tmp_path / "r").exists()
    assert run_order._d_widths("128,64,32") == (128, 64, 32) and run_order._d_widths("same") is None


def test_full_data_reads_mnist_through_tfds(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    monkeypatch.setattr(run_order, "Config", Tiny)
    monkeypatch.setattr("kerasbook.data.network_reachable", lambda url, timeout=3.0: True)
    out = tmp_path / "full"
    with tfds.testing.mock_data(num_examples=96):
        assert ch.main(["--data", "full", "--parts", "dcgan", "--batch-size", "16", "--out", str(out), "--xla", "off",
                        "--quiet"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["dataset"]["source"] == "full" and m["dataset"]["test"] == 96 and m["parts"] == ["dcgan"]


def test_full_photos_need_vgg19_weights(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr("kerasbook.data.network_reachable", lambda url, timeout=3.0: False)
    assert ph.vgg19_cached() == (False, f"VGG19's ImageNet weights are not in {tmp_path / 'keras' / 'models'}")
    err = usage_error(ch.main, ["--data", "full", "--parts", "srgan", "--out", str(tmp_path / "r")], capsys)
    assert "VGG19" in err and not (tmp_path / "r").exists()
    (tmp_path / "keras" / "models").mkdir(parents=True)
    (tmp_path / "keras" / "models" / ph.VGG19_FILE).write_bytes(b"")
    assert ph.vgg19_cached() == (True, "")


# --- the GAN's own train_step ---------------------------------------------------------------------------------

def _tiny_gan(real_label=1.0, lr=0.0, seed=3):
    keras.utils.set_random_seed(0)
    gan = GAN(ch.build_generator(8, (16, 8, 4)), ch.build_discriminator((16, 8, 4)), 8, seed=seed,
              real_label=real_label)
    gan.compile(d_optimizer=keras.optimizers.SGD(lr), g_optimizer=keras.optimizers.SGD(lr))
    return gan


def test_train_step_losses_match_a_hand_computation():
    """With learning rate 0 the weights stay put, so we can recompute both losses from the same noise."""
    real = np.random.default_rng(0).uniform(-1, 1, (6, 32, 32, 1)).astype("float32")
    gan = _tiny_gan(real_label=0.9)
    logs = gan.train_on_batch(real, return_dict=True)
    replay = keras.random.SeedGenerator(3)                  # the model's seed generator, replayed: same draws
    z1 = keras.random.normal((6, 8), seed=replay)
    z2 = keras.random.normal((6, 8), seed=replay)

    def bce(target, logits):
        p = 1 / (1 + np.exp(-logits.astype("float64")))
        return float(np.mean(-(target * np.log(p) + (1 - target) * np.log(1 - p))))

    d = lambda x: keras.ops.convert_to_numpy(gan.discriminator(x, training=True))           # noqa: E731
    g = lambda z: gan.generator(z, training=True)                                         # noqa: E731
    assert logs["d_loss"] == pytest.approx(bce(0.9, d(real)) + bce(0.0, d(g(z1))), rel=1e-4)
    assert logs["g_loss"] == pytest.approx(bce(1.0, d(g(z2))), rel=1e-4)
    assert logs["d_real_accuracy"] == pytest.approx(float((d(real) > 0).mean()))
    assert logs["d_fake_accuracy"] == pytest.approx(float((d(g(z1)) <= 0).mean()))


def test_train_step_updates_each_player_and_repeats_with_its_seed():
    real = np.random.default_rng(1).uniform(-1, 1, (8, 32, 32, 1)).astype("float32")

    def weights_after(seed):
        gan = _tiny_gan(lr=0.05, seed=seed)
        before = [w.numpy().copy() for w in gan.generator.trainable_weights + gan.discriminator.trainable_weights]
        gan.train_on_batch(real)
        gan.train_on_batch(real)
        after = [w.numpy() for w in gan.generator.trainable_weights + gan.discriminator.trainable_weights]
        return before, after

    before, a = weights_after(3)
    n_g = len(_tiny_gan().generator.trainable_weights)
    assert any(not np.allclose(x, y) for x, y in zip(before[:n_g], a[:n_g]))       # G moved
    assert any(not np.allclose(x, y) for x, y in zip(before[n_g:], a[n_g:]))       # D moved
    _, b = weights_after(3)
    _, c = weights_after(4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))                          # same seed, same weights
    assert any(not np.array_equal(x, y) for x, y in zip(a, c))                      # another seed, other noise


def test_the_kept_generator_is_the_best_balanced_scoring():
    score = lambda share, low, high: {"confident_share": share, "min_class_share": low, "max_class_share": high}  # noqa: E731
    span = (0.05, 0.15)
    assert ch.better_scoring(score(0.5, 0.06, 0.14), None, span)
    assert not ch.better_scoring(score(0.99, 0.04, 0.14), None, span)           # a class too rare
    assert not ch.better_scoring(score(0.99, 0.06, 0.16), None, span)           # a class too common
    best = score(0.9, 0.07, 0.12)
    assert ch.better_scoring(score(0.91, 0.05, 0.15), best, span)               # the edges count as inside
    assert not ch.better_scoring(score(0.9, 0.08, 0.11), best, span)            # a tie keeps the earlier one
    assert not ch.better_scoring(score(0.95, 0.02, 0.30), best, span)


def test_late_decay_holds_the_rate_then_falls_by_a_cosine_to_zero():
    assert ch.late_decay(5e-4, 1_000, 1.0) == 5e-4                          # no decay: a plain float
    schedule = ch.late_decay(5e-4, 1_000, 0.6)                              # held for 600 steps, then 400 down
    rate = lambda step: float(schedule(step))                               # noqa: E731
    for step in (0, 300, 599, 600):
        assert rate(step) == pytest.approx(5e-4)
    for step in (650, 800, 900, 1_000):
        expected = 5e-4 * 0.5 * (1 + np.cos(np.pi * (step - 600) / 400))
        assert rate(step) == pytest.approx(expected, abs=1e-9)
    assert rate(800) == pytest.approx(2.5e-4) and rate(1_000) == pytest.approx(0.0, abs=1e-12)


def test_averaged_generator_swaps_in_the_moving_average_and_back():
    real = np.random.default_rng(2).uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
    gan = _tiny_gan()
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2, use_ema=True,
                                                                                           ema_momentum=0.5))
    for _ in range(3):
        gan.train_on_batch(real)
    trained = [v.numpy().copy() for v in gan.generator.trainable_variables]
    averages = [v.numpy() for v in gan.g_optimizer._model_variables_moving_average]
    with gan.averaged_generator() as g:
        inside = [v.numpy().copy() for v in g.trainable_variables]
    assert all(np.allclose(x, y) for x, y in zip(inside, averages))
    assert any(not np.allclose(x, y) for x, y in zip(inside, trained))
    assert all(np.array_equal(v.numpy(), t) for v, t in zip(gan.generator.trainable_variables, trained))


def test_noise_mixture_matches_scipy_and_draws_every_part_equally(tmp_path):
    from scipy.stats import norm

    from kerasbook.layers.gan import NoiseMixture

    layer = NoiseMixture(7, spread=2.0, seed=4)
    z = np.random.default_rng(0).normal(size=(70_000, 6)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(z))
    centres = keras.ops.convert_to_numpy(layer.centres)
    u = norm.cdf(z[:, 0].astype("float64")) * 7                          # the same recipe in SciPy
    k = np.floor(u).astype(int)
    first = norm.ppf(np.clip(u - k, 1e-6, 1 - 1e-6))
    expected = centres[k] + np.concatenate([first[:, None], z[:, 1:]], axis=1)
    close = np.abs(out - expected).max(axis=1) < 1e-3
    assert close.mean() > 0.999                                          # float32 rounding at part edges aside
    counts = np.bincount(k, minlength=7)
    assert np.abs(counts - 10_000).max() < 5 * np.sqrt(10_000)           # every part equally likely
    rest = out - centres[k]                                               # within a part: N(0, I), z_0 included
    np.testing.assert_allclose(rest.mean(axis=0), 0, atol=0.02)
    np.testing.assert_allclose(rest.std(axis=0), 1, atol=0.02)
    assert abs(np.corrcoef(rest[:, 0], k)[0, 1]) < 0.02
    model = keras.Sequential([keras.Input((6,)), layer])
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(again(z[:50])), out[:50])
    with pytest.raises(ValueError, match="at least 2"):
        NoiseMixture(1)


def test_random_translate_moves_each_image_by_a_whole_shift_and_passes_gradients():
    x = tf.constant(np.random.default_rng(3).uniform(-1, 1, (16, 8, 8, 1)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = random_translate(x, 2, keras.random.SeedGenerator(0))
        loss = tf.reduce_sum(y * y)
    y, grad, x = y.numpy(), tape.gradient(loss, x).numpy(), x.numpy()
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), constant_values=-1)
    shifts = set()
    for i in range(16):
        found = [(r, c) for r in range(5) for c in range(5) if np.array_equal(padded[i, r:r + 8, c:c + 8], y[i])]
        assert found, i
        shifts.add(found[0])
    assert len(shifts) > 3                                                          # each image its own shift
    assert np.abs(grad).sum() > 0


# --- the discriminator's dead units ---------------------------------------------------------------------------

def test_dead_units_count_units_that_never_fire():
    d = ch.build_discriminator((8, 4, 2), activation="relu")
    conv = d.get_layer("conv0")
    conv.kernel.assign(np.zeros(conv.kernel.shape, "float32"))
    conv.bias.assign(np.array([-1.0, 1.0], "float32"))                              # 2 channels: off, on
    images = np.random.default_rng(4).uniform(-1, 1, (5, 32, 32, 1)).astype("float32")
    shares = ch.dead_units(d, images)
    assert len(shares) == 3 and shares[0] == pytest.approx(0.5)
    for activation in ("leaky_relu", "prelu"):
        assert len(ch.dead_units(ch.build_discriminator((8, 4, 2), activation), images)) == 3
    with pytest.raises(ValueError, match="unknown activation"):
        ch.build_discriminator(activation="tanh")


def test_the_course_generator_shapes():
    g = ch.build_generator(100, (512, 256, 128))
    shapes = [tuple(g.get_layer(n).output.shape[1:]) for n in ("up0", "up1", "up2", "image")]
    assert shapes == [(4, 4, 512), (8, 8, 256), (16, 16, 128), (32, 32, 1)]
    assert g.get_layer("image").activation.__name__ == "tanh"


# --- super-resolution pieces ----------------------------------------------------------------------------------

def test_subpixel_matches_a_hand_built_shuffle(tmp_path):
    r, c = 2, 3
    x = np.arange(1 * 2 * 2 * c * r * r, dtype="float32").reshape(1, 2, 2, c * r * r)
    y = SubPixelUpsampling(r)(x).numpy()
    expected = np.zeros((1, 4, 4, c), "float32")
    for i in range(2):
        for j in range(2):
            for a in range(r):
                for b in range(r):
                    for k in range(c):
                        expected[0, r * i + a, r * j + b, k] = x[0, i, j, (a * r + b) * c + k]
    np.testing.assert_array_equal(y, expected)
    check_layer(SubPixelUpsampling, {"factor": 2}, np.random.default_rng(0).random((2, 3, 3, 8)).astype("float32"),
                tmp_path, expected_output_shape=(2, 6, 6, 2))


def test_bicubic_layer_is_tf_bicubic(tmp_path):
    x = np.random.default_rng(5).random((2, 5, 7, 3)).astype("float32")
    np.testing.assert_allclose(BicubicUpsampling(4)(x).numpy(),
                               tf.image.resize(x, (20, 28), method="bicubic").numpy(), atol=1e-6)
    check_layer(BicubicUpsampling, {"factor": 4}, x, tmp_path, expected_output_shape=(2, 20, 28, 3))
    np.testing.assert_allclose(ch.bicubic_up(x, 4), np.clip(tf.image.resize(x, (20, 28), "bicubic"), 0, 1), atol=1e-6)


def test_srresnet_learns_only_what_bicubic_misses():
    model = ch.build_srresnet(8, 1, 4)
    detail = model.get_layer("detail")
    detail.kernel.assign(np.zeros(detail.kernel.shape, "float32"))
    detail.bias.assign(np.zeros(detail.bias.shape, "float32"))
    low = np.random.default_rng(6).random((1, 6, 9, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(low, verbose=0), tf.image.resize(low, (24, 36), "bicubic"), atol=1e-5)
    assert sum(isinstance(layer, SubPixelUpsampling) for layer in model.layers) == 2          # x2, twice


def test_psnr_and_ssim_match_tensorflow():
    rng = np.random.default_rng(7)
    clean = rng.random((3, 40, 52, 3)).astype("float32")
    other = np.clip(clean + rng.normal(0, 0.08, clean.shape), 0, 1).astype("float32")
    np.testing.assert_allclose(metrics.psnr(clean, other), tf.image.psnr(clean, other, 1.0).numpy(), rtol=1e-5)
    np.testing.assert_allclose(metrics.ssim(clean, other), tf.image.ssim(clean, other, 1.0).numpy(), atol=1e-5)
    np.testing.assert_allclose(metrics.ssim(clean * 255, other * 255, 255.0),
                               tf.image.ssim(clean * 255, other * 255, 255.0).numpy(), atol=1e-5)
    assert metrics.ssim(clean, clean) == pytest.approx(np.ones(3))


def test_frechet_distance_matches_scipy():
    from scipy import linalg

    rng = np.random.default_rng(8)
    a = rng.normal(size=(400, 6))
    b = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + 0.5
    mu_a, mu_b, s_a, s_b = a.mean(0), b.mean(0), np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    reference = np.sum((mu_a - mu_b) ** 2) + np.trace(s_a + s_b - 2 * linalg.sqrtm(s_a @ s_b).real)
    assert metrics.frechet_distance(a, b) == pytest.approx(reference, rel=1e-6)
    one_a, one_b = rng.normal(1.0, 2.0, (5000, 1)), rng.normal(-1.0, 0.5, (5000, 1))
    closed = (one_a.mean() - one_b.mean()) ** 2 + (one_a.std(ddof=1) - one_b.std(ddof=1)) ** 2   # 1-D: (mu)^2 + (sigma)^2
    assert metrics.frechet_distance(one_a, one_b) == pytest.approx(closed, rel=1e-9)
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_srgan_step_trains_the_generator_and_leaves_the_features_alone():
    keras.utils.set_random_seed(0)
    features = keras.Model(*(lambda i: (i, keras.layers.Conv2D(4, 3, padding="same")(i)))(keras.Input((None, None, 3))))
    frozen = [w.numpy().copy() for w in features.weights]
    srgan = SRGAN(ch.build_srresnet(4, 1, 4), ch.build_sr_discriminator((4, 8, 8)), features)
    srgan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    g_before = [w.numpy().copy() for w in srgan.generator.trainable_weights]
    low = np.random.default_rng(9).random((4, 8, 8, 3)).astype("float32")
    high = np.random.default_rng(10).random((4, 32, 32, 3)).astype("float32")
    logs = srgan.train_on_batch(low, high, return_dict=True)
    assert set(logs) >= {"d_loss", "g_loss", "content", "pixel", "adversarial"}
    assert logs["g_loss"] == pytest.approx(logs["content"] + 1e-3 * logs["adversarial"], rel=1e-4)
    assert all(np.array_equal(w.numpy(), f) for w, f in zip(features.weights, frozen))
    assert any(not np.allclose(w.numpy(), b) for w, b in zip(srgan.generator.trainable_weights, g_before))


def test_photos_split_holds_whole_photos_out():
    assert not set(ph.TRAIN) & set(ph.TEST) and len(ph.TRAIN) == 7 and len(ph.TEST) == 3
    photos = {"a": np.zeros((40, 50, 3), "uint8"), "b": np.full((100, 100, 3), 7, "uint8")}
    patches, which = ph.random_patches(photos, 200, 16, seed=0)
    assert patches.shape == (200, 16, 16, 3)
    assert np.all(patches[which == 1] == 7) and np.all(patches[which == 0] == 0)
    assert (which == 1).sum() == 100                                               # equal shares, whatever the size
    half = np.zeros((64, 64, 3), "uint8")
    half[:, 32:] = np.random.default_rng(0).integers(0, 255, (64, 32, 3))           # flat left, busy right
    busy, _ = ph.random_patches({"half": half}, 50, 16, seed=1, min_std=0.04)
    flat, _ = ph.random_patches({"half": half}, 50, 16, seed=1)
    assert all(p.std() / 255 >= 0.04 for p in busy) and any(p.std() == 0 for p in flat)
    with pytest.raises(ValueError, match="unknown photo"):
        ph.load("moon_landing")


def test_dihedral_turns_each_patch_by_one_symmetry_of_the_square():
    x = np.random.default_rng(3).integers(0, 255, (400, 6, 6, 3)).astype("uint8")
    out = ph.dihedral(x, seed=5)
    symmetries = [lambda a, k=k: np.rot90(a, k) for k in range(4)] + [lambda a, k=k: np.rot90(a[:, ::-1], k)
                                                                       for k in range(4)]
    used = [next(i for i, f in enumerate(symmetries) if np.array_equal(f(a), b)) for a, b in zip(x, out)]
    assert set(used) == set(range(8))                                  # every symmetry is drawn
    assert np.bincount(used).min() > 400 / 8 / 2                       # and about equally often
    assert np.array_equal(out, ph.dihedral(x, seed=5)) and not np.array_equal(out, ph.dihedral(x, seed=6))
    with pytest.raises(ValueError, match="square"):
        ph.dihedral(np.zeros((2, 4, 6, 3)), seed=0)


def test_downscale_is_antialiased_bicubic():
    x = np.random.default_rng(11).random((1, 32, 32, 3)).astype("float32")
    expected = np.clip(tf.image.resize(x, (8, 8), "bicubic", antialias=True).numpy(), 0, 1)
    np.testing.assert_allclose(ch.downscale(x, 4), expected, atol=1e-6)
