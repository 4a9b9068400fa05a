"""The attempt history: one small JSON file in the user's data folder.

Every answered question (in `run` or in a graded exam) adds one attempt, so
that `report` can say which tags are weakest and which sections to reread.
The folder is the platform's user data folder for kerasbook, or
`$KERASBOOK_DATA` when set. A history file that is missing starts empty; one
that cannot be read is moved aside (kept as `quiz_history.json.corrupt-TIME`)
with a one-line warning, and a fresh one is started: the quiz never stops
because of it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FILENAME = "quiz_history.json"
VERSION = 1


class Attempt(BaseModel):
    model_config = ConfigDict(extra="ignore")

    time: str
    mode: str                       # "run" or "exam"
    question: str
    chapter: str
    tags: list[str] = []
    link: str = ""
    score: float = Field(ge=0, le=1)


class _File(BaseModel):
    version: int
    attempts: list[Attempt]


def data_dir() -> Path:
    """`$KERASBOOK_DATA`, or the platform's user data folder for kerasbook."""
    if os.environ.get("KERASBOOK_DATA"):
        return Path(os.environ["KERASBOOK_DATA"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("kerasbook", appauthor=False))


def history_path() -> Path:
    return data_dir() / FILENAME


def _warn(message: str):
    print(f"warning: {message}", file=sys.stderr)


def load(path: Path | None = None) -> list[Attempt]:
    """The attempts so far; [] for a missing file, and a fresh start for a corrupt one."""
    path = path or history_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as err:
        _warn(f"cannot read the quiz history {path} ({err.strerror or err}); carrying on without it")
        return []
    try:
        # Bytes that are not UTF-8 raise UnicodeDecodeError, a ValueError like the rest.
        return _File.model_validate(json.loads(data.decode("utf-8"))).attempts
    except (ValueError, ValidationError) as err:
        reason = "not JSON" if isinstance(err, (json.JSONDecodeError, UnicodeDecodeError)) else "not a quiz history"
        backup = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(path, backup)
            kept = f"kept it as {backup.name}"
        except OSError:
            kept = "could not move it aside"
        _warn(f"the quiz history {path} is unreadable ({reason}); {kept} and started a fresh one")
        return []


def append(attempts: list[Attempt], path: Path | None = None) -> bool:
    """Add attempts to the history; False (after a one-line warning) if it cannot be written."""
    if not attempts:
        return True
    path = path or history_path()
    everything = load(path) + list(attempts)
    data = {"version": VERSION, "attempts": [a.model_dump() for a in everything]}
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)      # never leave a half-written history behind
    except OSError as err:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        _warn(f"cannot save the quiz history to {path} ({err.strerror or err}); these answers are not recorded")
        return False
    return True


def attempt(question, score: float, mode: str) -> Attempt:
    return Attempt(time=time.strftime("%Y-%m-%dT%H:%M:%S"), mode=mode, question=question.id,
                   chapter=question.chapter, tags=list(question.tags), link=question.link, score=score)
