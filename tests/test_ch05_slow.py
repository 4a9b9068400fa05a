"""Chapter 5's bar on the default run, and the quick run's headline (slow; run with -m slow)."""

import pytest

from kerasbook.bench import ch05 as bench
from kerasbook.bench.common import run_bar, run_chapter


@pytest.mark.slow
def test_default_run_beats_persistence_by_ten_percent(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    assert bar["final"]["walk_rnn_vs_persistence_mae"] > 0.95       # and nothing beats it on the random walk


@pytest.mark.slow
def test_quick_run_shows_the_same_point_in_time(tmp_path):
    code, wall, metrics = run_chapter(bench.CHAPTER_MODULE, tmp_path / "run", ["--quick", "--quiet"])
    assert code == 0 and wall <= 150
    final = metrics["final"]
    assert final["rnn_vs_persistence_mae"] <= 0.9
