"""The quiz command line: `python -m kerasbook.quiz COMMAND`.

    list                                  the banks, with their questions per type
    validate                              check every bank and lint it; exit 1 with a list of problems
    run CHAPTER [--n N] [--type T] [--lang en|ko] [--seed S]
                                          an interactive quiz on stdin, with feedback
    exam --midterm [--with-ch01] | --final | --chapters A,B [--seed S] [--format F] [--key] [--lang en|ko]
                                          draw an exam in the course's shape (12 + 11 + 7)
    grade SHEET.yaml [--lang en|ko]       grade a filled answer sheet (essays: by the student's rubric marks)
    report [--lang en|ko]                 weakest tags and the sections to reread

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
        "hint": "(Your answer mentions key terms of {hint} of the {n} points; that is a hint, not a grade.)",
        "mark": "Did your answer make point {k}? (y/n): ",
        "bad_mark": "Please answer y or n.",
        "done": "Score: {score} of {n} ({pct} %).",
        "stopped": "Stopped after {k} of {n} questions.",
        "again": "The same questions again: {cmd}",
        "weak": "Tags to work on",
        "header": "{key} · {title} · {n} question(s) · seed {seed}",
        "only": "(only {n} question(s) of that kind in the bank)",
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
        "hint": "(답안에 {n}개 기준 중 {hint}개의 핵심어가 보입니다. 참고일 뿐 점수가 아닙니다.)",
        "mark": "{k}번 기준을 답안에 담았나요? (y/n): ",
        "bad_mark": "y 또는 n으로 답하세요.",
        "done": "점수: {n}점 중 {score}점 ({pct} %).",
        "stopped": "{n}문제 중 {k}문제에서 멈췄습니다.",
        "again": "같은 문제로 다시: {cmd}",
        "weak": "더 공부할 태그",
        "header": "{key} · {title} · {n}문제 · 시드 {seed}",
        "only": "(은행에 그런 문제가 {n}개뿐입니다)",
    },
}


# The words of `grade` and `report`.
REPORT = {
    "en": {
        "changed": "note: the banks have changed since this exam was drawn; grading the questions the sheet lists",
        "auto": "Graded automatically (multiple choice and short answer): {pts} / {n} ({pct} %)",
        "self": "Essays, self-assessed against their rubrics: {pts} / {n} ({pct} %)",
        "pending": "{k} essay(s) pending: compare each with the key's model answer and rubric "
                   "(`{cmd}`), mark the points it makes under `covered:`, and grade again",
        "total": "Total: {pts} / {n} ({pct} %)",
        "total_pending": "Total so far: {pts} / {n} ({pct} %), pending essays counted as 0",
        "by_section": "By section", "by_chapter": "By chapter", "by_tag": "Weakest tags (at most {k})",
        "review": "To review",
        "no_answer": "no answer", "you_wrote": "you wrote", "answer": "answer", "why": "why", "read": "read",
        "model": "model answer", "rubric": "rubric", "pending_word": "pending",
        "verdicts": {"right": "right", "partial": "partial", "wrong": "wrong", "unanswered": "no answer",
                     "pending": "pending"},
        "none_yet": "No attempts recorded yet (history: {path}).",
        "start": "Start with `{prog} run ch07` or grade an exam with `{prog} grade SHEET.yaml`.",
        "recorded": "{n} answers recorded ({modes}), {pct} % of the points",
        "mode": "{n} in {m}", "weakest": "Weakest tags", "perfect": "Every tag answered perfectly so far.",
        "reread": "Sections to reread", "of": "of",
    },
    "ko": {
        "changed": "참고: 이 시험을 뽑은 뒤 문제 은행이 바뀌어 답안지에 적힌 문제로 채점합니다",
        "auto": "자동 채점 (객관식과 주관식): {n}점 중 {pts}점 ({pct} %)",
        "self": "서술형 (채점 기준으로 스스로 채점): {n}점 중 {pts}점 ({pct} %)",
        "pending": "서술형 {k}문제 채점 대기: 정답지(`{cmd}`)의 모범 답안·채점 기준과 비교해 "
                   "`covered:` 아래 담은 기준에 yes를 표시하고 다시 채점하세요",
        "total": "합계: {n}점 중 {pts}점 ({pct} %)",
        "total_pending": "현재 합계: {n}점 중 {pts}점 ({pct} %), 채점 대기 서술형은 0점으로 계산",
        "by_section": "유형별", "by_chapter": "장별", "by_tag": "가장 약한 태그 (최대 {k}개)",
        "review": "다시 볼 문제",
        "no_answer": "답 없음", "you_wrote": "쓴 답", "answer": "정답", "why": "해설", "read": "읽을 곳",
        "model": "모범 답안", "rubric": "채점 기준", "pending_word": "채점 대기",
        "verdicts": {"right": "정답", "partial": "부분 정답", "wrong": "오답", "unanswered": "답 없음",
                     "pending": "채점 대기"},
        "none_yet": "아직 기록된 풀이가 없습니다 (기록 파일: {path}).",
        "start": "`{prog} run ch07`로 시작하거나 `{prog} grade SHEET.yaml`로 시험을 채점하세요.",
        "recorded": "답 {n}개 기록됨 ({modes}), 득점률 {pct} %",
        "mode": "{m} {n}개", "weakest": "가장 약한 태그", "perfect": "지금까지 모든 태그를 다 맞혔습니다.",
        "reread": "다시 읽을 절", "of": "중",
    },
}
MODES_KO = {"run": "문제 풀이", "exam": "시험"}
TOP_TAGS = 8


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
        print(f"◐ {ui['partial'].format(detail=score.describe(lang), points=_fmt(score.points))}")
    else:
        print(f"✗ {ui['skipped'] if score.verdict == 'unanswered' else ui['wrong']}")
    if score.verdict != "right":
        print(_wrap(f"{ui['answer']}: {bank_mod.format_answer(q, lang)}"))
    print(_wrap(f"{ui['why']}: {q.explanation.get(lang)}"))
    print(f"{ui['read']}: {q.link}")


def _essay_round(q, text, lang):
    """Show the model answer and the rubric, then ask the student point by point what the answer made."""
    ui = UI[lang]
    print()
    print(f"{ui['model']}:")
    print(_wrap(q.answer.get(lang), "  "))
    print(f"{ui['rubric']}:")
    for k, point in enumerate(q.rubric, start=1):
        print(_wrap(f"{k}. {point.ko if lang == 'ko' else point.en}", "  "))
    if not text.strip():
        return grading.grade(q, text)
    print(_wrap(ui["hint"].format(hint=sum(grading.rubric_hits(q, text)), n=len(q.rubric))))
    marks = []
    for k in range(1, len(q.rubric) + 1):
        while True:
            reply = _read_line(ui["mark"].format(k=k)).strip()
            try:
                mark = grading._mark(reply)
            except ValueError:
                mark = None
            if mark is not None:
                marks.append(mark)
                break
            print(ui["bad_mark"])
    score = grading.grade(q, {"text": text, "covered": marks})
    print(f"{_fmt(score.points)} / 1")
    print(f"{ui['read']}: {q.link}")
    return score


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
    print(ui["header"].format(key=key, title=title, n=len(picked), seed=seed))
    if args.n > len(pool):
        print(ui["only"].format(n=len(pool)))

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
        print(f"{ui['weak']}: " + ", ".join(f"{tag} ({_fmt(pts)}/{cnt})" for tag, pts, cnt in weak[:TOP_TAGS]))
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
    if args.with_ch01 and not args.midterm:
        raise cli.UsageError("--with-ch01 adds chapter 1 to the midterm; use it with --midterm")
    range_ = ("midterm+ch01" if args.with_ch01 else "midterm") if args.midterm else "final" if args.final \
        else args.chapters
    seed = args.seed if args.seed is not None else random.randrange(10_000)
    exam = exam_mod.draw_for_cli(banks, range_, seed)
    if args.format == "json":
        print(json.dumps(exam_mod.exam_json(exam, args.key), ensure_ascii=False, indent=1))
    elif args.format == "sheet":
        if args.key:
            raise cli.UsageError("--key makes no sense with --format sheet")
        sys.stdout.write(exam_mod.answer_sheet(exam, args.lang))
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
    lang = args.lang
    words = REPORT[lang]
    exam, same, rows = grading.grade_sheet(banks, args.sheet)
    print(f"{exam_mod.LABELS[lang]['exam']} · {exam.label_in(lang)} · {exam_mod.LABELS[lang]['seed']} {exam.seed}"
          f" · {args.sheet}")
    if not same:
        print(words["changed"])
    auto = [(q, sc) for q, _, sc in rows if q.type != "essay"]
    essays = [(q, sc) for q, _, sc in rows if q.type == "essay"]
    pending = [q for q, sc in essays if sc.pending]
    auto_pts = sum(sc.points for _, sc in auto)
    self_pts = sum(sc.points for _, sc in essays)
    print(words["auto"].format(pts=_fmt(auto_pts), n=len(auto), pct=_pct(auto_pts, len(auto))))
    if essays:
        print(words["self"].format(pts=_fmt(self_pts), n=len(essays), pct=_pct(self_pts, len(essays))))
    total = auto_pts + self_pts
    key = "total_pending" if pending else "total"
    print(words[key].format(pts=_fmt(total), n=len(rows), pct=_pct(total, len(rows))))
    if pending:
        option = " --lang ko" if lang == "ko" else ""
        cmd = f"{PROG} exam {exam_mod.range_option(exam)} --seed {exam.seed} --key{option}"
        print(_wrap(words["pending"].format(k=len(pending), cmd=cmd)))
    print()
    per_section = [(SECTION_TITLES[s][lang], sum(sc.points for q, _, sc in rows if q.section == s),
                    sum(q.section == s for q, _, _ in rows)) for s in SECTIONS]
    _table(words["by_section"], [r for r in per_section if r[2]])
    chapters = sorted({q.chapter for q, _, _ in rows})
    _table(words["by_chapter"], [(c, sum(sc.points for q, _, sc in rows if q.chapter == c),
                                  sum(q.chapter == c for q, _, _ in rows)) for c in chapters])
    graded = [(q, sc) for q, _, sc in rows if not sc.pending]
    weak = [r for r in _tag_table((q.tags, sc.points) for q, sc in graded) if r[1] < r[2]]
    if weak:
        _table(words["by_tag"].format(k=TOP_TAGS), weak[:TOP_TAGS])
    print()
    missed = [(n, q, r, sc) for n, (q, r, sc) in enumerate(rows, start=1) if sc.verdict != "right"]
    if missed:
        print(words["review"])
        for n, q, response, sc in missed:
            _review(n, q, response, sc, lang)
    history.append([history.attempt(q, sc.points, "exam") for q, _, sc in rows if not sc.pending])
    return 0


def _review(n, q, response, sc, lang):
    """One question to review: the verdict, what was written, the answer, why, and where to read."""
    words = REPORT[lang]
    verdict = words["verdicts"][sc.verdict]
    if sc.verdict == "unanswered":
        print(f"  {n:>2}. {q.id}: {words['no_answer']}")
    else:
        shown = grading.essay_response(response)[0] if q.type == "essay" else response
        detail = f" ({sc.describe(lang)})" if sc.detail and sc.verdict in ("partial", "pending") else ""
        print(_wrap(f"{n:>2}. {q.id}: {verdict} {_fmt(sc.points)}{detail}; {words['you_wrote']} {_short(shown)}",
                    "  "))
    indent = "      "
    if q.type == "essay":
        print(_wrap(f"{words['model']}: {q.answer.get(lang)}", indent))
        print(f"{indent}{words['rubric']}:")
        for k, point in enumerate(q.rubric, start=1):
            print(_wrap(f"{k}. {point.ko if lang == 'ko' else point.en}", indent + "  "))
    else:
        print(_wrap(f"{words['answer']}: {bank_mod.format_answer(q, lang)}", indent))
        print(_wrap(f"{words['why']}: {q.explanation.get(lang)}", indent))
    # The pages' headings are English until the Korean edition has its own.
    title = bank_mod.section_title(q.link) if lang == "en" else None
    print(f"{indent}{words['read']}: {q.link}" + (f" ({title})" if title else ""))


def _short(response, limit=60):
    if isinstance(response, dict):
        response = response.get("text") or ""
    if isinstance(response, (list, tuple)):
        response = ", ".join(map(str, response))
    text = " ".join(str(response).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- report -------------------------------------------------------------------

def cmd_report(args):
    words = REPORT[args.lang]
    attempts = history.load()
    if not attempts:
        print(words["none_yet"].format(path=history.history_path()))
        print(words["start"].format(prog=PROG))
        return 0
    total = sum(a.score for a in attempts)
    modes = defaultdict(int)
    for a in attempts:
        modes[a.mode] += 1
    names = MODES_KO if args.lang == "ko" else {}
    print(words["recorded"].format(n=len(attempts), pct=_pct(total, len(attempts)),
                                   modes=", ".join(words["mode"].format(n=n, m=names.get(m, m))
                                                   for m, n in sorted(modes.items()))))
    print()
    tags = [r for r in _tag_table((a.tags, a.score) for a in attempts) if r[1] < r[2]]
    if tags:
        _table(words["weakest"], tags[: args.top])
    else:
        print(words["perfect"])
    links = defaultdict(lambda: [0.0, 0])
    for a in attempts:
        if a.link:
            links[a.link][0] += a.score
            links[a.link][1] += 1
    weak = sorted(((l, p, n) for l, (p, n) in links.items() if p < n), key=lambda r: (r[1] / r[2], -r[2]))
    if weak:
        print()
        print(words["reread"])
        for link, pts, cnt in weak[: args.top]:
            title = bank_mod.section_title(link) if args.lang == "en" else None
            print(f"  {_pct(pts, cnt):>3} % {words['of']} {cnt:<3} {link}" + (f"  ({title})" if title else ""))
    return 0


# -- entry point ------------------------------------------------------------------

def build_parser():
    p = cli.OneLineParser(prog=PROG, description="Exam-prep quizzes for the kerasbook chapters.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=cli.OneLineParser)

    sub.add_parser("list", help="the banks, with their questions per type")
    sub.add_parser("validate", help="check every bank: schema, answers, computed answers, snippets, links, lint")

    r = sub.add_parser("run", help="an interactive quiz in the terminal")
    r.add_argument("chapter", help="a chapter with a bank, e.g. ch07 or 7")
    r.add_argument("--n", type=cli.positive_int, default=10, help="number of questions (default: 10)")
    r.add_argument("--type", choices=[*QUESTION_TYPES, *SECTIONS],
                   help="only this kind: a question type or an exam section")
    r.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the questions (default: en)")
    r.add_argument("--seed", type=cli.whole_number, help="pick the same questions again (default: a new seed, printed)")

    e = sub.add_parser("exam", help="draw an exam: 12 multiple choice, 11 short answer, 7 essay")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--midterm", action="store_true", help="chapters 2-7 (weeks 2-7)")
    which.add_argument("--final", action="store_true", help="chapters 9-14")
    which.add_argument("--chapters", metavar="A,B", help="a comma-separated list, e.g. ch07 or 5,6,7")
    e.add_argument("--with-ch01", action="store_true", help="add chapter 1 to the midterm")
    e.add_argument("--seed", type=cli.whole_number, help="the exam's seed: the same seed draws the same exam (default: new)")
    e.add_argument("--format", choices=("markdown", "json", "sheet"), default="markdown",
                   help="markdown: printable exam; json: the drawn questions; sheet: a blank answer sheet")
    e.add_argument("--key", action="store_true", help="add the answer key")
    e.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the markdown exam")

    g = sub.add_parser("grade", help="grade a filled answer sheet")
    g.add_argument("sheet", help="the answer sheet (YAML), e.g. from `exam --format sheet`")
    g.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the report (default: en)")

    rep = sub.add_parser("report", help="weakest tags and the sections to reread, from your history")
    rep.add_argument("--top", type=cli.positive_int, default=5, help="how many tags and sections to show")
    rep.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the report (default: en)")
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
