"""Turning pydantic's errors into file:line messages an author can act on."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from flightschool.content.errors import ContentError
from flightschool.content.models import QUESTION_TYPES
from flightschool.core.yamlpos import LocatedYAML, validation_errors


def pydantic_errors(exc: ValidationError, path: Path, located: LocatedYAML) -> list[ContentError]:
    return validation_errors(exc, path, located, ignore=QUESTION_TYPES)
