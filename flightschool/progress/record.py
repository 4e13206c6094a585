"""What happens after a grade, an answer or an interview, recorded in one place.

The pages and the CLI call these instead of repeating the sequence (attempt, answers, review
cards), and each runs in one transaction: a failure half-way leaves nothing half-recorded.
They take plain values (scores, check rows as dicts) because progress does not import
grading or interview.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flightschool.progress import review
from flightschool.progress.store import ProgressStore

INTERVIEW_PASS = 0.7  # rubric coverage counted as a correct interview answer


@dataclass(frozen=True)
class Answer:
    """One graded question of an exam."""

    question_id: str
    answer: Any
    correct: bool
    points: float
    max_points: float
    seconds: float = 0.0


@dataclass(frozen=True)
class LabGrade:
    """One graded lab: `checks` are the report's rows (dicts with at least id and passed)."""

    lab_id: str
    score: float
    max_score: float
    passed: bool
    checks: Sequence[Mapping[str, Any]]


def attempt_started(
    store: ProgressStore, profile: str, kind: str, ref: str, mode: str, seed: str
) -> int:
    """A new quiz, lesson-check, exam or interview attempt at `ref`; its id."""
    return store.start_attempt(profile, ref, mode, seed, kind=kind)


def question_answered(
    store: ProgressStore,
    profile: str,
    attempt_id: int,
    question_id: str,
    answer: Any,
    *,
    correct: bool,
    points: float,
    max_points: float,
    seconds: float,
) -> None:
    """A quiz or lesson-check answer, and its review card rated by the result."""
    with store.transaction():
        store.record_answer(
            attempt_id,
            question_id,
            answer,
            correct=correct,
            points=points,
            max_points=max_points,
            seconds=seconds,
        )
        review.rate(store, profile, "quiz", question_id, "good" if correct else "again")


def interview_answered(
    store: ProgressStore,
    attempt_id: int,
    question_id: str,
    answer: str,
    *,
    coverage: float,
    points: float,
    max_points: float,
    seconds: float,
) -> None:
    """An interview answer scored against its rubric. Its review card waits for the
    learner's own rating (`interview_rated`)."""
    store.record_answer(
        attempt_id,
        question_id,
        answer,
        correct=coverage >= INTERVIEW_PASS,
        points=points,
        max_points=max_points,
        seconds=seconds,
    )


def interview_rated(store: ProgressStore, profile: str, question_id: str, rating: str) -> None:
    """The learner's rating of their interview answer schedules its review."""
    review.rate(store, profile, "interview", question_id, rating)


def lab_graded(
    store: ProgressStore,
    profile: str,
    lab_id: str,
    *,
    score: float,
    max_score: float,
    passed: bool,
    checks: Sequence[Mapping[str, Any]],
) -> int:
    """A lab attempt; failed checks join the review queue and checks already there are
    rated by this result. Returns the lab attempt's id."""
    grade = LabGrade(lab_id, score, max_score, passed, checks)
    with store.transaction():
        attempt = _lab(store, profile, grade)
        known = {c.card_id for c in review.all_cards(store, profile)}
        for check in grade.checks:
            ref = f"{grade.lab_id}/{check['id']}"
            passed = bool(check["passed"])
            if not passed or review.card_id("lab-check", ref) in known:
                review.rate(store, profile, "lab-check", ref, "good" if passed else "again")
        return attempt


def exam_submitted(
    store: ProgressStore,
    attempt_id: int,
    profile: str,
    answers: Sequence[Answer],
    labs: Sequence[LabGrade],
) -> None:
    """A submitted exam: its answers, its graded labs, and the attempt closed. Exam labs
    make no review cards (exam checks may be ones the learner is not shown)."""
    with store.transaction():
        for a in answers:
            store.record_answer(
                attempt_id,
                a.question_id,
                a.answer,
                correct=a.correct,
                points=a.points,
                max_points=a.max_points,
                seconds=a.seconds,
            )
        for grade in labs:
            _lab(store, profile, grade)
        store.finish_attempt(attempt_id)


def attempt_finished(store: ProgressStore, attempt_id: int) -> None:
    store.finish_attempt(attempt_id)


def _lab(store: ProgressStore, profile: str, grade: LabGrade) -> int:
    return store.record_lab(
        profile,
        grade.lab_id,
        score=grade.score,
        max_score=grade.max_score,
        passed=grade.passed,
        checks=[dict(c) for c in grade.checks],
    )
