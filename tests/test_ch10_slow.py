"""Chapter 10's bars on the default run, and the quick run's headline (slow; run with -m slow)."""

import json
import os
import subprocess
import sys
import time

import pytest

from kerasbook.bench import ch10 as bench
from kerasbook.bench.common import run_bar


@pytest.mark.slow
def test_default_run_denoises_and_finds_the_unseen_digit(tmp_path):
    bar = run_bar(bench, keep=tmp_path / "run")
    assert bar["passed"], bar
    final = bar["final"]
    assert final["vae_reconstruction"] > 0 and final["vae_kl"] > 0       # both loss parts are reported
    assert final["pca_max_angle_deg"] < 2.0


@pytest.mark.slow
def test_quick_run_shows_the_same_points_in_time(tmp_path):
    env = {**os.environ, "KERASBOOK_CACHE": str(tmp_path / "cache")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", bench.CHAPTER_MODULE, "--quick", "--quiet", "--out", str(tmp_path / "run")],
                   env=env, check=True)
    assert time.perf_counter() - start <= 150
    final = json.loads((tmp_path / "run" / "metrics.json").read_text())["final"]
    assert final["denoise_gain_db"] >= 6 and final["anomaly_auc"] >= 0.95
