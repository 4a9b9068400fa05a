"""Chapter 6's bar on the default run, and the quick run's headline (slow; run with -m slow)."""

import pytest

from kerasbook.bench import ch06 as bench
from kerasbook.bench.common import run_bar, run_chapter


@pytest.mark.slow
def test_default_run_lstm_solves_the_adding_problem_and_the_rnn_does_not(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    assert [c["passed"] for c in bar["checks"]] == [True, True]


@pytest.mark.slow
def test_quick_run_shows_the_same_point_in_time(tmp_path):
    code, wall, metrics = run_chapter(bench.CHAPTER_MODULE, tmp_path / "run", ["--quick", "--quiet"])
    assert code == 0 and wall <= 150
    final = metrics["final"]
    assert final["lstm_of_baseline"] < 0.1 and final["rnn_of_baseline"] > 0.5
