"""Scale-out at toy size: chapter 2 on two replicas, in one process and across two worker processes.

TensorFlow fixes its devices and its cluster when it starts, so each run is a
fresh Python process running `TOY` below: chapter 2 with a tiny `Config`,
optionally on two logical CPU devices, optionally saving the weights each
`training.fit` ends with to a file outside the run folder.
"""

import csv
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from kerasbook import cli
from kerasbook.testing import usage_error

ROOT = Path(__file__).resolve().parents[1]

TOY = textwrap.dedent('''
    """Chapter 2 at toy size: toy.py [--cpus N] [--weights FILE] -- CHAPTER ARGS..."""
    import argparse
    import dataclasses
    import sys

    split = sys.argv.index("--")
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpus", type=int, default=1)
    parser.add_argument("--weights")
    opts, chapter_args = parser.parse_args(sys.argv[1:split]), sys.argv[split + 1:]

    import tensorflow as tf

    if opts.cpus > 1:
        # Before TensorFlow initialises: split the CPU into logical devices, one replica each.
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * opts.cpus)

    import numpy as np

    from kerasbook import training
    from kerasbook.chapters import ch02_ann as ch

    @dataclasses.dataclass(frozen=True)
    class Toy(ch.Config):
        sine_steps: int = 100
        housing_train_size: int = 200
        housing_val_size: int = 40
        housing_test_size: int = 40
        housing_epochs: int = 3
        housing_batch_size: int = 50
        housing_units: tuple = (16,)
        housing_learning_rate: float = 3e-2
        epochs: int = 3
        batch_size: int = 64
        hidden_units: int = 16
        learning_rate: float = 3e-3

    ch.Config = Toy
    weights, fit = {}, training.fit

    def fit_and_keep_weights(model, *args, **kwargs):
        best, history = fit(model, *args, **kwargs)
        n = len(weights) // 2
        weights[f"fit{n}_final"] = model.get_weights()      # this worker's copy after the last step
        weights[f"fit{n}_saved"] = best.get_weights()       # what it saved: fit reloads out/model.keras
        return best, history

    training.fit = fit_and_keep_weights
    code = ch.main(chapter_args)
    if opts.weights:
        np.savez(opts.weights, **{f"{k}_{i}": w for k, ws in weights.items() for i, w in enumerate(ws)})
    sys.exit(code)
''')

# ch02's two models: the house-price MLP (housing/) and the digit classifier (the run folder itself).
HISTORIES = ("housing/history.csv", "history.csv")
CHIEF_WRITES = {"model.keras", "metrics.json", "history.csv", "housing/model.keras", "housing/history.csv",
                *(f"figures/{f}.png" for f in ("sine_fit", "sine_loss", "housing_fit", "housing_curves", "curves",
                                               "predictions", "confusion"))}


def chapter_args(out, strategy, *xla):
    return ["--", "--strategy", strategy, "--out", str(out), "--train-size", "320", *xla, "--quiet", "--seed", "3"]


def toy_command(tmp_path, *args):
    script = tmp_path / "toy.py"
    script.write_text(TOY)
    return [sys.executable, str(script), *map(str, args)]


def toy_env(tmp_path, name, **extra):
    cache = tmp_path / f"cache-{name}"          # one cache per process, as each machine has its own
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "KERASBOOK_CACHE": str(cache), "CUDA_VISIBLE_DEVICES": "-1", "TF_CPP_MIN_LOG_LEVEL": "2", **extra}


def epoch_losses(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return np.array([[float(r["loss"]), float(r["val_loss"])] for r in rows])


def free_ports(n):
    """`n` distinct ports the system has just given out (bound to port 0, then released)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@pytest.mark.parametrize("tf_config, words", [
    ('{"cluster": {"worker": ["127.0.0.1:1"]}}', 'needs a "cluster" and a "task"'),
    ('{"cluster": {"worker": "127.0.0.1:1"}, "task": {"type": "worker", "index": 0}}', "list of"),
    ('{"cluster": {"worker": ["127.0.0.1"]}, "task": {"type": "worker", "index": 0}}', '"host:port"'),
    ('{"cluster": {"worker": ["a:1"], "ps": ["b:2"]}, "task": {"type": "worker", "index": 0}}', "ps tasks"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}', "task index 2"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "chief", "index": 0}}', "task type 'chief'"),
    ('[1, 2]', 'needs a "cluster" and a "task"'),
])
def test_a_broken_tf_config_is_one_line_and_exit_2(tf_config, words, capsys, monkeypatch, tmp_path):
    from kerasbook.chapters import ch02_ann

    monkeypatch.setenv("TF_CONFIG", tf_config)
    monkeypatch.chdir(tmp_path)
    err = usage_error(ch02_ann.main, ["--strategy", "multiworker"], capsys)
    assert words in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_the_chief_is_the_chief_task_or_else_worker_0():
    def role(cluster, kind, index):
        return cli.cluster_role({"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": kind, "index": index}})})

    workers = {"worker": ["a:1", "b:2"]}
    assert role(workers, "worker", 0) == cli.ClusterRole("worker", 0, 2, True)
    assert role(workers, "worker", 1).chief is False
    with_chief = {"chief": ["c:3"], **workers}
    assert role(with_chief, "chief", 0) == cli.ClusterRole("chief", 0, 3, True)
    assert not role(with_chief, "worker", 0).chief and not role(with_chief, "worker", 1).chief


def run_together(commands, timeout=240):
    """Run `(argv, env, log path)` commands at once; return their exit codes and output.

    We stop at the first failure (a worker that fails leaves its peers
    waiting) or at `timeout` seconds, and kill and reap whatever still runs.
    """
    procs, logs = [], []
    try:
        for argv, env, log in commands:
            logs.append(open(log, "w"))
            procs.append(subprocess.Popen(argv, cwd=log.parent, env=env, stdout=logs[-1], stderr=subprocess.STDOUT))
        deadline = time.monotonic() + timeout
        while any(p.poll() is None for p in procs):
            if any(p.returncode not in (None, 0) for p in procs) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        for log in logs:
            log.close()
    return [p.returncode for p in procs], [Path(log.name).read_text() for log in logs]


@pytest.mark.slow          # the quick suite keeps the two-worker run below
def test_mirrored_on_two_cpus_matches_one_device(tmp_path):
    """Two replicas of the same global batch of 64 follow one device's losses within rounding.

    The one-device run is `--strategy mirrored` on a single CPU device: under
    any strategy Keras reads one batch before training (to build the model),
    which starts a reshuffling pipeline one shuffle later than `--strategy
    default` does, so that run would see the examples in another order.

    Not bit for bit: on one device the loss of a batch is a mean over 64
    examples and its gradient one sum; on two replicas each averages its 32,
    scales by 1/2, and the all-reduce adds the two halves' gradients. The same
    numbers are added in another order, so float32 rounding differs in the
    last bits (about 1e-7 of the loss here, after 3 epochs) and would grow a
    little with every further update. RTOL leaves a hundred times that; a
    wrong split of the batch or a wrong loss scale moves the losses by 1e-2
    or more.
    """
    rtol = 1e-5
    runs = {1: tmp_path / "one-device", 2: tmp_path / "two-replicas"}
    codes, output = run_together([
        (toy_command(tmp_path, "--cpus", cpus, *chapter_args(out, "mirrored", "--xla", "off")),
         toy_env(tmp_path, f"cpus{cpus}"), tmp_path / f"cpus{cpus}.log") for cpus, out in runs.items()])
    assert codes == [0, 0], "\n\n".join(o[-3000:] for o in output)
    metrics = {cpus: json.loads((out / "metrics.json").read_text()) for cpus, out in runs.items()}
    assert [metrics[c]["replicas"] for c in runs] == [1, 2]
    assert "strategy: mirrored (2 replica(s))" in output[1]
    for history in HISTORIES:
        one, two = (epoch_losses(out / history) for out in runs.values())
        assert one.shape == two.shape == (3, 2)
        assert one[-1, 0] < 0.8 * one[0, 0]                              # it learned something to compare
        np.testing.assert_allclose(two, one, rtol=rtol, err_msg=history)


def test_multiworker_two_processes_train_in_lockstep_and_only_the_chief_writes(tmp_path):
    """Worker 0 (the chief) and worker 1 on 127.0.0.1 train chapter 2 together.

    Each is told a different --out so that a write by worker 1 would show;
    worker 1's scratch folder lives under its own TMPDIR, which must be empty
    again when it exits. Each process also keeps, outside the run folders, the
    weights its model holds after each fit and those of the model.keras it
    saved (the chief's is the run's artifact, worker 1's its scratch copy).
    Synchronous training applies one all-reduced update to the same weights
    on both workers at every step, so they must be equal bit for bit. No
    `--xla` flag is given: `auto` must know that XLA cannot compile the
    workers' all-reduce on CPUs and train without it.
    """
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    commands = []
    for i in range(2):
        (tmp_path / f"tmp-{i}").mkdir()
        env = toy_env(tmp_path, f"worker{i}", TMPDIR=str(tmp_path / f"tmp-{i}"),
                      TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}))
        argv = toy_command(tmp_path, "--weights", tmp_path / f"weights-{i}.npz",
                           *chapter_args(tmp_path / f"out-{i}", "multiworker"))
        commands.append((argv, env, tmp_path / f"worker{i}.log"))
    codes, output = run_together(commands)
    assert codes == [0, 0], "\n\n".join(o[-3000:] for o in output)

    chief, worker = tmp_path / "out-0", tmp_path / "out-1"
    assert {str(p.relative_to(chief)) for p in chief.rglob("*") if p.is_file()} == CHIEF_WRITES
    assert not worker.exists()
    assert "the chief writes the run's artifacts" in output[1]
    assert all("XLA: off (--xla auto: off under --strategy multiworker" in o for o in output)
    assert list((tmp_path / "tmp-1").iterdir()) == []                 # its scratch copies are gone
    metrics = json.loads((chief / "metrics.json").read_text())
    assert metrics["strategy"] == "multiworker" and metrics["workers"] == 2 and metrics["replicas"] == 2

    chiefs, workers = (np.load(tmp_path / f"weights-{i}.npz") for i in range(2))
    assert sorted(chiefs.files) == sorted(workers.files)
    assert {n.rsplit("_", 1)[0] for n in chiefs.files} == {"fit0_final", "fit0_saved", "fit1_final", "fit1_saved"}
    for name in chiefs.files:
        np.testing.assert_array_equal(chiefs[name], workers[name], err_msg=name)
