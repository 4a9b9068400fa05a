"""The book's front door: `python -m kerasbook` lists the chapters and runs one.

    python -m kerasbook                    every chapter: topic, command, builtin data, last result
    python -m kerasbook list               the same
    python -m kerasbook CHAPTER ARGS ...   run a chapter (`ch07`, `ch07_crnn` and `7` all work)
    python -m kerasbook --help             usage

Each chapter's title and topic come from its module (`kerasbook.chapters`),
its builtin data from the `DatasetSpec.builtin` text the module registers,
and the result and wall time of its measured default run from
`kerasbook/results/CHAPTER.yaml` (`kerasbook.results`), the same source as
README's results table and the home page. A chapter with no results file is
listed as "not measured yet". Importing a chapter module is cheap
(TensorFlow is imported only when a run starts), so the listing answers at
once.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from types import ModuleType

from kerasbook import cli, results
from kerasbook.chapters import MIDTERM_KEY, Chapter, chapters, resolve
from kerasbook.data import DatasetSpec

PROG = "python -m kerasbook"
WIDTH = 100
NOT_MEASURED = "not measured yet"


QUIZ_COMMANDS = (
    ("python -m kerasbook.quiz list", "the question banks and their sizes"),
    ("python -m kerasbook.quiz run ch07 --n 10", "an interactive quiz with feedback (--lang ko in Korean)"),
    ("python -m kerasbook.quiz exam --midterm", "the midterm: 30 questions on chapters 1-7"),
    ("python -m kerasbook.quiz exam --final", "the final: 30 questions on chapters 9-14"),
    ("python -m kerasbook.quiz grade sheet.yaml", "grade a sheet filled from `exam --format sheet`"),
    ("python -m kerasbook.quiz report", "your weakest tags and the sections to reread"),
)
SITE_COMMAND = ('pip install ".[docs]" && mkdocs serve', "the chapter pages at http://127.0.0.1:8000")
MIDTERM_LINE = "week 8 is the midterm, so there is no chapter 8: python -m kerasbook.quiz exam --midterm"

USAGE = f"""\
usage: {PROG} [list]
       {PROG} CHAPTER [ARGS ...]

The front door of kerasbook, a Keras 3 companion to a one-semester deep-learning course.

  (nothing), list     list every chapter: topic, command, builtin data, last measured result
  CHAPTER [ARGS ...]  run a chapter; CHAPTER is written ch07, ch07_crnn or 7, and ARGS go to the
                      chapter (`{PROG} ch07 --help` lists them)
  -h, --help          show this message"""


def plain(markdown: str) -> str:
    """`markdown` without its bold and code marks, for the terminal: `**96.3 %**` becomes `96.3 %`."""
    return markdown.replace("**", "").replace("`", "")


def chapter_specs(module: ModuleType) -> list[DatasetSpec]:
    """The datasets a chapter module works with, in the order the module names them.

    A chapter either registers its own `DatasetSpec` at module level (`SPEC = register(...)`)
    or imports a data module that does (`from kerasbook.data import digits as dg`, whose
    `dg.SPEC` it passes to `runs.setup`); both are found here, each once.
    """
    found: dict[int, DatasetSpec] = {}
    for value in vars(module).values():
        if isinstance(value, ModuleType) and value.__name__.startswith("kerasbook.data."):
            value = getattr(value, "SPEC", None)
        if isinstance(value, DatasetSpec):
            found.setdefault(id(value), value)
    return list(found.values())


def _fill(text: str, first: str = "", rest: str = "") -> str:
    # Wrap on spaces only: a command, a file name or "deep-learning" is never split across lines.
    return textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)


def _field(label: str, text: str) -> str:
    return _fill(text, f"  {label:<8}", " " * 10)


def chapter_block(chapter: Chapter) -> str:
    """The listing's lines for one chapter: title and topic, command, builtin data, result, wall time."""
    module = importlib.import_module(f"kerasbook.chapters.{chapter.module}")
    measured = results.load(chapter.module)
    data = "; ".join(spec.builtin for spec in chapter_specs(module)) or "see the chapter's page"
    lines = [_fill(f"{chapter.key} · {chapter.title} — {chapter.topic}", rest=" " * 10),
             _field("run", chapter.command),
             _field("data", data),
             _field("result", plain(measured.headline) if measured else NOT_MEASURED)]
    if measured:
        lines.append(_field("time", measured.wall_time))
    return "\n".join(lines)


def listing() -> str:
    """The whole front page: every chapter whose module exists, the midterm, the quizzes and the site."""
    out = [_fill("kerasbook: runnable Keras 3 chapters, a website and exam-prep quizzes for a one-semester "
                 "deep-learning course."),
           "",
           _fill(f"Run a chapter with `{PROG} ch07` (or 7, or ch07_crnn) and any of its flags: --quick for a "
                 "preset that finishes in a few minutes on a laptop CPU, --help for them all. Each result is "
                 "the default run on builtin data, measured on a 2-core CPU from an empty data cache, and its "
                 "time is the run's wall time."),
           ""]
    midterm_shown = False
    for chapter in chapters():
        if chapter.key > MIDTERM_KEY and not midterm_shown:
            out += [MIDTERM_LINE, ""]
            midterm_shown = True
        out += [chapter_block(chapter), ""]
    if not midterm_shown:
        out += [MIDTERM_LINE, ""]
    pad = max(len(cmd) for cmd, _ in (*QUIZ_COMMANDS, SITE_COMMAND)) + 2
    out.append("Exam practice (every chapter's quiz, in English and Korean):")
    out += [f"  {cmd:<{pad}}{what}" for cmd, what in QUIZ_COMMANDS]
    out += ["", "The website (the chapter pages, their figures and the API reference):",
            f"  {SITE_COMMAND[0]:<{pad}}{SITE_COMMAND[1]}"]
    return "\n".join(out)


def _main(argv: list[str]) -> int:
    if not argv or argv == ["list"]:
        print(listing())
        return 0
    first, rest = argv[0], argv[1:]
    if first in ("-h", "--help"):
        print(USAGE)
        return 0
    if first == "list":
        raise cli.UsageError(f"list takes no arguments, got {' '.join(rest)!r}")
    if first.startswith("-"):
        raise cli.UsageError(f"unrecognized option {first!r}; a chapter's flags go after it (see --help)")
    module = importlib.import_module(f"kerasbook.chapters.{resolve(first)}")
    return module.main(rest)


def main(argv=None) -> int:
    """`python -m kerasbook [list | CHAPTER ARGS ...]`; returns the exit code (a chapter's own, when one ran).

    An unknown chapter stops with one line on stderr and exit code 2.
    """
    return cli.run_main(_main, list(sys.argv[1:] if argv is None else argv), PROG)
