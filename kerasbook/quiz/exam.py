"""Drawing an exam in the course's shape: 12 multiple choice, 11 short answer, 7 essay.

An exam is fixed by its range (the midterm covers chapters 1-7, the final
chapters 9-14, or any list of chapters) and its seed: the same range and seed
always draw the same 30 questions, which is how a filled answer sheet finds its
exam again. Within each section the questions are spread over the chapters as
evenly as their banks allow, and within a chapter over the page's sections.
Every chapter of the range needs a bank: an exam that silently skipped the
chapters without one would not be the exam it claims to be.

A drawn exam is written out in the three formats of `exam --format`: a
printable Markdown exam (`exam_markdown`, with its answer key or a blank
answer sheet), JSON (`exam_json`) and the blank answer sheet alone
(`answer_sheet`, YAML), which `grading.grade_sheet` reads back.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from kerasbook import cli
from kerasbook.quiz import PROG
from kerasbook.quiz.bank import chapter_key, format_answer, format_number, resolve
from kerasbook.quiz.schema import EXAM_SHAPE, LETTERS, SECTION_TITLES, SECTIONS

MIDTERM = tuple(f"ch{n:02d}" for n in range(1, 8))
FINAL = tuple(f"ch{n:02d}" for n in range(9, 15))


class ShortageError(ValueError):
    """The banks in the range hold fewer questions than the exam needs."""


@dataclass
class Exam:
    range: str                     # "midterm", "final" or a list like "ch07,ch09"
    chapters: tuple[str, ...]      # every chapter in the range
    seed: int
    questions: list                # in exam order: section by section
    without_bank: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.range in ("midterm", "final"):
            return f"{self.range} ({_span(self.chapters)})"
        return "chapters " + ", ".join(self.chapters)

    def numbered(self):
        return list(enumerate(self.questions, start=1))


def _span(chapters) -> str:
    return chapters[0] if len(chapters) == 1 else f"{chapters[0]}-{chapters[-1]}"


def chapters_of(range_: str) -> tuple[str, ...]:
    """The chapters an exam range covers: "midterm", "final" or "ch07,ch09" / "7,9"."""
    if range_ == "midterm":
        return MIDTERM
    if range_ == "final":
        return FINAL
    keys = [chapter_key(part) for part in range_.split(",") if part.strip()]
    if not keys:
        raise ValueError("no chapters given")
    return tuple(sorted(set(keys)))


def _spread(pool, count, rng):
    """`count` questions from one chapter's pool, taking each page section in turn."""
    pool = list(pool)
    rng.shuffle(pool)
    groups: dict[str, list] = {}
    for q in pool:
        groups.setdefault(q.anchor, []).append(q)
    picked = []
    while len(picked) < count:
        for group in groups.values():
            if group and len(picked) < count:
                picked.append(group.pop(0))
    return picked


def _describe_missing(missing: dict[str, int]) -> str:
    parts = [f"{n} {SECTION_TITLES[s]['en']}" for s, n in missing.items()]
    return (", ".join(parts[:-1]) + " and " + parts[-1]) if len(parts) > 1 else parts[0]


def draw(banks: dict, range_: str, seed: int) -> Exam:
    """Draw the exam for `range_` and `seed` from `banks` (`{chapter: Bank}`)."""
    chapters = chapters_of(range_)
    range_ = range_ if range_ in ("midterm", "final") else ",".join(chapters)
    present = [c for c in chapters if c in banks]
    without = [c for c in chapters if c not in banks]
    rng = random.Random(f"{range_}|{seed}")
    chosen, missing = [], {}
    for section in SECTIONS:
        pools = {c: [q for q in banks[c].questions if q.section == section] for c in present}
        need = EXAM_SHAPE[section]
        have = sum(len(p) for p in pools.values())
        if without:
            # A chapter without a bank cannot be covered at all, and the others
            # may only take their balanced share of its questions.
            per_chapter, extra = divmod(need, len(chapters))
            have = min(have, per_chapter * len(present) + min(extra, len(present)))
        if have < need:
            missing[section] = need - have
            continue
        # Hand out the questions one chapter at a time, in a seeded order, so no
        # chapter gets more than one question more than another unless its bank runs dry.
        order = list(present)
        rng.shuffle(order)
        quota, left = dict.fromkeys(present, 0), need
        while left:
            for c in order:
                if left and quota[c] < len(pools[c]):
                    quota[c] += 1
                    left -= 1
        for c in present:
            position = {q.id: i for i, q in enumerate(banks[c].questions)}
            picked = _spread(pools[c], quota[c], rng)
            chosen.extend(sorted(picked, key=lambda q: position[q.id]))
    if missing:
        what = f"the {range_} ({_span(chapters)})" if range_ in ("midterm", "final") else "chapters " + ", ".join(chapters)
        message = (f"not enough questions for {what}: {sum(missing.values())} of {sum(EXAM_SHAPE.values())} "
                   f"missing ({_describe_missing(missing)})")
        if without:
            message += f"; no bank yet for {', '.join(without)}"
        raise ShortageError(message)
    return Exam(range=range_, chapters=chapters, seed=seed, questions=chosen, without_bank=without)


def redraw(banks: dict, range_: str, seed: int, ids: list[str] | None = None) -> tuple[Exam, bool]:
    """The exam a sheet was written for, and whether the banks still draw the same questions.

    When the banks have changed since (so the draw differs) but every id the
    sheet lists still exists, the sheet's own selection is used.
    """
    exam = draw(banks, range_, seed)
    drawn = [q.id for q in exam.questions]
    if not ids or ids == drawn:
        return exam, True
    index = {q.id: q for b in banks.values() for q in b.questions}
    unknown = [i for i in ids if i not in index]
    if unknown:
        raise ValueError(f"the sheet lists questions the banks do not have: {', '.join(unknown[:5])}")
    order = {s: i for i, s in enumerate(SECTIONS)}
    questions = sorted((index[i] for i in ids), key=lambda q: order[q.section])
    return Exam(range=exam.range, chapters=exam.chapters, seed=seed, questions=questions,
                without_bank=exam.without_bank), False


def draw_for_cli(banks: dict, range_: str, seed: int) -> Exam:
    """`draw`, for the command line: a range it cannot draw is a one-line usage error."""
    try:
        return draw(banks, range_, seed)
    except ValueError as err:                       # a ShortageError too
        raise cli.UsageError(str(err)) from None


# -- writing an exam out ------------------------------------------------------------

def _key_fields(q, lang):
    """The answer key of one (resolved) question, as JSON-friendly fields."""
    out = {"answer": q.answer.model_dump() if q.type == "essay" else q.answer}
    if q.type in ("short", "code") and q.accepted:
        out["accepted"] = list(q.accepted)
    if q.type == "numeric":
        out["tolerance"] = q.tolerance.model_dump()
    if q.type == "essay":
        out["rubric"] = [{"en": p.en, "ko": p.ko} for p in q.rubric]
    out["explanation"] = q.explanation.model_dump()
    return out


def exam_json(exam, key: bool) -> dict:
    """The drawn exam as a JSON-friendly dict (with its answer key if `key`)."""
    questions = []
    for number, q in exam.numbered():
        if key:
            q = resolve(q)
        item = {"number": number, "id": q.id, "chapter": q.chapter, "section": q.section, "type": q.type,
                "tags": list(q.tags), "link": q.link, "prompt": q.prompt.model_dump()}
        if q.type in ("single", "multiple"):
            item["choices"] = [{"letter": LETTERS[i], **c.model_dump()} for i, c in enumerate(q.choices)]
        if q.snippet:
            item["code"] = q.snippet
        if q.type == "numeric" and q.unit:
            item["unit"] = q.unit
        if key:
            item.update(_key_fields(q, "en"))
        questions.append(item)
    return {"exam": exam.label, "range": exam.range, "chapters": list(exam.chapters), "seed": exam.seed,
            "sections": dict(EXAM_SHAPE), "questions": questions}


def answer_sheet(exam) -> str:
    """A blank answer sheet (YAML) for `exam`, to fill in and pass to `grade`."""
    lines = [
        f"# kerasbook answer sheet: {exam.label}, seed {exam.seed}",
        f"# Fill in your answers and grade them with: {PROG} grade THIS_FILE.yaml",
        "# An empty answer counts as skipped. Keep the first three keys as they are.",
        f"exam: {json.dumps(exam.range)}",
        f"seed: {exam.seed}",
        "questions: [" + ", ".join(q.id for q in exam.questions) + "]",
        "answers:",
    ]
    how = {"single": "one letter", "multiple": "every right letter, e.g. [A, C]", "short": "a few words",
           "numeric": "a number", "code": "a few words or a shape"}
    for number, q in exam.numbered():
        if q.type == "essay":
            lines += [f"  {number}:   # {q.id} (essay)", "    text: |", "      ",
                      f"    points:   # optional: how many of the {len(q.rubric)} rubric points you made"]
        else:
            lines.append(f"  {number}:   # {q.id} ({how[q.type]})")
    return "\n".join(lines) + "\n"


def exam_markdown(exam, key: bool, lang: str) -> str:
    """A printable exam; with `key`, followed by its answer key."""
    out = [f"# kerasbook exam · {exam.label} · seed {exam.seed}", ""]
    total = sum(EXAM_SHAPE.values())
    out += [f"{total} questions, one point each: "
            + ", ".join(f"{EXAM_SHAPE[s]} {SECTION_TITLES[s]['en']}" for s in SECTIONS) + ".", ""]
    if not key:
        out += ["Write your answers on the answer sheet at the end and grade them with "
                f"`{PROG} grade SHEET.yaml`.", ""]
    part = 0
    for number, q in exam.numbered():
        if number == 1 or q.section != exam.questions[number - 2].section:
            part += 1
            n = EXAM_SHAPE[q.section]
            out += [f"## Part {part} · {SECTION_TITLES[q.section][lang].capitalize()} ({n})", ""]
        hint = {"single": " *(pick one)*", "multiple": " *(pick every right answer)*"}.get(q.type, "")
        if q.type == "numeric" and q.unit:
            hint = f" *(a number, in {q.unit})*"
        out += [f"**{number}.** {q.prompt.get(lang)}{hint}", ""]
        if q.snippet:
            out += ["```python", q.snippet, "```", ""]
        for i, choice in enumerate(getattr(q, "choices", [])):
            out.append(f"- **{LETTERS[i]})** {choice.get(lang)}")
        if q.type in ("single", "multiple"):
            out.append("")
    if key:
        out += ["## Answer key", ""]
        for number, q in exam.numbered():
            q = resolve(q)
            if q.type == "essay":
                out += [f"**{number}.** ({q.id}) model answer: {q.answer.get(lang)}", ""]
                out += [f"- {p.ko if lang == 'ko' else p.en}" for p in q.rubric] + [""]
            else:
                extra = ""
                if q.type == "numeric" and (q.tolerance.abs or q.tolerance.rel > 1e-6):
                    extra = f" (± {format_number(max(q.tolerance.abs, q.tolerance.rel * abs(q.answer)))})"
                out += [f"**{number}.** ({q.id}) {format_answer(q, lang)}{extra}. "
                        f"{q.explanation.get(lang)} [{q.link}]", ""]
    else:
        out += ["## Answer sheet", "", "Copy this into a file, fill it in and grade it:", "", "```yaml",
                answer_sheet(exam).rstrip("\n"), "```", ""]
    return "\n".join(out)
