"""What the instructor dashboard shows about a cohort, read from the progress store:
learners × labs, the quiz heatmap, who is stuck. Plain data (no streamlit), so the page
stays thin and these are tested on their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from flightschool.progress.schema import Activity, LabAttempt, Profile, QuizAnswer, QuizAttempt
from flightschool.progress.store import ProgressStore, _aware


@dataclass
class LabCell:
    """One learner's standing in one lab: best score, and what their latest check left failing."""

    best: float
    max_score: float
    attempts: int
    passed: bool
    failing: list[str]
    last_at: datetime
    failing_since: datetime | None = None  # the latest check's failures first seen since


@dataclass
class LearnerRow:
    learner: str
    labs: dict[str, LabCell] = field(default_factory=dict)
    last_active: datetime | None = None


@dataclass(frozen=True)
class Stuck:
    learner: str
    why: str  # "failing" or "idle"
    lab: str
    detail: str
    since: datetime | None  # None: never active at all


def _profile_ids(store: ProgressStore, learners: list[str]) -> dict[int, str]:
    with store.transaction() as s:
        rows = s.execute(select(Profile.id, Profile.name).where(Profile.name.in_(learners)))
        return {pid: name for pid, name in rows}


def lab_matrix(store: ProgressStore, learners: list[str]) -> dict[str, LearnerRow]:
    """learner -> their labs (every attempt is read once, oldest first)."""
    ids = _profile_ids(store, learners)
    out = {name: LearnerRow(name) for name in learners}
    with store.transaction() as s:
        attempts = s.scalars(
            select(LabAttempt)
            .where(LabAttempt.profile_id.in_(ids))
            .order_by(LabAttempt.at, LabAttempt.id)
        )
        for a in attempts:
            row = out[ids[a.profile_id]]
            failing = sorted(
                str(c.get("id")) for c in _checks(a.checks) if not c.get("passed", False)
            )
            at = _aware(a.at)
            cell = row.labs.get(a.lab_id)
            if cell is None:
                cell = row.labs[a.lab_id] = LabCell(0.0, a.max_score, 0, False, failing, at, at)
            if failing != cell.failing or not failing:
                cell.failing_since = at if failing else None
            cell.best = max(cell.best, a.score)
            cell.max_score = max(cell.max_score, a.max_score)
            cell.attempts += 1
            cell.passed = cell.passed or a.passed
            cell.failing, cell.last_at = failing, at
        active = s.execute(
            select(Activity.profile_id, func.max(Activity.at))
            .where(Activity.profile_id.in_(ids))
            .group_by(Activity.profile_id)
        )
        for pid, at in active:
            out[ids[pid]].last_active = _aware(at)
    for row in out.values():
        for cell in row.labs.values():
            if row.last_active is None or cell.last_at > row.last_active:
                row.last_active = cell.last_at
    return out


def _checks(value: object) -> list[dict[str, Any]]:
    return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else []


def stuck(matrix: dict[str, LearnerRow], now: datetime, minutes: float = 15) -> list[Stuck]:
    """Learners whose latest check has failed the same way for `minutes`, and learners
    with no activity for that long (or none at all)."""
    window = timedelta(minutes=minutes)
    found: list[Stuck] = []
    for row in matrix.values():
        for lab, cell in sorted(row.labs.items()):
            if cell.failing and cell.failing_since and now - cell.failing_since >= window:
                found.append(
                    Stuck(row.learner, "failing", lab, ", ".join(cell.failing), cell.failing_since)
                )
        if row.last_active is None or now - row.last_active >= window:
            found.append(Stuck(row.learner, "idle", "", "", row.last_active))
    return found


def quiz_heatmap(store: ProgressStore, learners: list[str]) -> list[dict[str, Any]]:
    """Per quiz bank (topic) and question: how many answered, and the share correct."""
    ids = _profile_ids(store, learners)
    with store.transaction() as s:
        rows = s.execute(
            select(
                QuizAttempt.quiz_id,
                QuizAnswer.question_id,
                func.count(QuizAnswer.id),
                func.sum(case((QuizAnswer.correct, 1), else_=0)),
            )
            .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
            .where(QuizAttempt.profile_id.in_(ids), QuizAttempt.kind == "quiz")
            .group_by(QuizAttempt.quiz_id, QuizAnswer.question_id)
            .order_by(QuizAttempt.quiz_id, QuizAnswer.question_id)
        )
        return [
            {
                "topic": topic,
                "question": question,
                "answered": int(n),
                "correct": round(float(right or 0) / n, 3) if n else 0.0,
            }
            for topic, question, n, right in rows
        ]


def csv_rows(matrix: dict[str, LearnerRow], labs: list[str]) -> list[dict[str, Any]]:
    """One row per learner: each lab's best score and failing checks (for the CSV export)."""
    out = []
    for row in matrix.values():
        line: dict[str, Any] = {
            "learner": row.learner,
            "last_active": row.last_active.isoformat() if row.last_active else "",
        }
        for lab in labs:
            cell = row.labs.get(lab)
            line[f"{lab} score"] = f"{cell.best:g}/{cell.max_score:g}" if cell else ""
            line[f"{lab} failing"] = " ".join(cell.failing) if cell else ""
        out.append(line)
    return out
