"""MkDocs hook: put each chapter's quiz at the end of its page, and the practice exams on theirs.

`mkdocs.yml` lists this file under `hooks:`. A page that contains the line

    <!-- quiz: ch07 -->

gets the ch07 bank rendered there as HTML (`kerasbook.quiz.html`), built from
the same bank, with the same computed answers, as the command line quiz. A
page with

    <!-- exam: midterm -->

(or `final`, `midterm+ch01`) gets a practice exam: the questions that
`python -m kerasbook.quiz exam --midterm --seed N` draws for seeds 1-50, with
a seed selector (`chapters/exams/`). The checking happens in the browser
(`chapters/assets/quiz.js`, `quiz.css`), by the rules of `grading.grade`.
A bank that does not load stops the build; a marker that names a chapter
without a bank, or an exam range there is none of, is a warning, so
`mkdocs build --strict` fails on it too.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.exceptions import PluginError

from kerasbook.quiz import bank as bank_mod
from kerasbook.quiz import html as quiz_html

log = logging.getLogger("mkdocs.hooks.kerasbook_quiz")


def _sections_of(docs_dir: str, here: str, markdown: str):
    """A function from a question to the heading of the section it links to (this page's or another's)."""
    cache = {here: bank_mod.page_sections(markdown)}

    def section(q):
        if q.page not in cache:
            source = Path(docs_dir) / q.page
            cache[q.page] = bank_mod.page_sections(source.read_text(encoding="utf-8")) if source.is_file() else {}
        return cache[q.page].get(q.anchor)

    return section


def on_page_markdown(markdown, page, config, files, **kwargs):
    if not quiz_html.MARKER.search(markdown) and not quiz_html.EXAM_MARKER.search(markdown):
        return markdown
    try:
        banks = bank_mod.load_banks()
    except bank_mod.BankError as err:
        raise PluginError("the quiz banks do not load:\n  " + "\n  ".join(err.problems)) from None
    here = page.file.src_uri
    sections = _sections_of(config["docs_dir"], here, markdown)

    def href(q):
        if q.page == here:
            return f"#{q.anchor}"
        target = files.get_file_from_path(q.page)
        if target is None:
            log.warning("%s: %s links to %s, which is not part of the site", here, q.id, q.link)
            return f"#{q.anchor}"
        return f"{target.url_relative_to(page.file)}#{q.anchor}"

    def render(chapter):
        try:
            return quiz_html.render_quiz(banks[chapter], href=href, sections=sections)
        except bank_mod.BankError as err:
            raise PluginError(f"the {chapter} quiz cannot be built: " + "; ".join(err.problems)) from None

    def render_exam(range_):
        try:
            return quiz_html.render_exam(banks, range_, href=href, sections=sections)
        except bank_mod.BankError as err:
            raise PluginError(f"the {range_} practice exam cannot be built: " + "; ".join(err.problems)) from None
        except ValueError as err:                     # not enough questions for the exam's shape
            raise PluginError(f"the {range_} practice exam cannot be drawn: {err}") from None

    out, unknown = quiz_html.replace_markers(markdown, banks, render)
    for name in unknown:
        log.warning("%s: <!-- quiz: %s --> names no question bank (banks: %s)", here, name, ", ".join(banks))
    out, unknown = quiz_html.replace_exam_markers(out, render_exam)
    for name in unknown:
        log.warning("%s: <!-- exam: %s --> names no exam (exams: %s)", here, name, ", ".join(quiz_html.EXAM_OPTION))
    return out
