"""YAML loading that remembers where every value came from.

pydantic reports errors by location (`questions.3.options`); authors need a line number.
We compose the YAML node tree once, build plain Python data from it, and keep a map from
each location tuple to the line where that value starts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

Location = tuple[str | int, ...]


@dataclass
class LocatedYAML:
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)
    line_offset: int = 0

    def line_of(self, loc: Sequence[str | int]) -> int:
        """The line of the deepest known prefix of `loc` (1-based, offset applied)."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path] + self.line_offset
            path = path[:-1]
        return self.lines.get((), 1) + self.line_offset


class YAMLSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load(text: str, *, line_offset: int = 0) -> LocatedYAML:
    """Parse one YAML document; raise YAMLSyntaxError with a 1-based line on bad syntax."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1) if mark else 1
        raise YAMLSyntaxError(line + line_offset, f"invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YAMLSyntaxError(1 + line_offset, f"invalid YAML: {exc}") from exc
    located = LocatedYAML(data=None, line_offset=line_offset)
    if node is None:
        return located
    constructor = yaml.SafeLoader("")
    try:
        located.data = _build(node, (), located.lines, constructor)
    except YAMLSyntaxError as exc:
        raise YAMLSyntaxError(exc.line + line_offset, exc.message) from exc
    return located


def _build(
    node: yaml.Node, loc: Location, lines: dict[Location, int], constructor: yaml.SafeLoader
) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if key in out:
                raise YAMLSyntaxError(
                    key_node.start_mark.line + 1, f"duplicate key {key!r} in the same mapping"
                )
            child = (*loc, key if isinstance(key, str | int) else str(key))
            out[key] = _build(value_node, child, lines, constructor)
            lines[child] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), lines, constructor) for i, item in enumerate(node.value)]
    return constructor.construct_object(node, deep=True)


@dataclass(frozen=True, order=True)
class SourceError:
    """A problem in a file, tied to a line so an author can jump straight to it."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    def relative_to(self, root: Path) -> SourceError:
        try:
            return SourceError(self.path.relative_to(root), self.line, self.message)
        except ValueError:
            return self


def validation_errors(
    exc: ValidationError, path: Path, located: LocatedYAML, ignore: Collection[str] = ()
) -> list[SourceError]:
    """pydantic errors as file:line messages. `ignore` drops location parts such as the
    tags that discriminated unions insert (`single`, `multiple`...)."""
    out: list[SourceError] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in ignore))
        message = err["msg"].removeprefix("Value error, ")
        where = loc
        if err["type"] in ("extra_forbidden", "missing") and loc:
            verb = "unknown field" if err["type"] == "extra_forbidden" else "missing required field"
            message = f"{verb} {loc[-1]!r}"
            where = loc[:-1]
        if where:
            message = ".".join(str(p) for p in where) + ": " + message
        out.append(SourceError(path, located.line_of(loc), message))
    return out
