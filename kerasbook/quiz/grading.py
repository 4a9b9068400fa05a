"""Scoring one answer against one (resolved) question.

Every question is worth one point. Single choice and short answers are right or
wrong; multiple choice gives partial credit (right picks minus wrong picks, over
the number of right choices, never below zero); numbers are right within the
question's tolerance. An essay is graded by the student: after writing it they
read the model answer and mark which rubric points their answer makes (one
yes/no per point), and the essay scores the share marked yes. Until then it is
*pending* and scores nothing; how many rubric points its words touch is shown
as a hint only, since a list of key terms, or the facts turned upside down,
would name them all.

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
# "약 28.44", "about 0.24", "≈ 1.43": a hedge in front of a number is not part of it.
_HEDGE = re.compile(r"^(?:약|대략|about|approx(?:imately|\.)?|around|roughly|ca\.)\s*|^[≈~=]\s*", re.IGNORECASE)
_NUMBER = re.compile(r"^([-+]?(?:\d[\d,_]*)?\.?\d+(?:e[-+]?\d+)?)\s*(%?)\s*[^\d/^]*$", re.IGNORECASE)
_FRACTION = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)\s*[^\d/^]*$")
_POWER = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*(?:\^|\*\*)\s*\(?([-+]?\d+)\)?\s*[^\d/^]*$")
# What a student may write for the batch axis of a shape.
BATCH_WORDS = ("b", "n", "none", "batch", "batchsize", "batch_size", "배치", "배치크기", "?")
_SHAPE_SPLIT = re.compile(r"\s*(?:,|×|x|\*)\s*")
# Between a Latin keyword and the text around it, a letter or digit means "inside another word".
_LATIN = re.compile(r"^[a-z0-9][a-z0-9 .+-]*$")


@dataclass
class Score:
    """Points out of 1, a verdict and a few words on how it was reached.

    Verdicts: "right", "partial", "wrong", "unanswered", and for an essay not yet
    compared with its rubric by the student, "pending" (no points until it is).
    """

    points: float
    verdict: str
    detail: str = ""
    detail_ko: str = ""

    @classmethod
    def of(cls, points: float, detail: str = "", detail_ko: str = "") -> "Score":
        points = max(0.0, min(1.0, float(points)))
        verdict = "right" if points >= 1.0 - 1e-9 else "wrong" if points <= 1e-9 else "partial"
        return cls(points, verdict, detail, detail_ko)

    def describe(self, lang: str = "en") -> str:
        """How the score was reached, in `lang` where it has been said in it."""
        return (self.detail_ko or self.detail) if lang == "ko" else self.detail

    @property
    def pending(self) -> bool:
        return self.verdict == "pending"


def normalise(text) -> str:
    """Lower case, no spaces, quotes, brackets or final full stop; × as x; a leading article dropped."""
    t = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    t = t.replace("×", "x").replace("−", "-").replace("–", "-")
    t = re.sub(r"^(the|a|an)\s+", "", t)
    t = _DROP.sub("", t)
    return t.rstrip(".。!")


def spaced(text) -> str:
    """`normalise` that keeps one space between words, for finding whole keywords."""
    t = unicodedata.normalize("NFKC", str(text)).casefold()
    t = t.replace("×", "x").replace("−", "-").replace("–", "-")
    t = re.sub(r"[`'\"“”‘’()\[\]{}*·⋅,;:!?。]", " ", t)
    return " ".join(t.split()).strip(" .")


def parse_number(text) -> float | None:
    """A number written as `198,144`, `0.24`, `24%`, `≈ 1.43`, `약 28.44`, `1/1024`, `2^-10` or `9 steps`."""
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text)
    t = unicodedata.normalize("NFKC", str(text)).strip().replace("−", "-")
    t = _HEDGE.sub("", t).strip()
    m = _FRACTION.match(t)
    if m:
        den = float(m.group(2))
        return float(m.group(1)) / den if den else None
    m = _POWER.match(t)
    if m:
        try:
            return float(m.group(1)) ** int(m.group(2))
        except (OverflowError, ZeroDivisionError):
            return None
    m = _NUMBER.match(t)
    if not m:
        return None
    try:
        value = float(m.group(1).replace(",", "").replace("_", ""))
    except ValueError:
        return None
    return value / 100 if m.group(2) else value


def parse_shape(text) -> str | None:
    """A tensor shape as `B,6,6,8`: `(None, 6, 6, 8)`, `(배치, 6, 6, 8)`, `B×784`, `6 x 6 x 8`; None otherwise.

    Only text that says it is a shape (brackets, a ×, or a batch axis) counts, so
    that `198,144` stays a number.
    """
    t = unicodedata.normalize("NFKC", str(text)).casefold().strip().rstrip(".")
    t = t.replace("−", "-").replace(" ", " ")
    bracketed = len(t) >= 2 and t[0] in "([" and t[-1] in ")]"
    if bracketed:
        t = t[1:-1]
    parts = [p.replace(" ", "") for p in _SHAPE_SPLIT.split(t.strip())]
    if parts and parts[-1] == "":
        parts = parts[:-1]                               # "(8,)"
    if not parts or any(not p for p in parts):
        return None
    dims = []
    for p in parts:
        if p.isdecimal():                                # isdigit() lets "፩" through, which int() refuses
            dims.append(str(int(p)))
        elif p in BATCH_WORDS:
            dims.append("B")
        else:
            return None
    said_shape = bracketed or "B" in dims or bool(re.search(r"\dx|x\d|×|\*", str(text).casefold().replace(" ", "")))
    if not said_shape or (len(dims) < 2 and not bracketed):
        return None
    return ",".join(dims)


def keyword_in(keyword, text) -> bool:
    """Whether `keyword` is in `text`: a Latin word as a whole word (plural allowed), Korean anywhere.

    "all" is not in "small"; "gradient" is in "gradients"; "학습률" is in "학습률을".
    """
    k, said = spaced(keyword), spaced(text)
    if not k:
        return False
    if _LATIN.match(k):
        k, said = k.replace("-", " "), said.replace("-", " ")
        return re.search(rf"(?<![a-z0-9]){re.escape(k)}(?:s|es)?(?![a-z0-9])", said) is not None
    return normalise(keyword) in normalise(text)


def _is_blank(response) -> bool:
    if response is None:
        return True
    if isinstance(response, dict):
        try:
            marked = _self_assessment(response)[0] is not None
        except ValueError:
            marked = True              # a mark that is neither yes nor no is still an answer: grade says so
        return _is_blank(response.get("text")) and not marked
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


def _candidates(q) -> list[str]:
    return [str(c) for c in [q.answer, *q.accepted]]


def _matches_written(q, response) -> bool:
    said, number, shape = normalise(response), parse_number(response), parse_shape(response)
    for candidate in _candidates(q):
        if normalise(candidate) == said:
            return True
        a = parse_number(candidate)
        if a is not None and number is not None and abs(a - number) <= 1e-9 * max(1.0, abs(a)):
            return True
        if shape is not None and parse_shape(candidate) == shape:
            return True
    if q.keywords:
        return all(any(keyword_in(word, response) for word in group) for group in q.keywords)
    return False


def rubric_hits(q, text: str) -> list[bool]:
    """Which rubric points an essay mentions by their key terms: a hint for the student, never a grade."""
    return [any(keyword_in(k, text) for k in point.keywords) for point in q.rubric]


# "o" and "x" as Korean answer sheets use them: O for made, X for not made.
_YES = {"y", "yes", "true", "1", "o", "ok", "네", "예", "응", "했음", "포함", "✓", "v"}
_NO = {"n", "no", "false", "0", "-", "x", "✗", "아니오", "아니요", "없음", "안함"}


def _mark(value) -> bool | None:
    """One rubric field of a sheet: True (made), False (not made), None (not marked yet); ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = unicodedata.normalize("NFKC", str(value)).casefold().strip()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(f"{value!r} is neither yes nor no")


def _self_assessment(response: dict) -> tuple[float | None, str]:
    """`(points made, how)` from an essay answer's `covered` marks or its `points` count; None when unmarked.

    `covered` is a mapping or list with one mark per rubric point (yes / no);
    `points` a count. Raises ValueError for a mark or count that is not one.
    """
    covered = response.get("covered")
    if isinstance(covered, dict):
        covered = [covered[k] for k in sorted(covered, key=lambda k: int(re.sub(r"\D", "", str(k)) or 0))]
    if isinstance(covered, (list, tuple)):
        marks = [_mark(v) for v in covered]
        if any(m is not None for m in marks):
            return float(sum(bool(m) for m in marks)), "covered"
    elif covered is not None:
        raise ValueError("`covered` must list one yes/no per rubric point")
    points = response.get("points")
    if points is None or (isinstance(points, str) and not points.strip()):
        return None, ""
    value = parse_number(points)
    if value is None:
        raise ValueError(f"self-score {points!r} is not a number")
    return value, "points"


def essay_response(response) -> tuple[str, dict]:
    """An essay answer as `(text, {covered/points})`, whatever shape it came in."""
    if isinstance(response, dict):
        return str(response.get("text") or ""), response
    return str(response or ""), {}


def grade(q, response) -> Score:
    """Score `response` (a string, a list of letters, or for essays `{text, covered | points}`)."""
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
                        f"{hits} of {len(right)} right choices picked, {misses} wrong",
                        f"정답 {len(right)}개 중 {hits}개 고름, 오답 {misses}개")
    if q.type == "numeric":
        value = parse_number(response)
        if value is None:
            return Score.of(0, f"{str(response)!r} is not a number")
        return Score.of(q.tolerance.accepts(value, q.answer))
    if q.type in ("short", "code"):
        return Score.of(_matches_written(q, response))
    # Essays: only the student's own comparison with the rubric scores; key terms are a hint.
    text, marks = essay_response(response)
    n = len(q.rubric)
    try:
        made, how = _self_assessment(marks)
    except ValueError as err:
        return Score(0.0, "pending", f"{err}; mark each rubric point yes or no",
                     "채점 기준마다 yes 또는 no로 표시하세요")
    if made is None:
        hint = sum(rubric_hits(q, text))
        return Score(0.0, "pending", f"not self-assessed yet; mentions key terms of {hint} of {n} rubric points",
                     f"아직 스스로 채점하지 않음, 채점 기준 {n}개 중 {hint}개의 핵심어가 보임")
    if not 0 <= made <= n:
        return Score(0.0, "pending", f"self-score {format(made, 'g')} is not a number of points from 0 to {n}",
                     f"자기 채점 {format(made, 'g')}점은 0부터 {n} 사이가 아님")
    return Score.of(made / n, f"self-assessed: {format(made, 'g')} of {n} rubric points",
                    f"자기 채점: 채점 기준 {n}개 중 {format(made, 'g')}개")


def check_spec(q) -> dict:
    """Everything the site's quiz needs to check an answer to (resolved) `q` by `grade`'s rules.

    The browser (`chapters/assets/quiz.js`) repeats `normalise`, `spaced`,
    `parse_number`, `parse_shape` and `keyword_in` on what the student types;
    the answer's side is prepared here, so both sides compare the same things.
    Keywords go out as the bank writes them: `keyword_in` reads a Korean one
    through `normalise`, which keeps the commas `spaced` would turn to spaces
    ("786,688개"), so the browser runs `keyword_in` on the word itself.
    """
    spec: dict = {"type": q.type}
    if q.type in ("single", "multiple"):
        spec["answer"] = [q.answer] if q.type == "single" else list(q.answer)
        spec["choices"] = len(q.choices)
        spec["texts"] = [[normalise(c.en), normalise(c.ko)] for c in q.choices]
    elif q.type == "numeric":
        spec["value"] = q.answer
        spec["tolerance"] = {"abs": q.tolerance.abs, "rel": q.tolerance.rel}
    elif q.type in ("short", "code"):
        candidates = _candidates(q)
        spec["texts"] = sorted({normalise(c) for c in candidates})
        spec["numbers"] = sorted({v for v in (parse_number(c) for c in candidates) if v is not None})
        spec["shapes"] = sorted({s for s in (parse_shape(c) for c in candidates) if s is not None})
        spec["keywords"] = [list(group) for group in q.keywords]
    else:
        spec["rubric"] = len(q.rubric)
        spec["keywords"] = [list(p.keywords) for p in q.rubric]
    return spec


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
