"""Chapter 11's bars on the default run, and the quick run's headline (slow; run with -m slow)."""

import pytest

from kerasbook.bench import ch11 as bench
from kerasbook.bench.common import run_bar, run_chapter


@pytest.mark.slow
def test_default_run_global_features_colour_the_scene(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    final = bar["final"]
    assert final["fusion_ab_error_scene"] < final["grey_ab_error_scene"] / 3
    assert final["final_colour_loss"] > 0 and final["final_scene_loss"] > 0        # both loss parts are reported


@pytest.mark.slow
def test_quick_run_shows_the_same_point_in_time(tmp_path):
    code, wall, metrics = run_chapter(bench.CHAPTER_MODULE, tmp_path / "run", ["--quick", "--quiet"])
    assert code == 0 and wall <= 150
    final = metrics["final"]
    assert final["fusion_error_reduction"] >= 0.30 and final["scene_accuracy"] >= 0.90
