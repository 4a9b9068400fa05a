"""Scoring one answer against one (resolved) question.

Every question is worth one point. Single choice and short answers are right or
wrong; multiple choice gives partial credit (right picks minus wrong picks, over
the number of right choices, never below zero); numbers are right within the
question's tolerance; essays score the share of rubric points they name, either
as the student judged it (a self-score) or, failing that, estimated from the
rubric's keywords.

`grade_sheet` grades a filled answer sheet (written by `exam.answer_sheet`)
against the exam it was drawn for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kerasbook import cli
from kerasbook.quiz import PROG
from kerasbook.quiz import exam as exam_mod
from kerasbook.quiz.bank import resolve
from kerasbook.quiz.schema import LETTERS

_DROP = re.compile(r"[\s`'\"“”‘’()\[\]{}*·⋅]")
_NUMBER = re.compile(r"^[≈~=]?\s*([-+]?(?:\d[\d,_]*)?\.?\d+(?:e[-+]?\d+)?)\s*(%?)\s*[^\d]*$", re.IGNORECASE)


@dataclass
class Score:
    """Points out of 1, a verdict and a few words on how it was reached."""

    points: float
    verdict: str        # "right", "partial", "wrong" or "unanswered"
    detail: str = ""

    @classmethod
    def of(cls, points: float, detail: str = "") -> "Score":
        points = max(0.0, min(1.0, float(points)))
        verdict = "right" if points >= 1.0 - 1e-9 else "wrong" if points <= 1e-9 else "partial"
        return cls(points, verdict, detail)


def normalise(text) -> str:
    """Lower case, no spaces, quotes, brackets or final full stop; × as x; a leading article dropped."""
    t = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    t = t.replace("×", "x").replace("−", "-").replace("–", "-")
    t = re.sub(r"^(the|a|an)\s+", "", t)
    t = _DROP.sub("", t)
    return t.rstrip(".。!")


def parse_number(text) -> float | None:
    """A number written as `198,144`, `0.24`, `24%`, `≈ 1.43` or `9 steps`; None otherwise."""
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text)
    t = unicodedata.normalize("NFKC", str(text)).strip().replace("−", "-")
    m = _NUMBER.match(t)
    if not m:
        return None
    try:
        value = float(m.group(1).replace(",", "").replace("_", ""))
    except ValueError:
        return None
    return value / 100 if m.group(2) else value


def _is_blank(response) -> bool:
    if response is None:
        return True
    if isinstance(response, dict):
        return _is_blank(response.get("text")) and response.get("points") is None
    if isinstance(response, (list, tuple)):
        return not response
    return not str(response).strip()


def parse_letters(response, n_choices: int) -> list[str] | None:
    """`"A, C"`, `"ac"`, `["A", "C"]` or `"b)"` as letters; None when it is not letters."""
    if isinstance(response, (list, tuple)):
        tokens = [str(x) for x in response]
    else:
        text = str(response).strip()
        tokens = re.split(r"[\s,;/]+", text) if re.search(r"[\s,;/]", text) else list(text.replace(")", "").replace(".", ""))
    letters = []
    for token in tokens:
        token = token.strip().strip("().").upper()
        if not token:
            continue
        if len(token) != 1 or token not in LETTERS[:n_choices]:
            return None
        if token not in letters:
            letters.append(token)
    return letters or None


def _choice_by_text(q, response) -> list[str] | None:
    wanted = normalise(response)
    for i, choice in enumerate(q.choices):
        if wanted in (normalise(choice.en), normalise(choice.ko)):
            return [LETTERS[i]]
    return None


def _matches_written(q, response) -> bool:
    said = normalise(response)
    for candidate in [q.answer, *q.accepted]:
        if normalise(candidate) == said:
            return True
        a, b = parse_number(candidate), parse_number(response)
        if a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a)):
            return True
    if q.keywords:
        return all(any(normalise(word) in said for word in group) for group in q.keywords)
    return False


def rubric_hits(q, text: str) -> list[bool]:
    """Which rubric points an essay names, judged by their keywords."""
    said = normalise(text)
    return [any(normalise(k) in said for k in point.keywords) for point in q.rubric]


def grade(q, response) -> Score:
    """Score `response` (a string, a list of letters, or for essays `{text, points}`)."""
    if _is_blank(response):
        return Score(0.0, "unanswered", "no answer")
    if q.type == "single":
        letters = parse_letters(response, len(q.choices)) or _choice_by_text(q, response)
        if not letters:
            return Score.of(0, f"{str(response)!r} is not one of the letters A-{LETTERS[len(q.choices) - 1]}")
        if len(letters) > 1:
            return Score.of(0, "only one choice is right here")
        return Score.of(letters[0] == q.answer)
    if q.type == "multiple":
        letters = parse_letters(response, len(q.choices))
        if not letters:
            return Score.of(0, f"{str(response)!r} is not a list of letters A-{LETTERS[len(q.choices) - 1]}")
        right = set(q.answer)
        hits, misses = len(right & set(letters)), len(set(letters) - right)
        return Score.of((hits - misses) / len(right),
                        f"{hits} of {len(right)} right choices picked, {misses} wrong")
    if q.type == "numeric":
        value = parse_number(response)
        if value is None:
            return Score.of(0, f"{str(response)!r} is not a number")
        return Score.of(q.tolerance.accepts(value, q.answer))
    if q.type in ("short", "code"):
        return Score.of(_matches_written(q, response))
    # Essays: the student's own count of rubric points wins; otherwise the keywords estimate it.
    text, points = (response.get("text") or "", response.get("points")) if isinstance(response, dict) else (str(response), None)
    n = len(q.rubric)
    if points is not None:
        value = parse_number(points)
        if value is None or not 0 <= value <= n:
            return Score.of(0, f"self-score {points!r} is not a number of points from 0 to {n}")
        return Score.of(value / n, f"self-scored {format(value, 'g')} of {n} rubric points")
    hits = rubric_hits(q, text)
    return Score.of(sum(hits) / n, f"names {sum(hits)} of {n} rubric points (estimated from keywords)")


# -- answer sheets ------------------------------------------------------------------

def _load_sheet(path):
    """`(range, seed, question ids or None, answers)` of a filled answer sheet; a bad one is a usage error."""
    import yaml

    file = Path(path)
    if not file.is_file():
        raise cli.UsageError(f"answer sheet {path} does not exist; write one with `{PROG} exam ... --format sheet`")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise cli.UsageError(f"answer sheet {path} is not UTF-8 text") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise cli.UsageError(f"answer sheet {path} is not valid YAML{where}: {getattr(err, 'problem', err)}") from None
    if not isinstance(data, dict):
        raise cli.UsageError(f"answer sheet {path} must be a mapping with exam, seed and answers")
    range_ = data.get("exam")
    if isinstance(range_, (list, tuple)):
        range_ = ",".join(str(c) for c in range_)
    if not isinstance(range_, str) or not range_.strip():
        raise cli.UsageError(f"answer sheet {path} names no exam; add `exam: midterm`, `exam: final` or `exam: ch07`")
    seed = data.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise cli.UsageError(f"answer sheet {path} needs the exam's seed as a whole number (`seed: 42`)")
    ids = data.get("questions")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise cli.UsageError(f"answer sheet {path}: `questions` must be the list of question ids the exam printed")
    answers = data.get("answers") or {}
    if not isinstance(answers, dict):
        raise cli.UsageError(f"answer sheet {path}: `answers` must map question numbers to answers")
    return range_.strip(), seed, ids, answers


def grade_sheet(banks, path):
    """`(exam, same_draw, [(question, response, score)])` for a filled answer sheet."""
    range_, seed, ids, answers = _load_sheet(path)
    try:
        exam, same = exam_mod.redraw(banks, range_, seed, ids)
    except exam_mod.ShortageError as err:
        raise cli.UsageError(str(err)) from None
    except ValueError as err:
        raise cli.UsageError(f"answer sheet {path}: {err}") from None
    by_number = dict(exam.numbered())
    by_id = {q.id: n for n, q in by_number.items()}
    responses = {}
    for k, v in answers.items():
        if isinstance(k, int) and not isinstance(k, bool) and k in by_number:
            responses[k] = v
        elif isinstance(k, str) and k.strip().isdigit() and int(k) in by_number:
            responses[int(k)] = v
        elif isinstance(k, str) and k in by_id:
            responses[by_id[k]] = v
        else:
            raise cli.UsageError(f"answer sheet {path}: answer {k!r} is not a question of this exam "
                                 f"(numbers 1-{len(by_number)} or the question ids)")
    rows = []
    for number, q in exam.numbered():
        q = resolve(q)
        response = responses.get(number)
        rows.append((q, response, grade(q, response)))
    return exam, same, rows
