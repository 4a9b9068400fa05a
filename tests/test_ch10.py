"""Chapter 10 end to end at toy size, and our maths against references: PSNR, KL, sampling, PCA."""

import dataclasses
import json

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from kerasbook.chapters import ch10_autoencoder as ch
from kerasbook.layers.vae import Sampling, kl_divergence
from kerasbook.testing import check_layer, reloads_identically, run_artifacts, toy_run_fixture


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    latent: int = 4
    epochs: int = 2
    linear_epochs: int = 3
    noise_levels: tuple = (0.4,)
    noisy_copies: int = 1
    vae_epochs: int = 2
    anomaly_table: bool = False

    def mnist(self):
        return self


toy_run = toy_run_fixture(ch, Tiny, ["--train-size", "300", "--batch-size", "32", "--xla", "off", "--quiet"])


def test_run_writes_every_artifact(toy_run):
    figures = ("reconstructions", "pca_vs_linear_ae", "denoising", "denoising_psnr", "vae_latent", "vae_grid",
               "vae_samples", "anomaly", "curves")
    m = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv", "vae/encoder.keras", "vae/decoder.keras",
                      "vae/history.csv", "parts/ae_dense/model.keras", "parts/anomaly_4/model.keras",
                      *(f"figures/{fig}.png" for fig in figures))
    assert m["chapter"] == "ch10_autoencoder" and m["dataset"]["train"] == 300 and m["dataset"]["source"] == "builtin"
    assert set(m["reconstruction"]) == {"dense", "transpose", "upsample"}
    assert m["final"]["denoise_gain_db"] == pytest.approx(m["denoising"]["0.4"]["psnr_output"] - m["denoising"]["0.4"]["psnr_noisy"], abs=1e-3)
    assert m["final"]["vae_reconstruction"] > 0 and m["final"]["vae_kl"] >= 0
    assert 0 <= m["final"]["anomaly_auc"] <= 1 and list(m["anomaly"]) == ["4"]


def test_denoiser_reloads_and_predicts_identically(toy_run, tmp_path):
    _, out = toy_run
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32")
    reloads_identically(out / "model.keras", x, tmp_path)
    encoder = keras.models.load_model(out / "vae" / "encoder.keras")
    mean, log_var, z = encoder.predict(x, verbose=0)
    assert mean.shape == log_var.shape == z.shape == (3, 2)


def test_psnr_matches_tensorflow():
    rng = np.random.default_rng(1)
    clean = rng.random((5, 28, 28, 1)).astype("float32")
    noisy = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1).astype("float32")
    np.testing.assert_allclose(ch.psnr(clean, noisy), tf.image.psnr(clean, noisy, max_val=1.0).numpy(), rtol=1e-4)


def test_kl_matches_numerical_integration():
    from scipy import integrate, stats

    mean = np.array([[0.0, 1.5, -0.7]], "float32")
    log_var = np.array([[0.0, -1.0, 0.8]], "float32")
    expected = 0.0
    for mu, lv in zip(mean[0], log_var[0]):
        q, p = stats.norm(mu, np.exp(lv / 2)), stats.norm(0, 1)
        expected += integrate.quad(lambda z: q.pdf(z) * (q.logpdf(z) - p.logpdf(z)), -30, 30)[0]
    got = keras.ops.convert_to_numpy(kl_divergence(mean, log_var))
    assert got.shape == (1,) and got[0] == pytest.approx(expected, rel=1e-5)
    assert float(keras.ops.convert_to_numpy(kl_divergence(np.zeros((1, 4)), np.zeros((1, 4))))[0]) == 0.0


def test_sampling_draws_from_the_right_gaussian_and_passes_gradients():
    mean = tf.fill((20_000, 2), 1.5)
    log_var = tf.fill((20_000, 2), np.log(0.25).astype("float32"))
    layer = Sampling(seed=3)
    with tf.GradientTape() as tape:
        tape.watch([mean, log_var])
        z = layer([mean, log_var])
        total = tf.reduce_sum(z)
    d_mean, d_log_var = tape.gradient(total, [mean, log_var])
    z = z.numpy()
    assert z.mean() == pytest.approx(1.5, abs=0.02) and z.std() == pytest.approx(0.5, abs=0.02)
    np.testing.assert_allclose(d_mean.numpy(), 1.0)
    eps = (z - 1.5) / 0.5                                     # dz/dlog_var = 0.5 * sigma * eps
    np.testing.assert_allclose(d_log_var.numpy(), 0.5 * 0.5 * eps, atol=1e-5)
    again = Sampling(seed=3)([mean[:5], log_var[:5]]).numpy()
    np.testing.assert_allclose(again, Sampling(seed=3)([mean[:5], log_var[:5]]).numpy())


def test_sampling_passes_the_shared_layer_checks(tmp_path):
    rng = np.random.default_rng(0)
    out = check_layer(Sampling, {"seed": 7}, [rng.normal(size=(4, 3)).astype("float32"),
                                             rng.normal(size=(4, 3)).astype("float32")], tmp_path)
    assert out.shape == (4, 3)


def test_principal_angles_see_subspaces_not_bases():
    rng = np.random.default_rng(2)
    basis = np.linalg.qr(rng.normal(size=(20, 3)))[0].T          # 3 orthonormal rows in R^20
    mixed = rng.normal(size=(3, 3)) @ basis                       # the same span, another basis
    assert ch.principal_angles(mixed, basis).max() < 1e-4
    other = np.linalg.qr(np.c_[basis.T, rng.normal(size=(20, 3))])[0].T[3:]   # orthogonal to the first span
    np.testing.assert_allclose(ch.principal_angles(other, basis), 90.0, atol=1e-4)


def test_a_linear_autoencoder_learns_pcas_subspace():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    x = (rng.normal(size=(500, 3)) * [3.0, 2.0, 1.5]) @ rng.normal(size=(3, 12)) + 0.05 * rng.normal(size=(500, 12))
    x = (x - x.mean(axis=0)).astype("float32")
    keras.utils.set_random_seed(0)
    model = ch.linear_autoencoder(12, 3)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    model.fit(x, x, batch_size=100, epochs=300, verbose=0)
    decoder = keras.ops.convert_to_numpy(model.get_layer("decode").kernel)
    assert ch.principal_angles(decoder, PCA(3).fit(x).components_).max() < 2.0


@pytest.mark.parametrize("kind, params_up", [("dense", None), ("transpose", None), ("upsample", 0)])
def test_autoencoders_rebuild_the_input_shape(kind, params_up):
    model = ch.build_autoencoder(kind, 8)
    assert model.output_shape == (None, 28, 28, 1)
    assert ch.encoder_of(model).output_shape == (None, 8)
    if params_up is not None:
        assert model.get_layer("dec_up1").count_params() == params_up   # UpSampling2D copies, it learns nothing


def test_the_vae_reports_both_loss_parts_and_their_sum():
    keras.utils.set_random_seed(0)
    vae = ch.build_vae(2)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = np.random.default_rng(0).random((16, 28, 28, 1)).astype("float32")
    logs = vae.fit(x, batch_size=8, epochs=1, verbose=0).history
    assert set(logs) == {"loss", "reconstruction", "kl"}
    result = vae.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    assert result["loss"] == pytest.approx(result["reconstruction"] + result["kl"], rel=1e-4)


def test_full_data_goes_through_the_mnist_loader(tmp_path, monkeypatch):
    from kerasbook import data

    monkeypatch.setattr(ch, "Config", Tiny)
    monkeypatch.setattr(data, "network_reachable", lambda url, timeout=3.0: True)
    out = tmp_path / "run"
    with tfds.testing.mock_data(num_examples=120):
        assert ch.main(["--data", "full", "--batch-size", "16", "--out", str(out), "--xla", "off", "--quiet"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["dataset"]["source"] == "full" and m["dataset"]["test"] == 120


def test_the_course_down_and_up_example():
    assert ch.updown_example() == {"input": (5, 5), "conv": (3, 3), "transpose": (5, 5), "upsampling2d": (6, 6)}
