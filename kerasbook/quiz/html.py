"""A chapter's quiz as HTML, for the end of its page on the site.

The site's build hook (`kerasbook/quiz/mkdocs_hook.py`) replaces the marker
`<!-- quiz: ch07 -->` with `render_quiz(...)`. Everything the browser needs to
check a choice is in the markup (`data-answer`), and `chapters/assets/quiz.js`
does the checking: no server, no network. Without JavaScript the questions
still read fine and every answer sits in a `<details>` block.

Both languages are in the page, marked with `lang="en"` and `lang="ko"`; the
language buttons at the top of the quiz show one or the other.
"""

from __future__ import annotations

import html
import re
from typing import Callable

from kerasbook.quiz import bank as bank_mod
from kerasbook.quiz.schema import LETTERS

MARKER = re.compile(r"^[ \t]*<!--\s*quiz:\s*([\w-]+)\s*-->[ \t]*$", re.MULTILINE)

KIND = {
    "single": ("choose one", "하나를 고르시오"),
    "multiple": ("choose every right answer", "정답을 모두 고르시오"),
    "short": ("short answer", "주관식"),
    "numeric": ("short answer, a number", "주관식, 숫자"),
    "code": ("code reading", "코드 읽기"),
    "essay": ("essay", "서술형"),
}


def _inline(text: str) -> str:
    """Escaped text with `code` spans, the only Markdown the bank's prose uses."""
    parts = str(text).split("`")
    return "".join(f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p) for i, p in enumerate(parts))


def _both(en: str, ko: str, tag: str = "span", cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<{tag}{c} lang="en">{_inline(en)}</{tag}><{tag}{c} lang="ko">{_inline(ko)}</{tag}>'


def _answer_block(q) -> str:
    """The answer and the explanation, in both languages."""
    if q.type == "essay":
        rubric = "".join(f"<li>{_both(p.en, p.ko)}</li>" for p in q.rubric)
        return (f'<p class="kb-q-label">{_both("Model answer", "모범 답안")}</p>'
                f'{_both(q.answer.en, q.answer.ko, "p")}'
                f'<p class="kb-q-label">{_both("Rubric: a good answer makes these points", "채점 기준")}</p>'
                f'<ul class="kb-q-rubric">{rubric}</ul>')
    answer = _both(bank_mod.format_answer(q, "en"), bank_mod.format_answer(q, "ko"))
    return (f'<p class="kb-q-answer"><strong>{_both("Answer:", "정답:")}</strong> {answer}</p>'
            f'{_both(q.explanation.en, q.explanation.ko, "p", "kb-q-why")}')


def _question(q, number: int, href: str, section: str | None) -> str:
    kind_en, kind_ko = KIND[q.type]
    meta = (f'<p class="kb-q-meta"><span class="kb-q-number">{number}.</span> '
            f'{_both(kind_en, kind_ko, cls="kb-q-kind")}'
            f' · <a href="{html.escape(href)}">{_both(section or "read the section", section or "본문 보기")}</a></p>')
    parts = [meta, f'<div class="kb-q-prompt">{_both(q.prompt.en, q.prompt.ko, "p")}</div>']
    if q.snippet:
        parts.append(f'<pre class="kb-q-code"><code class="language-python">{html.escape(q.snippet)}</code></pre>')
    data = f' data-type="{q.type}"'
    if q.type in ("single", "multiple"):
        items = []
        for i, choice in enumerate(q.choices):
            letter = LETTERS[i]
            text = f'<span class="kb-letter">{letter}</span> {_both(choice.en, choice.ko)}'
            if q.type == "single":
                items.append(f'<li><button type="button" class="kb-choice" data-letter="{letter}">{text}</button></li>')
            else:
                items.append(f'<li><label class="kb-choice"><input type="checkbox" value="{letter}"> {text}</label></li>')
        parts.append(f'<ul class="kb-q-choices">{"".join(items)}</ul>')
        if q.type == "multiple":
            parts.append(f'<button type="button" class="kb-check md-button">{_both("Check", "채점")}</button>')
        parts.append('<p class="kb-q-feedback" role="status" aria-live="polite"></p>')
        parts.append(f'<div class="kb-q-explain" hidden>{_answer_block(q)}</div>')
        data += f' data-answer="{",".join(q.answer)}"' if q.type == "multiple" else f' data-answer="{q.answer}"'
    else:
        field = ('<textarea class="kb-q-input" rows="5" aria-label="your answer"></textarea>' if q.type == "essay"
                 else '<input class="kb-q-input" type="text" aria-label="your answer">')
        reveal = _both("Show the model answer and rubric", "모범 답안과 채점 기준 보기") if q.type == "essay" \
            else _both("Show the answer", "정답 보기")
        parts.append(field)
        parts.append(f'<details class="kb-q-reveal"><summary>{reveal}</summary>{_answer_block(q)}</details>')
    anchor = f"quiz-{q.id}"
    return f'<li class="kb-q" id="{anchor}"{data}>{"".join(parts)}</li>'


def render_quiz(bank, href: Callable[[object], str] | None = None,
                sections: dict[str, str] | None = None) -> str:
    """The whole quiz of `bank` as one HTML block.

    Args:
        bank: a `kerasbook.quiz.schema.Bank`; computed answers are resolved here.
        href: maps a question to the URL of the section that teaches it
            (default: `#anchor`, right for questions about the page itself).
        sections: `{anchor: heading}` so links can show the section's title.
    """
    href = href or (lambda q: f"#{q.anchor}")
    sections = sections or {}
    questions = [bank_mod.resolve(q) for q in bank.questions]
    items = "".join(_question(q, i, href(q), sections.get(q.anchor)) for i, q in enumerate(questions, start=1))
    bar = ('<div class="kb-quiz-bar">'
           f'<span class="kb-quiz-count">{_both(f"{len(questions)} questions", f"{len(questions)}문제")}</span>'
           '<span class="kb-quiz-langs" role="group" aria-label="language">'
           '<button type="button" data-lang="en">English</button>'
           '<button type="button" data-lang="ko">한국어</button></span></div>')
    return (f'<div class="kb-quiz" data-chapter="{bank.chapter}">{bar}'
            f'<ol class="kb-quiz-list">{items}</ol></div>')


def replace_markers(markdown: str, banks: dict, render: Callable[[str], str]) -> tuple[str, list[str]]:
    """`markdown` with every quiz marker replaced by `render(chapter)`; also the unknown chapters."""
    unknown = []

    def sub(m):
        key = bank_mod.chapter_key(m.group(1)) if re.fullmatch(r"(?:ch)?\d{1,2}", m.group(1)) else m.group(1)
        if key not in banks:
            unknown.append(m.group(1))
            return m.group(0)
        # Blank lines around the block keep Markdown from wrapping it in a paragraph.
        return "\n" + render(key) + "\n"

    return MARKER.sub(sub, markdown), unknown
