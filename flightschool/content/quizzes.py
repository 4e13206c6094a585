"""Quiz banks: `quizzes/NN-slug.yaml`, one bank per file, validated question by question.

A bank with one broken question still loads its other questions; the broken one becomes
an error (file:line) that the app shows as an error card in its place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from flightschool.content.errors import ContentError, ContentLoadError
from flightschool.content.models import Question, QuizBank
from flightschool.content.validation import pydantic_errors
from flightschool.core import yamlpos

_QUESTION: TypeAdapter[Question] = TypeAdapter(Question)


@dataclass(frozen=True)
class BrokenQuestion:
    """A question that failed validation: shown as an error card, never asked."""

    id: str
    errors: tuple[ContentError, ...]


@dataclass(frozen=True)
class LoadedBank:
    bank: QuizBank
    path: Path
    broken: tuple[BrokenQuestion, ...] = field(default=())
    lines: dict[str, int] = field(default_factory=dict)  # question id -> line


def load_bank(path: Path) -> LoadedBank:
    try:
        located = yamlpos.load_file(path)
    except yamlpos.YAMLSyntaxError as exc:
        raise ContentLoadError([ContentError(path, exc.line, exc.message)]) from exc
    data = located.data
    if not isinstance(data, dict):
        raise ContentLoadError([ContentError(path, 1, "a quiz bank must be a YAML mapping")])
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list):
        raise ContentLoadError(
            [ContentError(path, located.line_of(("questions",)), "`questions` must be a list")]
        )
    good: list[Any] = []
    broken: list[BrokenQuestion] = []
    lines: dict[str, int] = {}
    for index, raw in enumerate(raw_questions):
        qid = str(raw.get("id", f"#{index + 1}")) if isinstance(raw, dict) else f"#{index + 1}"
        try:
            question = _QUESTION.validate_python(raw)
        except ValidationError as exc:
            errors = pydantic_errors(exc, path, _rooted_at(located, ("questions", index)))
            named = tuple(
                ContentError(e.path, e.line, f"question {qid}: {e.message}") for e in errors
            )
            broken.append(BrokenQuestion(qid, named))
            continue
        good.append(question)
        lines[question.id] = located.line_of(("questions", index))
    if not good:
        errors = [e for b in broken for e in b.errors]
        line = located.line_of(("questions",))
        raise ContentLoadError(errors or [ContentError(path, line, "the bank has no questions")])
    header = {k: v for k, v in data.items() if k != "questions"}
    try:
        bank = QuizBank.model_validate({**header, "questions": good})
    except ValidationError as exc:
        raise ContentLoadError(pydantic_errors(exc, path, located)) from exc
    return LoadedBank(bank, path, tuple(broken), lines)


def _rooted_at(located: yamlpos.LocatedYAML, prefix: yamlpos.Location) -> yamlpos.LocatedYAML:
    """A view of the document rooted at `prefix`, so error locations resolve inside it."""
    n = len(prefix)
    lines = {k[n:]: v for k, v in located.lines.items() if k[:n] == prefix}
    return yamlpos.LocatedYAML(data=None, lines=lines, line_offset=located.line_offset)
