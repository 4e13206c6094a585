"""The one way Flight School reads YAML it did not write: bounded and plain.

Learner submissions, chart values, pod templates and content files all come through here.
A file is refused, with its line, when it is too large, not UTF-8, holds too many documents,
nests too deep, uses more aliases than plain configuration needs, expands (through aliases)
into more nodes than a real file would hold ("billion laughs"), refers to itself, or carries
a language-specific tag such as `!!python/object`. Nothing here raises anything but
YAMLSyntaxError, so every caller turns a bad file into a message, never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent

from flightschool.core.errors import InputProblem


@dataclass(frozen=True)
class Limits:
    """What a hand-written configuration file never exceeds."""

    max_bytes: int = 1_000_000
    max_documents: int = 100
    max_depth: int = 64
    max_aliases: int = 200
    max_nodes: int = 250_000  # counted with every alias expanded


DEFAULT = Limits()


class YAMLSyntaxError(InputProblem, ValueError):
    """A file that cannot be read as plain YAML; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_text(path: Path, limits: Limits = DEFAULT) -> str:
    """The file as text: refused when larger than the limit or not UTF-8."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except OSError as exc:
        raise YAMLSyntaxError(1, f"cannot read the file: {exc.strerror or exc}") from exc
    return decode(data, limits)


def decode(data: bytes, limits: Limits = DEFAULT) -> str:
    """Bytes (an upload, a file) as text, with the same refusals as read_text."""
    if len(data) > limits.max_bytes:
        raise YAMLSyntaxError(1, f"the file is larger than {_size(limits.max_bytes)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise YAMLSyntaxError(
            line, "the file is not UTF-8 text (binary content or another encoding)"
        ) from exc


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} kB"


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer counts depth and aliases as it goes (it recurses per level,
    so the depth check must come before Python's own recursion limit)."""

    limits: Limits = DEFAULT

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            self.aliases += 1
            if self.aliases > self.limits.max_aliases:
                raise YAMLSyntaxError(
                    _line(event.start_mark),
                    f"more than {self.limits.max_aliases} aliases (*name) in one document",
                )
        self._depth += 1
        if self._depth > self.limits.max_depth:
            raise YAMLSyntaxError(
                _line(event.start_mark), f"nested deeper than {self.limits.max_depth} levels"
            )
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        return node

    def compose_document(self) -> yaml.Node | None:
        self.aliases = 0
        node = super().compose_document()
        return node


def _line(mark: Any) -> int:
    return int(mark.line) + 1 if mark is not None else 1


def compose_all(text: str, limits: Limits = DEFAULT, line_offset: int = 0) -> list[yaml.Node]:
    """Every non-empty document's node tree, each checked against the limits."""
    if len(text) > limits.max_bytes:
        raise YAMLSyntaxError(1 + line_offset, f"the text is larger than {_size(limits.max_bytes)}")
    nodes: list[yaml.Node] = []
    loader: _BoundedLoader | None = None
    try:
        loader = type("Loader", (_BoundedLoader,), {"limits": limits})(text)
        count = 0
        while loader.check_node():
            count += 1
            if count > limits.max_documents:
                line = _line(loader.peek_event().start_mark)
                raise YAMLSyntaxError(
                    line, f"more than {limits.max_documents} YAML documents in one file"
                )
            node = loader.get_node()
            if node is not None:
                if loader.aliases:  # without aliases, size and depth were checked above
                    _check_expansion(node, limits)
                nodes.append(node)
    except YAMLSyntaxError as exc:
        raise YAMLSyntaxError(exc.line + line_offset, exc.message) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YAMLSyntaxError(
            _line(mark) + line_offset, f"invalid YAML: {exc.problem or exc}"
        ) from exc
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise YAMLSyntaxError(
            line + line_offset,
            f"invalid YAML: the character U+{int(exc.character):04X} is not allowed",
        ) from exc
    except yaml.YAMLError as exc:
        raise YAMLSyntaxError(1 + line_offset, f"invalid YAML: {exc}") from exc
    finally:
        if loader is not None:
            loader.dispose()
    return nodes


def compose(text: str, limits: Limits = DEFAULT, line_offset: int = 0) -> yaml.Node | None:
    """The one document in `text` (None when empty); more than one is refused."""
    nodes = compose_all(text, limits, line_offset)
    if len(nodes) > 1:
        raise YAMLSyntaxError(
            _line(nodes[1].start_mark) + line_offset,
            "expected one YAML document, found another here",
        )
    return nodes[0] if nodes else None


def _check_expansion(root: yaml.Node, limits: Limits) -> None:
    """Refuse a document that refers to itself, or whose aliases expand past the limits.
    Each node is measured once (memoised), so the check is linear in the file's size."""
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, expanded height)
    open_nodes: set[int] = set()

    def measure(node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in open_nodes:
            raise YAMLSyntaxError(
                _line(node.start_mark), "a recursive alias: this value contains itself"
            )
        known = sizes.get(key)
        if known is None:
            open_nodes.add(key)
            total, height = 1, 0
            children: list[yaml.Node] = []
            if isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            elif isinstance(node, yaml.SequenceNode):
                children = list(node.value)
            for child in children:
                size, child_height = measure(child, depth + 1)
                total += size
                height = max(height, child_height + 1)
                if total > limits.max_nodes:
                    break
            open_nodes.discard(key)
            known = sizes[key] = (total, height)
        if known[0] > limits.max_nodes:
            raise YAMLSyntaxError(
                _line(node.start_mark),
                f"aliases expand this value past {limits.max_nodes} nodes (an alias bomb?)",
            )
        if depth + known[1] > limits.max_depth:
            raise YAMLSyntaxError(
                _line(node.start_mark),
                f"aliases nest this value deeper than {limits.max_depth} levels",
            )
        return known

    measure(root, 1)


def construct(node: yaml.Node) -> Any:
    """Plain Python data from a checked node tree; unknown tags become a clean message."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise YAMLSyntaxError(_line(exc.problem_mark), _tag_message(exc)) from exc
    except TypeError as exc:  # an unhashable key such as `? [a, b]`
        raise YAMLSyntaxError(_line(node.start_mark), f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()


PLAIN_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


def construct_scalar(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """One leaf through `loader`, with the same clean message for unknown tags."""
    if not isinstance(node, yaml.ScalarNode) and node.tag not in PLAIN_COLLECTION_TAGS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise YAMLSyntaxError(
            _line(node.start_mark), f"the tag {tag} is not allowed: plain YAML values only"
        )
    try:
        return loader.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as exc:
        raise YAMLSyntaxError(
            _line(exc.problem_mark or node.start_mark), _tag_message(exc)
        ) from exc


def _tag_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or str(exc)
    found = re.search(r"constructor for the tag '([^']*)'", problem)
    if found:
        tag = found.group(1).replace("tag:yaml.org,2002:", "!!")
        if tag == "!!merge":
            return "merge keys (<<: *name) are not supported here: write the values out"
        return f"the tag {tag} is not allowed: plain YAML values only"
    return f"invalid YAML: {problem}"


def load_all(text: str, limits: Limits = DEFAULT, line_offset: int = 0) -> list[tuple[int, Any]]:
    """Every non-empty document as (line where it starts, plain data)."""
    out: list[tuple[int, Any]] = []
    for node in compose_all(text, limits, line_offset):
        try:
            data = construct(node)
        except YAMLSyntaxError as exc:
            raise YAMLSyntaxError(exc.line + line_offset, exc.message) from exc
        out.append((_line(node.start_mark) + line_offset, data))
    return out


def load(text: str, limits: Limits = DEFAULT) -> Any:
    """The one document in `text` as plain data (None when empty)."""
    node = compose(text, limits)
    return None if node is None else construct(node)


def load_file(path: Path, limits: Limits = DEFAULT) -> Any:
    """One document from a file, with every refusal above."""
    return load(read_text(path, limits), limits)


def problem(path: Path, limits: Limits = DEFAULT) -> str | None:
    """`name:line: message` when the file would be refused (every document checked), else None.
    For files another program parses (a pod template Airflow reads): refuse them here first."""
    try:
        load_all(read_text(path, limits), limits)
    except YAMLSyntaxError as exc:
        return f"{path.name}:{exc.line}: {exc.message}"
    return None
