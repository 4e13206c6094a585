"""The interview schema's own rules, reported as file:line plus the field at fault."""

from __future__ import annotations

from pathlib import Path

from flightschool.content.catalog import load_catalog


def _break(course: Path, old: str, new: str) -> list[str]:
    path = course / "interviews" / "basics.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return [str(e.relative_to(course)) for e in load_catalog(course).errors]


def test_an_undeclared_subject_and_a_dangling_swap_are_named_by_field(course: Path) -> None:
    errors = _break(course, "swaps: requests-schedule", "swaps: no-such-point")
    errors += _break(course, "subject: requests\n", "subject: request\n")
    assert any(
        e.startswith("interviews/basics.yaml:")
        and "question iv-fx-limits: misconceptions.0.swaps: 'no-such-point' is not a rubric point"
        in e
        for e in errors
    ), errors
    assert any(
        "rubric.1.subject: 'request' is not declared in `subjects` (declared: limits, requests)"
        in e
        for e in errors
    ), errors


def test_a_misconception_needs_one_claim_and_a_bad_regex_is_named(course: Path) -> None:
    errors = _break(
        course,
        "        swaps: requests-schedule\n",
        "        swaps: requests-schedule\n        concepts: [{patterns: ['(unclosed']}]\n",
    )
    assert any("pattern '(unclosed' is not a valid regex" in e for e in errors), errors
    errors = _break(course, "        concepts: [{patterns: ['(unclosed']}]\n", "")
    errors = _break(course, "        swaps: requests-schedule\n", "")
    assert any(
        "misconceptions.0: a misconception needs exactly one of `swaps` (a point id) or `concepts`"
        in e
        for e in errors
    ), errors
