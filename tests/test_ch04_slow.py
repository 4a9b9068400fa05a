"""Chapter 4's bars, on the default run (slow: about 11 minutes on a 2-core CPU; run with -m slow)."""

import pytest

from kerasbook.bench import ch04 as bench
from kerasbook.bench.common import run_bar


@pytest.mark.slow
def test_default_run_meets_the_bar_and_the_residual_twin_trains_clearly_better(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    final = bar["final"]
    assert bench.degradation_ok(final), (
        f"residual {final['residual_final_loss']:.3f} vs plain {final['plain_final_loss']:.3f}: "
        f"need at most {bench.DEGRADATION_RATIO} times the plain loss")
