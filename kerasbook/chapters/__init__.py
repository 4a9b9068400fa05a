"""The chapters: one runnable module or package each, `python -m kerasbook.chapters.chNN_name`.

The list of chapters is the package itself: `registry()` finds every
`chNN_name` module or package in this folder, and `chapters()` reads what each
one says about itself (`TITLE`, `TRACK`, `TOPIC`, next to its `CHAPTER` and
`PROG`). The front door, the figures, the benchmarks, the quizzes, the site's
navigation, README's tables and the tests all read this list, so adding a
chapter means adding its files. Importing a chapter module is cheap: none
imports TensorFlow before a run starts.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass

TRACKS = ("Image track", "Sequence track", "Encoder-decoder track", "Language track", "Generative track")
MIDTERM_KEY = "ch08"          # week 8 is the midterm: there is no chapter 8


@dataclass(frozen=True)
class Chapter:
    """One chapter as its module describes it."""

    key: str                  # "ch07"
    module: str               # "ch07_crnn"
    title: str                # "GRU + CRNN", as the site's navigation names it
    track: str                # one of TRACKS: the group the site's navigation puts it in
    topic: str                # one line on what the chapter teaches and builds

    @property
    def number(self) -> int:
        return int(self.key[2:])

    @property
    def command(self) -> str:
        return f"python -m kerasbook.chapters.{self.module}"

    @property
    def page(self) -> str:
        """The chapter's page in the site's `chapters/` folder."""
        return f"{self.module}.md"

    @property
    def nav_title(self) -> str:
        return f"{self.number} · {self.title}"


def registry() -> dict[str, str]:
    """`{"ch07": "ch07_crnn", ...}`: every chapter module in the package, by chapter key, in order."""
    from kerasbook import chapters as package

    names = sorted(info.name for info in pkgutil.iter_modules(package.__path__)
                   if re.fullmatch(r"ch\d\d_\w+", info.name))
    return {name.split("_")[0]: name for name in names}


def load(module: str) -> Chapter:
    """The `Chapter` that module `module` (`"ch07_crnn"`) describes."""
    mod = importlib.import_module(f"kerasbook.chapters.{module}")
    missing = [name for name in ("TITLE", "TRACK", "TOPIC") if not hasattr(mod, name)]
    if missing:
        raise AttributeError(f"kerasbook.chapters.{module} must define {', '.join(missing)}")
    if mod.TRACK not in TRACKS:
        raise ValueError(f"kerasbook.chapters.{module}: TRACK {mod.TRACK!r} is not one of {TRACKS}")
    return Chapter(key=module.split("_")[0], module=module, title=mod.TITLE, track=mod.TRACK, topic=mod.TOPIC)


def chapters() -> list[Chapter]:
    """Every chapter, in order."""
    return [load(module) for module in registry().values()]


def key_of(text: str) -> str:
    """`"ch07"`, `"7"`, `"07"` or `"ch07_crnn"` -> `"ch07"`, whether or not that chapter exists.

    Raises:
        ValueError: `text` is not written like a chapter.
    """
    m = re.fullmatch(r"(?:ch)?0*(\d{1,2})(?:_\w*)?", text.strip().lower())
    if not m:
        raise ValueError(f"{text!r} is not a chapter (write it like ch07 or 7)")
    return f"ch{int(m.group(1)):02d}"


def resolve(text: str, known: dict[str, str] | None = None, what: str = "chapter") -> str:
    """The module name of the chapter `text` names: `"ch07"`, `"ch7"`, `"7"`, `"ch07_crnn"` -> `"ch07_crnn"`.

    Args:
        text: what was typed.
        known: `{key: name}` to choose from, by default `registry()`.
        what: the word for it in the error (`"benchmark"`, `"question bank"`, ...).

    Raises:
        cli.UsageError: no such chapter; the message names it and lists the valid ones.
    """
    from kerasbook import cli

    known = registry() if known is None else known
    typed = text.strip().lower()
    if typed in known.values():
        return typed
    number = re.fullmatch(r"(?:ch)?(\d{1,2})", typed)
    key = f"ch{int(number.group(1)):02d}" if number else None
    if key in known:
        return known[key]
    midterm = " (week 8 is the midterm: python -m kerasbook.quiz exam --midterm)" if key == MIDTERM_KEY else ""
    raise cli.UsageError(f"no {what} {text!r}{midterm}; choose one of {', '.join(sorted(known))} "
                         "(by key, number or module name)")
