"""Chapter 13's bars on the default run, and the quick run's headline (slow; run with -m slow)."""

import pytest

from kerasbook.bench import ch13 as bench
from kerasbook.bench.common import run_bar, run_chapter


@pytest.mark.slow
def test_default_run_meets_both_bars(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    final = bar["final"]
    assert final["bleu_ours"] >= 99 and final["bleu_hub"] >= 95
    assert final["bag_of_words_accuracy"] < 0.6                               # the task needs word order
    assert final["perplexity_gpt"] < final["perplexity_kneser_ney"]
    assert final["cnn_accuracy"] > 0.5


@pytest.mark.slow
def test_quick_run_shows_the_same_points_in_time(tmp_path):
    code, wall, metrics = run_chapter(bench.CHAPTER_MODULE, tmp_path / "run", ["--quick", "--quiet"])
    assert code == 0 and wall <= 150
    final = metrics["final"]
    assert final["bleu_gain_over_rnn"] >= 0 and final["pretraining_gain"] >= 0.10
