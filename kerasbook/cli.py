"""The command line every chapter shares.

Each chapter has a `Config` dataclass with its defaults and a quick preset; the
common flags below override its fields. Bad values stop the run before
anything is written, with one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
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


def require_model_and_images(model: str, images, train_command: str):
    """The checks every `predict` command starts with: the model file and every image exist."""
    if not Path(model).is_file():
        raise UsageError(f"--model {model} does not exist; train first with `{train_command}` and pass RUN/model.keras")
    missing = [p for p in images if not Path(p).is_file()]
    if missing:
        raise UsageError(f"image file not found: {missing[0]}")


def load_model(path: str, chapter: str):
    """`keras.models.load_model(path)`, or a usage error naming the chapter whose run should have written it."""
    import keras

    try:
        return keras.models.load_model(path)
    except Exception as err:  # noqa: BLE001 - any load failure is the same bad input
        raise UsageError(f"cannot load {path} as a Keras model ({err.__class__.__name__}); pass a model.keras "
                         f"from a {chapter} run") from None


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


def run_main(fn, argv, prog):
    """Call `fn(argv)`; a `UsageError` becomes one line on stderr and exit code 2."""
    try:
        return fn(argv)
    except UsageError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    except FloatingPointError as err:
        print(f"{prog}: training stopped: {err}", file=sys.stderr)
        raise SystemExit(1) from None
