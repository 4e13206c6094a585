from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from flightschool.content.catalog import Catalog, load_catalog
from flightschool.content.models import Interview
from flightschool.core.paths import project_root
from flightschool.interview.rubric import score_answer

QUESTION = Interview.model_validate(
    {
        "id": "iv-test",
        "type": "interview",
        "lesson": "07-resources-and-quotas",
        "difficulty": "core",
        "prompt": "How do you size an Airflow task pod?",
        "explanation": "Requests and limits.",
        "model_answer": "Set requests for scheduling and limits for enforcement, keep memory request close to limit.",
        "rubric": [
            {
                "id": "limits",
                "text": "Sets memory limits",
                "weight": 2,
                "concepts": [
                    {"any": ["memory limit", "limits"], "patterns": [r"\blimits?\s*:\s*memory"]}
                ],
            },
            {
                "id": "requests",
                "text": "Sets requests for scheduling",
                "weight": 1,
                "concepts": [{"any": ["requests"]}],
            },
            {
                "id": "resources",
                "text": "Uses container_resources",
                "weight": 1,
                "concepts": [{"patterns": [r"\bcontainer_resources\b"]}],
            },
        ],
    }
)


def test_full_answer_covers_everything_with_evidence() -> None:
    scored = score_answer(
        QUESTION,
        "I set requests so the scheduler can place it. Then limits: memory 4Gi. "
        "In the KPO that is container_resources.",
    )
    assert scored.coverage == 1.0
    assert scored.key_points[0].evidence == "Then limits: memory 4Gi."


def test_negated_mentions_do_not_count() -> None:
    scored = score_answer(QUESTION, "You should not set limits on these pods. Requests are enough.")
    limits = scored.key_points[0]
    assert not limits.found and limits.negated == "You should not set limits on these pods."
    assert scored.coverage == 0.25


def test_words_must_be_whole_and_whitespace_is_flexible() -> None:
    assert not score_answer(QUESTION, "Unlimitsed.").key_points[0].found
    assert score_answer(QUESTION, "a memory\n   limit of 2Gi").key_points[0].found


def test_empty_answer_scores_zero() -> None:
    assert score_answer(QUESTION, "   ").coverage == 0.0


ANSWERS = Path(__file__).parents[2] / "fixtures" / "interview_answers"
CASES = (
    sorted(
        (d.name, kind)
        for d in ANSWERS.iterdir()
        if d.is_dir()
        for kind in ("good", "partial", "poor")
    )
    if ANSWERS.exists()
    else []
)


def test_the_answer_set_covers_enough_questions() -> None:
    assert len({q for q, _ in CASES}) >= 10, (
        "write good/partial/poor answers for at least 10 questions"
    )


@cache
def course() -> Catalog:
    return load_catalog(project_root())


@pytest.mark.parametrize(("question_id", "kind"), CASES)
def test_answers_land_in_their_band(question_id: str, kind: str) -> None:
    question = course().question(question_id)
    assert isinstance(question, Interview), f"{question_id} is not an interview question"
    coverage = score_answer(question, (ANSWERS / question_id / f"{kind}.md").read_text()).coverage
    if kind == "good":
        assert coverage >= 0.7
    elif kind == "poor":
        assert coverage <= 0.3
    else:
        assert 0.3 < coverage < 0.7


def test_the_bank_has_every_track_and_the_headline_question() -> None:
    catalog = course()
    assert set(catalog.interviews) >= {
        "kpo",
        "executor",
        "helm",
        "resources-scheduling",
        "security",
        "mixed",
        "operations",
    }
    questions = [q for t in catalog.interviews.values() for q in t.bank.questions]
    assert len(questions) >= 50
    headline = catalog.question("iv-mixed-airflow-on-kubernetes")
    assert isinstance(headline, Interview) and "KubernetesPodOperator" in headline.prompt
