"""What the instructor dashboard reads, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from flightschool.progress import cohort
from flightschool.progress.schema import Activity, LabAttempt
from flightschool.progress.store import ProgressStore


def _lab(store: ProgressStore, who: str, score: float, failing: list[str]) -> None:
    checks = [{"id": c, "passed": False} for c in failing] + [{"id": "ok", "passed": True}]
    store.record_lab(
        who, "01-first-pod", score=score, max_score=10, passed=not failing, checks=checks
    )


def _age(store: ProgressStore, minutes: float) -> None:
    """Move every recorded row `minutes` into the past."""
    with store.transaction() as s:
        for table in (LabAttempt, Activity):
            for row in s.scalars(select(table)):
                row.at = row.at - timedelta(minutes=minutes)


def test_matrix_keeps_the_best_score_and_the_latest_failures(store: ProgressStore) -> None:
    for who in ("ada", "bob", "cy"):
        store.ensure_profile(who)
    _lab(store, "ada", 8, ["limits"])
    _lab(store, "ada", 6, ["limits", "image"])
    _lab(store, "bob", 10, [])
    matrix = cohort.lab_matrix(store, ["ada", "bob", "cy"])
    ada = matrix["ada"].labs["01-first-pod"]
    assert (ada.best, ada.attempts, ada.failing, ada.passed) == (8, 2, ["image", "limits"], False)
    assert matrix["bob"].labs["01-first-pod"].passed
    assert matrix["cy"].labs == {} and matrix["cy"].last_active is None
    rows = cohort.csv_rows(matrix, ["01-first-pod"])
    assert rows[0]["01-first-pod score"] == "8/10"
    assert rows[0]["01-first-pod failing"] == "image limits"


def test_stuck_means_the_same_failures_for_n_minutes_or_no_activity(
    store: ProgressStore,
) -> None:
    for who in ("ada", "bob", "cy"):
        store.ensure_profile(who)
    _lab(store, "ada", 6, ["limits"])
    _lab(store, "bob", 6, ["limits"])
    _age(store, 20)
    _lab(store, "ada", 6, ["limits"])  # the same failure again: still stuck since 20 min
    _lab(store, "bob", 8, ["image"])  # a different one: progress
    now = datetime.now(UTC)
    found = {
        (s.learner, s.why)
        for s in cohort.stuck(cohort.lab_matrix(store, ["ada", "bob", "cy"]), now, 15)
    }
    assert found == {("ada", "failing"), ("cy", "idle")}


def test_quiz_heatmap_by_topic_and_question(store: ProgressStore) -> None:
    for who, right in (("ada", True), ("bob", False)):
        store.ensure_profile(who)
        attempt = store.start_attempt(who, "01-basics", "practice", "s")
        store.record_answer(attempt, "q1", "a", correct=right, points=1, max_points=1, seconds=3)
        store.record_answer(attempt, "q2", "b", correct=True, points=1, max_points=1, seconds=3)
    rows = cohort.quiz_heatmap(store, ["ada", "bob"])
    assert rows == [
        {"topic": "01-basics", "question": "q1", "answered": 2, "correct": 0.5},
        {"topic": "01-basics", "question": "q2", "answered": 2, "correct": 1.0},
    ]
