"""Chapter 14's bars on the default run, and the quick run's headline (slow; run with -m slow)."""

import pytest

from kerasbook.bench import ch14 as bench
from kerasbook.bench.common import run_bar, run_chapter


@pytest.mark.slow
def test_default_run_meets_its_bars(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    final = bar["final"]
    assert final["frechet_distance"] < 5 * final["frechet_distance_real"]
    assert final["psnr_srgan"] > final["psnr_bicubic"] - 2.0       # SRGAN trades some PSNR for texture, not all


@pytest.mark.slow
def test_quick_run_shows_the_same_points_in_time(tmp_path):
    code, wall, metrics = run_chapter(bench.CHAPTER_MODULE, tmp_path / "run", ["--quick", "--quiet"])
    assert code == 0 and wall <= 150
    final = metrics["final"]
    assert final["srresnet_gain_db"] > 0 and final["confident_share"] >= 0.5
