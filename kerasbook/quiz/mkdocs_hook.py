"""MkDocs hook: put each chapter's quiz at the end of its page.

`mkdocs.yml` lists this file under `hooks:`. A page that contains the line

    <!-- quiz: ch07 -->

gets the ch07 bank rendered there as HTML (`kerasbook.quiz.html`), built from
the same bank, with the same computed answers, as the command line quiz. The
checking happens in the browser (`chapters/assets/quiz.js`, `quiz.css`).
A bank that does not load stops the build; a marker that names a chapter
without a bank is a warning, so `mkdocs build --strict` fails on it too.
"""

from __future__ import annotations

import logging

from mkdocs.exceptions import PluginError

from kerasbook.quiz import bank as bank_mod
from kerasbook.quiz import html as quiz_html

log = logging.getLogger("mkdocs.hooks.kerasbook_quiz")


def on_page_markdown(markdown, page, config, files, **kwargs):
    if not quiz_html.MARKER.search(markdown):
        return markdown
    try:
        banks = bank_mod.load_banks()
    except bank_mod.BankError as err:
        raise PluginError("the quiz banks do not load:\n  " + "\n  ".join(err.problems)) from None
    sections = bank_mod.page_sections(markdown)
    here = page.file.src_uri

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

    out, unknown = quiz_html.replace_markers(markdown, banks, render)
    for name in unknown:
        log.warning("%s: <!-- quiz: %s --> names no question bank (banks: %s)", here, name, ", ".join(banks))
    return out
