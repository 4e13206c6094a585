from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flightschool.content.catalog import load_catalog
from flightschool.content.models import Question
from flightschool.content.scoring import AnswerError, score, shuffled


@pytest.fixture
def questions(course: Path) -> dict[str, Question]:
    return {q.id: q for _, q in load_catalog(course).questions()}


@pytest.mark.parametrize(
    ("qid", "answer", "correct", "points"),
    [
        ("fx-pods", "A pod", True, 1.0),
        ("fx-pods", "A DAG", False, 0.0),
        ("fx-tf", True, True, 1.0),
        ("fx-tf", False, False, 0.0),
        ("fx-multi", ["Pod", "Job"], True, 1.0),
        ("fx-multi", ["Job", "Pod"], True, 1.0),
        ("fx-multi", ["Pod"], False, 0.5),
        ("fx-multi", ["Pod", "DAG"], False, 0.0),
        ("fx-spot", [2], True, 1.0),
        ("fx-spot", [1, 2], False, 0.0),
        ("fx-spot", [3], False, 0.0),
        ("fx-order", ["Pending", "Running", "Succeeded"], True, 1.0),
        ("fx-order", ["Running", "Pending", "Succeeded"], False, 0.6667),  # 2 of 3 pairs
        ("fx-order", ["Pending", "Succeeded", "Running"], False, 0.6667),
        ("fx-order", ["Succeeded", "Running", "Pending"], False, 0.0),  # reversed: no pair
        ("fx-order", ["Running", "Succeeded", "Pending"], False, 0.3333),
        ("fx-short", "  kubernetesexecutor ", True, 1.0),
        ("fx-short", "Kubernetes Executor", True, 1.0),
        ("fx-short", "CeleryExecutor", False, 0.0),
        ("fx-short", "", False, 0.0),
    ],
)
def test_scores(
    questions: dict[str, Question], qid: str, answer: object, correct: bool, points: float
) -> None:
    outcome = score(questions[qid], answer)
    assert (outcome.correct, outcome.points) == (correct, points)


@pytest.mark.parametrize(
    ("qid", "answer"),
    [
        ("fx-pods", "Not an option"),
        ("fx-tf", "yes"),
        ("fx-multi", "Pod"),
        ("fx-order", ["Pending"]),
        ("fx-spot", ["2"]),
    ],
)
def test_malformed_answers_are_rejected(
    questions: dict[str, Question], qid: str, answer: object
) -> None:
    with pytest.raises(AnswerError):
        score(questions[qid], answer)


def test_single_choice_feedback_carries_the_option_explanation(
    questions: dict[str, Question],
) -> None:
    assert score(questions["fx-pods"], "A DAG").feedback == ("A DAG describes tasks.",)


@given(st.lists(st.text(), unique=True, min_size=2, max_size=8), st.text())
def test_shuffle_is_a_stable_permutation(values: list[str], seed: str) -> None:
    first = shuffled(values, seed)
    assert sorted(first) == sorted(values)
    assert shuffled(values, seed) == first


def test_ordering_credit_counts_pairs_in_order() -> None:
    from flightschool.content.scoring import pairs_in_order

    right = ["a", "b", "c", "d", "e"]
    assert pairs_in_order(right, right) == (10, 10)
    assert pairs_in_order(["e", "a", "b", "c", "d"], right) == (6, 10)  # one item moved
    assert pairs_in_order(list(reversed(right)), right) == (0, 10)
    assert pairs_in_order(["a"], ["a"]) == (0, 0)


def test_ordering_feedback_says_how_many_pairs_were_in_order(
    questions: dict[str, Question],
) -> None:
    outcome = score(questions["fx-order"], ["Running", "Pending", "Succeeded"])
    assert outcome.feedback == ("2 of 3 pairs of items in the right order.",)
    assert score(questions["fx-order"], ["Pending", "Running", "Succeeded"]).feedback == ()
