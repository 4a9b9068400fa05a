"""Chapter 10's bars on the default run, and the quick run's headline (slow; run with -m slow)."""

import pytest

from kerasbook.bench import ch10 as bench
from kerasbook.bench.common import run_bar, run_chapter


@pytest.mark.slow
def test_default_run_denoises_and_finds_the_unseen_digit(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    final = bar["final"]
    assert final["vae_reconstruction"] > 0 and final["vae_kl"] > 0       # both loss parts are reported
    assert final["pca_max_angle_deg"] < 2.0


@pytest.mark.slow
def test_quick_run_shows_the_same_points_in_time(tmp_path):
    code, wall, metrics = run_chapter(bench.CHAPTER_MODULE, tmp_path / "run", ["--quick", "--quiet"])
    assert code == 0 and wall <= 150
    final = metrics["final"]
    assert final["denoise_gain_db"] >= 6 and final["anomaly_auc"] >= 0.95
