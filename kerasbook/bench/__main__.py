"""Benchmarks: `python -m kerasbook.bench CHAPTER [--steps N] [--quick] [--ship] [--bar] [--out FILE]`.

`python -m kerasbook.bench all [--quick] [--ship] [--only ch03,ch07]` times only
the XLA on/off training steps of every chapter and prints them as one table
(see `kerasbook.bench.xla_report`).

Each benchmarked chapter has a module `kerasbook/bench/chNN.py` with
`CHAPTER_MODULE`, `BAR` (the chapter's quality bar), `run(steps, quick, ship)`
returning a JSON-able report, `rows(report)` for the printed table, and
`step_times(steps, quick, cfg=None)`, the training steps that carry an XLA
decision (at the default `Config()`, or at `cfg`: a notebook times its own). Every
report includes the training step time with XLA on and off on this machine,
and the mode `--xla auto` will therefore use (recorded in the user's cache,
so runs on this device follow the measurement; `--ship` also records it in
the table shipped with the package).

With `--bar` the benchmark also runs the chapter's default training from an
empty data cache (so data generation counts) and checks the chapter's bar.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kerasbook import cli
from kerasbook.chapters import resolve
from kerasbook.bench import common, xla_report
from kerasbook.bench.ch07 import bench_ctc  # noqa: F401 - kept importable from here


def print_table(rows):
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


def _chapter(name: str, names) -> str:
    """The benchmark's key (`"ch07"`) for a chapter written as `ch07`, `7` or `ch07_crnn`."""
    return resolve(name, {key: key for key in names}, what="benchmark for")


def _all(args, names):
    if args.bar or args.bar_out:
        raise cli.UsageError("--bar runs one chapter's training; name the chapter")
    chapters = sorted({_chapter(n, names) for n in args.only.split(",") if n.strip()}) if args.only else names
    if not chapters:
        raise cli.UsageError("--only names no chapter")
    steps = args.steps or (xla_report.QUICK_STEPS if args.quick else 20)
    report = xla_report.run_all(chapters, steps, args.quick, ship=args.ship)
    out = Path(args.out or "runs/bench-all.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(xla_report.table(report["rows"]))
    print(f"{len(report['rows'])} rows in {report['wall_s'] / 60:.1f} min; wrote {out}")
    if report["failed"]:
        print(f"failed: {', '.join(report['failed'])}", file=sys.stderr)
    return 1 if report["failed"] else 0


def _main(argv):
    names = sorted(common.chapters())
    p = cli.OneLineParser(prog="python -m kerasbook.bench", description="Measure a chapter's speed.")
    p.add_argument("chapter", help=f"all, or one of: {', '.join(names)}")
    p.add_argument("--steps", type=cli.positive_int,
                   help=f"timed training steps per mode (default 20; all --quick: {xla_report.QUICK_STEPS})")
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    p.add_argument("--ship", action="store_true",
                   help="also record the XLA decision in the table shipped with the package")
    p.add_argument("--bar", action="store_true", help="also run the default training and check the quality bar")
    p.add_argument("--bar-out", help="keep the --bar run's output (model, metrics, figures) in this folder")
    p.add_argument("--only", help="with all: these chapters only, comma-separated (ch03,ch07)")
    p.add_argument("--out", help="JSON file to write (default runs/bench-CHAPTER.json)")
    args = p.parse_args(argv)
    if args.chapter == "all":
        return _all(args, names)
    if args.only:
        raise cli.UsageError("--only goes with all")
    chapter = _chapter(args.chapter, names)
    bench = common.load(chapter)
    report = bench.run(args.steps or 20, args.quick, ship=args.ship)
    rows = bench.rows(report)
    if args.bar:
        print("running the default training from an empty cache to check the quality bar ...", flush=True)
        report["bar"] = common.run_bar(bench, keep=args.bar_out)
        rows.append(common.bar_row(report["bar"]))
    out = Path(args.out or f"runs/bench-{chapter}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print_table(rows)
    print(f"wrote {out}")
    return 1 if "bar" in report and not report["bar"]["passed"] else 0


def main(argv=None):
    return cli.run_main(_main, list(sys.argv[1:] if argv is None else argv), "python -m kerasbook.bench")


if __name__ == "__main__":
    sys.exit(main())
