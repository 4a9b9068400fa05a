"""The shape of a question bank, as pydantic models.

A bank is one YAML file per chapter (`kerasbook/quiz/banks/chNN.yaml`). Every
question has a stable id, its prompt in English and Korean, an answer, a short
explanation, tags and a link to the section of the chapter page that teaches
it. Six kinds of question share that core:

| `type`     | exam section      | answered with                                  |
|------------|-------------------|------------------------------------------------|
| `single`   | multiple choice   | one letter                                     |
| `multiple` | multiple choice   | every right letter (partial credit)            |
| `short`    | short answer      | a few words, compared after normalising        |
| `numeric`  | short answer      | a number, within a tolerance                   |
| `code`     | short answer      | like `short`, about a snippet of the real code |
| `essay`    | essay             | a paragraph, scored against a rubric           |

Answers the code can compute are not written in the bank: a `compute:` key
names a registered function (see `kerasbook.quiz.compute`) that derives the
answer from the chapter's real code when the bank is loaded.
"""

from __future__ import annotations

import string
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

LETTERS = string.ascii_uppercase

# The course's exam: 30 questions in three sections.
SECTIONS = ("multiple_choice", "short_answer", "essay")
EXAM_SHAPE = {"multiple_choice": 12, "short_answer": 11, "essay": 7}
SECTION_OF = {
    "single": "multiple_choice",
    "multiple": "multiple_choice",
    "short": "short_answer",
    "numeric": "short_answer",
    "code": "short_answer",
    "essay": "essay",
}
SECTION_TITLES = {
    "multiple_choice": {"en": "multiple choice", "ko": "객관식"},
    "short_answer": {"en": "short answer", "ko": "주관식"},
    "essay": {"en": "essay", "ko": "서술형"},
}
QUESTION_TYPES = tuple(SECTION_OF)

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Text(_Strict):
    """The same text in English and in Korean."""

    en: NonEmpty
    ko: NonEmpty

    @field_validator("en", "ko")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    def get(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


class Compute(_Strict):
    """A registered function that computes the answer, and its arguments."""

    fn: NonEmpty
    args: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data):
        # `compute: ch07.layer_params` is short for `compute: {fn: ch07.layer_params}`.
        return {"fn": data} if isinstance(data, str) else data


class CodeRef(_Strict):
    """Where a code-reading snippet comes from in the package's source.

    The snippet is read from the module's file when the bank loads, so it is
    always the code the chapter runs. Either `marker` (the lines between
    `# --8<-- [start:NAME]` and `# --8<-- [end:NAME]`, the markers the site's
    pages use) or `object` (a function or class, `Class.method` for a method)
    picks the region; `start` and `end` narrow it to the lines from the first
    one containing `start` to the next one containing `end`.
    """

    module: NonEmpty
    marker: str | None = None
    object: str | None = None
    start: str | None = None
    end: str | None = None
    # Shape comments in the chapter code would give the answer away.
    strip_comments: bool = False

    @model_validator(mode="after")
    def _one_region(self):
        if (self.marker is None) == (self.object is None):
            raise ValueError("give exactly one of `marker` and `object`")
        return self


class RubricPoint(_Strict):
    """One point a good essay makes, and words that show it was made."""

    en: NonEmpty
    ko: NonEmpty
    keywords: list[NonEmpty] = Field(min_length=1)


class Tolerance(_Strict):
    abs: float = Field(default=0.0, ge=0)
    rel: float = Field(default=1e-9, ge=0)

    def accepts(self, value: float, target: float) -> bool:
        return abs(value - target) <= max(self.abs, self.rel * abs(target))


class _Question(_Strict):
    id: Annotated[str, Field(pattern=r"^ch\d\d-[a-z0-9]+(-[a-z0-9]+)*$")]
    prompt: Text
    explanation: Text
    tags: list[Slug] = Field(min_length=1)
    # The page and section that teach it, e.g. "ch07_crnn.md#the-crnn-pipeline".
    link: Annotated[str, Field(pattern=r"^[A-Za-z0-9_./-]+\.md#[a-z0-9-]+$")]
    compute: Compute | None = None
    code: CodeRef | None = None
    _snippet: str | None = PrivateAttr(default=None)

    @property
    def section(self) -> str:
        return SECTION_OF[self.type]  # type: ignore[attr-defined]

    @property
    def chapter(self) -> str:
        return self.id.split("-", 1)[0]

    @property
    def page(self) -> str:
        return self.link.split("#", 1)[0]

    @property
    def anchor(self) -> str:
        return self.link.split("#", 1)[1]

    @property
    def snippet(self) -> str | None:
        """The code-reading snippet, read from the source when the bank loaded."""
        return self._snippet

    @model_validator(mode="after")
    def _answer_or_compute(self):
        answer = getattr(self, "answer", None)
        if self.compute is None and answer is None:
            raise ValueError("give an `answer` or a `compute` function")
        if self.compute is not None and answer is not None:
            raise ValueError("give either `answer` or `compute`, not both: computed answers are never typed in")
        return self


class _Choices(_Question):
    choices: list[Text] = Field(min_length=2, max_length=len(LETTERS))

    def letter_index(self, letter: str) -> int:
        return LETTERS.index(letter)

    @field_validator("choices")
    @classmethod
    def _distinct(cls, choices):
        seen = [c.en.casefold() for c in choices]
        if len(set(seen)) != len(seen):
            raise ValueError("two choices have the same English text")
        return choices


def _check_letters(letters, n):
    bad = [x for x in letters if x not in LETTERS[:n]]
    if bad:
        raise ValueError(f"answer {', '.join(bad)} is not among the choices A-{LETTERS[n - 1]}")


class SingleChoice(_Choices):
    """Pick the one right choice."""

    type: Literal["single"]
    answer: Annotated[str, Field(pattern=r"^[A-Z]$")] | None = None

    @model_validator(mode="after")
    def _answer_among_choices(self):
        if self.answer is not None:
            _check_letters([self.answer], len(self.choices))
        return self

    @property
    def answer_indices(self) -> list[int]:
        return [LETTERS.index(self.answer)]


class MultipleChoice(_Choices):
    """Pick every right choice; partly right answers earn partial credit."""

    type: Literal["multiple"]
    answer: list[Annotated[str, Field(pattern=r"^[A-Z]$")]] | None = None

    @model_validator(mode="after")
    def _answer_among_choices(self):
        if self.answer is not None:
            if not self.answer:
                raise ValueError("a multiple-choice answer needs at least one letter")
            if len(set(self.answer)) != len(self.answer):
                raise ValueError("a letter appears twice in the answer")
            _check_letters(self.answer, len(self.choices))
            self.answer = sorted(self.answer)
        return self

    @property
    def answer_indices(self) -> list[int]:
        return [LETTERS.index(x) for x in self.answer]


class _Written(_Question):
    """Fields shared by the answers a student types in."""

    # Other spellings that also count (normalised before comparing), e.g. Korean.
    accepted: list[NonEmpty] = []
    # Alternatively (or also): every group must have one of its words in the answer.
    keywords: list[list[NonEmpty]] = []


class ShortAnswer(_Written):
    """A few words, a formula or a list, compared after normalising."""

    type: Literal["short"]
    answer: NonEmpty | None = None


class Numeric(_Question):
    """A number; right when it falls within the tolerance."""

    type: Literal["numeric"]
    answer: float | None = None
    tolerance: Tolerance = Tolerance()
    unit: str | None = None


class CodeReading(_Written):
    """A snippet of the chapter's real code: what it does, or what shape comes out."""

    type: Literal["code"]
    code: CodeRef
    answer: NonEmpty | None = None


class Essay(_Question):
    """A paragraph, with a model answer and the rubric points a good one names."""

    type: Literal["essay"]
    answer: Text | None = None
    rubric: list[RubricPoint] = Field(min_length=2)


Question = Annotated[
    Union[SingleChoice, MultipleChoice, ShortAnswer, Numeric, CodeReading, Essay],
    Field(discriminator="type"),
]


class Bank(_Strict):
    """One chapter's questions."""

    chapter: Annotated[str, Field(pattern=r"^ch\d\d$")]
    title: Text
    page: Annotated[str, Field(pattern=r"^[A-Za-z0-9_./-]+\.md$")]
    questions: list[Question] = Field(min_length=1)

    @property
    def number(self) -> int:
        return int(self.chapter[2:])

    @model_validator(mode="after")
    def _ids(self):
        ids = [q.id for q in self.questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate question ids: {', '.join(dupes)}")
        foreign = [i for i in ids if not i.startswith(self.chapter + "-")]
        if foreign:
            raise ValueError(f"question ids must start with '{self.chapter}-': {', '.join(foreign)}")
        return self

    def by_id(self) -> dict[str, Any]:
        return {q.id: q for q in self.questions}
