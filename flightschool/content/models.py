"""The content schema: what a lesson's front matter and a quiz bank may contain.

Unknown fields are errors (a typo must never silently drop a question's explanation).
Answers are values (option text, line numbers, item text), never positions, so options
can be shuffled per attempt and a reordered YAML file does not change stored answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]


def _check_patterns(patterns: list[str]) -> None:
    """Every regex compiles, or the first that does not is named with why."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"pattern {pattern!r} is not a valid regex: {exc}") from exc


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Difficulty(StrEnum):
    WARMUP = "warmup"
    CORE = "core"
    ADVANCED = "advanced"
    SENIOR = "senior"


# --------------------------------------------------------------------------- lessons


class LessonMeta(Strict):
    id: Slug
    title: str = Field(min_length=3)
    module: str = Field(min_length=2)
    summary: str = ""
    objectives: list[str] = Field(min_length=1)
    minutes: int = Field(gt=0, le=240)
    prerequisites: list[Slug] = []
    tags: list[str] = []
    quizzes: list[Slug] = []
    labs: list[Slug] = []


# --------------------------------------------------------------------------- questions


class Option(Strict):
    text: str = Field(min_length=1)
    correct: bool = False
    explanation: str = ""


class QuestionBase(Strict):
    id: Slug
    lesson: Slug
    difficulty: Difficulty
    tags: list[str] = []
    prompt: str = Field(min_length=3)
    explanation: str = Field(min_length=3)
    points: float = Field(default=1.0, gt=0)


class _Choice(QuestionBase):
    options: list[Option] = Field(min_length=2)

    @field_validator("options")
    @classmethod
    def _unique_texts(cls, options: list[Option]) -> list[Option]:
        texts = [o.text for o in options]
        if len(set(texts)) != len(texts):
            raise ValueError("option texts must be unique (answers are stored by text)")
        return options

    @property
    def correct_texts(self) -> frozenset[str]:
        return frozenset(o.text for o in self.options if o.correct)


class SingleChoice(_Choice):
    type: Literal["single"]

    @model_validator(mode="after")
    def _one_correct(self) -> SingleChoice:
        if len(self.correct_texts) != 1:
            raise ValueError("a single-choice question needs exactly one correct option")
        return self


class MultipleChoice(_Choice):
    type: Literal["multiple"]

    @model_validator(mode="after")
    def _some_correct(self) -> MultipleChoice:
        if not self.correct_texts:
            raise ValueError("a multiple-choice question needs at least one correct option")
        return self


class TrueFalse(QuestionBase):
    type: Literal["true_false"]
    answer: bool


class SpotTheMistake(QuestionBase):
    """A code snippet; the learner picks the wrong line(s). `mistakes` maps line -> why."""

    type: Literal["spot_mistake"]
    language: str = "python"
    code: str = Field(min_length=1)
    mistakes: dict[int, str] = Field(min_length=1)

    @model_validator(mode="after")
    def _lines_exist(self) -> SpotTheMistake:
        count = len(self.code_lines)
        bad = [n for n in self.mistakes if not 1 <= n <= count]
        if bad:
            raise ValueError(f"mistakes name line(s) {bad} but the code has {count} lines")
        return self

    @property
    def code_lines(self) -> list[str]:
        return self.code.rstrip("\n").split("\n")


class Ordering(QuestionBase):
    """`items` are listed in the correct order; they are shuffled when shown."""

    type: Literal["ordering"]
    items: list[str] = Field(min_length=2)

    @field_validator("items")
    @classmethod
    def _unique(cls, items: list[str]) -> list[str]:
        if len(set(items)) != len(items):
            raise ValueError("ordering items must be unique")
        return items


class ShortAnswer(QuestionBase):
    """Accepted if the answer equals one of `accept` (case and spacing ignored) or matches a
    pattern in `patterns` (Python regex, searched case-insensitively)."""

    type: Literal["short_answer"]
    accept: list[str] = []
    patterns: list[str] = []

    @model_validator(mode="after")
    def _has_answer(self) -> ShortAnswer:
        if not self.accept and not self.patterns:
            raise ValueError("a short-answer question needs `accept` or `patterns`")
        _check_patterns(self.patterns)
        return self


class Concept(Strict):
    """One way a fact (or a subject) can show up in an answer: any synonym or regex pattern."""

    any: list[str] = []
    patterns: list[str] = []

    @model_validator(mode="after")
    def _usable(self) -> Concept:
        if not any(p.strip() for p in self.any) and not self.patterns:
            raise ValueError("a concept needs `any` (phrases) or `patterns` (regexes)")
        _check_patterns(self.patterns)
        return self


class KeyPoint(Strict):
    """A fact a good answer states. With `subject`, the fact only counts in a clause about
    that subject (CPU with throttling, not memory with throttling)."""

    id: Slug
    text: str
    weight: float = Field(default=1.0, gt=0)
    subject: Slug | None = None
    concepts: list[Concept] = Field(min_length=1)


class Misconception(Strict):
    """A wrong belief, written from the course's spot-the-mistake items and common errors.
    Found in an answer, it is shown with the sentence and lowers the score by `weight`.
    `swaps: POINT` claims that point's fact about this misconception's `subject` (memory
    throttled); `concepts` state a claim of its own; `unless` phrases in the same clause
    mean the learner is describing the error, not making it ("removed in Airflow 3").
    A negator inside a claim ("a toleration doesn't attract") cancels it unless `negative`."""

    id: Slug
    said: str = Field(min_length=3)
    correction: str = Field(min_length=3)
    weight: float = Field(default=1.0, gt=0)
    subject: Slug | None = None
    swaps: Slug | None = None
    concepts: list[Concept] = []
    unless: list[Concept] = []
    negative: bool = False  # the claim is itself a denial ("DNS is not needed"): keep its "not"
    source: str = ""

    @model_validator(mode="after")
    def _claims_something(self) -> Misconception:
        if bool(self.swaps) == bool(self.concepts):
            raise ValueError(
                "a misconception needs exactly one of `swaps` (a point id) or `concepts`"
            )
        if self.swaps and not self.subject:
            raise ValueError("`swaps` needs a `subject`: whom the point's fact is wrongly tied to")
        return self


class Interview(QuestionBase):
    """Free-text interview question scored against a rubric of weighted key points and
    the misconceptions it watches for."""

    type: Literal["interview"]
    model_answer: str = Field(min_length=20)
    subjects: dict[Slug, Concept] = {}
    rubric: list[KeyPoint] = Field(min_length=1)
    misconceptions: list[Misconception] = []
    follow_ups: list[str] = []

    @model_validator(mode="after")
    def _references_resolve(self) -> Interview:
        """Every problem at once, each named by its field (rubric.2.subject: ...)."""
        declared = ", ".join(sorted(self.subjects)) or "none"
        ids = [p.id for p in self.rubric]
        problems = []
        groups: tuple[tuple[str, Sequence[KeyPoint | Misconception]], ...] = (
            ("rubric", self.rubric),
            ("misconceptions", self.misconceptions),
        )
        for kind, entries in groups:
            seen: set[str] = set()
            for index, entry in enumerate(entries):
                if entry.id in seen:
                    problems.append(f"{kind}.{index}.id: {entry.id!r} is used twice")
                seen.add(entry.id)
                if entry.subject and entry.subject not in self.subjects:
                    problems.append(
                        f"{kind}.{index}.subject: {entry.subject!r} is not declared in "
                        f"`subjects` (declared: {declared})"
                    )
        for index, wrong in enumerate(self.misconceptions):
            if wrong.swaps and wrong.swaps not in ids:
                problems.append(
                    f"misconceptions.{index}.swaps: {wrong.swaps!r} is not a rubric point "
                    f"(points: {', '.join(ids)})"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def point(self, point_id: str) -> KeyPoint:
        return next(p for p in self.rubric if p.id == point_id)


Question = Annotated[
    SingleChoice | MultipleChoice | TrueFalse | SpotTheMistake | Ordering | ShortAnswer | Interview,
    Field(discriminator="type"),
]
QUESTION_TYPES = (
    "single",
    "multiple",
    "true_false",
    "spot_mistake",
    "ordering",
    "short_answer",
    "interview",
)


class QuizBank(Strict):
    id: Slug
    title: str = Field(min_length=3)
    lesson: Slug
    description: str = ""
    questions: list[Question] = Field(min_length=1)
