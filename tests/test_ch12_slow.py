"""Chapter 12's bars on the default run, and the quick run's headline (slow; run with -m slow)."""

import pytest

from kerasbook.bench import ch12 as bench
from kerasbook.bench.common import run_bar, run_chapter


@pytest.mark.slow
def test_default_run_attention_beats_the_bottleneck(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    final = bar["final"]
    assert final["bleu_lstm_general"] >= 90 and final["best_bleu_heldout_structures"] >= 90
    assert final["perplexity_gru"] < final["perplexity_kneser_ney"]          # the GRU reads the whole sentence
    assert final["same_kind_share_skipgram"] > 0.5 and final["analogy_top1_skipgram"] > 0.1


@pytest.mark.slow
def test_quick_run_shows_the_same_point_in_time(tmp_path):
    code, wall, metrics = run_chapter(bench.CHAPTER_MODULE, tmp_path / "run", ["--quick", "--quiet"])
    assert code == 0 and wall <= 150
    final = metrics["final"]
    assert final["best_bleu"] >= 90 and final["longest_bucket_gain"] >= 20
