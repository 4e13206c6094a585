"""Lessons: Markdown files with YAML front matter, split into sections for the app.

A lesson is `lessons/NN-slug.md`. Level-2 headings start sections. Two fenced block
kinds are special: ```check (one question id per line, asked inline) and ```dot (a
Graphviz diagram). Every other fenced block stays in the Markdown and is also listed in
`code_blocks`, so tests can prove each sample against the installed software.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from pydantic import ValidationError

from flightschool.content.errors import ContentError, ContentLoadError
from flightschool.content.models import LessonMeta
from flightschool.content.validation import pydantic_errors
from flightschool.core import safeyaml, yamlpos

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)
_MARKDOWN = MarkdownIt("commonmark").enable("table")


@dataclass(frozen=True)
class MarkdownPart:
    text: str


@dataclass(frozen=True)
class CheckPart:
    question_ids: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class DiagramPart:
    dot: str
    line: int


Part = MarkdownPart | CheckPart | DiagramPart


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code sample. `kind` is the first word of the info string (python, yaml,
    ini, bash...); `flags` are the other words (e.g. `mistake`, `k8s`, `helm-values`)."""

    kind: str
    flags: frozenset[str]
    code: str
    line: int
    lesson_id: str


@dataclass(frozen=True)
class Section:
    title: str
    slug: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Lesson:
    meta: LessonMeta
    path: Path
    sections: tuple[Section, ...]
    code_blocks: tuple[CodeBlock, ...] = field(default=())
    check_refs: tuple[CheckPart, ...] = field(default=())

    @property
    def id(self) -> str:
        return self.meta.id


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def load_lesson(path: Path) -> Lesson:
    """Parse one lesson file; raise ContentLoadError naming file:line on any problem."""
    try:
        text = safeyaml.read_text(path)
    except safeyaml.YAMLSyntaxError as exc:
        raise ContentLoadError([ContentError(path, exc.line, exc.message)]) from exc
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ContentLoadError(
            [ContentError(path, 1, "a lesson must start with YAML front matter between --- lines")]
        )
    try:
        located = yamlpos.load(match.group(1), line_offset=1)
    except yamlpos.YAMLSyntaxError as exc:
        raise ContentLoadError([ContentError(path, exc.line, exc.message)]) from exc
    if not isinstance(located.data, dict):
        raise ContentLoadError([ContentError(path, 2, "front matter must be a YAML mapping")])
    try:
        meta = LessonMeta.model_validate(located.data)
    except ValidationError as exc:
        raise ContentLoadError(pydantic_errors(exc, path, located)) from exc
    if meta.id != path.stem:
        raise ContentLoadError(
            [
                ContentError(
                    path,
                    located.line_of(("id",)),
                    f"id {meta.id!r} must match the file name {path.stem!r}",
                )
            ]
        )
    body_offset = match.group(0).count("\n")
    body = text[match.end() :]
    sections, blocks, checks = _split(body, body_offset, meta.id)
    return Lesson(meta, path, sections, blocks, checks)


def _split(
    body: str, offset: int, lesson_id: str
) -> tuple[tuple[Section, ...], tuple[CodeBlock, ...], tuple[CheckPart, ...]]:
    lines = body.split("\n")
    tokens = _MARKDOWN.parse(body)
    heads: list[tuple[int, str]] = []  # (start line, title) of each h2
    specials: list[tuple[int, int, Part]] = []  # (start, end, part) of check/dot fences
    blocks: list[CodeBlock] = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h2" and tok.map:
            heads.append((tok.map[0], tokens[i + 1].content.strip()))
        elif tok.type == "fence" and tok.map:
            words = tok.info.split()
            kind = words[0].lower() if words else ""
            line = tok.map[0] + 1 + offset
            if kind == "check":
                ids = tuple(x.strip() for x in tok.content.splitlines() if x.strip())
                specials.append((tok.map[0], tok.map[1], CheckPart(ids, line)))
            elif kind == "dot":
                specials.append((tok.map[0], tok.map[1], DiagramPart(tok.content, line)))
            elif kind:
                blocks.append(CodeBlock(kind, frozenset(words[1:]), tok.content, line, lesson_id))
    bounds = [0] + [h[0] for h in heads] + [len(lines)]
    titles = ["Overview"] + [h[1] for h in heads]
    sections: list[Section] = []
    for n, title in enumerate(titles):
        start, end = bounds[n], bounds[n + 1]
        if n > 0:
            start += 1  # the heading line itself becomes the section title
        parts = _parts(lines, start, end, [s for s in specials if start <= s[0] < end])
        if n == 0 and not parts:
            continue
        sections.append(Section(title, slugify(title), tuple(parts)))
    checks = tuple(s[2] for s in specials if isinstance(s[2], CheckPart))
    return tuple(sections), tuple(blocks), checks


def _parts(
    lines: list[str], start: int, end: int, specials: list[tuple[int, int, Part]]
) -> list[Part]:
    parts: list[Part] = []
    cursor = start
    for s_start, s_end, part in specials:
        chunk = "\n".join(lines[cursor:s_start]).strip()
        if chunk:
            parts.append(MarkdownPart(chunk))
        parts.append(part)
        cursor = s_end
    chunk = "\n".join(lines[cursor:end]).strip()
    if chunk:
        parts.append(MarkdownPart(chunk))
    return parts
