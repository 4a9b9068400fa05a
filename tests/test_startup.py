"""A quiet start: a chapter command prints only its own lines, and TensorFlow's start-up lines are all it hides."""

import json
import os
import subprocess
import sys

import pytest

from kerasbook import startup

TF_CONFIG = {"cluster": {"worker": ["localhost:1", "localhost:2"]}, "task": {"type": "worker", "index": 0}}


def _run(args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "KERASBOOK_TF_STARTUP")}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env={**clean, **env},
                          timeout=300)


def test_a_bad_flag_is_exactly_one_line_on_stderr():
    proc = _run(["-m", "kerasbook.chapters.ch07_crnn", "--epochs", "-1"])
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "python -m kerasbook.chapters.ch07_crnn: error: argument --epochs: '-1' must be at least 1 (see --help)"]


def test_an_error_found_after_tensorflow_starts_is_one_line_too(tmp_path):
    """`--xla on` under a multi-worker strategy on CPUs is refused after TensorFlow has been imported, before
    any worker waits for another: nothing but that line reaches stderr, and nothing is written."""
    if not startup.startup_line("WARNING: All log messages before absl::InitializeLog() is called are written "
                                "to STDERR"):
        pytest.fail("the start-up pattern no longer matches absl's line")
    out = tmp_path / "run"
    proc = _run(["-m", "kerasbook.chapters.ch02_ann", "--quick", "--xla", "on", "--strategy", "multiworker",
                 "--out", str(out)], TF_CONFIG=json.dumps(TF_CONFIG), KERASBOOK_CACHE=str(tmp_path / "cache"))
    if "gpu:" in proc.stdout:
        pytest.skip("XLA collectives exist on this GPU")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        "python -m kerasbook.chapters.ch02_ann: error: --xla on cannot run with --strategy multiworker on this "
        "machine: XLA cannot compile the all-reduce of several replicas on CPU devices (TensorFlow has no XLA "
        "collectives for CPUs); use --xla off or auto"]
    assert not (out / "metrics.json").exists() and not (out / "model.keras").exists()


def test_tensorflow_starts_without_its_startup_lines():
    code = "import kerasbook, tensorflow as tf; tf.constant(1.0) + 1; print('ok')"
    quiet = _run(["-c", code])
    assert quiet.returncode == 0 and quiet.stdout == "ok\n"
    assert quiet.stderr == ""
    loud = _run(["-c", code], KERASBOOK_TF_STARTUP="1")          # the lines are there to hide
    lines = loud.stderr.splitlines()
    assert lines and all(startup.startup_line(line) for line in lines), lines


def test_the_filter_passes_every_other_line_through(capfd):
    with startup.filtered_stderr():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
        os.write(2, b"I0000 00:00:1796690224.406498    5042 cudart_stub.cc:31] Could not find cuda drivers on "
                    b"your machine, GPU will not be used.\n")
        os.write(2, b"E0000 00:00:1796690229.322897    5042 some_op.cc:52] out of memory\n")
        os.write(2, b"a warning that matters\n")
    assert capfd.readouterr().err == ("E0000 00:00:1796690229.322897    5042 some_op.cc:52] out of memory\n"
                                      "a warning that matters\n")
