"""Chapter 2's bars with the real default and quick runs. Deselected by default; run with `pytest -m slow`."""

import json
import os
import subprocess
import sys
import time

import pytest


def run(tmp_path, *flags):
    env = {**os.environ, "KERASBOOK_CACHE": str(tmp_path / "cache")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kerasbook.chapters.ch02_ann", "--out", str(tmp_path / "run"), "--quiet",
                    *flags], env=env, check=True)
    return time.perf_counter() - start, json.loads((tmp_path / "run" / "metrics.json").read_text())


@pytest.mark.slow
def test_ch02_default_run_meets_its_bar(tmp_path):
    """The 784-64-10 MLP reaches >= 95 % on the 360 builtin test digits within 3 minutes."""
    wall, metrics = run(tmp_path)
    assert metrics["final"]["test_accuracy"] >= 0.95
    assert wall <= 3 * 60
    # the house-price MLP beats the linear baseline and the sine fit reaches the least-squares loss
    assert metrics["housing"]["test_rmse"] < metrics["housing"]["linear_rmse"]
    assert metrics["sine"]["loss_by_hand"] < 1.01 * metrics["sine"]["loss_least_squares"]


@pytest.mark.slow
def test_ch02_quick_run_is_quick_and_learns(tmp_path):
    wall, metrics = run(tmp_path, "--quick")
    assert wall <= 3 * 60
    assert metrics["final"]["test_accuracy"] > 0.9
    assert metrics["sine"]["loss_by_hand"] < 0.01 * metrics["sine"]["loss_start"]
