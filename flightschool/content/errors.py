"""Content problems, each tied to a file and line so an author can jump straight to it."""

from __future__ import annotations

from flightschool.core.yamlpos import SourceError

ContentError = SourceError


class ContentLoadError(Exception):
    """Raised by a loader when a file cannot become a content object at all."""

    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
