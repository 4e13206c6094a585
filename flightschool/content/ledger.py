"""The claims ledger: where each factual claim in the course is made and where it is proven.

Every lesson paragraph, quiz item and interview question is an *item* with an anchor (the
section slug or the question id) and a short hash of its text. `ledger/<folder>/<stem>.yaml`
lists, per item, the claims it makes and one proof per claim:

    test: tests/unit/x/test_y.py::test_name
    installed: apache-airflow-core 3.3.2 airflow/config_templates/config.yml:1234
    chart: airflow 1.21.0 templates/workers/worker-deployment.yaml:42
    go: k8s.io/kubernetes v1.36.3 pkg/apis/core/types.go:100
    doc: https://kubernetes.io/docs/...
    unproven: why not yet

`installed`, `chart` and `go` rows carry a short `quote` that must appear on the cited line, so
an upgrade that moves or changes the source is caught. An item whose text changed no longer
matches its hash: its rows must be reviewed and the hash updated. A paragraph with no factual
claim is listed with `claims: []` and a `note` saying so, so that coverage stays complete.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import tarfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from flightschool.core import safeyaml

LEDGER_DIR = "ledger"
SOURCE_DIRS = ("lessons", "quizzes", "interviews")
PROOF_KINDS = ("test", "installed", "chart", "go", "doc", "unproven")
HASH_CHARS = 12
# Quiz and interview fields that carry no factual claim: changing them needs no review.
# An interview's subjects and misconceptions are scoring data, like its rubric.
_UNHASHED = frozenset(
    {"difficulty", "tags", "points", "lesson", "rubric", "subjects", "misconceptions", "follow_ups"}
)
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*\n", re.DOTALL)
_SOURCE_REF = re.compile(r"^(?P<who>\S+) (?P<version>\S+) (?P<path>[^\s:]+):(?P<line>\d+)$")


# ------------------------------------------------------------------ items in the course
@dataclass(frozen=True)
class Item:
    """One unit that ledger rows attach to: a lesson paragraph or one question."""

    source: str  # path relative to the project root, e.g. lessons/01-x.md
    anchor: str  # section slug (lessons) or question id
    digest: str
    line: int
    starts: str  # the first words, so a writer can find it

    def where(self) -> str:
        return f"{self.source}:{self.line} [{self.anchor}] ({self.starts!r})"


def digest(text: str) -> str:
    """A short hash of the text with whitespace collapsed: reflowing a paragraph is no change."""
    normal = " ".join(text.split())
    return hashlib.sha256(normal.encode()).hexdigest()[:HASH_CHARS]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _starts(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= 60 else words[:57] + "..."


def lesson_items(source: str, text: str) -> list[Item]:
    """Prose blocks (paragraphs, lists, tables, quotes) outside fenced blocks and headings.
    The anchor is the slug of the nearest heading (`intro` before the first one)."""
    body_start = 0
    front = _FRONT_MATTER.match(text)
    if front:
        body_start = text[: front.end()].count("\n")
    lines = text.split("\n")
    items: list[Item] = []
    anchor = "intro"
    block: list[str] = []
    block_line = 0
    fence: str | None = None

    def flush() -> None:
        if block and any(line.strip() for line in block):
            joined = "\n".join(block)
            if not re.fullmatch(r"\s*<!--.*?-->\s*", joined, re.DOTALL):
                items.append(Item(source, anchor, digest(joined), block_line, _starts(joined)))
        block.clear()

    for number, line in enumerate(lines[body_start:], start=body_start + 1):
        opening = _FENCE.match(line.strip())
        if fence is not None:
            if opening and line.strip().startswith(fence) and not line.strip()[len(fence) :]:
                fence = None
            continue
        if opening:
            flush()
            fence = opening.group(1)
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            anchor = _slug(heading.group(2))
            continue
        if not line.strip():
            flush()
            continue
        if not block:
            block_line = number
        block.append(line)
    flush()
    return items


def question_items(source: str, text: str) -> list[Item]:
    """One item per question; the hash covers every field that states a fact (the prompt,
    options, answer, code, explanation, model answer), not tags, difficulty or the scoring data
    (rubric, subjects, misconceptions)."""
    data = safeyaml.load(text)
    questions = data.get("questions", []) if isinstance(data, dict) else []
    items: list[Item] = []
    for question in questions:
        if not isinstance(question, dict) or not isinstance(question.get("id"), str):
            continue
        facts = {k: v for k, v in question.items() if k not in _UNHASHED}
        canonical = json.dumps(facts, sort_keys=True, ensure_ascii=False, default=str)
        line = _line_of(text, f"id: {question['id']}")
        items.append(
            Item(source, question["id"], digest(canonical), line, _starts(str(question["prompt"])))
        )
    return items


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def course_items(root: Path, sources: Iterable[str] | None = None) -> dict[str, list[Item]]:
    """Items of every lesson, quiz bank and interview track (or of the named sources)."""
    names = list(sources) if sources is not None else course_sources(root)
    found: dict[str, list[Item]] = {}
    for name in names:
        text = (root / name).read_text(encoding="utf-8")
        found[name] = (
            lesson_items(name, text) if name.endswith(".md") else question_items(name, text)
        )
    return found


def course_sources(root: Path) -> list[str]:
    names: list[str] = []
    for folder in SOURCE_DIRS:
        pattern = "*.md" if folder == "lessons" else "*.yaml"
        names += [f"{folder}/{p.name}" for p in sorted((root / folder).glob(pattern))]
    return names


def ledger_path(source: str) -> str:
    """lessons/01-x.md -> ledger/lessons/01-x.yaml"""
    folder, name = source.split("/", 1)
    return f"{LEDGER_DIR}/{folder}/{Path(name).stem}.yaml"


# ------------------------------------------------------------------ the ledger files
@dataclass(frozen=True)
class Proof:
    kind: str
    ref: str
    quote: str = ""


@dataclass(frozen=True)
class Row:
    claim: str
    proof: Proof
    line: int  # in the ledger file


@dataclass
class Entry:
    anchor: str
    digest: str
    line: int
    claims: list[Row] = field(default_factory=list)
    note: str = ""


@dataclass
class LedgerFile:
    path: str
    source: str
    entries: list[Entry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def load_ledger(root: Path, path: str) -> LedgerFile:
    """Parse one ledger file; shape errors are collected with the ledger line, never raised."""
    ledger = LedgerFile(path=path, source="")
    try:
        text = (root / path).read_text(encoding="utf-8")
        node = safeyaml.compose(text)
        data = safeyaml.construct(node) if node is not None else None
    except OSError as exc:
        ledger.errors.append(f"{path}: cannot read: {exc}")
        return ledger
    except safeyaml.YAMLSyntaxError as exc:
        ledger.errors.append(f"{path}:{exc.line}: {exc.message}")
        return ledger
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        ledger.errors.append(f"{path}:1: expected a mapping with `source:` and `items:`")
        return ledger
    ledger.source = str(data.get("source", ""))
    item_nodes = _mapping_value(node, "items")
    for index, raw in enumerate(data["items"]):
        item_line = _node_line(item_nodes, index)
        if not isinstance(raw, dict) or "anchor" not in raw or "hash" not in raw:
            ledger.errors.append(f"{path}:{item_line}: an item needs `anchor`, `hash` and `claims`")
            continue
        entry = Entry(
            str(raw["anchor"]), str(raw["hash"]), item_line, note=str(raw.get("note", ""))
        )
        claims = raw.get("claims") or []
        if not isinstance(claims, list):
            ledger.errors.append(f"{path}:{item_line}: `claims` must be a list")
            continue
        claim_nodes = _mapping_value(item_nodes.value[index], "claims") if item_nodes else None
        for c_index, claim in enumerate(claims):
            row_line = _node_line(claim_nodes, c_index) or item_line
            row = _row(claim, row_line)
            if isinstance(row, str):
                ledger.errors.append(f"{path}:{row_line}: {row}")
            else:
                entry.claims.append(row)
        if not entry.claims and not entry.note:
            ledger.errors.append(
                f"{path}:{item_line}: item {entry.anchor} has no claims; say why in `note:` "
                "(e.g. 'framing, no factual claim') or add its claims"
            )
        ledger.entries.append(entry)
    return ledger


def _row(raw: Any, line: int) -> Row | str:
    if not isinstance(raw, dict) or not isinstance(raw.get("claim"), str):
        return "a claim row needs `claim:` and one proof key"
    kinds = [k for k in PROOF_KINDS if k in raw]
    if len(kinds) != 1:
        return f"claim {raw['claim']!r} needs exactly one of {', '.join(PROOF_KINDS)}"
    kind = kinds[0]
    quote = str(raw.get("quote", ""))
    if kind in ("installed", "chart", "go") and not quote.strip():
        return f"claim {raw['claim']!r}: a `{kind}` proof needs a short `quote` from that line"
    return Row(raw["claim"], Proof(kind, str(raw[kind]), quote), line)


def _mapping_value(node: Any, key: str) -> Any:
    if node is None or not hasattr(node, "value") or not isinstance(node.value, list):
        return None
    for pair in node.value:
        if isinstance(pair, tuple) and getattr(pair[0], "value", None) == key:
            return pair[1]
    return None


def _node_line(seq: Any, index: int) -> int:
    try:
        return int(seq.value[index].start_mark.line) + 1
    except (AttributeError, IndexError, TypeError):
        return 1


# ------------------------------------------------------------------ checking proofs
@dataclass(frozen=True)
class Sources:
    """Where the cited sources are looked up. Charts are .tgz files or directories; a chart row
    whose version is not among them is reported as not checked."""

    root: Path
    charts: tuple[Path, ...] = ()
    go_mod_cache: Path | None = None


def default_go_mod_cache() -> Path | None:
    configured = os.environ.get("GOMODCACHE") or (
        str(Path(os.environ["GOPATH"].split(os.pathsep)[0]) / "pkg" / "mod")
        if os.environ.get("GOPATH")
        else str(Path.home() / "go" / "pkg" / "mod")
    )
    path = Path(configured)
    return path if path.is_dir() else None


class NotChecked(Exception):
    """The cited source is not on this machine (a chart or Go module); not a failure."""


def check_proof(proof: Proof, sources: Sources) -> str | None:
    """None when the proof holds; else what is wrong. Raises NotChecked when it cannot tell."""
    if proof.kind == "test":
        return _check_test(proof.ref, sources.root)
    if proof.kind == "unproven":
        return "unproven: " + proof.ref
    if proof.kind == "doc":
        return None if proof.ref.startswith("https://") else "a doc proof needs an https:// address"
    ref = _SOURCE_REF.match(proof.ref)
    if not ref:
        return f"{proof.kind}: {proof.ref!r} is not '<name> <version> <path>:<line>'"
    who, version, path, line = ref["who"], ref["version"], ref["path"], int(ref["line"])
    if proof.kind == "installed":
        lines = _installed_lines(who, version, path)
    elif proof.kind == "chart":
        lines = _chart_lines(sources.charts, who, version, path)
    else:
        lines = _go_lines(sources.go_mod_cache, who, version, path)
    if isinstance(lines, str):
        return lines
    if not 1 <= line <= len(lines):
        return f"{who} {version} {path} has {len(lines)} lines, not {line}"
    if " ".join(proof.quote.split()) not in " ".join(lines[line - 1].split()):
        return f"{who} {version} {path}:{line} no longer says {proof.quote!r}"
    return None


def _check_test(ref: str, root: Path) -> str | None:
    path, _, name = ref.partition("::")
    file = root / path
    if not path.startswith("tests/") or not file.is_file():
        return f"test file {path} does not exist"
    if not name:
        return f"{ref}: name the test (tests/...py::test_name)"
    tree = ast.parse(file.read_text(encoding="utf-8"))
    scope: list[ast.stmt] = tree.body
    for part in name.split("[")[0].split("::"):
        found = [
            n
            for n in scope
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and n.name == part
        ]
        if not found:
            return f"{path} has no test {name}"
        scope = found[0].body
    return None


def _installed_lines(dist: str, version: str, path: str) -> list[str] | str:
    try:
        found = metadata.distribution(dist)
    except metadata.PackageNotFoundError:
        return f"{dist} is not installed"
    if found.version != version:
        return (
            f"the row cites {dist} {version} but {found.version} is installed: re-check the "
            "quote and update the version"
        )
    file = Path(str(found.locate_file(path)))
    if not file.is_file():
        return f"{dist} {version} has no file {path}"
    return _lines(file)


@cache
def _lines(file: Path) -> list[str]:
    return file.read_text(encoding="utf-8", errors="replace").split("\n")


def _chart_lines(charts: tuple[Path, ...], name: str, version: str, path: str) -> list[str] | str:
    for chart in charts:
        files = _chart_files(chart)
        meta = files.get("Chart.yaml", "")
        if re.search(rf"^name: {re.escape(name)}\s*$", meta, re.M) and re.search(
            rf"^version: {re.escape(version)}\s*$", meta, re.M
        ):
            if path not in files:
                return f"chart {name} {version} has no file {path}"
            return files[path].split("\n")
    raise NotChecked(f"chart {name} {version} is not available here")


@cache
def _chart_files(chart: Path) -> dict[str, str]:
    if chart.is_dir():
        return {
            str(p.relative_to(chart)): p.read_text(encoding="utf-8", errors="replace")
            for p in chart.rglob("*")
            if p.is_file() and "charts" not in p.relative_to(chart).parts[:1]
        }
    files: dict[str, str] = {}
    with tarfile.open(chart) as archive:
        for member in archive.getmembers():
            _, _, rest = member.name.partition("/")
            if member.isfile() and rest and not rest.startswith("charts/"):
                handle = archive.extractfile(member)
                if handle is not None:
                    files[rest] = handle.read().decode("utf-8", errors="replace")
    return files


def _go_lines(cache: Path | None, module: str, version: str, path: str) -> list[str] | str:
    if cache is None:
        raise NotChecked("no Go module cache here")
    file = cache / f"{module}@{version}" / path
    if not (cache / f"{module}@{version}").is_dir():
        raise NotChecked(f"Go module {module}@{version} is not in the module cache")
    if not file.is_file():
        return f"{module}@{version} has no file {path}"
    return _lines(file)


# ------------------------------------------------------------------ the audit
@dataclass(frozen=True)
class Problem:
    source: str
    message: str


@dataclass
class Report:
    """What `content ledger` prints and the test asserts on."""

    items: int = 0
    claim_free: int = 0
    claims: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    not_checked: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def proven(self) -> int:
        return self.claims - self.by_kind["unproven"]

    def as_json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "claim_free_items": self.claim_free,
            "claims": self.claims,
            "proven": self.proven,
            "by_kind": dict(sorted(self.by_kind.items())),
            "not_checked": len(self.not_checked),
            "problems": [{"source": p.source, "message": p.message} for p in self.problems],
        }


def audit_source(
    source: str, items: list[Item], sources: Sources, check_proofs: bool = True
) -> Report:
    """Match one source file's items with its ledger, and check each row's proof."""
    report = Report(items=len(items))
    path = ledger_path(source)
    if not (sources.root / path).is_file():
        report.problems.append(
            Problem(
                source,
                f"{source} has no ledger: create {path} (`flightschool content ledger --stub "
                f"{source}` prints one to fill in) with the claims of its {len(items)} items",
            )
        )
        return report
    ledger = load_ledger(sources.root, path)
    report.problems += [Problem(source, e) for e in ledger.errors]
    if ledger.source and ledger.source != source:
        report.problems.append(Problem(source, f"{path}:1: `source:` should be {source}"))
    by_hash = {e.digest: e for e in ledger.entries}
    used: set[str] = set()
    for item in items:
        entry = by_hash.get(item.digest)
        if entry is None:
            report.problems.append(
                Problem(
                    source,
                    f"{item.where()} changed or is new: it has no ledger rows with hash "
                    f"{item.digest}. Review its claims in {path} (item anchor {item.anchor}), "
                    f"prove each one, then set `hash: {item.digest}`",
                )
            )
            continue
        used.add(entry.digest)
        if entry.anchor != item.anchor:
            report.problems.append(
                Problem(
                    source,
                    f"{path}:{entry.line}: anchor {entry.anchor} should be {item.anchor} "
                    f"(the item at {item.where()})",
                )
            )
    for entry in ledger.entries:
        if entry.digest not in used:
            report.problems.append(
                Problem(
                    source,
                    f"{path}:{entry.line}: item {entry.anchor} hash {entry.digest} matches nothing "
                    f"in {source} any more: move its rows to the changed item or delete it",
                )
            )
            continue
        if not entry.claims:
            report.claim_free += 1
        for row in entry.claims:
            report.claims += 1
            report.by_kind[row.proof.kind] += 1
            if not check_proofs:
                continue
            try:
                wrong = check_proof(row.proof, sources)
            except NotChecked as exc:
                report.not_checked.append(f"{path}:{row.line}: {exc}")
                continue
            if wrong:
                report.problems.append(
                    Problem(source, f"{path}:{row.line}: {row.claim!r}: {wrong}")
                )
    return report


def merge(reports: Iterable[Report]) -> Report:
    total = Report()
    for r in reports:
        total.items += r.items
        total.claim_free += r.claim_free
        total.claims += r.claims
        total.by_kind.update(r.by_kind)
        total.not_checked += r.not_checked
        total.problems += r.problems
    return total


def audit(root: Path, sources: Sources | None = None, check_proofs: bool = True) -> Report:
    found = sources or Sources(root=root, go_mod_cache=default_go_mod_cache())
    return merge(
        audit_source(name, items, found, check_proofs) for name, items in course_items(root).items()
    )


def stub(items: list[Item]) -> Iterator[str]:
    """A ledger skeleton for a source: one item per paragraph or question, claims to fill."""
    if items:
        yield f"source: {items[0].source}"
    yield "items:"
    for item in items:
        yield f"  - anchor: {item.anchor}"
        yield f"    hash: {item.digest}  # line {item.line}: {json.dumps(item.starts)}"
        yield "    claims:"
        yield "      - claim: TODO"
        yield "        unproven: not yet checked"
