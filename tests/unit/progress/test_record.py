"""Recording after a grade, an answer or an interview: everything or nothing."""

from __future__ import annotations

import pytest

from flightschool.progress import record, review
from flightschool.progress.store import ProgressStore

CHECKS = [
    {"id": "pod-exists", "passed": True, "points": 2, "max_points": 2},
    {"id": "image-pinned", "passed": False, "points": 0, "max_points": 3},
    {"id": "limits", "passed": False, "points": 0, "max_points": 3},
]


def _lab(store: ProgressStore, checks: list[dict[str, object]]) -> int:
    passed = all(c["passed"] for c in checks)
    return record.lab_graded(
        store, "ana", "01-first-pod", score=2, max_score=8, passed=passed, checks=checks
    )


def test_a_graded_lab_records_the_attempt_and_queues_failed_checks(store: ProgressStore) -> None:
    store.ensure_profile("ana")
    _lab(store, CHECKS)
    assert store.best_lab_scores("ana") == {"01-first-pod": (2.0, 8.0)}
    queued = {c.ref for c in review.all_cards(store, "ana")}
    assert queued == {"01-first-pod/image-pinned", "01-first-pod/limits"}
    # passing a check already queued rates it good; a check never failed stays out
    fixed = [{**c, "passed": True} for c in CHECKS]
    _lab(store, fixed)
    cards = {c.ref: c for c in review.all_cards(store, "ana")}
    assert set(cards) == queued and all(c.lapses == 0 for c in cards.values())


def test_a_failure_half_way_through_a_lab_leaves_nothing(
    store: ProgressStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.ensure_profile("ana")
    saved: list[str] = []
    real = store.save_card

    def second_card_fails(profile: str, card_id: str, *args: object, **kw: object) -> None:
        if saved:
            raise RuntimeError("the database went away")
        saved.append(card_id)
        real(profile, card_id, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "save_card", second_card_fails)
    with pytest.raises(RuntimeError, match="went away"):
        _lab(store, CHECKS)
    assert saved == ["lab-check:01-first-pod/image-pinned"]  # one card was written, then…
    assert store.best_lab_scores("ana") == {}  # …rolled back with the attempt
    assert store.cards("ana") == []


def test_a_submitted_exam_is_recorded_whole_or_not_at_all(store: ProgressStore) -> None:
    store.ensure_profile("ana")
    attempt = record.attempt_started(store, "ana", "exam", "quick", "exam", "seed")
    answers = [record.Answer("q1", "A pod", correct=True, points=2, max_points=2)]
    broken = record.LabGrade("01-first-pod", 1, 8, False, [{"id": "c", "passed": object()}])
    with pytest.raises(TypeError, match="cannot store object"):
        record.exam_submitted(store, attempt, "ana", answers, [broken])
    [summary] = store.attempts("ana")
    assert (summary.answered, summary.finished_at) == (0, None)
    assert store.best_lab_scores("ana") == {}

    lab = record.LabGrade("01-first-pod", 8, 8, True, [{"id": "c", "passed": True}])
    record.exam_submitted(store, attempt, "ana", answers, [lab])
    [summary] = store.attempts("ana", kind="exam")
    assert (summary.quiz_id, summary.answered, summary.score) == ("quick", 1, 2.0)
    assert summary.finished_at is not None
    assert store.best_lab_scores("ana") == {"01-first-pod": (8.0, 8.0)}
    assert store.cards("ana") == []  # exam checks make no review cards


def test_a_question_answer_and_its_review_card_commit_together(store: ProgressStore) -> None:
    store.ensure_profile("ana")
    attempt = record.attempt_started(store, "ana", "lesson", "01-intro", "inline", "s")
    record.question_answered(
        store, "ana", attempt, "q1", "B", correct=False, points=0, max_points=1, seconds=3
    )
    assert [c["card_id"] for c in store.cards("ana")] == ["quiz:q1"]
    # an unknown rating fails after the answer was written, in the same transaction
    with pytest.raises(KeyError), store.transaction():
        record.question_answered(
            store, "ana", attempt, "q2", "A", correct=True, points=1, max_points=1, seconds=1
        )
        review.rate(store, "ana", "quiz", "q2", "brilliant")
    assert [a["question_id"] for a in store.answers(attempt)] == ["q1"]
    [summary] = store.attempts("ana", kind="lesson")
    assert summary.quiz_id == "01-intro"


def test_interview_answers_are_scored_and_rated_by_the_learner(store: ProgressStore) -> None:
    store.ensure_profile("ana")
    attempt = record.attempt_started(store, "ana", "interview", "basics", "interview", "s")
    for qid, coverage in (("iv-a", 0.8), ("iv-b", 0.5)):
        record.interview_answered(
            store, attempt, qid, "…", coverage=coverage, points=1, max_points=2, seconds=60
        )
    assert [a["correct"] for a in store.answers(attempt)] == [True, False]
    assert store.cards("ana") == []  # no card until the learner rates the answer
    record.interview_rated(store, "ana", "iv-b", "hard")
    assert [c["card_id"] for c in store.cards("ana")] == ["interview:iv-b"]
    record.attempt_finished(store, attempt)
    assert store.attempts("ana", kind="interview")[0].finished_at is not None


def test_an_unknown_attempt_kind_is_refused(store: ProgressStore) -> None:
    store.ensure_profile("ana")
    with pytest.raises(ValueError, match="unknown attempt kind 'drill'"):
        record.attempt_started(store, "ana", "drill", "x", "practice", "s")
