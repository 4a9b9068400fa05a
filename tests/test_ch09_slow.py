"""Chapter 9's bars on the default run, and the quick run's headline (slow; run with -m slow)."""

import json
import os
import subprocess
import sys
import time

import pytest

from kerasbook.bench import ch09 as bench
from kerasbook.bench.common import run_bar


@pytest.mark.slow
def test_default_run_unet_segments_and_the_twin_blurs_boundaries(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    assert bar["final"]["fcn_mean_iou"] < bar["final"]["unet_mean_iou"]


@pytest.mark.slow
def test_quick_run_shows_the_same_point_in_time(tmp_path):
    env = {**os.environ, "KERASBOOK_CACHE": str(tmp_path / "cache")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", bench.CHAPTER_MODULE, "--quick", "--quiet", "--out", str(tmp_path / "run")],
                   env=env, check=True)
    assert time.perf_counter() - start <= 150
    final = json.loads((tmp_path / "run" / "metrics.json").read_text())["final"]
    assert final["boundary_iou_gap"] >= 0.05
