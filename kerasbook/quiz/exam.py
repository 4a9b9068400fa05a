"""Drawing an exam in the course's shape: 12 multiple choice, 11 short answer, 7 essay.

An exam is fixed by its range (the midterm covers chapters 2-7, weeks 2-7 of
the course, and chapter 1 only when asked for with `midterm+ch01`; the final
chapters 9-14; or any list of chapters) and its seed: the same range and seed
always draw the same 30 questions, which is how a filled answer sheet finds its
exam again. Within each section the questions are spread over the chapters as
evenly as their banks allow, and within a chapter over the page's sections.
Exams examine the course: questions tagged `tool` (this package's own flags,
XLA and data options) stay in the chapter quizzes. As in the course's exams,
at least three short answers are code reading. Every chapter of the range
needs a bank: an exam that silently skipped the chapters without one would not
be the exam it claims to be.

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
from kerasbook.quiz.bank import chapter_key, format_answer, format_number, resolve, unit_of
from kerasbook.quiz.schema import EXAM_SHAPE, LETTERS, SECTION_TITLES, SECTIONS

MIDTERM = tuple(f"ch{n:02d}" for n in range(2, 8))
FINAL = tuple(f"ch{n:02d}" for n in range(9, 15))
NAMED = {"midterm": MIDTERM, "midterm+ch01": ("ch01", *MIDTERM), "final": FINAL}
# Questions about the package itself, not the course: chapter quizzes only.
TOOL_TAG = "tool"
MIN_CODE_READING = 3

# The exam's own words, in both languages.
LABELS = {
    "en": {"exam": "kerasbook exam", "seed": "seed", "midterm": "midterm", "final": "final",
           "midterm+ch01": "midterm with chapter 1", "chapters": "chapters",
           "intro": "{total} questions, one point each: {parts}.",
           "sheet_hint": "Write your answers on the answer sheet at the end and grade them with `{cmd}`.",
           "part": "Part {n} · {title} ({count})", "pick_one": "pick one", "pick_all": "pick every right answer",
           "number": "a number", "number_in": "a number, in {unit}", "key": "Answer key",
           "model": "model answer", "rubric": "rubric points (mark each one your answer makes)",
           "sheet": "Answer sheet", "copy": "Copy this into a file, fill it in and grade it:"},
    "ko": {"exam": "kerasbook 시험", "seed": "시드", "midterm": "중간고사", "final": "기말고사",
           "midterm+ch01": "중간고사(1장 포함)", "chapters": "범위",
           "intro": "총 {total}문제, 문제당 1점: {parts}.",
           "sheet_hint": "끝에 있는 답안지에 답을 쓰고 `{cmd}`로 채점하세요.",
           "part": "{n}부 · {title} ({count}문제)", "pick_one": "하나를 고르시오", "pick_all": "정답을 모두 고르시오",
           "number": "숫자로 답하시오", "number_in": "숫자로 답하시오, 단위: {unit}", "key": "정답",
           "model": "모범 답안", "rubric": "채점 기준 (답안이 담은 항목마다 표시하시오)",
           "sheet": "답안지", "copy": "아래를 파일로 저장해 답을 채운 뒤 채점하세요:"},
}


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
        return self.label_in("en")

    def label_in(self, lang: str) -> str:
        words = LABELS[lang]
        if self.range in NAMED:
            return f"{words[self.range]} ({_span(self.chapters)})"
        return f"{words['chapters']} " + ", ".join(self.chapters)

    def numbered(self):
        return list(enumerate(self.questions, start=1))


def _span(chapters) -> str:
    return chapters[0] if len(chapters) == 1 else f"{chapters[0]}-{chapters[-1]}"


def chapters_of(range_: str) -> tuple[str, ...]:
    """The chapters an exam range covers: "midterm", "midterm+ch01", "final" or "ch07,ch09" / "7,9"."""
    if range_ in NAMED:
        return NAMED[range_]
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


def examinable(q) -> bool:
    """Whether an exam may draw `q`: every question but those about the package's own tools."""
    return TOOL_TAG not in q.tags


def _with_code_reading(picks: dict, pools: dict, order: list, rng) -> None:
    """Swap short answers for code-reading questions of the same chapter until the section has enough.

    The chapters are visited in the draw's own order; a chapter's last non-code
    pick makes way for one of its code questions not yet drawn.
    """
    def count():
        return sum(q.type == "code" for c in picks for q in picks[c])

    changed = True
    while count() < MIN_CODE_READING and changed:
        changed = False
        for c in order:
            if count() >= MIN_CODE_READING:
                break
            spare = [q for q in pools[c] if q.type == "code" and q not in picks[c]]
            others = [i for i, q in enumerate(picks[c]) if q.type != "code"]
            if spare and others:
                picks[c][others[-1]] = rng.choice(spare)
                changed = True


def _describe_missing(missing: dict[str, int]) -> str:
    parts = [f"{n} {SECTION_TITLES[s]['en']}" for s, n in missing.items()]
    return (", ".join(parts[:-1]) + " and " + parts[-1]) if len(parts) > 1 else parts[0]


def draw(banks: dict, range_: str, seed: int) -> Exam:
    """Draw the exam for `range_` and `seed` from `banks` (`{chapter: Bank}`)."""
    chapters = chapters_of(range_)
    range_ = range_ if range_ in NAMED else ",".join(chapters)
    present = [c for c in chapters if c in banks]
    without = [c for c in chapters if c not in banks]
    rng = random.Random(f"{range_}|{seed}")
    chosen, missing = [], {}
    for section in SECTIONS:
        pools = {c: [q for q in banks[c].questions if q.section == section and examinable(q)] for c in present}
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
        picks = {c: _spread(pools[c], quota[c], rng) for c in present}
        if section == "short_answer":
            _with_code_reading(picks, pools, order, rng)
        for c in present:
            position = {q.id: i for i, q in enumerate(banks[c].questions)}
            chosen.extend(sorted(picks[c], key=lambda q: position[q.id]))
    if missing:
        what = f"the {range_} ({_span(chapters)})" if range_ in NAMED else "chapters " + ", ".join(chapters)
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


def range_option(exam) -> str:
    """The `exam` flags that draw `exam`'s range again: `--midterm`, `--final` or `--chapters ch07,ch09`."""
    return {"midterm": "--midterm", "midterm+ch01": "--midterm --with-ch01", "final": "--final"}.get(
        exam.range, f"--chapters {exam.range}")


SHEET = {
    "en": {"title": "kerasbook answer sheet: {label}, seed {seed}",
           "how": ["Fill in your answers and grade them with: {cmd}",
                   "An empty answer counts as skipped. Keep the first three keys as they are.",
                   "Essays: write the text, then compare it with the key's model answer and rubric",
                   "({key}) and mark each rubric point your essay makes: yes or no.",
                   "An essay with no marks is reported as pending and scores nothing yet."],
           "types": {"single": "one letter", "multiple": "every right letter, e.g. [A, C]", "short": "a few words",
                     "numeric": "a number", "code": "a few words or a shape", "essay": "essay"},
           "covered": "rubric points 1-{n} of the key: yes or no"},
    "ko": {"title": "kerasbook 답안지: {label}, 시드 {seed}",
           "how": ["답을 채운 뒤 다음 명령으로 채점하세요: {cmd}",
                   "빈 답은 건너뛴 것으로 칩니다. 처음 세 항목(exam, seed, questions)은 그대로 두세요.",
                   "서술형: 답을 쓴 뒤 정답지의 모범 답안·채점 기준과 비교하고",
                   "({key}) 답안이 담은 기준마다 yes, 아니면 no를 표시하세요.",
                   "표시가 없는 서술형은 채점 대기로 보고되며 아직 점수가 없습니다."],
           "types": {"single": "글자 하나", "multiple": "정답 글자 모두, 예: [A, C]", "short": "몇 단어",
                     "numeric": "숫자", "code": "몇 단어 또는 모양", "essay": "서술형"},
           "covered": "정답지의 채점 기준 1-{n}: yes 또는 no"},
}


def answer_sheet(exam, lang: str = "en") -> str:
    """A blank answer sheet (YAML) for `exam`, to fill in and pass to `grade`; comments in `lang`.

    An essay has its text and one field per rubric point: after writing, the
    student reads the key (`exam ... --key`) and marks each point yes or no.
    """
    words = SHEET[lang]
    key_cmd = f"{PROG} exam {range_option(exam)} --seed {exam.seed} --key" + (" --lang ko" if lang == "ko" else "")
    lines = [f"# {words['title'].format(label=exam.label_in(lang), seed=exam.seed)}"]
    lines += ["# " + line.format(cmd=f"{PROG} grade THIS_FILE.yaml" + (" --lang ko" if lang == "ko" else ""),
                                 key=key_cmd) for line in words["how"]]
    lines += [
        f"exam: {json.dumps(exam.range)}",
        f"seed: {exam.seed}",
        "questions: [" + ", ".join(q.id for q in exam.questions) + "]",
        "answers:",
    ]
    for number, q in exam.numbered():
        if q.type == "essay":
            lines += [f"  {number}:   # {q.id} ({words['types']['essay']})", "    text: |", "      ",
                      f"    covered:   # {words['covered'].format(n=len(q.rubric))}"]
            lines += [f"      {k}:" for k in range(1, len(q.rubric) + 1)]
        else:
            lines.append(f"  {number}:   # {q.id} ({words['types'][q.type]})")
    return "\n".join(lines) + "\n"


def exam_markdown(exam, key: bool, lang: str) -> str:
    """A printable exam in `lang` (labels too); with `key`, followed by its answer key."""
    words = LABELS[lang]
    out = [f"# {words['exam']} · {exam.label_in(lang)} · {words['seed']} {exam.seed}", ""]
    total = sum(EXAM_SHAPE.values())
    if lang == "ko":
        parts = ", ".join(f"{SECTION_TITLES[s]['ko']} {EXAM_SHAPE[s]}문제" for s in SECTIONS)
    else:
        parts = ", ".join(f"{EXAM_SHAPE[s]} {SECTION_TITLES[s]['en']}" for s in SECTIONS)
    out += [words["intro"].format(total=total, parts=parts), ""]
    if not key:
        out += [words["sheet_hint"].format(cmd=f"{PROG} grade SHEET.yaml"), ""]
    part = 0
    for number, q in exam.numbered():
        if number == 1 or q.section != exam.questions[number - 2].section:
            part += 1
            title = SECTION_TITLES[q.section][lang]
            out += ["## " + words["part"].format(n=part, title=title.capitalize() if lang == "en" else title,
                                                 count=EXAM_SHAPE[q.section]), ""]
        hint = {"single": words["pick_one"], "multiple": words["pick_all"]}.get(q.type)
        if q.type == "numeric":
            unit = unit_of(q, lang)
            hint = words["number_in"].format(unit=unit) if unit else words["number"]
        out += [f"**{number}.** {q.prompt.get(lang)}" + (f" *({hint})*" if hint else ""), ""]
        if q.snippet:
            out += ["```python", q.snippet, "```", ""]
        for i, choice in enumerate(getattr(q, "choices", [])):
            out.append(f"- **{LETTERS[i]})** {choice.get(lang)}")
        if q.type in ("single", "multiple"):
            out.append("")
    if key:
        out += [f"## {words['key']}", ""]
        for number, q in exam.numbered():
            q = resolve(q)
            if q.type == "essay":
                out += [f"**{number}.** ({q.id}) {words['model']}: {q.answer.get(lang)}", "",
                        f"{words['rubric']}:", ""]
                out += [f"{k}. {p.ko if lang == 'ko' else p.en}" for k, p in enumerate(q.rubric, start=1)] + [""]
            else:
                extra = ""
                if q.type == "numeric" and (q.tolerance.abs or q.tolerance.rel > 1e-6):
                    extra = f" (± {format_number(max(q.tolerance.abs, q.tolerance.rel * abs(q.answer)))})"
                out += [f"**{number}.** ({q.id}) {format_answer(q, lang)}{extra}. "
                        f"{q.explanation.get(lang)} [{q.link}]", ""]
    else:
        out += [f"## {words['sheet']}", "", words["copy"], "", "```yaml",
                answer_sheet(exam, lang).rstrip("\n"), "```", ""]
    return "\n".join(out)
