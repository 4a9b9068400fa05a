"""Quality bars: the real default runs. Deselected by default; run with `pytest -m slow`."""

import json
import os
import subprocess
import sys
import time

import pytest


@pytest.mark.slow
def test_ch07_default_run_meets_its_bar(tmp_path):
    """>= 95 % exact match on 1,000 unseen captchas in <= 8 minutes, data generation included."""
    env = {**os.environ, "KERASBOOK_CACHE": str(tmp_path / "cache")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kerasbook.chapters.ch07_crnn", "--out", str(tmp_path / "run"), "--quiet"],
                   env=env, check=True)
    wall = time.perf_counter() - start
    final = json.loads((tmp_path / "run" / "metrics.json").read_text())["final"]
    assert final["test_exact_match_beam"] >= 0.95
    assert wall <= 8 * 60


@pytest.mark.slow
def test_ch07_quick_run_is_quick_and_learns(tmp_path):
    env = {**os.environ, "KERASBOOK_CACHE": str(tmp_path / "cache")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kerasbook.chapters.ch07_crnn", "--quick", "--out", str(tmp_path / "run"),
                    "--quiet"], env=env, check=True)
    wall = time.perf_counter() - start
    rows = (tmp_path / "run" / "history.csv").read_text().splitlines()
    header = rows[0].split(",")
    losses = [float(r.split(",")[header.index("loss")]) for r in rows[1:]]
    assert losses[-1] < 0.5 * losses[0]
    final = json.loads((tmp_path / "run" / "metrics.json").read_text())["final"]
    assert final["test_exact_match_beam"] >= 0.85
    assert wall <= 3 * 60
