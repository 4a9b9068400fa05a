"""Chapter 3's quick run: quick, and it still shows the chapter's point (slow; run with -m slow)."""

import pytest

from kerasbook.bench import ch03 as bench
from kerasbook.bench.common import run_chapter


@pytest.mark.slow
def test_quick_run_learns_the_shapes_and_transfer_beats_scratch(tmp_path):
    code, wall, metrics = run_chapter(bench.CHAPTER_MODULE, tmp_path / "run", ["--quick", "--quiet"])
    assert code == 0 and wall <= 150
    final = metrics["final"]
    assert final["test_accuracy"] >= 0.85
    assert final["transfer_fine_tune"] > final["transfer_scratch"] + 0.2
    assert final["transfer_feature_extraction"] > final["transfer_scratch"] + 0.2
