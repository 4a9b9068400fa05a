"""Each chapter's measured default run, in one file: `kerasbook/results/CHAPTER.yaml`.

A file holds the command that was timed, when and on what, its wall time, the
raw numbers of the run (as its `metrics.json` wrote them, plus any the page
measured beside it) and a headline: a template whose fields name those
numbers with a format (`{test_accuracy:.1%}`, `{bleu:.1f}`, `{wall:time}`).
`Result.headline` fills it; so README's results table, the home page and
`python -m kerasbook` quote the same text, rounded the same way, and
`Result.quoted` lists each number as the headline writes it, for the test
that finds them on the chapter's page.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

FOLDER = Path(__file__).parent


def wall_time(seconds: float) -> str:
    """`"4 min 36 s"`, `"30 s"`: a wall time as the book writes it."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def quote(value, spec: str) -> str:
    """`value` written with a headline field's format: Python's, with a space before `%`, or `time`."""
    if spec == "time":
        return wall_time(value)
    text = format(value, spec)
    return text[:-1] + " %" if spec.endswith("%") else text


class _Formatter(string.Formatter):
    def format_field(self, value, format_spec):
        return quote(value, format_spec)


@dataclass(frozen=True)
class Result:
    """One chapter's measured default run."""

    module: str                       # "ch07_crnn"
    command: str
    date: str
    machine: str
    wall_s: float
    numbers: dict = field(default_factory=dict)
    template: str = ""

    @property
    def wall_time(self) -> str:
        return wall_time(self.wall_s)

    @property
    def headline(self) -> str:
        """The headline in Markdown, its fields filled from `numbers`."""
        return _Formatter().format(self.template, **self.numbers)

    @property
    def quoted(self) -> list[str]:
        """Every number of the headline as it is written there (`"96.3 %"`, `"0.915"`), in order."""
        return [quote(self.numbers[name], spec or "") for _, name, spec, _ in string.Formatter().parse(self.template)
                if name is not None]


def path(module: str) -> Path:
    return FOLDER / f"{module}.yaml"


@lru_cache(maxsize=None)
def load(module: str) -> Result | None:
    """The measured run of chapter `module` (`"ch07_crnn"`), or `None` when it has not been measured."""
    file = path(module)
    if not file.is_file():
        return None
    doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    return Result(module=module, command=doc["command"], date=str(doc["date"]), machine=doc["machine"],
                  wall_s=float(doc["wall_s"]), numbers=dict(doc["numbers"]), template=doc["headline"])
