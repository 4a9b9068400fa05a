"""The quiz command line: list, validate, an interactive run driven through stdin,
exams, grading of prepared answer sheets, the report, and a broken history file."""

import io
import json
import re
import subprocess
import sys

import pytest
import yaml

from kerasbook.quiz import bank as bank_mod
from kerasbook.quiz import history
from kerasbook.quiz.__main__ import main
from kerasbook.quiz.schema import EXAM_SHAPE, LETTERS


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Every test gets its own, empty history folder."""
    folder = tmp_path / "data"
    monkeypatch.setenv("KERASBOOK_DATA", str(folder))
    return folder


@pytest.fixture(scope="module")
def ch07():
    return bank_mod.load_banks()["ch07"]


def cli(argv, capsys):
    """`(exit code, stdout, stderr)` of one command, run in this process."""
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err


def attempts():
    return history.load()


# -- a student at the keyboard ---------------------------------------------------------

HEADER = re.compile(r"^(?:Question \d+ of \d+|문제 \d+ / \d+) · ", re.MULTILINE)


class Student:
    """Stands in for stdin: reads the screen, finds the question asked, types the answer.

    `policy(question, index)` returns the lines to type for the `index`-th
    question asked (its answer, then for essays the empty line and the
    self-score). When a question's lines run out, stdin ends.
    """

    def __init__(self, screen, bank, policy):
        self.screen, self.bank, self.policy = screen, bank, policy
        self.asked, self.queue = [], []

    def _current(self):
        text = self.screen.getvalue()
        starts = [m.start() for m in HEADER.finditer(text)]
        assert starts, "the quiz asked for input before showing a question"
        seen = " ".join(text[starts[-1]:].split())
        hits = [q for q in self.bank.questions
                if " ".join(q.prompt.en.split()) in seen or " ".join(q.prompt.ko.split()) in seen]
        assert hits, f"no bank question matches the screen:\n{text[starts[-1]:]}"
        return max(hits, key=lambda q: len(q.prompt.en))

    def readline(self):
        q = self._current()
        if not self.asked or self.asked[-1] is not q:
            self.asked.append(q)
            self.queue = list(self.policy(bank_mod.resolve(q), len(self.asked) - 1))
        return self.queue.pop(0) + "\n" if self.queue else ""


def run_quiz(argv, bank, policy, monkeypatch):
    screen = io.StringIO()
    student = Student(screen, bank, policy)
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", screen)
        patch.setattr(sys, "stdin", student)
        code = main(argv)
    return code, screen.getvalue(), student.asked


def right_answer(q):
    if q.type == "multiple":
        return " ".join(q.answer)
    if q.type == "numeric":
        return bank_mod.format_number(q.answer)
    if q.type == "essay":
        return q.answer.en
    return q.answer


def wrong_letter(q):
    return next(x for x in LETTERS[: len(q.choices)] if x not in q.answer)


# -- run ---------------------------------------------------------------------------------

def test_run_gives_immediate_feedback_and_records_history(ch07, monkeypatch):
    def policy(q, i):
        if i == 0:
            return ["Z", q.answer]                 # a typo first: asked again, no point lost
        return [q.answer] if i % 2 == 0 else [wrong_letter(q)]

    code, screen, asked = run_quiz(["run", "ch07", "--type", "single", "--n", "4", "--seed", "3"],
                                   ch07, policy, monkeypatch)
    assert code == 0
    assert len(asked) == 4 and all(q.type == "single" for q in asked)
    assert "Please answer with letters from A to D." in screen
    assert screen.count("✓ Right!") == 2 and screen.count("✗ Not quite.") == 2
    assert screen.count("Why: ") == 4 and screen.count("Read more: ch07_crnn.md#") == 4
    assert "Score: 2 of 4 (50 %)" in screen
    assert "--seed 3" in screen
    wrong = bank_mod.resolve(asked[1])
    assert f"The answer: {bank_mod.format_answer(wrong)}" in " ".join(screen.split())
    saved = attempts()
    assert [a.question for a in saved] == [q.id for q in asked]
    assert [a.score for a in saved] == [1, 0, 1, 0] and {a.mode for a in saved} == {"run"}


def test_run_with_the_same_seed_asks_the_same_questions(ch07, monkeypatch):
    argv = ["run", "ch07", "--n", "3", "--seed", "11"]
    first = run_quiz(argv, ch07, lambda q, i: [""], monkeypatch)[2]
    second = run_quiz(argv, ch07, lambda q, i: [""], monkeypatch)[2]
    assert [q.id for q in first] == [q.id for q in second]


def test_run_essay_shows_the_model_answer_and_asks_point_by_point(ch07, monkeypatch):
    def policy(q, i):
        n = len(q.rubric)
        return ["The update gate mixes the old state and the candidate.", "The reset gate scales h.", "",
                "maybe", "y"] + ["n"] * (n - 1)

    code, screen, asked = run_quiz(["run", "ch07", "--type", "essay", "--n", "1", "--seed", "0"],
                                   ch07, policy, monkeypatch)
    assert code == 0
    q = asked[0]
    n = len(q.rubric)
    assert "Model answer:" in screen and "Rubric: a good answer makes these points:" in screen
    assert " ".join(q.answer.en.split())[:60] in " ".join(screen.split())
    assert "that is a hint, not a grade" in " ".join(screen.split())
    assert "Please answer y or n." in screen
    assert screen.count("Did your answer make point") == n + 1        # "maybe" asked again
    assert f"Score: {1 / n:.2f}".rstrip("0") in screen
    assert attempts()[0].score == pytest.approx(1 / n)


def test_run_in_korean(ch07, monkeypatch):
    code, screen, asked = run_quiz(["run", "ch07", "--type", "short_answer", "--n", "3", "--seed", "2",
                                    "--lang", "ko"], ch07, lambda q, i: [right_answer(q)], monkeypatch)
    assert code == 0
    assert {q.section for q in asked} == {"short_answer"}
    assert screen.count("정답입니다!") == 3
    assert "점수: 3점 중 3점 (100 %)" in screen
    assert " ".join(asked[0].prompt.ko.split()) in " ".join(screen.split())


def test_run_stops_cleanly_when_input_ends(ch07, monkeypatch):
    code, screen, asked = run_quiz(["run", "ch07", "--type", "numeric", "--n", "3", "--seed", "4"],
                                   ch07, lambda q, i: [right_answer(q)] if i == 0 else [], monkeypatch)
    assert code == 0
    assert "Stopped after 1 of 3 questions." in screen
    assert "Score: 1 of 1 (100 %)" in screen
    assert len(attempts()) == 1


@pytest.mark.parametrize("argv, message", [
    (["run", "ch08"], "no question bank for ch08"),
    (["run", "chapter seven"], "is not a chapter"),
    (["run", "ch07", "--n", "0"], "must be at least 1"),
    (["run", "ch07", "--type", "riddle"], "invalid choice"),
    (["run", "ch07", "--lang", "fr"], "invalid choice"),
    ([], "required"),
])
def test_run_refuses_bad_input_in_one_line(argv, message, capsys):
    code, out, err = cli(argv, capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1


# -- list, validate ------------------------------------------------------------------------

def test_list_counts_every_type(ch07, capsys):
    code, out, _ = cli(["list"], capsys)
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("ch07 "))
    numbers = [int(x) for x in row.split()[1:8]]
    counts = [sum(q.type == t for q in ch07.questions) for t in ("single", "multiple", "short", "numeric", "code", "essay")]
    assert numbers == [len(ch07.questions), *counts]


def test_validate_passes(capsys):
    code, out, _ = cli(["validate"], capsys)
    assert code == 0 and out.startswith("ok:")


def test_validate_lists_problems(monkeypatch, capsys):
    monkeypatch.setattr(bank_mod, "validate", lambda: (["ch07.yaml: ch07-x: link broken", "ch07.yaml: two"], []))
    code, out, _ = cli(["validate"], capsys)
    assert code == 1
    assert "2 problem(s):" in out and "  - ch07.yaml: ch07-x: link broken" in out


# -- exam ------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 8, 300])
def test_exam_json_has_the_course_shape(seed, capsys):
    code, out, _ = cli(["exam", "--chapters", "ch07", "--seed", str(seed), "--format", "json"], capsys)
    assert code == 0
    exam = json.loads(out)
    assert exam["seed"] == seed and exam["chapters"] == ["ch07"]
    questions = exam["questions"]
    assert [q["number"] for q in questions] == list(range(1, 31))
    assert len({q["id"] for q in questions}) == 30
    for section, need in EXAM_SHAPE.items():
        assert sum(q["section"] == section for q in questions) == need
    assert all(q["chapter"] == "ch07" and "answer" not in q for q in questions)
    assert all(q["code"] for q in questions if q["type"] == "code")


def test_exam_json_key_and_markdown(capsys):
    code, out, _ = cli(["exam", "--chapters", "7", "--seed", "5", "--format", "json", "--key"], capsys)
    keyed = json.loads(out)["questions"]
    assert all("answer" in q and "explanation" in q for q in keyed)
    assert all(len(q["rubric"]) >= 2 for q in keyed if q["type"] == "essay")
    code, out, _ = cli(["exam", "--chapters", "ch07", "--seed", "5"], capsys)
    assert code == 0
    assert "# kerasbook exam · chapters ch07 · seed 5" in out
    for part in ("## Part 1 · Multiple choice (12)", "## Part 2 · Short answer (11)", "## Part 3 · Essay (7)",
                 "## Answer sheet"):
        assert part in out
    assert "## Answer key" not in out
    code, out, _ = cli(["exam", "--chapters", "ch07", "--seed", "5", "--key", "--lang", "ko"], capsys)
    assert "## 정답" in out and "## 1부 · 객관식 (12문제)" in out


@pytest.mark.parametrize("argv, message", [
    (["exam", "--chapters", "ch07,ch08"], "no bank yet for ch08"),
    (["exam", "--chapters", "ch14,ch15", "--seed", "1"], "no bank yet for ch15"),
    (["exam"], "one of the arguments --midterm --final --chapters is required"),
    (["exam", "--midterm", "--final"], "not allowed with"),
    (["exam", "--chapters", "seven"], "is not a chapter"),
])
def test_exam_errors_are_one_line_with_exit_2(argv, message, capsys):
    code, out, err = cli(argv, capsys)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def check_markdown_exam(argv, title, capsys):
    """`exam ... --format markdown --key` exits 0 and prints `title`, the three parts and the key."""
    code, out, _ = cli(argv, capsys)
    assert code == 0
    assert title in out
    for part in ("## Part 1 · Multiple choice (12)", "## Part 2 · Short answer (11)", "## Part 3 · Essay (7)",
                 "## Answer key"):
        assert part in out


def test_the_midterm_draws_the_course_shape_over_weeks_2_to_7(capsys):
    check_markdown_exam(["exam", "--midterm", "--seed", "3", "--format", "markdown", "--key"], "midterm (ch02-ch07)",
                        capsys)
    check_markdown_exam(["exam", "--midterm", "--with-ch01", "--seed", "3", "--format", "markdown", "--key"],
                        "midterm with chapter 1 (ch01-ch07)", capsys)
    code, _, err = cli(["exam", "--final", "--with-ch01"], capsys)
    assert code == 2 and "use it with --midterm" in err


@pytest.mark.parametrize("range_, chapters", [("--midterm", {f"ch0{n}" for n in range(2, 8)}),
                                              ("--final", {"ch09", "ch10", "ch11", "ch12", "ch13", "ch14"})])
def test_exams_examine_the_course_over_many_seeds(range_, chapters, capsys):
    """Only the range's chapters, never a `tool` question, always three or more code-reading questions."""
    for seed in range(0, 60, 3):
        code, out, _ = cli(["exam", range_, "--seed", str(seed), "--format", "json"], capsys)
        assert code == 0
        questions = json.loads(out)["questions"]
        assert {q["chapter"] for q in questions} == chapters, seed
        assert not [q["id"] for q in questions if "tool" in q["tags"]], seed
        assert sum(q["type"] == "code" for q in questions) >= 3, seed


def test_korean_exams_and_reports_have_no_english_labels(tmp_path, capsys):
    code, out, _ = cli(["exam", "--midterm", "--seed", "4", "--lang", "ko", "--format", "markdown"], capsys)
    assert code == 0
    exam_part, sheet_part = out.split("```yaml")
    labels = [line for line in exam_part.splitlines() if line.startswith("#") or line.startswith("**")]
    assert "# kerasbook 답안지: 중간고사 (ch02-ch07), 시드 4" in sheet_part
    for english in ("Part", "pick one", "pick every", "a number", "Answer sheet", "Answer key", "seed",
                    "multiple choice", "short answer", "essay", "midterm"):
        assert not [line for line in labels if english in line.split("```")[0] and "kerasbook" not in line[:2]
                    and english in line.replace("kerasbook", "")], english
    assert "## 1부 · 객관식 (12문제)" in out and "## 3부 · 서술형 (7문제)" in out
    sheet = blank_sheet(tmp_path, capsys, seed=3)
    for n, q in enumerate(resolved(sheet), start=1):
        sheet["answers"][n] = "banana" if q.type != "essay" else {"text": "모르겠습니다"}
    code, out, _ = cli(["grade", write_sheet(tmp_path, sheet), "--lang", "ko"], capsys)
    assert code == 0
    for english in ("Graded", "Total", "By section", "By chapter", "tags", "To review", " answer:", " why:",
                    " read:", "model answer", "rubric", "pending", "self-assessed", "you wrote", "multiple choice"):
        assert not re.search(rf"(^|\s){re.escape(english.strip())}", out, re.MULTILINE), english
    for korean in ("자동 채점", "서술형", "유형별", "장별", "다시 볼 문제", "정답:", "해설:", "채점 대기"):
        assert korean in out, korean


def test_the_final_draws_the_course_shape_over_weeks_9_to_14(capsys):
    code, out, _ = cli(["exam", "--final", "--seed", "1", "--format", "json"], capsys)
    assert code == 0
    exam = json.loads(out)
    assert exam["chapters"] == ["ch09", "ch10", "ch11", "ch12", "ch13", "ch14"]
    questions = exam["questions"]
    assert len(questions) == 30 and len({q["id"] for q in questions}) == 30
    for section, need in EXAM_SHAPE.items():
        assert sum(q["section"] == section for q in questions) == need
    assert {q["chapter"] for q in questions} == set(exam["chapters"])
    check_markdown_exam(["exam", "--final", "--seed", "1", "--format", "markdown", "--key"], "final (ch09-ch14)",
                        capsys)


def test_the_final_is_graded_chapter_by_chapter(tmp_path, capsys):
    code, out, _ = cli(["exam", "--final", "--seed", "2", "--format", "sheet"], capsys)
    assert code == 0
    sheet = yaml.safe_load(out)
    assert sheet["exam"] == "final" and len(sheet["questions"]) == 30
    out = grade_a_perfect_sheet(tmp_path, sheet, capsys)
    for chapter in ("ch09", "ch10", "ch11", "ch12", "ch13", "ch14"):
        assert re.search(rf"{chapter}\s+\d+ / \d+\s+100 %", out), chapter


def test_exams_in_a_fresh_process():
    # The final draws once chapter 14 has its bank; a range with a chapter without one still fails in one line.
    done = subprocess.run([sys.executable, "-m", "kerasbook.quiz", "exam", "--final", "--seed", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "# kerasbook exam · final (ch09-ch14) · seed 1" in done.stdout
    done = subprocess.run([sys.executable, "-m", "kerasbook.quiz", "exam", "--chapters", "ch13,ch15", "--seed", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    # Chapter 13 may fill only its share of the 30; chapter 15 has no bank.
    assert "14 of 30 missing (6 multiple choice, 5 short answer and 3 essay)" in done.stderr
    assert "no bank yet for ch15" in done.stderr and "ch13" not in done.stderr.split("no bank yet for")[1]


# -- grade ------------------------------------------------------------------------------------

def blank_sheet(tmp_path, capsys, seed=4):
    code, out, _ = cli(["exam", "--chapters", "ch07", "--seed", str(seed), "--format", "sheet"], capsys)
    assert code == 0
    sheet = yaml.safe_load(out)
    assert sheet["exam"] == "ch07" and sheet["seed"] == seed and len(sheet["questions"]) == 30
    assert set(sheet["answers"]) == set(range(1, 31))
    return sheet


def write_sheet(tmp_path, sheet, name="sheet.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    return str(path)


def resolved(sheet):
    index = bank_mod.question_index(bank_mod.load_banks())
    return [bank_mod.resolve(index[i]) for i in sheet["questions"]]


def grade_a_perfect_sheet(tmp_path, sheet, capsys):
    """Answer every question of `sheet` right (full points on essays) and grade it: 100 % in every section.

    Returns the report, for the caller's checks by chapter.
    """
    for n, q in enumerate(resolved(sheet), start=1):
        sheet["answers"][n] = {"text": q.answer.en, "points": len(q.rubric)} if q.type == "essay" else (
            list(q.answer) if q.type == "multiple" else q.answer)
    code, out, _ = cli(["grade", write_sheet(tmp_path, sheet)], capsys)
    assert code == 0
    assert "Total: 30 / 30 (100 %)" in out
    assert re.search(r"multiple choice\s+12 / 12\s+100 %", out)
    assert re.search(r"short answer\s+11 / 11\s+100 %", out)
    assert re.search(r"essay\s+7 / 7\s+100 %", out)
    return out


def test_grade_a_perfect_sheet(tmp_path, capsys):
    out = grade_a_perfect_sheet(tmp_path, blank_sheet(tmp_path, capsys), capsys)
    assert re.search(r"ch07\s+30 / 30\s+100 %", out)
    assert "To review" not in out
    saved = attempts()
    assert len(saved) == 30 and {a.mode for a in saved} == {"exam"} and all(a.score == 1 for a in saved)


def test_grade_a_wrong_sheet(tmp_path, capsys):
    sheet = blank_sheet(tmp_path, capsys)
    for n, q in enumerate(resolved(sheet), start=1):
        sheet["answers"][n] = {
            "single": lambda: wrong_letter(q),
            "multiple": lambda: [x for x in LETTERS[: len(q.choices)] if x not in q.answer],
            "numeric": lambda: q.answer * 3 + 7,
            "short": lambda: "banana",
            "code": lambda: "banana",
            "essay": lambda: {"text": "no idea", "points": 0},
        }[q.type]()
    code, out, _ = cli(["grade", write_sheet(tmp_path, sheet)], capsys)
    assert code == 0
    assert "Total: 0 / 30 (0 %)" in out
    assert out.count(": wrong 0;") == 30
    assert "read: ch07_crnn.md#" in out


def test_grade_a_partly_right_sheet_with_tolerances(tmp_path, capsys, ch07):
    sheet = blank_sheet(tmp_path, capsys, seed=6)
    questions = resolved(sheet)
    expected = 0.0
    tolerant_seen = exact_seen = False
    for n, q in enumerate(questions, start=1):
        if q.type == "multiple":
            sheet["answers"][n] = list(q.answer[:1])               # one right pick of several
            expected += 1 / len(q.answer)
        elif q.type == "numeric" and q.tolerance.abs:
            # Half the tolerance away counts; twice the tolerance away does not.
            sheet["answers"][n] = q.answer + q.tolerance.abs / 2 if n % 2 else q.answer + 2 * q.tolerance.abs
            expected += 1 if n % 2 else 0
            tolerant_seen = True
        elif q.type == "numeric":
            sheet["answers"][n] = f"{int(q.answer):,}" if n % 2 else int(q.answer) + 1
            expected += 1 if n % 2 else 0
            exact_seen = True
        elif q.type == "essay":
            sheet["answers"][n] = {"text": "an honest try", "points": 1}
            expected += 1 / len(q.rubric)
        elif q.type == "single":
            sheet["answers"][n] = q.answer
            expected += 1
        # short and code answers left empty: unanswered
    assert tolerant_seen and exact_seen
    code, out, _ = cli(["grade", write_sheet(tmp_path, sheet)], capsys)
    assert code == 0
    total = float(re.search(r"Total: ([\d.]+) / 30", out).group(1))
    assert total == pytest.approx(expected, abs=0.01)
    assert "partial" in out and ": no answer" in out
    assert "Weakest tags (at most 8)" in out
    weakest = out.split("Weakest tags (at most 8)")[1].split("\n\n")[0].strip().splitlines()
    assert 1 <= len(weakest) <= 8


def test_essays_not_marked_are_pending_and_earn_nothing(tmp_path, capsys):
    """Inverted facts, a list of key terms or "I don't know": no essay credit until the student marks the rubric."""
    sheet = blank_sheet(tmp_path, capsys, seed=9)
    questions = resolved(sheet)
    essays = [n for n, q in enumerate(questions, start=1) if q.type == "essay"]
    fillers = ["CTC needs aligned labels; the GRU has no gates and greedy decoding sums every path.",
               "I don't know.", None]
    for k, n in enumerate(essays):
        q = questions[n - 1]
        text = fillers[k % 3] or " ".join(word for p in q.rubric for word in p.keywords)
        sheet["answers"][n] = {"text": text, "covered": {i: "" for i in range(1, len(q.rubric) + 1)}}
    code, out, _ = cli(["grade", write_sheet(tmp_path, sheet)], capsys)
    assert code == 0
    assert "Graded automatically (multiple choice and short answer): 0 / 23 (0 %)" in out
    assert "Essays, self-assessed against their rubrics: 0 / 7 (0 %)" in out
    assert "7 essay(s) pending" in out and "Total so far: 0 / 30" in out
    review = out.split("To review")[1]
    for n in essays:
        assert f"{n:>2}. {questions[n - 1].id}: pending 0" in review
    assert review.count("model answer:") == 7
    # Marked now: two of its points on the first essay, every point on the second.
    first, second = essays[0], essays[1]
    sheet["answers"][first]["covered"] = {1: "yes", 2: "yes"}
    sheet["answers"][second]["covered"] = ["yes"] * len(questions[second - 1].rubric)
    code, out, _ = cli(["grade", write_sheet(tmp_path, sheet)], capsys)
    made = 2 / len(questions[first - 1].rubric) + 1
    assert f"Essays, self-assessed against their rubrics: {made:.2f}".rstrip("0").rstrip(".") in out
    assert "5 essay(s) pending" in out
    review = out.split("To review")[1]
    assert f"{first:>2}. {questions[first - 1].id}: partial" in review        # stays in review, with its answer
    assert f"{second:>2}. {questions[second - 1].id}:" not in review


def test_grade_by_question_id_and_numbers_as_text(tmp_path, capsys):
    sheet = blank_sheet(tmp_path, capsys, seed=2)
    first = resolved(sheet)[0]
    sheet["answers"] = {first.id: first.answer}
    code, out, _ = cli(["grade", write_sheet(tmp_path, sheet)], capsys)
    assert code == 0 and "Total: 1 / 30" in out


def test_grade_uses_the_sheets_questions_when_the_draw_differs(tmp_path, capsys):
    sheet = blank_sheet(tmp_path, capsys, seed=2)
    sheet["questions"] = sheet["questions"][::-1]
    code, out, _ = cli(["grade", write_sheet(tmp_path, sheet)], capsys)
    assert code == 0 and "the banks have changed since this exam was drawn" in out


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    ("exam: [ch07\nseed: 1\n", "is not valid YAML"),
    ("- just\n- a list\n", "must be a mapping"),
    ("seed: 1\n", "names no exam"),
    ("exam: ch07\n", "needs the exam's seed"),
    ("exam: ch07\nseed: 1\nanswers:\n  31: A\n", "answer 31 is not a question of this exam"),
    ("exam: ch07\nseed: 1\nquestions: [ch07-nope]\n", "ch07-nope"),
    ("exam: ch08\nseed: 1\n", "no bank yet for ch08"),
])
def test_bad_sheets_are_one_line_errors(tmp_path, capsys, content, message):
    path = tmp_path / "sheet.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = cli(["grade", str(path)], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1


# -- report and the history file ------------------------------------------------------------

def test_report_names_weak_tags_and_sections(ch07, monkeypatch, capsys):
    code, out, _ = cli(["report"], capsys)
    assert code == 0 and "No attempts recorded yet" in out
    # The first two questions wrong, the other ten right.
    run_quiz(["run", "ch07", "--n", "12", "--type", "single", "--seed", "1"], ch07,
             lambda q, i: [wrong_letter(q) if i < 2 else q.answer], monkeypatch)
    code, out, _ = cli(["report"], capsys)
    assert code == 0
    saved = attempts()
    assert len(saved) == 12 and sum(a.score for a in saved) == 10
    assert "12 answers recorded (12 in run), 83 % of the points" in out
    weakest = out.split("Weakest tags")[1].splitlines()[1]
    assert weakest.split()[0] in {t for a in saved if a.score == 0 for t in a.tags}
    assert "Sections to reread" in out
    for link in {a.link for a in saved if a.score == 0}:
        title = bank_mod.section_title(link)
        assert title and f"{link}  ({title})" in out


def _one_warning(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ")
    return lines[0]


@pytest.mark.parametrize("content, reason", [
    (b"{not json", "not JSON"),
    (b"\xff\xfe\x00garbage", "not JSON"),
    (b'{"version": 1, "attempts": [{"question": 3}]}', "not a quiz history"),
    (b"[]", "not a quiz history"),
])
def test_a_corrupt_history_is_kept_aside_and_replaced(data_dir, ch07, monkeypatch, capsys, content, reason):
    data_dir.mkdir(parents=True)
    path = data_dir / history.FILENAME
    path.write_bytes(content)
    code, out, err = cli(["report"], capsys)
    assert code == 0 and "No attempts recorded yet" in out
    warning = _one_warning(err)
    assert reason in warning and "started a fresh one" in warning
    backups = list(data_dir.glob(history.FILENAME + ".corrupt-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == content
    assert not path.exists()
    code, _, _ = run_quiz(["run", "ch07", "--type", "single", "--n", "1", "--seed", "0"], ch07,
                          lambda q, i: [q.answer], monkeypatch)
    assert code == 0 and len(attempts()) == 1


def test_a_history_that_cannot_be_written_does_not_stop_the_quiz(data_dir, ch07, monkeypatch, capsys):
    (data_dir / history.FILENAME).mkdir(parents=True)          # a folder where the file should be
    code, screen, _ = run_quiz(["run", "ch07", "--type", "single", "--n", "1", "--seed", "0"], ch07,
                               lambda q, i: [q.answer], monkeypatch)
    assert code == 0 and "Score: 1 of 1" in screen
    err = capsys.readouterr().err
    assert "warning: " in err
    code, out, err = cli(["report"], capsys)
    assert code == 0 and "No attempts recorded yet" in out
    _one_warning(err)


def test_the_history_lives_in_the_user_data_folder_unless_overridden(monkeypatch, tmp_path):
    monkeypatch.setenv("KERASBOOK_DATA", str(tmp_path / "elsewhere"))
    assert history.history_path() == tmp_path / "elsewhere" / history.FILENAME
    monkeypatch.delenv("KERASBOOK_DATA")
    assert history.data_dir().name == "kerasbook"
