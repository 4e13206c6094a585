"""Turning pydantic's errors into file:line messages an author can act on."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from flightschool.content.errors import ContentError
from flightschool.content.models import QUESTION_TYPES
from flightschool.content.yamlpos import LocatedYAML


def pydantic_errors(exc: ValidationError, path: Path, located: LocatedYAML) -> list[ContentError]:
    out: list[ContentError] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
        message = err["msg"].removeprefix("Value error, ")
        where = loc
        if err["type"] in ("extra_forbidden", "missing") and loc:
            verb = "unknown field" if err["type"] == "extra_forbidden" else "missing required field"
            message = f"{verb} {loc[-1]!r}"
            where = loc[:-1]
        if where:
            message = ".".join(str(p) for p in where) + ": " + message
        out.append(ContentError(path, located.line_of(loc), message))
    return out


def _is_union_tag(part: str | int) -> bool:
    # Discriminated unions add the tag ('single', 'multiple'...) into the location.
    return isinstance(part, str) and part in QUESTION_TYPES
