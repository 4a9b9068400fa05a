"""The quiz command line: `python -m kerasbook.quiz COMMAND`.

    list                                  the banks, with their questions per type
    validate                              check every bank; exit 1 with a list of problems
    run CHAPTER [--n N] [--type T] [--lang en|ko] [--seed S]
                                          an interactive quiz on stdin, with feedback
    exam --midterm | --final | --chapters A,B [--seed S] [--format F] [--key]
                                          draw an exam in the course's shape (12 + 11 + 7)
    grade SHEET.yaml                      grade a filled answer sheet
    report                                weakest tags and the sections to reread

Bad input (an unknown chapter, a sheet that is not YAML, a range without
enough questions) stops with one line on stderr and exit code 2.

This module is the command line: drawing an exam and writing it out live in
`kerasbook.quiz.exam`, grading an answer and an answer sheet in
`kerasbook.quiz.grading`.
"""

from __future__ import annotations

import json
import os
import random
import sys
import textwrap
from collections import defaultdict

from kerasbook import cli
from kerasbook.quiz import PROG
from kerasbook.quiz import bank as bank_mod
from kerasbook.quiz import exam as exam_mod
from kerasbook.quiz import grading, history
from kerasbook.quiz.schema import EXAM_SHAPE, LETTERS, QUESTION_TYPES, SECTION_OF, SECTION_TITLES, SECTIONS

WIDTH = 78

TYPE_NAMES = {
    "single": {"en": "multiple choice, one answer", "ko": "객관식, 답 하나"},
    "multiple": {"en": "multiple choice, every right answer", "ko": "객관식, 정답 모두"},
    "short": {"en": "short answer", "ko": "주관식"},
    "numeric": {"en": "short answer, a number", "ko": "주관식, 숫자"},
    "code": {"en": "code reading", "ko": "코드 읽기"},
    "essay": {"en": "essay", "ko": "서술형"},
}

UI = {
    "en": {
        "question": "Question {i} of {n}",
        "ask_single": "Your answer (one letter): ",
        "ask_multiple": "Your answer (every right letter, e.g. A C): ",
        "ask_numeric": "Your answer (a number): ",
        "ask_short": "Your answer: ",
        "ask_essay": "Write your answer; an empty line ends it (press Enter at once to skip):",
        "bad_letters": "Please answer with letters from A to {last}.",
        "bad_number": "Please answer with a number, e.g. 0.24 or 198,144.",
        "right": "Right!",
        "partial": "Partly right ({detail}): {points} of 1 point.",
        "wrong": "Not quite.",
        "skipped": "Skipped.",
        "answer": "The answer",
        "why": "Why",
        "read": "Read more",
        "model": "Model answer",
        "rubric": "Rubric: a good answer makes these points",
        "self_score": "How many of the {n} points did your answer make? (0-{n}; the keywords suggest {hint}): ",
        "bad_score": "Please type a number from 0 to {n}.",
        "done": "Score: {score} of {n} ({pct} %).",
        "stopped": "Stopped after {k} of {n} questions.",
        "again": "The same questions again: {cmd}",
        "weak": "Tags to work on",
    },
    "ko": {
        "question": "문제 {i} / {n}",
        "ask_single": "답 (글자 하나): ",
        "ask_multiple": "답 (정답 글자 모두, 예: A C): ",
        "ask_numeric": "답 (숫자): ",
        "ask_short": "답: ",
        "ask_essay": "답을 쓰세요. 빈 줄을 입력하면 끝납니다 (바로 Enter를 누르면 건너뜁니다):",
        "bad_letters": "A부터 {last} 사이의 글자로 답하세요.",
        "bad_number": "숫자로 답하세요. 예: 0.24, 198,144",
        "right": "정답입니다!",
        "partial": "부분 정답 ({detail}): 1점 중 {points}점.",
        "wrong": "틀렸습니다.",
        "skipped": "건너뛰었습니다.",
        "answer": "정답",
        "why": "해설",
        "read": "더 읽기",
        "model": "모범 답안",
        "rubric": "채점 기준: 좋은 답은 다음 내용을 담는다",
        "self_score": "{n}개 기준 중 몇 개를 담았나요? (0-{n}, 키워드로 추정하면 {hint}): ",
        "bad_score": "0부터 {n} 사이의 숫자를 입력하세요.",
        "done": "점수: {n}점 중 {score}점 ({pct} %).",
        "stopped": "{n}문제 중 {k}문제에서 멈췄습니다.",
        "again": "같은 문제로 다시: {cmd}",
        "weak": "더 공부할 태그",
    },
}


class _EndOfInput(Exception):
    """stdin ran out (or the reader pressed Ctrl-D / Ctrl-C) in the middle of a quiz."""


# -- shared helpers ------------------------------------------------------------

def _banks():
    try:
        return bank_mod.load_banks()
    except bank_mod.BankError as err:
        more = f" (and {len(err.problems) - 1} more; run `{PROG} validate`)" if len(err.problems) > 1 else ""
        raise cli.UsageError(f"the question banks do not load: {err.problems[0]}{more}") from None


def _chapter(banks, text):
    try:
        key = bank_mod.chapter_key(text)
    except ValueError as err:
        raise cli.UsageError(str(err)) from None
    if key not in banks:
        raise cli.UsageError(f"there is no question bank for {key} yet; banks: {', '.join(banks) or 'none'}")
    return key


def _wrap(text, indent=""):
    # Never split a word (or `log-sum-exp`) across lines: prompts are often code-like.
    return "\n".join(textwrap.fill(part, WIDTH, initial_indent=indent, subsequent_indent=indent,
                                   break_long_words=False, break_on_hyphens=False)
                     for part in str(text).split("\n"))


def _fmt(points: float) -> str:
    return f"{points:.2f}".rstrip("0").rstrip(".")


def _pct(points: float, total: float) -> int:
    return round(100 * points / total) if total else 0


# -- list ------------------------------------------------------------------------

def cmd_list(args):
    banks = _banks()
    header = f"{'bank':<6} {'questions':>9}  " + " ".join(f"{t:>8}" for t in QUESTION_TYPES) + "   title"
    print(header)
    for key, b in banks.items():
        counts = {t: sum(q.type == t for q in b.questions) for t in QUESTION_TYPES}
        print(f"{key:<6} {len(b.questions):>9}  " + " ".join(f"{counts[t]:>8}" for t in QUESTION_TYPES)
              + f"   {b.title.en}")
    for key, b in banks.items():
        per = {s: sum(q.section == s for q in b.questions) for s in SECTIONS}
        print(f"{key}: " + ", ".join(f"{per[s]} {SECTION_TITLES[s]['en']}" for s in SECTIONS)
              + f" (an exam needs {', '.join(str(EXAM_SHAPE[s]) for s in SECTIONS)})")
    return 0


# -- validate -----------------------------------------------------------------

def cmd_validate(args):
    problems, notes = bank_mod.validate()
    for note in notes:
        print(f"note: {note}")
    if problems:
        print(f"{len(problems)} problem(s):")
        for p in problems:
            print(f"  - {p}")
        return 1
    banks = bank_mod.load_banks()
    n = sum(len(b.questions) for b in banks.values())
    computed = sum(q.compute is not None for b in banks.values() for q in b.questions)
    print(f"ok: {len(banks)} bank(s), {n} questions, {computed} computed answers recomputed from the chapter code")
    return 0


# -- run ----------------------------------------------------------------------------

def _read_line(prompt: str) -> str:
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        print()
        raise _EndOfInput
    line = line.rstrip("\r\n")
    isatty = getattr(sys.stdin, "isatty", None)
    if not (isatty and isatty()):
        print(line)            # answers piped in from a file: show them, as a terminal would
    return line


def _show_question(q, lang, i, n):
    ui = UI[lang]
    print()
    print(f"{ui['question'].format(i=i, n=n)} · {TYPE_NAMES[q.type][lang]} · {', '.join(q.tags)}")
    print(_wrap(q.prompt.get(lang)))
    if q.snippet:
        print()
        print(textwrap.indent(q.snippet, "    "))
        print()
    for letter, choice in zip(LETTERS, getattr(q, "choices", [])):
        print(_wrap(f"{letter}) {choice.get(lang)}", "  "))


def _ask_answer(q, lang):
    ui = UI[lang]
    if q.type == "essay":
        print(ui["ask_essay"])
        lines = []
        while True:
            line = _read_line("> ")
            if not line.strip():
                return "\n".join(lines)
            lines.append(line)
    while True:
        text = _read_line(ui[f"ask_{'short' if q.type == 'code' else q.type}"])
        if not text.strip():
            return ""
        if q.type in ("single", "multiple"):
            ok = grading.parse_letters(text, len(q.choices)) or (
                q.type == "single" and grading._choice_by_text(q, text))
            if not ok:
                print(ui["bad_letters"].format(last=LETTERS[len(q.choices) - 1]))
                continue
        if q.type == "numeric" and grading.parse_number(text) is None:
            print(ui["bad_number"])
            continue
        return text


def _show_feedback(q, score, lang):
    ui = UI[lang]
    if score.verdict == "right":
        print(f"✓ {ui['right']}")
    elif score.verdict == "partial":
        print(f"◐ {ui['partial'].format(detail=score.detail, points=_fmt(score.points))}")
    else:
        print(f"✗ {ui['skipped'] if score.verdict == 'unanswered' else ui['wrong']}")
    if score.verdict != "right":
        print(_wrap(f"{ui['answer']}: {bank_mod.format_answer(q, lang)}"))
    print(_wrap(f"{ui['why']}: {q.explanation.get(lang)}"))
    print(f"{ui['read']}: {q.link}")


def _essay_round(q, text, lang):
    ui = UI[lang]
    print()
    print(f"{ui['model']}:")
    print(_wrap(q.answer.get(lang), "  "))
    print(f"{ui['rubric']}:")
    hits = grading.rubric_hits(q, text)
    for k, point in enumerate(q.rubric, start=1):
        print(_wrap(f"{k}. {point.ko if lang == 'ko' else point.en}", "  "))
    if not text.strip():
        return grading.grade(q, text)
    n = len(q.rubric)
    while True:
        reply = _read_line(ui["self_score"].format(n=n, hint=sum(hits))).strip()
        value = grading.parse_number(reply) if reply else None
        if value is not None and 0 <= value <= n:
            score = grading.grade(q, {"text": text, "points": value})
            print(f"{_fmt(score.points)} / 1")
            print(f"{ui['read']}: {q.link}")
            return score
        print(ui["bad_score"].format(n=n))


def cmd_run(args):
    banks = _banks()
    key = _chapter(banks, args.chapter)
    pool = list(banks[key].questions)
    if args.type:
        wanted = {args.type} if args.type in QUESTION_TYPES else {t for t, s in SECTION_OF.items() if s == args.type}
        pool = [q for q in pool if q.type in wanted]
        if not pool:
            raise cli.UsageError(f"the {key} bank has no {args.type} questions")
    seed = args.seed if args.seed is not None else random.randrange(10_000)
    rng = random.Random(f"run|{key}|{seed}")
    picked = rng.sample(pool, min(args.n, len(pool)))
    lang, ui = args.lang, UI[args.lang]
    title = banks[key].title.get(lang)
    print(f"{key} · {title} · {len(picked)} question(s) · seed {seed}")
    if args.n > len(pool):
        print(f"(only {len(pool)} question(s) of that kind in the bank)")

    scores, attempts = [], []
    try:
        for i, raw in enumerate(picked, start=1):
            q = bank_mod.resolve(raw)
            _show_question(q, lang, i, len(picked))
            response = _ask_answer(q, lang)
            if q.type == "essay":
                score = _essay_round(q, response, lang)
            else:
                score = grading.grade(q, response)
                _show_feedback(q, score, lang)
            scores.append((q, score))
            attempts.append(history.attempt(q, score.points, "run"))
    except (_EndOfInput, KeyboardInterrupt):
        print(ui["stopped"].format(k=len(scores), n=len(picked)))

    total = sum(s.points for _, s in scores)
    print()
    print(ui["done"].format(score=_fmt(total), n=len(scores), pct=_pct(total, len(scores))))
    weak = _tag_table((q.tags, s.points) for q, s in scores)
    weak = [(tag, pts, cnt) for tag, pts, cnt in weak if pts < cnt]
    if weak:
        print(f"{ui['weak']}: " + ", ".join(f"{tag} ({_fmt(pts)}/{cnt})" for tag, pts, cnt in weak[:5]))
    options = "".join(f" --{k} {v}" for k, v in (("n", args.n), ("type", args.type), ("lang", args.lang)) if v)
    print(ui["again"].format(cmd=f"{PROG} run {key}{options} --seed {seed}"))
    history.append(attempts)
    return 0


def _tag_table(rows):
    """`[(tag, points, count)]`, weakest share first, from `(tags, points)` pairs."""
    points, counts = defaultdict(float), defaultdict(int)
    for tags, pts in rows:
        for tag in tags:
            points[tag] += pts
            counts[tag] += 1
    return sorted(((t, points[t], counts[t]) for t in points), key=lambda r: (r[1] / r[2], -r[2], r[0]))


# -- exam -------------------------------------------------------------------------

def cmd_exam(args):
    banks = _banks()
    range_ = "midterm" if args.midterm else "final" if args.final else args.chapters
    seed = args.seed if args.seed is not None else random.randrange(10_000)
    exam = exam_mod.draw_for_cli(banks, range_, seed)
    if args.format == "json":
        print(json.dumps(exam_mod.exam_json(exam, args.key), ensure_ascii=False, indent=1))
    elif args.format == "sheet":
        if args.key:
            raise cli.UsageError("--key makes no sense with --format sheet")
        sys.stdout.write(exam_mod.answer_sheet(exam))
    else:
        print(exam_mod.exam_markdown(exam, args.key, args.lang))
    return 0


# -- grade --------------------------------------------------------------------------

def _table(title, rows, width=22):
    print(title)
    for name, pts, cnt in rows:
        print(f"  {name:<{width}} {_fmt(pts):>5} / {cnt:<3} {_pct(pts, cnt):>4} %")


def cmd_grade(args):
    banks = _banks()
    exam, same, rows = grading.grade_sheet(banks, args.sheet)
    print(f"kerasbook exam · {exam.label} · seed {exam.seed} · {args.sheet}")
    if not same:
        print("note: the banks have changed since this exam was drawn; grading the questions the sheet lists")
    total = sum(s.points for _, _, s in rows)
    print(f"Total: {_fmt(total)} / {len(rows)} ({_pct(total, len(rows))} %)")
    print()
    per_section = [(SECTION_TITLES[s]["en"], sum(sc.points for q, _, sc in rows if q.section == s),
                    sum(q.section == s for q, _, _ in rows)) for s in SECTIONS]
    _table("By section", [r for r in per_section if r[2]])
    chapters = sorted({q.chapter for q, _, _ in rows})
    _table("By chapter", [(c, sum(sc.points for q, _, sc in rows if q.chapter == c),
                           sum(q.chapter == c for q, _, _ in rows)) for c in chapters])
    _table("By tag (weakest first)", _tag_table((q.tags, sc.points) for q, _, sc in rows))
    print()
    missed = [(n, q, r, sc) for n, (q, r, sc) in enumerate(rows, start=1) if sc.verdict != "right"]
    if missed:
        print("To review")
        for n, q, response, sc in missed:
            if sc.verdict == "unanswered":
                print(f"  {n:>2}. {q.id}: no answer")
            else:
                detail = f" ({sc.detail})" if sc.detail and sc.verdict == "partial" else ""
                print(f"  {n:>2}. {q.id}: {sc.verdict} {_fmt(sc.points)}{detail}; you wrote {_short(response)}")
            if q.type != "essay":
                print(_wrap(f"answer: {bank_mod.format_answer(q)}", "      "))
            print(f"      read: {q.link}")
    history.append([history.attempt(q, sc.points, "exam") for q, _, sc in rows])
    return 0


def _short(response, limit=60):
    if isinstance(response, dict):
        response = response.get("text") or ""
    if isinstance(response, (list, tuple)):
        response = ", ".join(map(str, response))
    text = " ".join(str(response).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- report -------------------------------------------------------------------

def cmd_report(args):
    attempts = history.load()
    if not attempts:
        print(f"No attempts recorded yet (history: {history.history_path()}).")
        print(f"Start with `{PROG} run ch07` or grade an exam with `{PROG} grade SHEET.yaml`.")
        return 0
    total = sum(a.score for a in attempts)
    modes = defaultdict(int)
    for a in attempts:
        modes[a.mode] += 1
    print(f"{len(attempts)} answers recorded ("
          + ", ".join(f"{n} in {m}" for m, n in sorted(modes.items()))
          + f"), {_pct(total, len(attempts))} % of the points")
    print()
    tags = [r for r in _tag_table((a.tags, a.score) for a in attempts) if r[1] < r[2]]
    if tags:
        _table("Weakest tags", tags[: args.top])
    else:
        print("Every tag answered perfectly so far.")
    links = defaultdict(lambda: [0.0, 0])
    for a in attempts:
        if a.link:
            links[a.link][0] += a.score
            links[a.link][1] += 1
    weak = sorted(((l, p, n) for l, (p, n) in links.items() if p < n), key=lambda r: (r[1] / r[2], -r[2]))
    if weak:
        print()
        print("Sections to reread")
        for link, pts, cnt in weak[: args.top]:
            title = bank_mod.section_title(link)
            print(f"  {_pct(pts, cnt):>3} % of {cnt:<3} {link}" + (f"  ({title})" if title else ""))
    return 0


# -- entry point ------------------------------------------------------------------

def build_parser():
    p = cli.OneLineParser(prog=PROG, description="Exam-prep quizzes for the kerasbook chapters.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=cli.OneLineParser)

    sub.add_parser("list", help="the banks, with their questions per type")
    sub.add_parser("validate", help="check every bank: schema, answers, computed answers, snippets, links")

    r = sub.add_parser("run", help="an interactive quiz in the terminal")
    r.add_argument("chapter", help="a chapter with a bank, e.g. ch07 or 7")
    r.add_argument("--n", type=cli.positive_int, default=10, help="number of questions (default: 10)")
    r.add_argument("--type", choices=[*QUESTION_TYPES, *SECTIONS],
                   help="only this kind: a question type or an exam section")
    r.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the questions (default: en)")
    r.add_argument("--seed", type=cli.whole_number, help="pick the same questions again (default: a new seed, printed)")

    e = sub.add_parser("exam", help="draw an exam: 12 multiple choice, 11 short answer, 7 essay")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--midterm", action="store_true", help="chapters 1-7")
    which.add_argument("--final", action="store_true", help="chapters 9-14")
    which.add_argument("--chapters", metavar="A,B", help="a comma-separated list, e.g. ch07 or 5,6,7")
    e.add_argument("--seed", type=cli.whole_number, help="the exam's seed: the same seed draws the same exam (default: new)")
    e.add_argument("--format", choices=("markdown", "json", "sheet"), default="markdown",
                   help="markdown: printable exam; json: the drawn questions; sheet: a blank answer sheet")
    e.add_argument("--key", action="store_true", help="add the answer key")
    e.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the markdown exam")

    g = sub.add_parser("grade", help="grade a filled answer sheet")
    g.add_argument("sheet", help="the answer sheet (YAML), e.g. from `exam --format sheet`")

    rep = sub.add_parser("report", help="weakest tags and the sections to reread, from your history")
    rep.add_argument("--top", type=cli.positive_int, default=5, help="how many tags and sections to show")
    return p


COMMANDS = {"list": cmd_list, "validate": cmd_validate, "run": cmd_run, "exam": cmd_exam,
            "grade": cmd_grade, "report": cmd_report}


def _main(argv):
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


def main(argv=None):
    """Run one quiz command; returns its exit code (usage errors exit 2 with one line)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return cli.run_main(_main, argv, PROG)
    except BrokenPipeError:
        # The reader closed the pipe (`exam ... | head`): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
