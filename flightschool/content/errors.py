"""Content problems, each tied to a file and line so an author can jump straight to it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class ContentError:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    def relative_to(self, root: Path) -> ContentError:
        try:
            return ContentError(self.path.relative_to(root), self.line, self.message)
        except ValueError:
            return self


class ContentLoadError(Exception):
    """Raised by a loader when a file cannot become a content object at all."""

    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
