"""The site checks answers by the command line's rules.

`chapters/assets/quiz.js` ports `kerasbook.quiz.grading.grade` and its helpers;
here one table of answers goes to real bank questions through Python's `grade`
and through the JavaScript under node, and the verdicts must agree. Then the
built site is clicked through in headless Chromium (the `site`, `server` and
`browser` fixtures are in conftest.py): numbers checked on Enter, a right
choice that stays right, progress that survives a reload, maths drawn by
KaTeX, and the practice midterm drawing what `exam --midterm --seed N` draws.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kerasbook.quiz import bank as bank_mod
from kerasbook.quiz import exam as exam_mod
from kerasbook.quiz import grading
from kerasbook.quiz import html as quiz_html
from kerasbook.quiz.schema import ShortAnswer

ROOT = Path(__file__).resolve().parents[1]
QUIZ_JS = ROOT / "chapters" / "assets" / "quiz.js"

# Answers a student might type, right or wrong for the questions below.
TABLE = [
    "약 28.44", "about 0.24", "≈ 0.24", "approx. 0.24", "0.24", "24%", "24 %", "0.2", "1/1024", "2^-10", "2**(-10)",
    "0.0009765625", "198,144", "198144", "198_144", "9 steps", "9", "약 9스텝", "4352", "4,352", "4352 parameters",
    "-0.761594", "−0.76", "٣٤", "1e999", "1/0", "0^-1",
    "(배치, 6, 6, 8)", "(배치, 16, 384)", "(None, 16, 384)", "B×784", "(None, 784)", "(784,)", "784", "b x 784",
    "8 x 100 x 2", "(8, 100, 2)", "3×128", "(3, 128)", "(፩, 3)",
    "hidden state", "The hidden state.", "은닉 상태", "은닉상태", "h_t", "state", "persistence", "지속 예측",
    "forget gate", "the forget gate f_t", "망각 게이트", "update gate z_t", "update", "CER", "문자 오류율",
    "학습률", "learning rate", "학습률을 낮춘다",
    "small", "small, stochastic", "all of them, stochastic", "all examples, then stochastic mini-batches",
    "전체 데이터 후 확률적", "the model feeds its own prediction back", "it uses the known answer",
    "a start score and an end score", "start and extend", "시작 점수와 끝 점수", "786,688개", "786688개",
    "sum over pixels, mean over the batch", "axis=(1, 2, 3), then 배치 평균", "axis=123, then 배치 평균",
    "stochastic", "wrong answer", "", "   ", "A", "b)", "A, C", "ac", "A C D", "zz",
    "a single hidden state", "two states",
]

QUESTIONS = [
    # numeric
    "ch07-ctc-worked-example", "ch05-gradient-vanish", "ch07-bigru1-params", "ch07-min-steps",
    "ch06-params-32-1", "ch06-tanh-minus-one",
    # short
    "ch05-name-hidden-state", "ch05-name-persistence", "ch06-forget-gate-name", "ch07-update-gate-name",
    "ch07-cer", "ch02-glossary-learning-rate", "ch06-keras-kernel-shape",
    # keywords: "own" is not in "known", "end" not in "extend"; "axis=(1, 2, 3)" keeps its commas
    "ch12-code-free-running-feed", "ch13-bert-qa-scores", "ch10-code-reconstruction-reduce",
    # code reading
    "ch02-code-flatten", "ch07-code-to-sequence", "ch06-code-adding-shape",
    # choices
    "ch07-gru-state-count", "ch07-applications",
    # essays
    "ch07-essay-gru-equations", "ch06-essay-four-gates",
]

# (question, answer, verdict): what the table must show, so the parity below is not vacuous.
EXPECTED = [
    ("ch07-ctc-worked-example", "about 0.24", "right"), ("ch07-ctc-worked-example", "24%", "right"),
    ("ch07-ctc-worked-example", "0.2", "wrong"), ("ch05-gradient-vanish", "1/1024", "right"),
    ("ch05-gradient-vanish", "2^-10", "right"), ("ch07-bigru1-params", "198,144", "right"),
    ("ch07-min-steps", "9 steps", "right"), ("ch06-params-32-1", "4352", "right"),
    ("ch02-code-flatten", "B×784", "right"), ("ch02-code-flatten", "(None, 784)", "right"),
    ("ch07-code-to-sequence", "(배치, 16, 384)", "right"), ("ch07-code-to-sequence", "(배치, 6, 6, 8)", "wrong"),
    ("ch05-name-hidden-state", "은닉 상태", "right"), ("ch05-name-hidden-state", "The hidden state.", "right"),
    ("ch99-keyword-all", "small, stochastic", "wrong"), ("ch99-keyword-all", "all of them, stochastic", "right"),
    ("ch99-keyword-all", "전체 데이터 후 확률적", "right"), ("ch99-keyword-all", "786,688개", "right"),
    ("ch12-code-free-running-feed", "it uses the known answer", "wrong"),
    ("ch12-code-free-running-feed", "the model feeds its own prediction back", "right"),
    ("ch13-bert-qa-scores", "start and extend", "wrong"), ("ch13-bert-qa-scores", "시작 점수와 끝 점수", "right"),
    ("ch10-code-reconstruction-reduce", "axis=(1, 2, 3), then 배치 평균", "right"),
    ("ch10-code-reconstruction-reduce", "axis=123, then 배치 평균", "wrong"),
    ("ch06-params-32-1", "", "unanswered"), ("ch07-applications", ["A"], "partial"),
    ("ch07-essay-gru-equations", "two states", "pending"),
]


def _node():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the JavaScript checker cannot be run outside the browser")
    return node


def _run_js(calls):
    """`[[function name, *args], ...]` through quiz.js under node: each call's result, as JSON."""
    script = ("const c = require(process.argv[1]);"
              "const calls = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "process.stdout.write(JSON.stringify(calls.map(([f, ...a]) => c[f](...a))));")
    out = subprocess.run([_node(), "-e", script, str(QUIZ_JS)], input=json.dumps(calls, ensure_ascii=False),
                         capture_output=True, text=True, encoding="utf-8", check=True)
    return json.loads(out.stdout)


def _keyword_question():
    """A made-up short answer whose keywords are "all" (not in "small") and a Korean number with a comma."""
    return ShortAnswer.model_validate({
        "id": "ch99-keyword-all", "type": "short", "prompt": {"en": "?", "ko": "?"},
        "explanation": {"en": ".", "ko": "."}, "tags": ["test"], "link": "ch99.md#test", "answer": "every example",
        "keywords": [["all", "전체", "786,688개"], ["stochastic", "확률적", "786,688개"]]})


@pytest.fixture(scope="module")
def questions():
    index = bank_mod.question_index(bank_mod.load_banks())
    return {**{qid: bank_mod.resolve(index[qid]) for qid in QUESTIONS}, "ch99-keyword-all": _keyword_question()}


def _responses(q):
    """The table, and for this question its own key written every way the bank accepts it."""
    out = list(TABLE)
    if q.type in ("short", "code"):
        out += [q.answer, *q.accepted, bank_mod.format_answer(q, "ko")]
    if q.type == "numeric":
        out += [bank_mod.format_answer(q, "en"), bank_mod.format_answer(q, "ko"), repr(q.answer)]
    if q.type in ("single", "multiple"):
        letters = list(q.answer)
        out += [letters, letters[:1], ["A", "B", "C"], [], [c.en for c in q.choices][0], q.choices[-1].ko]
    if q.type == "essay":
        n = len(q.rubric)
        text = q.answer.en
        out += [{"text": text}, {"text": text, "covered": [True] * n}, {"text": text, "covered": [False] * n},
                {"text": text, "covered": [True, False] + [None] * (n - 2)}, {"text": "", "covered": [None] * n},
                {"text": "", "covered": [True] * n}, {"text": text, "points": "2"}, {"text": text, "points": str(n + 1)},
                {"text": text, "covered": ["yes", "no"] + ["네"] * (n - 2)}, {"text": q.answer.ko},
                {"text": "", "covered": ["maybe"] + [None] * (n - 1)}, {"text": text, "covered": ["maybe"] * n}]
    return out


def test_the_browser_grades_every_answer_as_grade_does(questions):
    cases, expected = [], []
    for qid, q in questions.items():
        spec = grading.check_spec(q)
        for response in _responses(q):
            score = grading.grade(q, response)
            cases.append(["grade", spec, response])
            expected.append((qid, response, score.verdict, score.points))
    results = _run_js(cases)
    mismatches = [(qid, response, verdict, points, got["verdict"], got["points"])
                  for (qid, response, verdict, points), got in zip(expected, results)
                  if got["verdict"] != verdict or abs(got["points"] - points) > 1e-12]
    assert mismatches == []
    verdicts = {(qid, json.dumps(response, ensure_ascii=False)): v for qid, response, v, _ in expected}
    for qid, response, verdict in EXPECTED:
        assert verdicts[(qid, json.dumps(response, ensure_ascii=False))] == verdict, (qid, response)
    assert {v for _, _, v, _ in expected} == {"right", "partial", "wrong", "unanswered", "pending"}


def test_the_helpers_read_text_as_python_does(questions):
    words = ["all", "gradient", "학습률", "mini-batch", "786,688개", "[h_{t−1}, x_t]", "state", "batch gd", "c++",
             "axis=(1, 2, 3)", "end", "own", "끝 점수"]
    texts = TABLE + ["small batches", "gradients vanish", "786,688개의 파라미터", "[h_{t−1}, x_t]를 연결",
                     "mini batch", "the States", "ＦＵＬＬ Batch GD", "Straße", "ΣΑΣ", "c++ code"]
    calls = [[f, t] for t in texts for f in ("normalise", "spaced", "parseNumber", "parseShape")]
    calls += [["keywordIn", w, t] for w in words for t in texts]
    essays = [questions["ch07-essay-gru-equations"], questions["ch06-essay-four-gates"]]
    calls += [["rubricHits", grading.check_spec(q), t] for q in essays for t in texts + [q.answer.en, q.answer.ko]]
    python = {"normalise": grading.normalise, "spaced": grading.spaced, "parseNumber": grading.parse_number,
              "parseShape": grading.parse_shape, "keywordIn": grading.keyword_in}
    want = []
    for name, *args in calls:
        if name == "rubricHits":
            q = next(q for q in essays if grading.check_spec(q) == args[0])
            want.append(grading.rubric_hits(q, args[1]))
        else:
            value = python[name](*args)
            want.append(None if isinstance(value, float) and value == float("inf") else value)
    got = _run_js(calls)                   # JSON has no infinity: node writes null, as inf is mapped above
    diffs = [(c, w, g) for c, w, g in zip(calls, want, got) if w != g]
    assert diffs == []


def test_a_bad_mark_on_an_unwritten_essay_is_reported_rather_than_raised(questions):
    q = questions["ch07-essay-gru-equations"]
    assert grading.grade(q, {"text": "", "covered": ["maybe"]}).verdict == "pending"


def test_a_shape_with_a_non_decimal_digit_is_no_shape_rather_than_a_crash():
    assert grading.parse_shape("(፩, 3)") is None            # "፩".isdigit() but int("፩") fails
    assert grading.parse_shape("(٣, 4)") == "3,4"


def test_plain_text_maths_becomes_katex_outside_code():
    out = quiz_html._inline("h_t = tanh(W x_t + U h_{t−1}), with `h_{t-1}` in code; σ(W_xz x) and e^{−x}, K^T")
    assert r'<span class="arithmatex">\(h_{t-1}\)</span>' in out
    assert r"\(W_{xz}\)" in out and r"\(e^{-x}\)" in out and r"\(K^{T}\)" in out and r"\(x_{t}\)" in out
    assert "<code>h_{t-1}</code>" in out
    assert quiz_html._inline("return_sequences=True, d_model and batch_size") == \
        r'return_sequences=True, <span class="arithmatex">\(d_{\mathrm{model}}\)</span> and batch_size'


def _quiz_text(page_html: str) -> str:
    """The quiz of a built page as text, without code, snippets and the TeX already handed to KaTeX."""
    quiz = page_html[page_html.index('<div class="kb-quiz"'):]
    quiz = re.sub(r'data-spec="[^"]*"', "", quiz)
    quiz = re.sub(r"<pre\b.*?</pre>|<code\b.*?</code>|<span class=\"arithmatex\">.*?</span>", " ", quiz, flags=re.S)
    return re.sub(r"<[^>]+>", " ", quiz)


@pytest.mark.parametrize("name", ["ch05_rnn", "ch06_lstm", "ch07_crnn"])
def test_no_raw_subscripts_are_left_in_the_quiz(site, name):
    page = (site / name / "index.html").read_text(encoding="utf-8")
    assert page.count('class="arithmatex"') > 20
    text = _quiz_text(page)
    assert "_{" not in text, text[max(0, text.index("_{") - 80):text.index("_{") + 40] if "_{" in text else ""


def test_the_exam_pages_hold_the_draws_of_the_command_line(site):
    banks = bank_mod.load_banks()
    for range_ in ("midterm", "final"):
        page = (site / "exams" / range_ / "index.html").read_text(encoding="utf-8")
        draws = json.loads(re.search(r'data-draws="([^"]*)"', page).group(1).replace("&quot;", '"'))
        assert sorted(map(int, draws)) == list(range(1, 51))
        for seed in (1, 17, 50):
            assert draws[str(seed)] == [q.id for q in exam_mod.draw(banks, range_, seed).questions]
        pool = set(re.findall(r'<li class="kb-q" id="quiz-([\w-]+)"', page))
        assert pool == {i for ids in draws.values() for i in ids}
    mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "exams/midterm.md" in mkdocs and "exams/final.md" in mkdocs


def _open(browser, url):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url, wait_until="load")
    return page, errors


def test_answers_are_checked_and_kept_in_the_browser(server, browser):
    banks = bank_mod.load_banks()
    index = bank_mod.question_index(banks)
    page, errors = _open(browser, f"{server}/ch06_lstm/")

    # A number, typed and checked with Enter, gets the verdict `grade` gives.
    numeric = page.locator("#quiz-ch06-params-32-1")
    for typed in ("about 4,000", "4352"):
        numeric.locator("input.kb-q-input").fill(typed)
        numeric.locator("input.kb-q-input").press("Enter")
        want = grading.grade(bank_mod.resolve(index["ch06-params-32-1"]), typed).verdict
        assert numeric.get_attribute("data-state") == want
        if want == "wrong":
            assert numeric.locator(".kb-q-why").first.is_visible() and numeric.locator(".kb-q-reread").is_visible()
    assert numeric.locator(".kb-q-feedback").inner_text().strip() == "✓ Right!"

    # A right single choice stays right when another choice is clicked afterwards.
    single = page.locator("#quiz-ch06-which-state-is-output")
    right = single.get_attribute("data-answer")
    other = "A" if right != "A" else "C"
    single.locator(f'button.kb-choice[data-letter="{right}"]').click()
    single.locator(f'button.kb-choice[data-letter="{other}"]').click()
    assert single.get_attribute("data-state") == "right"
    assert single.locator(".kb-q-feedback").inner_text().strip().startswith("✓ Right!")

    # A short answer that misses, and an essay scored by its ticks.
    short = page.locator("#quiz-ch06-forget-gate-name")
    short.locator("input.kb-q-input").fill("input gate")
    short.locator("button.kb-check").click()
    assert short.get_attribute("data-state") == "wrong"
    essay = page.locator("#quiz-ch06-essay-four-gates")
    essay.locator("textarea").fill("The forget gate scales the old cell state; the input gate admits the candidate.")
    essay.locator(".kb-compare").click()
    assert essay.locator(".kb-q-model").first.is_visible() and "of 5 points" in essay.locator(".kb-q-hint").inner_text()
    essay.locator("input.kb-tick").nth(0).check()
    essay.locator("input.kb-tick").nth(1).check()
    essay.locator(".kb-score").click()
    assert essay.get_attribute("data-state") == "partial"
    assert "2 of 5" in essay.locator(".kb-q-feedback").inner_text()

    progress = page.locator(".kb-quiz-progress")
    assert progress.inner_text().startswith("4 answered · 2.4 points · 2 to review")

    # Reloading the page brings every answer and verdict back.
    page.reload(wait_until="load")
    assert progress.inner_text().startswith("4 answered · 2.4 points · 2 to review")
    assert numeric.locator("input.kb-q-input").input_value() == "4352"
    assert single.get_attribute("data-state") == "right" and essay.get_attribute("data-state") == "partial"
    assert essay.locator("textarea").input_value().startswith("The forget gate")

    # Only the missed ones when reviewing; Korean labels everywhere in Korean mode.
    page.locator(".kb-review").click()
    shown = page.evaluate("[...document.querySelectorAll('.kb-q')].filter(q => q.offsetParent).map(q => q.id)")
    assert sorted(shown) == ["quiz-ch06-essay-four-gates", "quiz-ch06-forget-gate-name"]
    page.locator('.kb-quiz-langs button[data-lang="ko"]').click()
    assert progress.inner_text().startswith("4문제 답함 · 2.4점 · 복습할 문제 2개")
    assert short.locator(".kb-q-meta a").inner_text().strip() == "본문 보기"
    assert short.locator(".kb-q-feedback").inner_text().startswith("✗ 틀렸습니다")
    assert short.locator("input.kb-q-input").get_attribute("placeholder") == "몇 단어로 쓰고 Enter"
    assert "망각 게이트" in short.locator(".kb-q-answer").inner_text()
    page.locator(".kb-review").click()
    page.locator(".kb-reset").click()
    assert progress.inner_text().startswith("0문제 답함") and numeric.get_attribute("data-state") is None

    # The maths of the quiz is drawn by KaTeX, also after switching languages.
    assert page.locator(".kb-quiz .katex").count() > 20 and page.locator(".kb-quiz .katex-error").count() == 0
    assert page.locator(".kb-quiz [lang=ko] .katex").first.is_visible()
    assert errors == []
    page.close()


def test_the_practice_midterm_is_the_command_lines_exam(server, browser):
    seed = 13
    out = subprocess.run([sys.executable, "-m", "kerasbook.quiz", "exam", "--midterm", "--seed", str(seed),
                          "--format", "json"], capture_output=True, text=True, check=True, cwd=ROOT)
    ids = [q["id"] for q in json.loads(out.stdout)["questions"]]
    page, errors = _open(browser, f"{server}/exams/midterm/#seed={seed}")
    shown = "[...document.querySelectorAll('.kb-q')].filter(q => !q.hidden).map(q => q.id.slice(5))"
    assert page.evaluate(shown) == ids and len(ids) == 30
    numbers = page.evaluate("[...document.querySelectorAll('.kb-q:not([hidden]) .kb-q-number')].map(n => n.textContent)")
    assert numbers == [f"{i}." for i in range(1, 31)]
    assert page.locator(".kb-exam-seed-shown").first.inner_text() == str(seed)

    # Answer the first question right and grade: 1 of 23, the essays waiting for their ticks.
    banks = bank_mod.load_banks()
    first = bank_mod.resolve(bank_mod.question_index(banks)[ids[0]])
    item = page.locator(f"#quiz-{ids[0]}")
    if first.type == "single":
        item.locator(f'button.kb-choice[data-letter="{first.answer}"]').click()
    else:
        for letter in first.answer:
            item.locator(f'input[value="{letter}"]').check()
    assert item.get_attribute("data-state") is None                      # nothing is marked before grading
    page.locator(".kb-grade").click()
    assert page.locator(".kb-exam-score").inner_text().startswith(
        "Automatic part: 1 / 23 · Essays (self-assessed): 0 / 7 · 7 essays not self-assessed yet")
    page.locator(".kb-key").click()
    assert page.locator(f"#quiz-{ids[-1]} .kb-q-model").first.is_visible()

    # Another seed from the selector draws that seed's exam.
    page.locator("select.kb-seed").select_option("42")
    assert page.evaluate(shown) == [q.id for q in exam_mod.draw(banks, "midterm", 42).questions]
    assert page.locator(".kb-exam-score").inner_text().startswith("0 of 30 answered")
    assert errors == []
    page.close()
