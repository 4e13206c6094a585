"""The content schema: what a lesson's front matter and a quiz bank may contain.

Unknown fields are errors (a typo must never silently drop a question's explanation).
Answers are values (option text, line numbers, item text), never positions, so options
can be shuffled per attempt and a reordered YAML file does not change stored answers.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]


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
        for pattern in self.patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regex: {exc}") from exc
        return self


class Concept(Strict):
    """One way a key point can show up in an answer: any synonym or regex pattern."""

    any: list[str] = []
    patterns: list[str] = []


class KeyPoint(Strict):
    id: Slug
    text: str
    weight: float = Field(default=1.0, gt=0)
    concepts: list[Concept] = Field(min_length=1)


class Interview(QuestionBase):
    """Free-text interview question scored against a rubric of weighted key points."""

    type: Literal["interview"]
    model_answer: str = Field(min_length=20)
    rubric: list[KeyPoint] = Field(min_length=1)
    follow_ups: list[str] = []


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
