"""A chapter's quiz, and the practice exams, as HTML for the site.

The site's build hook (`kerasbook/quiz/mkdocs_hook.py`) replaces the marker
`<!-- quiz: ch07 -->` with `render_quiz(...)` and `<!-- exam: midterm -->`
with `render_exam(...)`. Every question carries `grading.check_spec(q)` as
JSON (`data-spec`), and `chapters/assets/quiz.js` checks answers by the same
rules as `grading.grade`: no server, no network. Without JavaScript the
questions still read fine and every answer sits in a `<details>` block.

Both languages are in the page, marked with `lang="en"` and `lang="ko"`; the
language buttons at the top of the quiz show one or the other. Maths that the
banks write in plain text (`h_{t−1}`, `W_xz`, `e^{−x}`, `K^T`) becomes inline
TeX (`<span class="arithmatex">\\(...\\)</span>`), which the site's KaTeX
draws (`chapters/assets/math.js`); code spans and snippets are left alone.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from typing import Callable

from kerasbook.quiz import PROG
from kerasbook.quiz import bank as bank_mod
from kerasbook.quiz.grading import check_spec
from kerasbook.quiz.schema import EXAM_SHAPE, LETTERS, SECTION_TITLES, SECTIONS

MARKER = re.compile(r"^[ \t]*<!--\s*quiz:\s*([\w-]+)\s*-->[ \t]*$", re.MULTILINE)
EXAM_MARKER = re.compile(r"^[ \t]*<!--\s*exam:\s*([\w+-]+)\s*-->[ \t]*$", re.MULTILINE)
# The seeds a practice exam page offers; each draws what `exam --seed N` draws.
EXAM_SEEDS = range(1, 51)
EXAM_OPTION = {"midterm": "--midterm", "midterm+ch01": "--midterm --with-ch01", "final": "--final"}

KIND = {
    "single": ("choose one", "하나를 고르시오"),
    "multiple": ("choose every right answer", "정답을 모두 고르시오"),
    "short": ("short answer", "주관식"),
    "numeric": ("short answer, a number", "주관식, 숫자"),
    "code": ("code reading", "코드 읽기"),
    "essay": ("essay", "서술형"),
}

# -- plain-text maths -> KaTeX ----------------------------------------------------

_GREEK_CAPITALS = "ΓΔΘΛΞΠΣΥΦΨΩ"            # the capitals TeX has commands for
_LETTER = r"[A-Za-zα-ωΑ-Ωℓ]\u0303?'?"
_SUB = r"\{[^{}]*\}|[A-Za-z0-9α-ω]+"
_SUP = r"\{[^{}]*\}|\([^()]*\)|[−-]?\d+(?:\.\d+)?|[A-Za-zα-ω]+|[¼½¾]"
_NOT_AFTER = r"(?<![A-Za-z0-9_α-ωΑ-Ωℓ\u0303'.\\])"
_END = r"(?![A-Za-z0-9_])"
_MATH = re.compile(
    # dh_t, ∂c_{t−1}: a derivative's d and a one-letter subscript
    rf"{_NOT_AFTER}(?P<d>[d∂])(?P<dbase>[A-Za-zα-ω])_(?P<dsub>\{{[^{{}}]*\}}|[A-Za-z0-9]){_END}"
    # h_{t−1}, W_xz, d_model, x_t^2, K^T, e^{−x}, e^(−x), ℓ'_{s−2}, h̃_t
    rf"|{_NOT_AFTER}(?P<base>{_LETTER})(?:_(?P<sub>{_SUB})(?:\^(?P<sup>{_SUP}))?|\^(?P<sup2>{_SUP})(?:_(?P<sub2>{_SUB}))?){_END}"
    # 2^16, 0.5^10, 10^-6, 10000^(2i/d)
    rf"|(?<![\w.])(?P<num>\d+(?:\.\d+)?)\^(?P<nsup>{_SUP}){_END}"
    # (1 + 6)^0.6, σ(1)^10: the exponent of a bracket
    rf"|(?<=\))\^(?P<psup>{_SUP}){_END}"
)


def _tex_char(ch: str) -> str:
    if ch == "ℓ":
        return r"\ell"
    if ch == "∂":
        return r"\partial "
    if "α" <= ch <= "ω" or ch in _GREEK_CAPITALS:
        name = unicodedata.name(ch).split()[-1].lower()
        name = {"sigma": "varsigma"}.get(name, name) if ch == "ς" else name
        return "\\" + (name.capitalize() if ch in _GREEK_CAPITALS else name) + " "
    return ch


def _tex_text(text: str) -> str:
    return "".join(_tex_char(c) for c in text.replace("−", "-")).strip()


def _tex_base(base: str) -> str:
    prime = "'" if base.endswith("'") else ""
    base = base.rstrip("'")
    if base.endswith("\u0303"):
        return rf"\tilde{{{_tex_char(base[0]).strip()}}}" + prime
    return _tex_char(base).strip() + prime


def _tex_script(script: str | None, mark: str) -> str:
    if not script:
        return ""
    if script[0] in "{(":
        script = script[1:-1]
    script = {"¼": "1/4", "½": "1/2", "¾": "3/4"}.get(script, script)
    if re.fullmatch(r"[A-Za-z]{3,}", script):
        body = rf"\mathrm{{{script}}}"          # d_model, p_data: a name, not a product
    else:
        body = _tex_text(script)
    return f"{mark}{{{body}}}"


def _tex(m: re.Match) -> str:
    if m.group("d"):
        return _tex_char(m.group("d")) + _tex_base(m.group("dbase")) + _tex_script(m.group("dsub"), "_")
    if m.group("base"):
        sub, sup = m.group("sub") or m.group("sub2"), m.group("sup") or m.group("sup2")
        return _tex_base(m.group("base")) + _tex_script(sub, "_") + _tex_script(sup, "^")
    if m.group("num"):
        return m.group("num") + _tex_script(m.group("nsup"), "^")
    return "{}" + _tex_script(m.group("psup"), "^")


def math_spans(text: str) -> str:
    """Escaped prose with its plain-text maths (`h_{t−1}`, `K^T`) as inline TeX for KaTeX."""
    out, last = [], 0
    for m in _MATH.finditer(text):
        tex = _tex(m)
        out.append(html.escape(text[last:m.start()]))
        out.append(f'<span class="arithmatex">\\({html.escape(tex, quote=False)}\\)</span>')
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _inline(text: str) -> str:
    """Escaped text with `code` spans, the only Markdown the bank's prose uses, and its maths as TeX."""
    parts = str(text).split("`")
    return "".join(f"<code>{html.escape(p)}</code>" if i % 2 else math_spans(p) for i, p in enumerate(parts))


def _both(en: str, ko: str, tag: str = "span", cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<{tag}{c} lang="en">{_inline(en)}</{tag}><{tag}{c} lang="ko">{_inline(ko)}</{tag}>'


_UNPRESSED = ' aria-pressed="false"'


def _button(cls: str, en: str, ko: str, extra: str = "") -> str:
    return f'<button type="button" class="{cls}"{extra}>{_both(en, ko)}</button>'


# -- one question -----------------------------------------------------------------

def _section_link(href: str, section: str | None) -> str:
    """A link to the section that teaches the question: its heading in English, "본문 보기" in Korean."""
    return f'<a class="kb-q-section" href="{html.escape(href)}">{_both(section or "read the section", "본문 보기")}</a>'


def _answer_block(q, href: str, section: str | None) -> str:
    """The answer, the explanation and the section to reread, in both languages."""
    reread = (f'<p class="kb-q-reread">{_both("Reread:", "다시 읽기:")} '
              f'{_section_link(href, section)}</p>')
    if q.type == "essay":
        ticks = "".join(f'<li><label><input type="checkbox" class="kb-tick" value="{i}"> {_both(p.en, p.ko)}</label></li>'
                        for i, p in enumerate(q.rubric))
        return (f'<p class="kb-q-label">{_both("Model answer", "모범 답안")}</p>'
                f'{_both(q.answer.en, q.answer.ko, "p", "kb-q-model")}'
                f'<p class="kb-q-label">{_both("Rubric: tick each point your answer makes", "채점 기준: 답안이 담은 항목에 표시하세요")}</p>'
                f'<ul class="kb-q-rubric">{ticks}</ul>'
                '<p class="kb-q-hint" aria-live="polite"></p>'
                f'{_button("kb-score md-button", "Score my essay", "자기 채점 반영")}'
                f'{reread}')
    answer = _both(bank_mod.format_answer(q, "en"), bank_mod.format_answer(q, "ko"))
    return (f'<p class="kb-q-answer"><strong>{_both("Answer:", "정답:")}</strong> {answer}</p>'
            f'{_both(q.explanation.en, q.explanation.ko, "p", "kb-q-why")}{reread}')


def _field(q) -> str:
    """The input a written answer goes in, with placeholders in both languages (quiz.js picks one)."""
    if q.type == "essay":
        en, ko = "Write your answer here.", "여기에 답을 쓰세요."
        return (f'<textarea class="kb-q-input" rows="5" data-ph-en="{en}" data-ph-ko="{ko}" placeholder="{en}" '
                f'aria-label="your answer"></textarea>')
    if q.type == "numeric":
        unit_en, unit_ko = bank_mod.unit_of(q, "en"), bank_mod.unit_of(q, "ko")
        en = f"A number{f', in {unit_en}' if unit_en else ''}; press Enter to check"
        ko = f"숫자{f'(단위: {unit_ko})' if unit_ko else ''}를 쓰고 Enter"
    elif q.type == "code":
        en, ko = "A few words, a number or a shape; press Enter to check", "몇 단어, 숫자 또는 모양을 쓰고 Enter"
    else:
        en, ko = "A few words; press Enter to check", "몇 단어로 쓰고 Enter"
    return (f'<input class="kb-q-input" type="text" autocomplete="off" spellcheck="false" '
            f'data-ph-en="{html.escape(en)}" data-ph-ko="{html.escape(ko)}" placeholder="{html.escape(en)}" '
            f'aria-label="your answer">')


def _question(q, number: int | str, href: str, section: str | None) -> str:
    kind_en, kind_ko = KIND[q.type]
    meta = (f'<p class="kb-q-meta"><span class="kb-q-number">{number}.</span> '
            f'{_both(kind_en, kind_ko, cls="kb-q-kind")} · {_section_link(href, section)}</p>')
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
            parts.append(_button("kb-check md-button", "Check", "채점"))
        data += f' data-answer="{",".join(q.answer)}"' if q.type == "multiple" else f' data-answer="{q.answer}"'
    elif q.type == "essay":
        parts.append(_field(q))
        parts.append(_button("kb-compare md-button", "Compare with the model answer", "모범 답안과 비교"))
    else:
        parts.append(_field(q))
        parts.append(_button("kb-check md-button", "Check", "채점"))
    parts.append('<p class="kb-q-feedback" role="status" aria-live="polite"></p>')
    reveal = _both("Show the model answer and rubric", "모범 답안과 채점 기준 보기") if q.type == "essay" \
        else _both("Show the answer", "정답 보기")
    parts.append(f'<details class="kb-q-reveal"><summary>{reveal}</summary>'
                 f'<div class="kb-q-explain">{_answer_block(q, href, section)}</div></details>')
    spec = html.escape(json.dumps(check_spec(q), ensure_ascii=False, separators=(",", ":")), quote=True)
    data += f' data-spec="{spec}" data-section="{q.section}"'
    return f'<li class="kb-q" id="quiz-{q.id}"{data}>{"".join(parts)}</li>'


def _section_lookup(sections) -> Callable[[object], str | None]:
    if callable(sections):
        return sections
    sections = sections or {}
    return lambda q: sections.get(q.anchor)


def _languages() -> str:
    return ('<span class="kb-quiz-langs" role="group" aria-label="language">'
            '<button type="button" data-lang="en">English</button>'
            '<button type="button" data-lang="ko">한국어</button></span>')


# -- a chapter's quiz -------------------------------------------------------------

def render_quiz(bank, href: Callable[[object], str] | None = None, sections=None) -> str:
    """The whole quiz of `bank` as one HTML block.

    Args:
        bank: a `kerasbook.quiz.schema.Bank`; computed answers are resolved here.
        href: maps a question to the URL of the section that teaches it
            (default: `#anchor`, right for questions about the page itself).
        sections: `{anchor: heading}` so links can show the section's title,
            or a function from a question to its section's heading.
    """
    href = href or (lambda q: f"#{q.anchor}")
    section = _section_lookup(sections)
    questions = [bank_mod.resolve(q) for q in bank.questions]
    items = "".join(_question(q, i, href(q), section(q)) for i, q in enumerate(questions, start=1))
    bar = ('<div class="kb-quiz-bar">'
           f'<span class="kb-quiz-count">{_both(f"{len(questions)} questions", f"{len(questions)}문제")}</span>'
           f'{_languages()}</div>'
           '<div class="kb-quiz-tools">'
           '<p class="kb-quiz-progress" aria-live="polite"></p>'
           + _button("kb-review", "Review the ones I missed", "틀린 문제만 보기", _UNPRESSED)
           + _button("kb-reset", "Reset", "초기화") + '</div>')
    return (f'<div class="kb-quiz" data-chapter="{bank.chapter}" data-store="kerasbook-quiz:{bank.chapter}">{bar}'
            f'<ol class="kb-quiz-list">{items}</ol></div>')


# -- a practice exam --------------------------------------------------------------

def exam_draws(banks: dict, range_: str, seeds=EXAM_SEEDS) -> dict[int, list[str]]:
    """`{seed: [question ids]}`: what `exam` draws for `range_` with each seed."""
    from kerasbook.quiz import exam as exam_mod

    return {seed: [q.id for q in exam_mod.draw(banks, range_, seed).questions] for seed in seeds}


def render_exam(banks: dict, range_: str, href: Callable[[object], str] | None = None, sections=None,
                seeds=EXAM_SEEDS) -> str:
    """A practice exam page's body: every question the seeds draw, once, and which ones each seed draws.

    The page shows the 30 questions of the chosen seed in the order
    `python -m kerasbook.quiz exam` prints them, checks them with the chapter
    quizzes' code, and adds up the automatic part (out of 23) and the
    self-assessed essays (out of 7) separately.
    """
    from kerasbook.quiz import exam as exam_mod

    href = href or (lambda q: f"#{q.anchor}")
    section = _section_lookup(sections)
    draws = exam_draws(banks, range_, seeds)
    index = bank_mod.question_index(banks)
    pool = list(dict.fromkeys(i for ids in draws.values() for i in ids))
    lists = {s: [] for s in SECTIONS}
    for qid in pool:
        q = bank_mod.resolve(index[qid])
        lists[q.section].append(_question(q, "", href(q), section(q)))
    labels = exam_mod.LABELS
    option = EXAM_OPTION.get(range_, f"--chapters {range_}")
    command = f'<code>{PROG} exam {option} --seed <span class="kb-exam-seed-shown">{seeds[0]}</span></code>'
    seed_options = "".join(f'<option value="{s}">{s}</option>' for s in seeds)
    auto = sum(n for s, n in EXAM_SHAPE.items() if s != "essay")
    bar = ('<div class="kb-quiz-bar">'
           f'<label class="kb-exam-seed">{_both("Seed", "시드")} <select class="kb-seed">{seed_options}</select></label>'
           f'{_languages()}</div>'
           f'<p class="kb-exam-command">{_both("The same 30 questions as", "다음 명령과 같은 30문제:")} {command}</p>'
           '<div class="kb-quiz-tools">'
           '<p class="kb-quiz-progress kb-exam-score" aria-live="polite"></p>'
           + _button("kb-key", "Show the key", "정답 보기", _UNPRESSED)
           + _button("kb-print", "Print", "인쇄")
           + _button("kb-reset", "Reset", "초기화") + '</div>')
    parts = []
    for n, s in enumerate(SECTIONS, start=1):
        title = SECTION_TITLES[s]
        en = labels["en"]["part"].format(n=n, title=title["en"].capitalize(), count=EXAM_SHAPE[s])
        ko = labels["ko"]["part"].format(n=n, title=title["ko"], count=EXAM_SHAPE[s])
        parts.append(f'<p class="kb-exam-part">{_both(en, ko)}</p>'
                     f'<ol class="kb-quiz-list" data-section="{s}">{"".join(lists[s])}</ol>')
    essays = EXAM_SHAPE["essay"]
    note = _both(f"The automatic part is out of {auto}; the essays, out of {essays}, you score yourself "
                 "against each rubric.",
                 f"자동 채점 부분은 {auto}점 만점이고, 서술형 {essays}점은 채점 기준을 보고 직접 채점합니다.")
    grade = (f'<div class="kb-exam-end">{_button("kb-grade md-button md-button--primary", "Grade my exam", "채점하기")}'
             f'<p class="kb-exam-note">{note}</p></div>')
    draws_json = html.escape(json.dumps({str(k): v for k, v in draws.items()}, separators=(",", ":")), quote=True)
    return (f'<div class="kb-quiz kb-exam" data-mode="exam" data-exam="{html.escape(range_)}" '
            f'data-store="kerasbook-exam:{html.escape(range_)}" data-draws="{draws_json}">'
            f'{bar}{"".join(parts)}{grade}</div>')


# -- markers ----------------------------------------------------------------------

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


def replace_exam_markers(markdown: str, render: Callable[[str], str]) -> tuple[str, list[str]]:
    """`markdown` with every `<!-- exam: midterm -->` replaced by `render(range)`; also the unknown ranges."""
    unknown = []

    def sub(m):
        if m.group(1) not in EXAM_OPTION:
            unknown.append(m.group(1))
            return m.group(0)
        return "\n" + render(m.group(1)) + "\n"

    return EXAM_MARKER.sub(sub, markdown), unknown
