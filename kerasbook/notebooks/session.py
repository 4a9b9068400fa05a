"""What a chapter's notebook calls: its settings, its run, and what the run wrote, shown inline.

A notebook starts with `nb = Session("ch07_crnn", PRESET, toy=TOY)`:

* `nb.cfg` is the chapter's `Config` for that preset (`Config().quick()` for
  `"quick"`, `Config()` for `"default"`), or, in toy mode, the tiny `Config`
  and flags of the chapter's toy run in the test suite
  (`kerasbook.testing.toy_run_of`), so a notebook runs in seconds on a CPU;
* `nb.train()` runs the chapter as its command line does, through its own
  `main([...])` with the preset's flags and `--out nb.out`, and returns the
  run's `metrics.json`;
* `nb.load_model()` loads a model the run saved;
* `nb.figures(...)`, `nb.show(fig)` and `nb.images(...)` show the figures the
  run drew, a figure drawn in the notebook and a grid of examples;
* `nb.headline()` puts this run's headline numbers next to the book's measured
  default run (`kerasbook.results`), and `nb.time_xla()` times one training
  step with XLA on and off on the notebook's device.

What it shows goes through IPython's display, which every notebook has.
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import json
import time
from pathlib import Path

PRESETS = ("quick", "default")


def display(thing, text: str | None = None):
    """Show `thing` (an IPython display object) in a notebook, or print `text` elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display as show
    except ImportError:
        show = None
    if show is not None and get_ipython() is not None:
        show(thing)
    elif text is not None:
        print(text)


def markdown(text: str):
    """Markdown rendered in a notebook, printed as it is elsewhere."""
    from IPython.display import Markdown

    display(Markdown(text), text)


def table(rows: list, header: tuple) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def _flags(argv):
    """`(the common flags parsed, the rest)` of a chapter's command line."""
    from kerasbook import cli

    return cli.common_parser("notebook", "").parse_known_args(argv)


def _with_flags(cfg, argv):
    """`cfg` with the common flags in `argv` applied (`cli.apply_overrides`), and any `--name value` whose
    name is a field of `cfg` (a chapter's own flag, as ch07's `--rnn-layers 2`)."""
    from kerasbook import cli

    args, rest = _flags(argv)
    cfg = cli.apply_overrides(cfg, args)
    fields = {f.name for f in dataclasses.fields(cfg)}
    for flag, value in zip(rest, rest[1:] + [None]):
        name = flag[2:].replace("-", "_") if flag.startswith("--") else None
        if name in fields and value is not None and not value.startswith("--"):
            old = getattr(cfg, name)
            cfg = dataclasses.replace(cfg, **{name: type(old)(value) if old is not None else value})
    return cfg


class Session:
    """One chapter in a notebook: its settings, its run and what the run wrote.

    Args:
        chapter: the chapter's module name, e.g. `"ch07_crnn"`.
        preset: `"quick"` (the chapter's `--quick`, a few minutes on a laptop CPU) or `"default"` (the run
            the book measured).
        toy: tiny sizes, those of the chapter's toy run in the test suite; needs a checkout of the
            repository (the sizes live in `tests/`). Overrides `preset`.
        out: the run's folder (default `runs/CHAPTER-notebook`, written over by a second run).
    """

    def __init__(self, chapter: str, preset: str = "quick", toy: bool = False, out=None):
        from kerasbook.chapters import registry

        if chapter not in registry().values():
            raise ValueError(f"no chapter {chapter!r}; choose one of {', '.join(registry().values())}")
        if preset not in PRESETS:
            raise ValueError(f"PRESET must be one of {', '.join(map(repr, PRESETS))}, not {preset!r}")
        self.name, self.preset, self.toy = chapter, preset, bool(toy)
        self.chapter = importlib.import_module(f"kerasbook.chapters.{chapter}")   # a package exports Config, main
        self.out = Path(out or f"runs/{chapter}-notebook")
        self.metrics: dict | None = None
        if self.toy:
            from kerasbook.testing import toy_run_of

            _, self._tiny, argv, _ = toy_run_of(chapter)
            self.argv = [*argv, "--overwrite"]
            self.cfg = _with_flags(self._tiny(), argv)
        else:
            self._tiny = None
            self.argv = (["--quick"] if preset == "quick" else []) + ["--overwrite"]
            base = self.chapter.Config()
            self.cfg = base.quick() if preset == "quick" else base
        self.seed = _flags(self.argv)[0].seed                 # the run's seed: data drawn with it is the run's data

    @property
    def command(self) -> str:
        """The command line that makes the same run (toy mode: with the test suite's tiny `Config`)."""
        return " ".join([self.chapter.PROG, *self.argv, "--out", str(self.out)])

    def __repr__(self):
        size = "toy sizes (the test suite's)" if self.toy else f"{self.preset} preset"
        return f"{self.name}, {size}: {self.command}"

    def train(self, *flags) -> dict:
        """Run the chapter (every part of it) with this preset and any extra `flags`; returns its metrics.json."""
        from kerasbook.testing import run_toy

        start = time.perf_counter()
        try:
            if self.toy:
                code, _ = run_toy(self.chapter, self._tiny, [*self.argv, *flags], self.out)
            else:
                code = self.chapter.main([*self.argv, *flags, "--out", str(self.out)])
        except SystemExit as stop:                   # a usage error: its one line is already on stderr
            code = stop.code
        if code != 0:
            raise RuntimeError(f"{self.name} stopped with exit code {code} (see the lines above)")
        self.metrics = json.loads((self.out / "metrics.json").read_text())
        print(f"{time.perf_counter() - start:.0f} s; the run wrote {self.out}")
        return self.metrics

    def load_model(self, file: str = "model.keras"):
        """A model the run saved (by default the one it evaluated), loaded by `kerasbook.saving.load_model`."""
        from kerasbook.saving import load_model

        return load_model(self.out / file)

    def figures(self, *names, folder: str = "figures"):
        """Show the PNGs `names` (without `.png`) that the run wrote to `out/figures`, in that order."""
        from IPython.display import Image

        for name in names:
            path = self.out / folder / f"{name}.png"
            if path.is_file():
                display(Image(filename=str(path)), str(path))
            else:
                print(f"({path} was not drawn in this run)")

    def show(self, fig, dpi: int = 90):
        """Show a matplotlib figure drawn in the notebook (whatever backend the book selected) and close it."""
        import matplotlib.pyplot as plt
        from IPython.display import Image

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        plt.close(fig)
        display(Image(buffer.getvalue()), "(a figure)")

    def images(self, images, captions=(), cols: int = 8, size: float = 1.3, title: str = ""):
        """Show `images` (uint8, `(N, H, W)`, `(N, H, W, 1)` or `(N, H, W, 3)`) in a grid, each captioned."""
        import matplotlib.pyplot as plt
        import numpy as np

        rows = -(-len(images) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows * 1.1), squeeze=False)
        for i, ax in enumerate(axes.flat):
            ax.axis("off")
            if i < len(images):
                image = np.squeeze(images[i])
                ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
                if i < len(captions):
                    ax.set_title(str(captions[i]), fontsize=8)
        if title:
            fig.suptitle(title, fontsize=10)
        self.show(fig)

    def headline(self):
        """This run's headline numbers next to those of the book's measured default run (`kerasbook.results`)."""
        import string

        from kerasbook import results

        if self.metrics is None:
            raise RuntimeError("run nb.train() first")
        book = results.load(self.name)
        final = self.metrics["final"]
        if book is None:
            markdown(table([(k, v) for k, v in final.items()], ("number", "this run")))
            return
        fields = [(name, spec or "") for _, name, spec, _ in string.Formatter().parse(book.template) if name]

        def quoted(numbers, name, spec):
            return results.quote(numbers[name], spec) if name in numbers else "–"

        rows = [(f"`{name}`", quoted(final, name, spec), quoted(book.numbers, name, spec)) for name, spec in fields]
        what = "toy sizes" if self.toy else f"{self.preset} preset"
        markdown(f"**The book's measured default run** (`{book.command}`, {book.machine}, {book.wall_time}): "
                 f"{book.headline}\n\n"
                 + table(rows, ("number", f"this run ({what}, {self.metrics['seconds']['total']:.0f} s)",
                                "the book's default run")))

    def time_xla(self, steps: int | None = None):
        """One training step of the chapter's model(s) with XLA on and off, on this notebook's device.

        The chapter's benchmark entry (`step_times` of `kerasbook.bench.chNN`, the steps that carry an XLA
        decision, as `python -m kerasbook.bench all` times them) at this notebook's `Config`: `steps`
        timed steps per mode after the first (2 in toy mode, 10 otherwise). Nothing is recorded here;
        the last column is what `--xla auto` follows on this device, where a benchmark has recorded it.
        """
        from kerasbook import xla
        from kerasbook.bench import common

        steps = steps or (2 if self.toy else 10)
        parts = common.load(self.name.split("_")[0]).step_times(steps, quick=self.toy or self.preset == "quick",
                                                                 cfg=self.cfg)
        device = xla.device_kind()
        rows = []
        for part in parts:
            on, off = part["measured"][True], part["measured"][False]
            found = xla.recorded(part["key"], device)
            auto = f"{'on' if found[0] else 'off'} ({Path(found[1]).name})" if found else "measured at its first run"
            xla_on = on.get("error") or f"{on['step_s'] * 1e3:.1f} ms (compile {on['compile_s']:.1f} s)"
            speedup = "–" if "error" in on else f"{off['step_s'] / on['step_s']:.2f}x"
            rows.append((part["model"], xla_on, f"{off['step_s'] * 1e3:.1f} ms", speedup, auto))
        markdown(f"One training step on **{device}**, the median of {steps} after the first:\n\n"
                 + table(rows, ("model", "XLA on", "XLA off", "speed-up", "--xla auto here")))
