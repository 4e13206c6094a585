"""The profile export format, checked before anything is written.

An export is a file a learner hands back to us: it may be edited, truncated, or not ours at
all. Every row is validated here (types, sizes, finite numbers, no unknown fields, no
duplicate keys) so an import either writes a whole, sane profile or nothing, and says which
row was wrong.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    model_validator,
)

from flightschool.core.errors import InputProblem
from flightschool.progress.schema import split_legacy_id

EXPORT_FORMAT = "flightschool-profile"
EXPORT_VERSION = 2  # 2: attempts carry a kind; version 1 files (kind in the id) still import
READABLE_VERSIONS = (1, 2)
MAX_EXPORT_BYTES = 20_000_000
MAX_ROWS = 100_000


class ExportError(InputProblem, ValueError):
    """Why an export cannot be imported, naming the row and field."""


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


When = Annotated[datetime, AfterValidator(_utc)]
Number = Annotated[float, Field(ge=-1e9, le=1e9, allow_inf_nan=False)]
Id = Annotated[str, Field(min_length=1, max_length=80)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class LessonRow(_Row):
    lesson_id: Id
    first_viewed_at: When
    last_viewed_at: When
    completed_at: When | None = None


class AnswerRow(_Row):
    question_id: Id
    answer: JsonValue
    correct: bool
    points: Number
    max_points: Number
    seconds: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
    answered_at: When


class AttemptRow(_Row):
    kind: Literal["quiz", "lesson", "exam", "interview"] = "quiz"
    quiz_id: Id
    mode: Annotated[str, Field(max_length=20)]
    seed: Annotated[str, Field(max_length=40)]
    started_at: When
    finished_at: When | None = None
    score: Number
    max_score: Number
    answers: Annotated[list[AnswerRow], Field(max_length=10_000)] = []

    @model_validator(mode="before")
    @classmethod
    def _kind_from_legacy_id(cls, data: Any) -> Any:
        """Exports written before attempts had a kind said it in the id ("exam:<id>")."""
        if isinstance(data, dict) and "kind" not in data and isinstance(data.get("quiz_id"), str):
            kind, quiz_id = split_legacy_id(data["quiz_id"])
            return {**data, "kind": kind, "quiz_id": quiz_id}
        return data


class LabRow(_Row):
    lab_id: Id
    at: When
    score: Number
    max_score: Number
    passed: bool
    checks: JsonValue


class CardRow(_Row):
    card_id: Annotated[str, Field(min_length=1, max_length=160)]
    kind: Annotated[str, Field(max_length=20)]
    state: JsonValue
    due: When
    lapses: Annotated[int, Field(ge=0, le=1_000_000)] = 0


class ActivityRow(_Row):
    kind: Annotated[str, Field(max_length=40)]
    ref: Annotated[str, Field(max_length=160)]
    at: When
    data: JsonValue = None


class Export(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str
    version: int
    profile: Annotated[str, Field(max_length=200)] = ""
    lessons: Annotated[list[LessonRow], Field(max_length=MAX_ROWS)] = []
    quiz_attempts: Annotated[list[AttemptRow], Field(max_length=MAX_ROWS)] = []
    lab_attempts: Annotated[list[LabRow], Field(max_length=MAX_ROWS)] = []
    review_cards: Annotated[list[CardRow], Field(max_length=MAX_ROWS)] = []
    activity: Annotated[list[ActivityRow], Field(max_length=MAX_ROWS)] = []


def parse_bytes(raw: bytes) -> Any:
    """An uploaded file as JSON: size, encoding and nesting refused with a message."""
    if len(raw) > MAX_EXPORT_BYTES:
        raise ExportError(f"the file is larger than {MAX_EXPORT_BYTES // 1_000_000} MB")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ExportError("the file is not UTF-8 text: is it a profile export?") from exc
    except json.JSONDecodeError as exc:
        raise ExportError(f"the file is not valid JSON (line {exc.lineno}): {exc.msg}") from exc
    except RecursionError as exc:
        raise ExportError("the file nests its JSON too deeply to be a profile export") from exc


def validate(data: Any) -> Export:
    """The export checked field by field; the first few problems named by location."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ExportError("this file is not a Flight School profile export")
    if data.get("version") not in READABLE_VERSIONS:
        raise ExportError(f"unsupported export version {str(data.get('version'))[:20]!r}")
    try:
        export = Export.model_validate(data)
    except ValidationError as exc:
        problems = [
            ".".join(str(p) for p in err["loc"]) + ": " + err["msg"] for err in exc.errors()[:3]
        ]
        more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        raise ExportError("the export is damaged: " + "; ".join(problems) + more) from exc
    except RecursionError as exc:
        raise ExportError("the export nests its values too deeply") from exc
    _no_duplicates("lessons", [r.lesson_id for r in export.lessons])
    _no_duplicates("review_cards", [r.card_id for r in export.review_cards])
    for i, attempt in enumerate(export.quiz_attempts):
        _no_duplicates(f"quiz_attempts.{i}.answers", [a.question_id for a in attempt.answers])
    return export


def _no_duplicates(where: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise ExportError(f"the export is damaged: {where}.{i}: {key[:80]!r} appears twice")
        seen.add(key)
