"""The command line every chapter shares.

Each chapter has a `Config` dataclass with its defaults and a quick preset; the
common flags below override its fields. Bad values stop the run before
anything is written, with one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

XLA_CHOICES = ("auto", "on", "off")
DATA_CHOICES = ("builtin", "full", "auto")
STRATEGY_CHOICES = ("default", "mirrored", "multiworker")


class UsageError(Exception):
    """Bad input from the person running a command: reported in one line, exit 2."""


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose errors are a single line (and exit 2)."""

    def error(self, message):
        raise UsageError(f"{message} (see --help)")


def positive_int(text):
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def whole_number(text):
    """argparse type: a whole number."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def common_parser(prog: str, description: str) -> OneLineParser:
    """A parser with the flags every chapter accepts."""
    p = OneLineParser(prog=prog, description=description)
    p.add_argument("--epochs", type=positive_int, help="training epochs (default: the chapter's)")
    p.add_argument("--batch-size", type=positive_int, help="examples per training step")
    p.add_argument("--train-size", type=positive_int, help="number of training examples to use or generate")
    p.add_argument("--quick", action="store_true", help="a preset that finishes in a few minutes on a laptop CPU")
    p.add_argument("--data", choices=DATA_CHOICES,
                   help="builtin (the default): data the book builds; full: the course's dataset; "
                        "auto: full if cached or downloadable, else builtin (--data-dir alone implies full)")
    p.add_argument("--data-dir", help="where the full dataset lives (for chapters whose data you provide)")
    p.add_argument("--xla", choices=XLA_CHOICES, default="auto",
                   help="compile training with XLA: on, off, or auto (the mode measured faster on this device)")
    p.add_argument("--seed", type=whole_number, default=0, help="seed for data generation, initialisation and shuffling")
    p.add_argument("--out", help="output folder (default: runs/CHAPTER-TIMESTAMP)")
    p.add_argument("--overwrite", action="store_true", help="allow --out to point at a folder that already holds a run")
    p.add_argument("--strategy", choices=STRATEGY_CHOICES, default="default",
                   help="tf.distribute strategy: default (one device), mirrored (all local devices), "
                        "multiworker (a cluster described by TF_CONFIG)")
    p.add_argument("--quiet", action="store_true", help="no progress bars, only the summary")
    return p


def apply_overrides(config, args, fields=("epochs", "batch_size", "train_size")):
    """A copy of `config` (quick preset first, if asked) with the flags that were given."""
    if args.quick:
        config = config.quick()
    changes = {f: getattr(args, f) for f in fields if getattr(args, f, None) is not None}
    return dataclasses.replace(config, **changes)


def output_dir(chapter: str, out: str | None, overwrite: bool) -> Path:
    """The run's output folder; refuses to write over an earlier run."""
    path = Path(out) if out else Path("runs") / f"{chapter}-{time.strftime('%Y%m%d-%H%M%S')}"
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path} is a file; give a folder")
    if path.is_dir() and not overwrite and any((path / n).exists() for n in ("model.keras", "metrics.json")):
        raise UsageError(f"--out {path} already holds a run; choose another folder or add --overwrite")
    return path


@dataclass(frozen=True)
class ClusterRole:
    """This process's place in a `TF_CONFIG` cluster: its task and whether it is the chief."""

    task_type: str          # "chief" or "worker"
    index: int
    workers: int            # tasks in the cluster, the chief included
    chief: bool             # the one task that writes the run's artifacts

    def __str__(self):
        return f"{self.task_type} {self.index}"


TF_CONFIG_EXAMPLE = '{"cluster": {"worker": ["host1:2222", "host2:2222"]}, "task": {"type": "worker", "index": 0}}'


def cluster_role(environ=None) -> ClusterRole:
    """Read and check `TF_CONFIG` for `--strategy multiworker`; a usage error names what is wrong.

    The chief is the `chief` task, or worker 0 when the cluster has no `chief`
    entry, as `tf.distribute` counts it.
    """
    environ = os.environ if environ is None else environ
    text = environ.get("TF_CONFIG")
    if not text:
        raise UsageError("--strategy multiworker needs the TF_CONFIG environment variable describing the cluster, "
                         f"e.g. {TF_CONFIG_EXAMPLE}")
    try:
        config = json.loads(text)
    except ValueError:
        raise UsageError(f"TF_CONFIG is not valid JSON; set it to the cluster spec, e.g. {TF_CONFIG_EXAMPLE}") from None
    cluster = config.get("cluster") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if not isinstance(cluster, dict) or not isinstance(task, dict):
        raise UsageError(f"TF_CONFIG needs a \"cluster\" and a \"task\" object, e.g. {TF_CONFIG_EXAMPLE}")
    unknown = sorted(set(cluster) - {"chief", "worker"})
    if unknown:
        raise UsageError(f"TF_CONFIG's cluster has {', '.join(unknown)} tasks; --strategy multiworker uses only "
                         "\"chief\" and \"worker\"")
    for kind, addresses in cluster.items():
        if (not isinstance(addresses, list) or not addresses
                or not all(isinstance(a, str) and a.rpartition(":")[2].isdigit() for a in addresses)):
            raise UsageError(f"TF_CONFIG's cluster {kind!r} must be a list of \"host:port\" addresses")
    if len(cluster.get("chief", [])) > 1:
        raise UsageError("TF_CONFIG's cluster has more than one chief")
    kind, index = task.get("type"), task.get("index")
    if kind not in cluster:
        raise UsageError(f"TF_CONFIG's task type {kind!r} is not in its cluster ({', '.join(sorted(cluster))})")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(cluster[kind]):
        raise UsageError(f"TF_CONFIG's task index {index!r} is not one of the {len(cluster[kind])} {kind} "
                         f"address(es) (0 to {len(cluster[kind]) - 1})")
    chief = kind == "chief" or ("chief" not in cluster and index == 0)
    return ClusterRole(kind, index, sum(len(a) for a in cluster.values()), chief)


def require_model_and_images(model: str, images, train_command: str):
    """The checks every `predict` command starts with: the model file and every image exist."""
    if not Path(model).is_file():
        raise UsageError(f"--model {model} does not exist; train first with `{train_command}` and pass RUN/model.keras")
    missing = [p for p in images if not Path(p).is_file()]
    if missing:
        raise UsageError(f"image file not found: {missing[0]}")


def train_or_predict(argv, train, predict, prog, command: str = "predict"):
    """`main` of a chapter with a predicting subcommand: `[train] ARGS` trains, `COMMAND ARGS` predicts.

    `command` is the subcommand's name (`predict`, or a chapter's own word such as `colorize`).
    """
    argv = list(argv)
    if argv and argv[0] == command:
        return run_main(predict, argv[1:], f"{prog} {command}")
    if argv and argv[0] == "train":
        argv = argv[1:]
    return run_main(train, argv, prog)


def chapter_main(argv, train, prog, **commands):
    """What a chapter's `main(argv=None)` returns: its run, or the subcommand `argv` starts with.

    `argv` is the command line after the program name (`sys.argv[1:]` when None). Without `commands`,
    all of it goes to `train`. With them (`predict=_predict`, `translate=...`), `NAME ARGS` runs
    `commands[NAME](ARGS)` as `PROG NAME`, and `[train] ARGS` trains (see `train_or_predict`).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not commands:
        return run_main(train, argv, prog)
    name = argv[0] if argv and argv[0] in commands else next(iter(commands))
    return train_or_predict(argv, train, commands[name], prog, command=name)


_HELD: list = []       # contexts a command keeps open until it returns (see `hold`)


def hold(context):
    """Enter `context` until the command `run_main` is running returns; returns what it enters to.

    `runs.setup` holds the run's `tf.distribute` strategy scope this way, so that every model a
    chapter builds, in whatever function, belongs to the run's strategy.
    """
    value = context.__enter__()
    _HELD.append(context)
    return value


def run_main(fn, argv, prog):
    """Call `fn(argv)`; a `UsageError` becomes one line on stderr and exit code 2.

    Contexts `hold` entered during the call are left when it returns or fails, last first.
    """
    depth = len(_HELD)
    try:
        return fn(argv)
    except UsageError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    except FloatingPointError as err:
        print(f"{prog}: training stopped: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        while len(_HELD) > depth:
            _HELD.pop().__exit__(None, None, None)
