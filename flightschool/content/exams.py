"""Exams (`exams/*.yaml`): weighted quiz questions plus up to two labs, against a clock."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flightschool.content.errors import ContentError, ContentLoadError
from flightschool.content.models import Slug
from flightschool.core import yamlpos


class ExamQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Slug
    weight: float = Field(default=1.0, gt=0)


class ExamLab(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Slug
    weight: float = Field(default=5.0, gt=0)


class ExamSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Slug
    title: str = Field(min_length=3)
    description: str = ""
    minutes: int = Field(gt=0, le=240)
    pass_mark: float = Field(default=0.66, gt=0, le=1)
    questions: list[ExamQuestion] = Field(min_length=1)
    labs: list[ExamLab] = Field(default=[], max_length=2)


@dataclass(frozen=True)
class Exam:
    spec: ExamSpec
    path: Path
    lines: dict[str, int]


def load_exam(path: Path) -> Exam:
    try:
        located = yamlpos.load_file(path)
    except yamlpos.YAMLSyntaxError as exc:
        raise ContentLoadError([ContentError(path, exc.line, exc.message)]) from exc
    try:
        spec = ExamSpec.model_validate(located.data)
    except ValidationError as exc:
        raise ContentLoadError(yamlpos.validation_errors(exc, path, located)) from exc
    lines = {q.id: located.line_of(("questions", i)) for i, q in enumerate(spec.questions)}
    lines.update({lab.id: located.line_of(("labs", i)) for i, lab in enumerate(spec.labs)})
    return Exam(spec, path, lines)
