"""Drawing an exam in the course's shape: 12 multiple choice, 11 short answer, 7 essay.

An exam is fixed by its range (the midterm covers chapters 1-7, the final
chapters 9-14, or any list of chapters) and its seed: the same range and seed
always draw the same 30 questions, which is how a filled answer sheet finds its
exam again. Within each section the questions are spread over the chapters as
evenly as their banks allow, and within a chapter over the page's sections.
Every chapter of the range needs a bank: an exam that silently skipped the
chapters without one would not be the exam it claims to be.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from kerasbook.quiz.bank import chapter_key
from kerasbook.quiz.schema import EXAM_SHAPE, SECTION_TITLES, SECTIONS

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
