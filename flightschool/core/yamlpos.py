"""YAML loading that remembers where every value came from.

pydantic reports errors by location (`questions.3.options`); authors need a line number.
We compose the YAML node tree once, build plain Python data from it, and keep a map from
each location tuple to the line where that value starts.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from flightschool.core import safeyaml
from flightschool.core.safeyaml import DEFAULT, Limits, YAMLSyntaxError

__all__ = ["LocatedYAML", "Location", "SourceError", "YAMLSyntaxError", "load", "load_file"]

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


def load(text: str, *, line_offset: int = 0, limits: Limits = DEFAULT) -> LocatedYAML:
    """Parse one YAML document (bounded, see safeyaml); raise YAMLSyntaxError with a 1-based
    line on bad syntax or a refused input."""
    node = safeyaml.compose(text, limits, line_offset)
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
    if not isinstance(node, yaml.ScalarNode) and node.tag not in safeyaml.PLAIN_COLLECTION_TAGS:
        return safeyaml.construct_scalar(constructor, node)  # refuses the tag with its line
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = safeyaml.construct_scalar(constructor, key_node)
            if not isinstance(key, Hashable):
                raise YAMLSyntaxError(
                    key_node.start_mark.line + 1, "a mapping key must be a plain value"
                )
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
    return safeyaml.construct_scalar(constructor, node)


def load_file(path: Path, *, limits: Limits = DEFAULT) -> LocatedYAML:
    """load() on a file read through safeyaml.read_text (size and encoding checked)."""
    return load(safeyaml.read_text(path, limits), limits=limits)


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
