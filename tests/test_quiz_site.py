"""The quiz on the site: the page is built with the real mkdocs config, served
locally, and clicked through in headless Chromium (the `site`, `server` and
`browser` fixtures are in conftest.py)."""

from kerasbook.quiz import bank as bank_mod
from kerasbook.quiz import html as quiz_html


def test_markers_become_the_quiz_and_unknown_ones_are_reported():
    banks = bank_mod.load_banks()
    page = "Intro\n\n## Quiz { #quiz }\n\n<!-- quiz: ch07 -->\n\n<!-- quiz: ch99 -->\n"
    out, unknown = quiz_html.replace_markers(page, banks, lambda chapter: f"<div>{chapter}</div>")
    assert "\n<div>ch07</div>\n" in out and "<!-- quiz: ch07 -->" not in out
    assert unknown == ["ch99"] and "<!-- quiz: ch99 -->" in out


def test_the_html_holds_every_question_with_its_answer():
    bank = bank_mod.load_banks()["ch07"]
    html = quiz_html.render_quiz(bank)
    assert html.count('<li class="kb-q" ') == len(bank.questions)
    one = bank_mod.resolve(bank.by_id()["ch07-gru-state-count"])
    assert f'id="quiz-ch07-gru-state-count" data-type="single" data-answer="{one.answer}"' in html
    assert 'href="#gru-two-gates-and-one-state"' in html
    assert "<script" not in html and "http" not in html.replace('href="#', "")


def test_the_built_page_ends_with_the_quiz(site):
    page = (site / "ch07_crnn" / "index.html").read_text(encoding="utf-8")
    assert 'id="quiz"' in page and 'class="kb-quiz" data-chapter="ch07"' in page
    assert page.index('id="glossary"') < page.index('class="kb-quiz"')
    assert "<!-- quiz:" not in page
    assert (site / "assets" / "quiz.js").is_file() and (site / "assets" / "quiz.css").is_file()
    assert "assets/quiz.js" in page and "assets/quiz.css" in page


def test_choices_check_instantly_in_the_browser(server, browser):
    page = browser.new_page()
    errors, outside = [], []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("request", lambda req: outside.append(req.url) if not req.url.startswith(server) else None)
    page.goto(f"{server}/ch07_crnn/", wait_until="load")

    question = page.locator("#quiz-ch07-gru-state-count")
    right = question.get_attribute("data-answer")
    wrong = "A" if right != "A" else "B"
    feedback = question.locator(".kb-q-feedback")
    explanation = question.locator(".kb-q-explain")

    question.locator(f'button.kb-choice[data-letter="{wrong}"]').click()
    assert feedback.inner_text().strip() == "✗ Not quite, try again."
    assert "kb-wrong" in question.locator(f'[data-letter="{wrong}"]').get_attribute("class")
    assert explanation.is_visible()            # a wrong answer shows the explanation and the section to reread

    question.locator(f'button.kb-choice[data-letter="{right}"]').click()
    assert feedback.inner_text().strip() == "✓ Right!"
    assert explanation.is_visible()
    assert "single hidden state" in explanation.inner_text()

    # Every right choice of a multiple-choice question, but only some of them.
    many = page.locator("#quiz-ch07-applications")
    answer = many.get_attribute("data-answer").split(",")
    many.locator(f'input[value="{answer[0]}"]').check()
    many.locator("button.kb-check").click()
    assert many.locator(".kb-q-feedback").inner_text().strip().startswith(f"◐ Partly right: 1 of {len(answer)}")
    for letter in answer[1:]:
        many.locator(f'input[value="{letter}"]').check()
    many.locator("button.kb-check").click()
    assert many.locator(".kb-q-feedback").inner_text().strip() == "✓ Right!"

    # Short answers reveal their model answer; the language switch shows Korean.
    short = page.locator("#quiz-ch07-ctc-worked-example")
    assert short.locator(".kb-q-answer").is_hidden()
    short.locator("summary").click()
    assert "0.24" in short.locator(".kb-q-answer").inner_text()
    page.locator('.kb-quiz-langs button[data-lang="ko"]').click()
    assert feedback.inner_text().strip() == "✓ 정답입니다!"
    assert "GRU가" in question.locator(".kb-q-prompt").inner_text()

    assert errors == []
    assert outside == [], f"the page fetched something from outside the site: {outside[:3]}"
    page.close()
