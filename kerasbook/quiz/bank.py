"""Loading, checking and resolving the question banks.

Banks ship inside the package (`kerasbook/quiz/banks/chNN.yaml`). Loading one
validates it against `kerasbook.quiz.schema` and cuts its code snippets from
the source; `resolve` fills in the answers that `compute:` functions derive
from the chapter code. `validate` runs every check the `validate` command
reports: schema, choice answers, computed answers, code snippets, links and
the lint of `kerasbook.quiz.lint`.
"""

from __future__ import annotations

import functools
import importlib.resources
import math
import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from kerasbook.quiz import compute, lint, snippets
from kerasbook.quiz.schema import LETTERS, Bank

ANSWER_SLOT = "{answer}"


class BankError(Exception):
    """A bank that cannot be used; `problems` lists every reason, one line each."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def bank_files() -> dict[str, object]:
    """`{chapter: file}` for every bank shipped with the package."""
    folder = importlib.resources.files("kerasbook.quiz") / "banks"
    return {f.name[: -len(".yaml")]: f for f in sorted(folder.iterdir(), key=lambda f: f.name)
            if f.name.endswith(".yaml")}


def _where(loc, raw) -> str:
    """A readable place for a pydantic error location, with the question id when known."""
    parts = []
    loc = list(loc)
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        qid = None
        questions = raw.get("questions") if isinstance(raw, dict) else None
        if isinstance(questions, list) and loc[1] < len(questions) and isinstance(questions[loc[1]], dict):
            qid = questions[loc[1]].get("id")
        parts.append(f"questions[{loc[1]}]" + (f" ({qid})" if qid else ""))
        loc = loc[2:]
        if loc and loc[0] in ("single", "multiple", "short", "numeric", "code", "essay"):
            loc = loc[1:]  # the discriminator's tag adds nothing for a reader
    parts.extend(str(p) for p in loc)
    return ".".join(parts) or "(top level)"


def parse_bank(text: str, source: str) -> Bank:
    """A validated `Bank` from YAML text, its snippets cut from the source."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise BankError([f"{source}:{where} not valid YAML ({getattr(err, 'problem', err)})"]) from None
    try:
        bank = Bank.model_validate(raw)
    except ValidationError as err:
        raise BankError([f"{source}: {_where(e['loc'], raw)}: {e['msg']}" for e in err.errors()]) from None
    problems = []
    for q in bank.questions:
        if q.code is not None:
            try:
                q._snippet = snippets.extract(q.code)
            except snippets.SnippetError as err:
                problems.append(f"{source}: {q.id}: {err}")
    if problems:
        raise BankError(problems)
    return bank


@functools.cache
def load_banks() -> dict[str, Bank]:
    """Every shipped bank, validated, keyed by chapter ("ch07")."""
    banks, problems, owner = {}, [], {}
    for name, file in bank_files().items():
        try:
            bank = parse_bank(file.read_text(encoding="utf-8"), f"{name}.yaml")
        except BankError as err:
            problems.extend(err.problems)
            continue
        if bank.chapter != name:
            problems.append(f"{name}.yaml: says chapter {bank.chapter}; the file must be named {bank.chapter}.yaml")
        for q in bank.questions:
            if q.id in owner:
                problems.append(f"{name}.yaml: {q.id} is also in {owner[q.id]}.yaml")
            owner[q.id] = name
        banks[bank.chapter] = bank
    if problems:
        raise BankError(problems)
    return banks


def chapter_key(text: str) -> str:
    """"ch07", "7", "07" or "ch07_crnn" -> "ch07" (`kerasbook.chapters.key_of`)."""
    from kerasbook.chapters import key_of

    return key_of(text)


def question_index(banks: dict[str, Bank]) -> dict[str, object]:
    return {q.id: q for bank in banks.values() for q in bank.questions}


# -- computed answers -------------------------------------------------------

# id(question) -> (question, resolved copy); the question is kept so its id stays unique.
_resolved: dict[int, tuple[object, object]] = {}


def resolve(question):
    """The question with its answer filled in (computed ones are computed once)."""
    if question.compute is None:
        return question
    if id(question) in _resolved:
        return _resolved[id(question)][1]
    fn = compute.get(question.compute.fn)
    value = fn(question, **question.compute.args)
    data = question.model_dump(exclude={"compute"})
    if question.type in ("short", "code") and isinstance(value, (list, tuple)):
        value = [str(v) for v in value]
        data["answer"], data["accepted"] = value[0], [*value[1:], *data.get("accepted", [])]
    else:
        data["answer"] = value
    try:
        filled = type(question).model_validate(data)
    except ValidationError as err:
        raise BankError([f"{question.id}: {question.compute.fn} returned {value!r}, which does not fit: "
                         f"{err.errors()[0]['msg']}"]) from None
    if question.type == "numeric" and not math.isfinite(filled.answer):
        raise BankError([f"{question.id}: {question.compute.fn} returned {value!r}, not a finite number"])
    shown = {lang: format_answer(filled, lang) for lang in ("en", "ko")}
    filled.explanation.en = filled.explanation.en.replace(ANSWER_SLOT, shown["en"])
    filled.explanation.ko = filled.explanation.ko.replace(ANSWER_SLOT, shown["ko"])
    filled.compute = question.compute
    filled._snippet = question._snippet
    _resolved[id(question)] = (question, filled)
    return filled


def resolve_all(questions):
    return [resolve(q) for q in questions]


_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def format_number(value: float) -> str:
    """198144 -> "198,144"; 0.240000001 -> "0.24"; 1.42711 -> "1.427"."""
    if abs(value - round(value)) < 1e-9 and abs(value) >= 1:
        return f"{int(round(value)):,}"
    return f"{value:.4g}"


# The units numeric answers are given in, as Korean course material writes them.
UNITS_KO = {"windows": "개(창)", "pixels": "픽셀", "degrees": "도", "steps": "스텝", "iterations": "회(반복)",
            "updates": "회(갱신)", "layers": "개 층", "epochs": "에폭", "channels": "개 채널", "dB": "dB"}


def unit_of(q, lang: str = "en") -> str:
    """A numeric question's unit in `lang` ("" when it has none)."""
    unit = getattr(q, "unit", None) or ""
    return UNITS_KO.get(unit, unit) if lang == "ko" else unit


def format_answer(q, lang: str = "en") -> str:
    """The (resolved) answer as a reader should see it."""
    if q.type == "single":
        return f"{q.answer}) {q.choices[LETTERS.index(q.answer)].get(lang)}"
    if q.type == "multiple":
        return "; ".join(f"{x}) {q.choices[LETTERS.index(x)].get(lang)}" for x in q.answer)
    if q.type == "numeric":
        unit = unit_of(q, lang)
        return format_number(q.answer) + (("" if unit[:1] in "개회도" else " ") + unit if unit else "")
    if q.type == "essay":
        return q.answer.get(lang)
    if lang == "ko" and not _HANGUL.search(str(q.answer)):
        # A Korean reader sees the Korean term first when the key accepts one.
        korean = next((a for a in getattr(q, "accepted", []) if _HANGUL.search(a)), None)
        if korean:
            return f"{korean} ({q.answer})"
    return q.answer


# -- validation -------------------------------------------------------------

def docs_dir() -> Path | None:
    """The site's page sources next to the package, when this is a source checkout."""
    root = Path(__file__).resolve().parents[2]
    folder = root / "chapters"
    return folder if (root / "mkdocs.yml").is_file() and folder.is_dir() else None


def _slugify(heading: str) -> str:
    # Python-Markdown's default toc slug: lower case, drop punctuation, hyphens for spaces.
    text = re.sub(r"[^\w\s-]", "", heading).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def page_sections(text: str) -> dict[str, str]:
    """`{anchor: heading}` for the sections of a page's Markdown: `{ #id }` attributes and heading slugs."""
    sections = {}
    in_fence = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence:
            continue
        m = re.match(r"^#{1,6}\s+(.*?)\s*$", line)
        if not m:
            continue
        title = m.group(1)
        attr = re.search(r"\{[^}]*#([\w-]+)[^}]*\}\s*$", title)
        if attr:
            title = title[: attr.start()].strip()
            sections.setdefault(attr.group(1), title)
        else:
            sections.setdefault(_slugify(title), title)
    return sections


def page_anchors(page: Path) -> set[str]:
    """The section anchors a page defines: `{ #id }` attributes and heading slugs."""
    return set(page_sections(page.read_text(encoding="utf-8")))


def section_title(link: str, docs: Path | None = None) -> str | None:
    """The heading a link like `ch07_crnn.md#glossary` points at, when the page sources are here."""
    docs = docs or docs_dir()
    page, _, anchor = link.partition("#")
    if docs is None or not (docs / page).is_file():
        return None
    return page_sections((docs / page).read_text(encoding="utf-8")).get(anchor)


def check_links(banks: dict[str, Bank], docs: Path) -> list[str]:
    """Problems with question links: a missing page or an anchor the page lacks."""
    problems, cache = [], {}
    for bank in banks.values():
        if not (docs / bank.page).is_file():
            problems.append(f"{bank.chapter}.yaml: page {bank.page} does not exist in {docs}")
        for q in bank.questions:
            page = docs / q.page
            if q.page not in cache:
                cache[q.page] = page_anchors(page) if page.is_file() else None
            if cache[q.page] is None:
                problems.append(f"{bank.chapter}.yaml: {q.id}: link {q.link}: page {q.page} does not exist")
            elif q.anchor not in cache[q.page]:
                problems.append(f"{bank.chapter}.yaml: {q.id}: link {q.link}: no section #{q.anchor} on {q.page}")
    return problems


def validate(banks: dict[str, Bank] | None = None, docs: Path | None = None) -> tuple[list[str], list[str]]:
    """`(problems, notes)`: every check of the `validate` command, run on `banks`.

    Besides the schema, computed answers and links, `kerasbook.quiz.lint` reads what
    the questions say (standalone prompts, doubled words, units, keywords, snippets).
    """
    notes = []
    if banks is None:
        try:
            banks = load_banks()
        except BankError as err:
            return err.problems, notes
    problems = []
    for bank in banks.values():
        for q in bank.questions:
            if q.compute is None:
                continue
            try:
                resolve(q)
            except BankError as err:
                problems.extend(f"{bank.chapter}.yaml: {p}" for p in err.problems)
            except Exception as err:  # noqa: BLE001 - report any failure of chapter code as a bank problem
                problems.append(f"{bank.chapter}.yaml: {q.id}: {q.compute.fn} failed: "
                                f"{err.__class__.__name__}: {err}")
    for bank in banks.values():
        problems.extend(f"{bank.chapter}.yaml: {finding}" for finding in lint.lint_questions(bank.questions, resolve))
    docs = docs or docs_dir()
    if docs is None:
        notes.append("links not checked: the page sources (chapters/) are not next to this installation")
    else:
        problems.extend(check_links(banks, docs))
    return problems, notes
