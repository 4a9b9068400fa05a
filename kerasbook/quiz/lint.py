"""Lint for the question banks: defects a schema cannot see.

The schema checks that a question has the right fields; this module reads what
the fields say. Every rule below once let a bad question into an exam:

| rule            | finds                                                                   |
|-----------------|-------------------------------------------------------------------------|
| `standalone`    | a prompt that leans on a neighbour ("Now ...", "The same grid ...",     |
|                 | "같은 예제에서 ...", "in the previous question"): exams draw one question |
|                 | at a time, so each must state its own givens                            |
| `doubled-word`  | the same word twice in a row ("41 windows windows"), or a number with   |
|                 | two unit nouns ("10 iterations batches")                                |
| `english-unit`  | an English unit word pasted into Korean text ("70 windows개",           |
|                 | "9 steps이다"); code spans in backticks are left alone                   |
| `weak-keyword`  | a grading keyword that matches almost anything: one Hangul syllable     |
|                 | ('같'), a bare number ('10'), a symbol ('+') or a one- or two-letter    |
|                 | token                                                                   |
| `code-start`    | a snippet's `start` marker that matches more than one line of its       |
|                 | region (the snippet then starts at the first, often the wrong one)      |
| `code-object`   | a code-reading question about a layer or variable (`up2`, `dec_up2`)    |
|                 | that its snippet does not show                                          |
| `korean-term`   | a question asking for the Korean term that accepts an English spelling  |

`lint(banks)` returns every finding; `bank.validate` reports them with the other
problems, so `python -m kerasbook.quiz validate` fails on any. A finding reads
"qid: what is wrong; what to do".
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

RULES = ("standalone", "doubled-word", "english-unit", "weak-keyword", "code-start", "code-object", "korean-term")

HANGUL = "\uac00-\ud7a3"
_HANGUL_CHAR = re.compile(f"[{HANGUL}]")


@dataclass(frozen=True)
class Finding:
    """One defect of one question."""

    qid: str
    rule: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.qid}: {self.problem}; {self.fix}"


# -- the texts of a question ------------------------------------------------------

def prose(q) -> Iterator[tuple[str, str, str]]:
    """`(field, lang, text)` for every sentence-like text of `q`, in both languages."""
    for name in ("prompt", "explanation"):
        text = getattr(q, name)
        yield f"{name}.en", "en", text.en
        yield f"{name}.ko", "ko", text.ko
    for i, choice in enumerate(getattr(q, "choices", None) or []):
        yield f"choices[{i}].en", "en", choice.en
        yield f"choices[{i}].ko", "ko", choice.ko
    answer = getattr(q, "answer", None)
    if q.type == "essay" and answer is not None:
        yield "answer.en", "en", answer.en
        yield "answer.ko", "ko", answer.ko
    for i, point in enumerate(getattr(q, "rubric", None) or []):
        yield f"rubric[{i}].en", "en", point.en
        yield f"rubric[{i}].ko", "ko", point.ko


def keywords(q) -> Iterator[tuple[str, str]]:
    """`(field, keyword)` for every keyword that grades `q`: short-answer groups and rubric points."""
    for i, group in enumerate(getattr(q, "keywords", None) or []):
        for word in group:
            yield f"keywords[{i}]", word
    for i, point in enumerate(getattr(q, "rubric", None) or []):
        for word in point.keywords:
            yield f"rubric[{i}].keywords", word


def spellings(q) -> Iterator[tuple[str, str]]:
    """`(field, text)` for the written answer of a short or code question and what else it accepts."""
    if q.type not in ("short", "code"):
        return
    if isinstance(getattr(q, "answer", None), str):
        yield "answer", q.answer
    for word in getattr(q, "accepted", None) or []:
        yield "accepted", word
    for field, word in keywords(q):
        yield field, word


def _without_code(text: str) -> str:
    """`text` with every `code span` blanked (same length, so positions still line up)."""
    return re.sub(r"`[^`]*`", lambda m: " " * len(m.group()), text)


def _without_quotes(text: str) -> str:
    return re.sub(r'"[^"\n]*"|“[^”\n]*”', lambda m: " " * len(m.group()), _without_code(text))


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.?!:])\s+(?=\S)", text.strip(), maxsplit=1)[0]


def _quote(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# -- standalone: no leaning on a neighbour ------------------------------------------

_EN_LEAD = re.compile(
    r"^(?:now|again|also|and|likewise|similarly|then|this time|as before|as above|"
    r"(?:in|for|from)\s+the\s+(?:previous|last|above)\s+(?:question|example|one)|"
    r"(?:(?:in|with|on|for|of|from|using|by|at|to|take|keep)\s+)?(?:the\s+)?same)\b", re.IGNORECASE)
_EN_FIRST = re.compile(r"\b(?:now|(?<!again and )again(?!\s+and\s+again)|this time|as before|as above)\b",
                       re.IGNORECASE)
_EN_ANYWHERE = re.compile(
    r"\b(?:previous|preceding|last|above|earlier)\s+(?:question|exercise|problem)\b|"
    r"\bquestion\s+(?:above|before)\b|\bthe\s+(?:example|numbers|setup|model|data)\s+(?:above|before)\b",
    re.IGNORECASE)
# "the same grid": a thing the prompt never gave. Not "the same size as", nor two things
# compared in one sentence ("both models ... on the same batch").
_EN_SAME = re.compile(r"\bthe\s+same\b(?!\s+(?:time|length|size|shape|sign)\b)(?![^.?!]*\bas\b)", re.IGNORECASE)
# "of that ViT", "does that standard convolution": a thing the prompt has not named (yet).
_EN_THAT = re.compile(r"\b(?:of|in|from|for|on|by|with|to|into|at|about|does|do|did|has|have)\s+(?:that|those) "
                      r"(?:(?:single|standard|same|first|last|other) )?([A-Za-z][\w-]*)", re.IGNORECASE)
_NOT_A_NOUN = {"its", "the", "a", "an", "it", "they", "we", "you", "this", "these", "our", "their", "is", "are",
               "was", "were", "can", "will", "would", "should", "must", "may", "mean", "means", "tell", "tells", "buy",
               "give", "gives", "say", "says", "change", "require", "make", "makes"}
_EN_COMPARES = re.compile(r"\b(?:both|two|twin|twins|each|every|whether|identical|all|its)\b", re.IGNORECASE)
_KO_LEAD = re.compile(r"^(?:이제|다시|같은|그|또|또한|그리고|이번에는|이번엔|마찬가지로|앞 문제|위 문제|앞의|위의 문제|동일한)(?![가-힣])")
_KO_FIRST = re.compile(r"(?:^|[\s(])(?:이제|이번에는|이번엔)(?![가-힣])")
_KO_ANYWHERE = re.compile(r"(?:앞|위|이전|앞의|위의)\s*(?:문제|질문|문항)")

_STANDALONE_FIX = "state the givens in the prompt itself, since an exam draws each question alone"


def check_standalone(q) -> list[Finding]:
    found = []
    en, ko = q.prompt.en, q.prompt.ko
    first = _first_sentence(_without_code(en))
    lead = _EN_LEAD.match(en)
    if lead:
        found.append(Finding(q.id, "standalone", f"the English prompt starts with {lead.group(0)!r}, "
                                                 "which points at another question", _STANDALONE_FIX))
    elif _EN_FIRST.search(first):
        word = _EN_FIRST.search(first).group(0)
        found.append(Finding(q.id, "standalone", f"the English prompt's first sentence says {word!r}, "
                                                 "as if it followed another question", _STANDALONE_FIX))
    elif _EN_SAME.search(first) and not _EN_COMPARES.search(first):
        found.append(Finding(q.id, "standalone", "the English prompt's first sentence speaks of "
                                                 f"{_EN_SAME.search(first).group(0)!r} thing without saying "
                                                 "what it is the same as", _STANDALONE_FIX))
    for m in _EN_THAT.finditer(first):
        if m.group(1).lower() not in _NOT_A_NOUN and not re.search(rf"\b{re.escape(m.group(1))}", first[: m.start()],
                                                                      re.IGNORECASE):
            found.append(Finding(q.id, "standalone", f"the English prompt speaks of {m.group(0)!r} before saying "
                                                     "which one", _STANDALONE_FIX))
            break
    if _EN_ANYWHERE.search(en):
        found.append(Finding(q.id, "standalone", f"the English prompt refers to {_EN_ANYWHERE.search(en).group(0)!r}",
                             _STANDALONE_FIX))
    lead = _KO_LEAD.match(ko)
    if lead:
        found.append(Finding(q.id, "standalone", f"the Korean prompt starts with {lead.group(0)!r}, "
                                                 "which points at another question", _STANDALONE_FIX))
    elif _KO_FIRST.search(_first_sentence(_without_code(ko))):
        word = _KO_FIRST.search(_first_sentence(_without_code(ko))).group(0).strip(" (")
        found.append(Finding(q.id, "standalone", f"the Korean prompt's first sentence says {word!r}, "
                                                 "as if it followed another question", _STANDALONE_FIX))
    if _KO_ANYWHERE.search(ko):
        found.append(Finding(q.id, "standalone", f"the Korean prompt refers to {_KO_ANYWHERE.search(ko).group(0)!r}",
                             _STANDALONE_FIX))
    return found


# -- doubled words and English units in Korean ----------------------------------------

# Count nouns a number is given in. Plural forms only: the singulars are often argument
# names in the code (`window`, `step`, `image`).
UNIT_WORDS = ("steps", "windows", "epochs", "batches", "iterations", "params", "parameters", "pixels", "channels",
              "tokens", "words", "sentences", "images", "layers", "updates", "examples", "samples", "degrees",
              "patches", "characters", "positions", "dimensions", "seconds", "minutes", "hours", "days",
              "filters", "units", "heads", "rows", "columns", "weights", "values", "times")
_UNITS = "|".join(UNIT_WORDS)
_DOUBLED = re.compile(r"(?<![\w.])([^\W\d_][\w'-]*)\s+\1(?![\w])", re.IGNORECASE)
_TWO_UNITS = re.compile(rf"(?<![\w.])\d[\d,.]*\s+({_UNITS})\s+({_UNITS})\b", re.IGNORECASE)
# In Korean text the count nouns a reader meets as English words: the units above less
# those that are usually the code's own argument names (`filters`, `units`, `heads` ...).
KOREAN_UNIT_WORDS = tuple(w for w in UNIT_WORDS if w not in ("filters", "units", "heads", "rows", "columns",
                                                             "weights", "values", "times"))
_KO_UNIT = re.compile(rf"(?<![A-Za-z0-9_\-./·`'\"])({'|'.join(KOREAN_UNIT_WORDS)})(?![A-Za-z0-9_=(]|\.[A-Za-z_])",
                      re.IGNORECASE)
UNITS_IN_KOREAN = {"steps": "스텝(단계)", "windows": "창", "epochs": "에폭", "batches": "배치", "iterations": "반복",
                   "params": "파라미터", "parameters": "파라미터", "pixels": "픽셀", "channels": "채널",
                   "tokens": "토큰", "words": "단어", "sentences": "문장", "images": "이미지", "layers": "층",
                   "updates": "갱신", "examples": "예제", "samples": "샘플", "degrees": "도", "patches": "패치",
                   "characters": "글자", "positions": "위치", "dimensions": "차원", "seconds": "초",
                   "minutes": "분", "hours": "시간", "days": "일"}


def check_doubled_words(q) -> list[Finding]:
    found = []
    for field, lang, text in prose(q):
        plain = _without_quotes(text)
        for m in _DOUBLED.finditer(plain):
            if len(m.group(1)) < 2:
                continue
            found.append(Finding(q.id, "doubled-word", f"{field} repeats {m.group(1)!r} "
                                                       f"({_quote(text[max(0, m.start() - 15): m.end() + 10])})",
                                 "delete one of them"))
        for m in _TWO_UNITS.finditer(plain):
            found.append(Finding(q.id, "doubled-word", f"{field} gives a number two units, {m.group(0)!r}",
                                 "keep the one unit that is meant"))
    found.extend(_unit_twice(q))
    return found


# Korean counters that would repeat the unit a numeric answer is already shown with.
_KO_COUNTER = re.compile(r"\s*(개|번|회|층|픽셀|스텝|단계|에폭|에포크|채널|창)")


def _unit_twice(q) -> list[Finding]:
    """A numeric answer with a unit, put into the Korean explanation with another counter after it ("70개(창)개")."""
    if q.type != "numeric" or not getattr(q, "unit", None) or getattr(q, "answer", None) is None:
        return []
    from kerasbook.quiz import bank

    shown = bank.format_answer(q, "ko")
    found = []
    for field, lang, text in prose(q):
        start = text.find(shown) if lang == "ko" else -1
        while start >= 0:
            m = _KO_COUNTER.match(text, start + len(shown))
            if m:
                found.append(Finding(q.id, "doubled-word", f"{field} follows the answer {shown!r}, which carries its "
                                                           f"unit, with another counter {m.group(1)!r}",
                                     "write `{answer}` with no unit or counter after it"))
                break
            start = text.find(shown, start + 1)
    return found


def check_english_units(q) -> list[Finding]:
    found = []
    for field, lang, text in prose(q):
        if lang != "ko":
            continue
        plain = _without_code(text)
        for m in _KO_UNIT.finditer(plain):
            before, after = plain[: m.start()], plain[m.end():]
            after_number = re.search(r"\d\s*$", before) is not None
            by_hangul = bool(re.search(f"[{HANGUL}]$", before)) or bool(re.match(f"[{HANGUL}]", after))
            if not (after_number or by_hangul):
                continue
            word = m.group(1)
            ko = UNITS_IN_KOREAN.get(word.lower(), "the Korean word")
            found.append(Finding(q.id, "english-unit",
                                 f"{field} pastes the English unit {word!r} into Korean "
                                 f"({_quote(plain[max(0, m.start() - 12): m.end() + 6].strip())})",
                                 f"write it in Korean ({ko}), or put code in backticks"))
    return found


# -- keywords -------------------------------------------------------------------------

def _squash(text: str) -> str:
    """Roughly what the grader compares: NFKC, lower case, no spaces, quotes or brackets."""
    t = unicodedata.normalize("NFKC", str(text)).casefold().replace("×", "x").replace("−", "-")
    return re.sub(r"[\s`'\"“”‘’()\[\]{}*·⋅]", "", t).rstrip(".。!")


# A percentage ("15 %") names its unit and stays; a bare "15" or "1/2" does not.
_BARE_NUMBER = re.compile(r"^[-+±≈~]?(?:\d{1,3}(?:[,_]\d{3})+|\d*)(?:\.\d+)?\+?$|^[-+]?\d+/\d+$")


def weak_keyword(word: str) -> str | None:
    """Why `word` is too weak to grade with (it would match almost any answer), or None."""
    t = _squash(word)
    if not t:
        return "is empty once spaces and quotes are dropped"
    if len(t) == 1 and _HANGUL_CHAR.match(t):
        return "is a single Hangul syllable"
    if _BARE_NUMBER.match(t):
        return "is a bare number"
    if not any(ch.isalnum() for ch in t):
        return "is only symbols"
    if len(t) <= 2 and not _HANGUL_CHAR.search(t):
        return "is a one- or two-character token"
    return None


def check_keywords(q) -> list[Finding]:
    found = []
    for field, word in keywords(q):
        why = weak_keyword(word)
        if why:
            found.append(Finding(q.id, "weak-keyword", f"{field} keyword {word!r} {why} and matches almost any answer",
                                 "use a whole word or phrase that only a right answer contains, or drop it"))
    return found


# -- code-reading snippets ---------------------------------------------------------------

_ASKED = re.compile(r"(?:\blayers?(?:\s+named|\s+called)?|\boutput\s+of(?:\s+the\s+layer)?|\bshape\s+of|"
                    r"\bparameters\s+(?:does|of)|\bweights\s+(?:does|of)|\bkernel\s+of)\s+`([^`]+)`", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _shown(name: str, snippet: str) -> bool:
    """Whether the snippet shows `name`: as itself, or as what an f-string name like `f"up{level}"` makes."""
    if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", snippet):
        return True
    for literal in re.findall(r"""\bf(["'])(.*?\{.*?)\1""", snippet):
        pattern = re.sub(r"\\\{.*?\\\}", "[A-Za-z0-9_]+", re.escape(literal[1]))
        if re.fullmatch(pattern, name):
            return True
    return "." in name and _shown(name.rsplit(".", 1)[0], snippet)  # `self.conv.kernel`: made by `self.conv`


def check_code(q) -> list[Finding]:
    if q.code is None:
        return []
    from kerasbook.quiz import snippets

    found = []
    ref = q.code
    try:
        _, source = snippets._source(ref.module)
        first, last = snippets._region(ref, source)
    except snippets.SnippetError:
        return []  # parse_bank already reports a region that is not there
    lines = source.splitlines()[first - 1: last]
    if ref.start is not None:
        hits = [first + i for i, line in enumerate(lines) if ref.start in line]
        if len(hits) > 1:
            where = ref.marker and f"marker {ref.marker}" or ref.object
            found.append(Finding(q.id, "code-start",
                                 f"code.start {ref.start!r} matches {len(hits)} lines of {ref.module} {where} "
                                 f"(lines {', '.join(map(str, hits))}), so the snippet starts at the first",
                                 "make `start` a text that only the wanted line contains"))
    snippet = q.snippet
    if snippet:
        for name in _ASKED.findall(q.prompt.en):
            if _NAME.match(name) and not _shown(name, snippet):
                found.append(Finding(q.id, "code-object", f"the prompt asks about `{name}`, which the snippet "
                                                          "does not show",
                                     "point `code` (marker/object, start/end) at the code that builds it"))
    return found


# -- Korean terms -------------------------------------------------------------------------

_ASKS_KOREAN_EN = re.compile(r"\bKorean\s+(?:term|word|name)\b|\bin\s+Korean\b", re.IGNORECASE)
_ASKS_KOREAN_KO = re.compile(r"한국어\s*용어|한국어로|우리말")


def check_korean_term(q) -> list[Finding]:
    if not (_ASKS_KOREAN_EN.search(q.prompt.en) or _ASKS_KOREAN_KO.search(q.prompt.ko)):
        return []
    found = []
    for field, text in spellings(q):
        if re.search(r"[A-Za-z]", text) and not _HANGUL_CHAR.search(text):
            found.append(Finding(q.id, "korean-term", f"the question asks for the Korean term but its {field} "
                                                      f"accepts the English {text!r}",
                                 "accept Korean spellings only"))
    return found


# -- running it ------------------------------------------------------------------------------

CHECKS: tuple[Callable, ...] = (check_standalone, check_doubled_words, check_english_units, check_keywords,
                                check_code, check_korean_term)


def lint_question(q) -> list[Finding]:
    """Every finding for one (resolved, where it has a computed answer) question."""
    return [f for check in CHECKS for f in check(q)]


def lint_questions(questions: Iterable, resolve: Callable | None = None) -> list[Finding]:
    """Every finding for `questions`, each resolved first when `resolve` is given.

    A question whose answer does not compute is linted as written; `validate`
    reports the failure itself.
    """
    found = []
    for q in questions:
        if resolve is not None and q.compute is not None:
            with contextlib.suppress(Exception):
                q = resolve(q)
        found.extend(lint_question(q))
    return found


def lint(banks: dict, resolve: Callable | None = None) -> list[Finding]:
    """Every finding in `banks` (`{chapter: Bank}`), bank by bank."""
    return [f for bank in banks.values() for f in lint_questions(bank.questions, resolve)]
