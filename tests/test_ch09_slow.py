"""Chapter 9's bars on the default run, and the quick run's headline (slow; run with -m slow)."""

import pytest

from kerasbook.bench import ch09 as bench
from kerasbook.bench.common import run_bar, run_chapter


@pytest.mark.slow
def test_default_run_unet_segments_and_the_twin_blurs_boundaries(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    assert bar["final"]["fcn_mean_iou"] < bar["final"]["unet_mean_iou"]


@pytest.mark.slow
def test_quick_run_shows_the_same_point_in_time(tmp_path):
    code, wall, metrics = run_chapter(bench.CHAPTER_MODULE, tmp_path / "run", ["--quick", "--quiet"])
    assert code == 0 and wall <= 150
    final = metrics["final"]
    assert final["boundary_iou_gap"] >= 0.05
