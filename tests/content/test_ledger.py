"""The claims ledger holds: every lesson paragraph, quiz item and interview question has rows
for its current text, every cited test exists, every quoted source line still says what the
row quotes, and no claim is unproven.

LEDGER_PENDING lists sources whose ledger is not complete yet (no file, items without rows or with
stale rows, unproven rows). For those, only the proofs of the rows already written are checked.
Empty it as ledgers are completed: a pending source whose ledger is complete fails here until it
is removed. Names of sources that other branches are adding may be listed before they exist."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from flightschool.content import ledger
from flightschool.core.paths import project_root
from tests.charts import TEST_CHARTS, proof_chart

ROOT = project_root()
SOURCES = ledger.course_sources(ROOT)

LEDGER_PENDING: frozenset[str] = frozenset()  # every source's ledger is complete


@cache
def sources() -> ledger.Sources:
    charts = [ROOT.parent / "shared" / "charts" / name for name in TEST_CHARTS]
    return ledger.Sources(
        ROOT, tuple(c for c in charts if c.exists()), ledger.default_go_mod_cache()
    )


def _report(source: str) -> ledger.Report:
    items = ledger.course_items(ROOT, [source])[source]
    return ledger.audit_source(source, items, sources())


def _incomplete(problem: ledger.Problem) -> bool:
    """Problems a pending source may still have: missing ledger, items without rows,
    unproven rows."""
    text = problem.message
    return any(
        mark in text
        for mark in ("has no ledger", "changed or is new", "matches nothing in", ": unproven: ")
    )


@pytest.mark.parametrize("source", SOURCES)
def test_every_item_has_current_proven_rows(source: str) -> None:
    report = _report(source)
    problems = report.problems
    if source in LEDGER_PENDING:
        problems = [p for p in problems if not _incomplete(p)]
    assert not problems, (
        f"the claims ledger of {source} is out of step ({len(problems)} problems; "
        "`flightschool content ledger` lists them all):\n"
        + "\n".join(p.message for p in problems[:25])
    )


def test_pending_sources_are_really_pending() -> None:
    complete = [s for s in sorted(LEDGER_PENDING) if s in SOURCES and not _report(s).problems]
    assert not complete, (
        f"these ledgers are complete: remove them from LEDGER_PENDING in {__file__}: {complete}"
    )


def test_chart_rows_are_checked_where_a_chart_is_required() -> None:
    """Chart rows cite 1.21.0; where a chart must be present, every one of them is checked."""
    proof_chart()  # skips with the reason, or fails under FLIGHTSCHOOL_REQUIRE_CHART=1
    chart_rows = [n for s in SOURCES for n in _report(s).not_checked if "chart" in n]
    assert not chart_rows, "chart rows not checked: " + "; ".join(chart_rows[:5])


# ------------------------------------------------------------------ the checker itself
LESSON = """---
id: 99-x
---
Intro paragraph.

## A section

The scheduler runs executors.

```python
print("code is not an item")
```

- a list
- of facts
"""


def _write(tmp: Path, lesson: str, ledger_text: str | None) -> ledger.Report:
    (tmp / "lessons").mkdir(exist_ok=True)
    (tmp / "lessons" / "99-x.md").write_text(lesson)
    if ledger_text is not None:
        (tmp / "ledger" / "lessons").mkdir(parents=True, exist_ok=True)
        (tmp / "ledger" / "lessons" / "99-x.yaml").write_text(ledger_text)
    items = ledger.lesson_items("lessons/99-x.md", lesson)
    return ledger.audit_source("lessons/99-x.md", items, ledger.Sources(tmp))


def _rows(tmp: Path, third: str) -> str:
    items = ledger.lesson_items("lessons/99-x.md", LESSON)
    return (
        "source: lessons/99-x.md\nitems:\n"
        f"  - anchor: intro\n    hash: {items[0].digest}\n    claims: []\n    note: framing\n"
        f"  - anchor: a-section\n    hash: {items[1].digest}\n    claims:\n"
        "      - claim: the scheduler runs executors\n"
        "        installed: apache-airflow-core 3.3.2 airflow/executors/executor_loader.py:1\n"
        "        quote: ''\n"
        f"  - anchor: a-section\n    hash: {items[2].digest}\n    claims:\n{third}"
    )


def test_items_are_prose_blocks_under_their_heading() -> None:
    items = ledger.lesson_items("lessons/99-x.md", LESSON)
    assert [(i.anchor, i.line, i.starts) for i in items] == [
        ("intro", 4, "Intro paragraph."),
        ("a-section", 8, "The scheduler runs executors."),
        ("a-section", 14, "- a list - of facts"),
    ]
    reflowed = LESSON.replace("scheduler runs", "scheduler\nruns")
    assert ledger.lesson_items("x", reflowed)[1].digest == items[1].digest


def test_a_lesson_without_a_ledger_is_named(tmp_path: Path) -> None:
    report = _write(tmp_path, LESSON, None)
    assert [p.message for p in report.problems] == [
        "lessons/99-x.md has no ledger: create ledger/lessons/99-x.yaml (`flightschool content "
        "ledger --stub lessons/99-x.md` prints one to fill in) with the claims of its 3 items"
    ]


def test_a_changed_paragraph_and_bad_rows_are_reported(tmp_path: Path) -> None:
    third = "      - claim: a list exists\n        test: tests/content/test_ledger.py::nope\n"
    changed = LESSON.replace("runs executors", "runs the executors")
    report = _write(tmp_path, changed, _rows(tmp_path, third))
    messages = "\n".join(p.message for p in report.problems)
    new = ledger.lesson_items("x", changed)[1].digest
    assert "lessons/99-x.md:8 [a-section] ('The scheduler runs the executors.') changed" in messages
    assert f"set `hash: {new}`" in messages
    assert "matches nothing in lessons/99-x.md any more" in messages
    assert "a `installed` proof needs a short `quote`" in messages


def test_proofs_are_checked(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("class TestA:\n    def test_b(self): ...\n")
    good = ledger.Proof("test", "tests/test_a.py::TestA::test_b[x]")
    assert ledger.check_proof(good, ledger.Sources(tmp_path)) is None
    missing = ledger.Proof("test", "tests/test_a.py::TestA::test_c")
    assert ledger.check_proof(missing, ledger.Sources(tmp_path)) == (
        "tests/test_a.py has no test TestA::test_c"
    )
    loader = "apache-airflow-core 3.3.2 airflow/executors/executor_loader.py"
    line = next(
        n
        for n, text in enumerate(
            Path(
                ledger.metadata.distribution("apache-airflow-core").locate_file(
                    "airflow/executors/executor_loader.py"
                )
            )
            .read_text()
            .split("\n"),
            start=1,
        )
        if "class ExecutorLoader" in text
    )
    right = ledger.Proof("installed", f"{loader}:{line}", "class ExecutorLoader")
    assert ledger.check_proof(right, ledger.Sources(tmp_path)) is None
    moved = ledger.Proof("installed", f"{loader}:{line + 1}", "class ExecutorLoader")
    assert "no longer says 'class ExecutorLoader'" in str(
        ledger.check_proof(moved, ledger.Sources(tmp_path))
    )
    old = ledger.Proof("installed", f"apache-airflow-core 3.0.0 x.py:{line}", "x")
    assert "but 3.3.2 is installed" in str(ledger.check_proof(old, ledger.Sources(tmp_path)))
    unproven = ledger.Proof("unproven", "not yet checked")
    assert ledger.check_proof(unproven, ledger.Sources(tmp_path)) == "unproven: not yet checked"
