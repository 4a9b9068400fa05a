"""`--strategy` in every chapter: each chapter's toy run under `mirrored` on two logical CPUs (or its one-line
refusal, for the two parts TensorFlow cannot train that way), and the two chapters with a `train_step` of their
own (ch10's VAE, ch14's GAN) across two local workers.

Each run is a fresh process (TensorFlow fixes its devices and its cluster when it starts) that repeats the
toy run a chapter's test file defines (`kerasbook.testing.TOY_RUNS`) with the strategy's flag added and no
`--xla` of its own beyond the toy run's. The quick suite keeps one such run: chapter 2 across two workers
(test_scaleout.py).
"""

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from kerasbook.chapters import registry
from test_scaleout import free_ports, run_together

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent

SCRIPT = textwrap.dedent('''
    """toy.py CPUS CHAPTER OUT [FLAGS ...]: the chapter's toy run (as its test file defines it), with FLAGS."""
    import sys

    cpus, name, out, flags = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
    import kerasbook  # noqa: F401 - a quiet start
    import tensorflow as tf

    if cpus > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * cpus)
    from kerasbook.testing import run_toy, toy_run_of

    chapter, tiny, argv, cache = toy_run_of(name)
    code, _ = run_toy(chapter, tiny, [*argv, *flags], out, cache=out + "-cache" if cache else None)
    sys.exit(code)
''')


def command(tmp_path, cpus, name, out, *flags):
    script = tmp_path / "toy.py"
    script.write_text(SCRIPT)
    return [sys.executable, str(script), str(cpus), name, str(out), *flags]


def env(tmp_path, label, **extra):
    path = os.pathsep.join(filter(None, [str(ROOT), str(TESTS), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "KERASBOOK_CACHE": str(tmp_path / f"cache-{label}"),
            "CUDA_VISIBLE_DEVICES": "-1", **extra}


# Chapters that stop at once under `mirrored`, with one line saying why (see their `validate`).
REFUSE_MIRRORED = {"ch13_transformer": "cannot pre-train the BERT part", "ch14_gan": "cannot train this chapter's GANs"}


@pytest.mark.parametrize("name", sorted(registry().values()))
def test_every_chapter_trains_under_mirrored_on_two_cpus(name, tmp_path):
    out = tmp_path / "run"
    codes, output = run_together([(command(tmp_path, 2, name, out, "--strategy", "mirrored"), env(tmp_path, "m"),
                                   tmp_path / "run.log")], timeout=1200)
    if name in REFUSE_MIRRORED:
        assert codes == [2] and "Traceback" not in output[0], output[0][-4000:]
        assert f"error: --strategy mirrored {REFUSE_MIRRORED[name]}" in output[0].strip().splitlines()[-1]
        assert not out.exists()
        return
    assert codes == [0], output[0][-4000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["strategy"] == "mirrored" and metrics["replicas"] == 2
    assert "strategy: mirrored (2 replica(s))" in output[0]


@pytest.mark.parametrize("name", ["ch10_autoencoder", "ch14_gan"])
def test_a_chapter_with_its_own_train_step_trains_across_two_workers(name, tmp_path):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    commands = [(command(tmp_path, 1, name, tmp_path / f"out-{i}", "--strategy", "multiworker"),
                 env(tmp_path, f"w{i}", TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})),
                 tmp_path / f"worker{i}.log") for i in range(2)]
    codes, output = run_together(commands, timeout=1800)
    assert codes == [0, 0], "\n\n".join(o[-3000:] for o in output)
    metrics = json.loads((tmp_path / "out-0" / "metrics.json").read_text())
    assert metrics["strategy"] == "multiworker" and metrics["workers"] == 2 and metrics["replicas"] == 2
    assert not (tmp_path / "out-1").exists()                     # only the chief writes
