"""Chapter 4's bars on the default run (about 11 minutes on a 2-core CPU) and its quick run (slow; run with -m slow)."""

import pytest

from kerasbook.bench import ch04 as bench
from kerasbook.bench.common import run_bar, run_chapter


@pytest.mark.slow
def test_default_run_meets_the_bar_and_the_residual_twin_trains_clearly_better(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    final = bar["final"]
    assert bench.degradation_ok(final), (
        f"residual {final['residual_final_loss']:.3f} vs plain {final['plain_final_loss']:.3f}: "
        f"need at most {bench.DEGRADATION_RATIO} times the plain loss")


@pytest.mark.slow
def test_quick_run_learns_the_shapes_and_the_residual_twin_trains_clearly_better(tmp_path):
    code, wall, metrics = run_chapter(bench.CHAPTER_MODULE, tmp_path / "run", ["--quick", "--quiet"])
    assert code == 0 and wall <= 150
    final = metrics["final"]
    assert final["test_accuracy"] >= 0.85
    assert bench.degradation_ok(final), final
