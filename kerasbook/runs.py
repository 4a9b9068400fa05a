"""The start and the end every chapter's training shares.

A chapter's `_train(argv)` begins with `setup(...)`, which

1. parses the common flags (plus any the chapter adds),
2. chooses the data source of each of the chapter's datasets (`--data`,
   `--data-dir`), printing a notice when `auto` falls back to builtin,
3. applies the quick preset and the flags to the chapter's `Config`, and
   checks that the training set can fill one batch,
4. settles the output folder (refusing to write over an earlier run),
5. seeds everything, picks the `tf.distribute` strategy and the XLA mode,
   prints one line saying which, and enters the strategy's scope until the
   command returns (`cli.hold`), so every model the chapter builds belongs
   to the run's strategy;

and ends with `Run.finish(...)`, which writes the `metrics.json` envelope every
chapter shares: dataset sizes, config, seconds (with the total from the first
line), what `fit` did, the final numbers and the environment. Bad input stops
in steps 1-5 with one line and exit code 2, before anything is written.

Under `--strategy multiworker` every worker runs the whole chapter (they train
in lockstep), but only the chief writes to `--out`. Every other worker's
`run.out` is a temporary folder that is removed when the process exits: the
worker still saves its checkpoints and figures, as the chief does, so that
any collective step hidden in saving runs on every worker, and no two workers
ever write the same file.

TensorFlow is imported only in step 5, so a mistyped flag is answered at once.
"""

from __future__ import annotations

import argparse
import atexit
import dataclasses
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from kerasbook import cli
from kerasbook.data import DatasetSpec, choose_source
from kerasbook import xla


@dataclass
class Run:
    """One chapter run: its flags, config, data sources, output folder and XLA decision."""

    chapter: str
    args: argparse.Namespace
    cfg: Any
    sources: dict[str, str]                  # dataset name -> "builtin" | "full"
    out: Path
    started: float                           # time.perf_counter() at the first line
    strategy: Any = None
    jit: bool = False
    why: str = ""
    notices: list[str] = field(default_factory=list)
    role: cli.ClusterRole | None = None      # this process's task under --strategy multiworker

    @property
    def source(self) -> str:
        """The data source, for a chapter with one dataset."""
        (only,) = self.sources.values()
        return only

    @property
    def seed(self) -> int:
        return self.args.seed

    def verbose(self, loud: int = 1) -> int:
        """The `verbose` for `fit`: 0 under `--quiet`, else `loud`."""
        return 0 if self.args.quiet else loud

    def run_info(self):
        """A fresh `training.RunInfo` for one `training.fit` of this run."""
        from kerasbook import training

        return training.RunInfo(jit_compile=self.jit, xla_reason=self.why, strategy=self.args.strategy,
                                device=xla.device_kind(), replicas=self.strategy.num_replicas_in_sync,
                                workers=self.role.workers if self.role else 1)

    def require_batch(self, n: int, what: str = "training examples"):
        """Stop with a usage error when the loaded training set cannot fill one batch."""
        if n < self.cfg.batch_size:
            raise cli.UsageError(f"only {n} {what}; lower --batch-size below that")

    def dataset_entry(self, train: int, validation: int, test: int, name: str | None = None, **extra) -> dict:
        """The `dataset` entry of metrics.json: name, source and split sizes."""
        name = name or next(iter(self.sources))
        source = self.sources.get(name, self.source if len(self.sources) == 1 else None)
        return {"name": name, "source": source, "train": train, "validation": validation, "test": test, **extra}

    def finish(self, *, dataset: dict, final: dict, seconds: dict, info=None, **extra) -> dict:
        """Write metrics.json with the shared envelope around the chapter's own numbers; return it.

        `seconds` gets `total`: from the first line of the run to now, so it
        includes any XLA measurement, data preparation, training, evaluation
        and figures (not Python's start-up).
        """
        from kerasbook import training

        metrics = {
            "chapter": self.chapter,
            "dataset": dataset,
            "config": dataclasses.asdict(self.cfg),
            "epochs": getattr(self.cfg, "epochs", None),
            "seconds": {**seconds, "total": time.perf_counter() - self.started},
            **(training.run_info_dict(info) if info is not None else {}),
            "final": final,
            **extra,
            "environment": training.environment(),
        }
        training.write_metrics(self.out, metrics)
        return metrics


def setup(argv, *, chapter: str, prog: str, description: str, config, specs: tuple[DatasetSpec, ...],
          measure: Callable[[Run], dict] | None = None, add_arguments: Callable | None = None,
          validate: Callable | None = None, data_dir_hint: str | None = None,
          data_path: Callable | None = None) -> Run:
    """Parse, check and start a chapter run; see the module docstring.

    Args:
        argv: the command line after the program name.
        chapter: e.g. `"ch07_crnn"`, the key of XLA decisions and the default folder name.
        prog: the program name `--help` and errors show.
        description: the first line of `--help`.
        config: the chapter's default `Config`, or `config(sources)` returning it
            when the defaults depend on the data source.
        specs: the chapter's registered datasets.
        measure: `measure(run)` returns what `xla.time_train_steps` returns
            for `run.cfg`; called only when `--xla auto` has no recorded decision here.
        add_arguments: `add_arguments(parser)` adds the chapter's own flags.
        validate: `validate(args, cfg, sources)` raises `cli.UsageError` for
            chapter-specific bad input.
        data_dir_hint: when given, `--data-dir` must be a folder, and the error
            says what it should hold.
        data_path: `data_path(args)` is where the full data was given, for a
            chapter with flags of its own for it (default: `--data-dir`); giving
            it implies `--data full`.
    """
    started = time.perf_counter()
    parser = cli.common_parser(prog, description)
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    if args.data_dir and data_dir_hint and not Path(args.data_dir).is_dir():
        raise cli.UsageError(f"--data-dir {args.data_dir} is not a folder; {data_dir_hint}")
    given = data_path(args) if data_path else args.data_dir
    mode = args.data or ("full" if given else "builtin")
    sources, notices = {}, []
    for spec in specs:
        sources[spec.name], notice = choose_source(spec, mode, given)
        if notice:
            notices.append(notice)
    base = config(sources) if callable(config) else config
    cfg = cli.apply_overrides(base, args)
    train_size = getattr(cfg, "train_size", None)
    if train_size is not None and train_size < cfg.batch_size:
        raise cli.UsageError(f"--train-size {train_size} is smaller than --batch-size {cfg.batch_size}; "
                             "raise it or lower the batch size")
    if validate is not None:
        validate(args, cfg, sources)
    role = cli.cluster_role() if args.strategy == "multiworker" else None
    if role is None or role.chief:
        out = cli.output_dir(chapter, args.out, args.overwrite)
    else:
        out = worker_scratch(chapter, role)
        notices.append(f"{role}: the chief writes the run's artifacts; this worker's copies go to {out}, "
                       "removed at exit")
    for notice in notices:
        print(notice)
    run = Run(chapter=chapter, args=args, cfg=cfg, sources=sources, out=out, started=started, notices=notices,
              role=role)

    from kerasbook import training

    run.strategy, run.jit, run.why = training.start_run(args, chapter, (lambda: measure(run)) if measure else None)
    # Every model of the run is built in its strategy's scope, whichever function of the chapter builds it.
    cli.hold(run.strategy.scope())
    return run


def worker_scratch(chapter: str, role: cli.ClusterRole) -> Path:
    """A temporary output folder for a worker that is not the chief, removed when the process exits."""
    path = Path(tempfile.mkdtemp(prefix=f"kerasbook-{chapter}-{role.task_type}{role.index}-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
