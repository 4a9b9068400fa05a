"""Chapter 1 quality bars: the real default and quick runs. Deselected by default; run with `pytest -m slow`."""

import json
import os
import subprocess
import sys
import time

import pytest

from kerasbook.bench import ch01 as bench


def _run(tmp_path, *args):
    env = {**os.environ, "KERASBOOK_CACHE": str(tmp_path / "cache")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", bench.CHAPTER_MODULE, *args, "--out", str(tmp_path / "run"), "--quiet"],
                   env=env, check=True)
    return time.perf_counter() - start, json.loads((tmp_path / "run" / "metrics.json").read_text())


@pytest.mark.slow
def test_ch01_default_run_meets_its_bar(tmp_path):
    """MLP >= 95 % on the unseen spiral points, linear softmax near chance, within 5 minutes."""
    wall, metrics = _run(tmp_path)
    final = metrics["final"]
    assert final[bench.BAR["metric"]] >= bench.BAR["at_least"]
    assert final["linear_test_accuracy"] < 0.5
    assert final["ols_gd_max_abs_diff"] < 1e-6 and final["tiny_batch_accuracy"] == 1.0
    assert wall <= bench.BAR["wall_s_at_most"]


@pytest.mark.slow
def test_ch01_quick_run_is_quick_and_learns(tmp_path):
    wall, metrics = _run(tmp_path, "--quick")
    assert metrics["final"]["test_accuracy"] >= 0.9
    reg = metrics["experiments"]["regularisation"]
    assert reg["dropout"]["test_accuracy"] > reg["plain"]["test_accuracy"]
    assert wall <= 3 * 60
