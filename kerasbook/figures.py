"""Redraw the figures the chapter pages show: `python -m kerasbook.figures [CHAPTER ...]`.

For each chapter (all of them when none is named) this

1. runs the chapter as a user would, `python -m kerasbook.chapters.chNN_name
   --quick` (or its default run with `--preset default`), in a temporary
   folder, and copies the PNGs it wrote to `chapters/chNN_name/`;
2. draws the chapter's model architecture(s) with `keras.utils.plot_model`
   from the real models (`diagram_models()` in the chapter module), unless
   graphviz is missing, in which case it says so and goes on;
3. writes `chapters/chNN_name/figures.json`: the command, preset, date,
   device, wall time and final metrics of the run, which the site prints
   under every figure it drew (`kerasbook.site.mkdocs_hook`).

`--diagrams-only` redraws the architecture diagrams and keeps the run record;
`--from-run DIR` takes the figures of a run already made (say, a default run
you just timed) instead of running the chapter again.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kerasbook import cli
from kerasbook.chapters import registry, resolve

PROG = "python -m kerasbook.figures"
MAX_DIAGRAM_BYTES = 250_000
ROOT = Path(__file__).resolve().parents[1]


class RunFailed(Exception):
    """A chapter run that drew the figures failed."""


def graphviz_missing() -> str | None:
    """Why `plot_model` cannot draw here, or `None` when it can."""
    try:
        import pydot  # noqa: F401
    except ImportError:
        return "pydot is not installed (pip install pydot)"
    if shutil.which("dot") is None:
        return "graphviz's `dot` is not on PATH (Debian: apt-get install graphviz)"
    return None


def draw_diagrams(module_name: str, dest: Path, dpi: int = 64) -> dict[str, str]:
    """`plot_model` PNGs of the chapter's `diagram_models()`; `{file name: what it shows}`."""
    import keras

    module = importlib.import_module(f"kerasbook.chapters.{module_name}")
    if not hasattr(module, "diagram_models"):
        print(f"note: {module_name} has no diagram_models(); no architecture diagram drawn")
        return {}
    drawn = {}
    for name, model in module.diagram_models().items():
        file = f"model_{name}.png"
        # Deep models make tall pictures: lower the resolution until the PNG is small
        # enough to commit and to load quickly on the page.
        for scale in (1.0, 0.7, 0.5, 0.35):
            keras.utils.plot_model(model, to_file=str(dest / file), show_shapes=True, show_layer_names=True,
                                   dpi=max(24, int(dpi * scale)), expand_nested=False)
            if (dest / file).stat().st_size <= MAX_DIAGRAM_BYTES:
                break
        drawn[file] = f"{module_name}.diagram_models()['{name}']"
        print(f"  drew {dest / file}")
    return drawn


def run_chapter(module_name: str, preset: str, quiet: bool) -> tuple[dict, list[Path], float, str]:
    """Run the chapter in a temporary folder; `(metrics, pngs, wall_s, command)`."""
    args = ["--quick"] if preset == "quick" else []
    command = " ".join(["python -m", f"kerasbook.chapters.{module_name}", *args])
    tmp = Path(tempfile.mkdtemp(prefix=f"kerasbook-figures-{module_name}-"))
    out = tmp / "run"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", f"kerasbook.chapters.{module_name}", *args, "--out", str(out),
                           *(["--quiet"] if quiet else [])], env=os.environ.copy(), check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RunFailed(f"`{command}` exited with {proc.returncode}; its output is above, and "
                        f"no figure in chapters/{module_name}/ was changed")
    metrics = json.loads((out / "metrics.json").read_text())
    return metrics, sorted((out / "figures").glob("*.png")), wall, command


def from_run(module_name: str, preset: str, folder: Path) -> tuple[dict, list[Path], float, str]:
    """Take the figures of a run made earlier with the chapter's `preset`; same result as `run_chapter`."""
    try:
        metrics = json.loads((folder / "metrics.json").read_text())
    except (OSError, ValueError) as err:
        raise cli.UsageError(f"--from-run {folder}: no readable metrics.json ({err.__class__.__name__}); "
                             "point it at a chapter's output folder") from None
    if metrics.get("chapter") != module_name:
        raise cli.UsageError(f"--from-run {folder} is a run of {metrics.get('chapter')!r}, not {module_name}")
    args = ["--quick"] if preset == "quick" else []
    wall = (metrics.get("seconds") or {}).get("total", 0.0)
    return metrics, sorted((folder / "figures").glob("*.png")), wall, " ".join(
        ["python -m", f"kerasbook.chapters.{module_name}", *args])


def make_figures(module_name: str, preset: str = "quick", diagrams: bool = True, run: bool = True,
                 docs: Path | None = None, quiet: bool = False, run_dir: Path | None = None) -> Path:
    """Redraw one chapter's figures into `docs/module_name/`; returns the record's path."""
    dest = (docs or ROOT / "chapters") / module_name
    dest.mkdir(parents=True, exist_ok=True)
    record_path = dest / "figures.json"
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    if run:
        if run_dir is None:
            print(f"{module_name}: running the {preset} preset ...", flush=True)
            metrics, pngs, wall, command = run_chapter(module_name, preset, quiet)
        else:
            metrics, pngs, wall, command = from_run(module_name, preset, run_dir)
        for png in pngs:
            shutil.copy2(png, dest / png.name)
        record.update({
            "command": command, "preset": preset, "date": dt.date.today().isoformat(),
            "device": metrics.get("device") or "cpu", "wall_s": round(wall, 1),
            "final": metrics.get("final", {}), "figures": [p.name for p in pngs],
        })
        print(f"  copied {len(pngs)} figures to {dest}")
    if diagrams:
        why = graphviz_missing()
        if why:
            print(f"note: architecture diagrams skipped: {why}")
        else:
            record["diagrams"] = draw_diagrams(module_name, dest)
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    return record_path


def _main(argv):
    known = registry()
    p = cli.OneLineParser(prog=PROG, description="Redraw the figures on the chapter pages from real runs.")
    p.add_argument("chapters", nargs="*", help=f"chapters to redraw (default: all): {', '.join(sorted(known))}")
    p.add_argument("--preset", choices=("quick", "default"), default="quick",
                   help="which run draws the figures: the quick preset (default) or the chapter's default run")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--diagrams-only", action="store_true", help="only redraw the architecture diagrams")
    which.add_argument("--no-diagrams", action="store_true", help="do not draw architecture diagrams")
    p.add_argument("--from-run", metavar="DIR",
                   help="take the figures and metrics of a finished run of that preset instead of running again "
                        "(one chapter only)")
    p.add_argument("--docs", default=str(ROOT / "chapters"), help="the site's pages folder (default: chapters/)")
    p.add_argument("--quiet", action="store_true", help="no progress bars from the runs")
    args = p.parse_args(argv)
    names = [resolve(c, known) for c in args.chapters] or [known[k] for k in sorted(known)]
    if args.from_run and len(names) != 1:
        raise cli.UsageError("--from-run takes the figures of one run: name exactly one chapter")
    docs = Path(args.docs)
    if not docs.is_dir():
        raise cli.UsageError(f"--docs {docs} is not a folder; point it at the site's pages (chapters/)")
    for name in names:
        path = make_figures(name, args.preset, diagrams=not args.no_diagrams, run=not args.diagrams_only,
                            docs=docs, quiet=args.quiet, run_dir=Path(args.from_run) if args.from_run else None)
        print(f"wrote {path}")
    return 0


def main(argv=None):
    try:
        return cli.run_main(_main, list(sys.argv[1:] if argv is None else argv), PROG)
    except RunFailed as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
