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


# ----------------------------------------------------------------- relations and misconceptions


def bank() -> list[Interview]:
    return [
        q
        for t in course().interviews.values()
        for q in t.bank.questions
        if isinstance(q, Interview)
    ]


def interview(question_id: str) -> Interview:
    question = course().question(question_id)
    assert isinstance(question, Interview)
    return question


def found(question_id: str, answer: str) -> set[str]:
    return {p.id for p in score_answer(interview(question_id), answer).key_points if p.found}


def wrong(question_id: str, answer: str) -> set[str]:
    return {m.id for m in score_answer(interview(question_id), answer).misconceptions}


LIMITS = "iv-resources-scheduling-requests-limits"


def test_a_fact_counts_only_for_the_subject_it_is_said_about() -> None:
    assert found(LIMITS, "CPU over its limit is throttled.") >= {"cpu-throttle"}
    assert "mem-oom" not in found(LIMITS, "CPU over its limit is throttled.")
    both = "CPU over its limit is throttled, while memory over its limit is OOM-killed."
    assert found(LIMITS, both) >= {"cpu-throttle", "mem-oom"}
    assert not wrong(LIMITS, both)


def test_a_swapped_relation_is_a_misconception_with_its_sentence() -> None:
    answer = (
        "Limits matter. CPU over its limit is OOM-killed and memory over its limit is throttled."
    )
    scored = score_answer(interview(LIMITS), answer)
    assert {m.id for m in scored.misconceptions} == {"cpu-oom", "memory-throttled"}
    assert not {"cpu-throttle", "mem-oom"} & {p.id for p in scored.covered}
    said = next(m for m in scored.misconceptions if m.id == "memory-throttled")
    assert (
        said.evidence == "CPU over its limit is OOM-killed and memory over its limit is throttled."
    )
    assert said.message.startswith("You said memory over its limit is throttled: it is OOM-killed")


@pytest.mark.parametrize(
    "answer",
    [
        "Memory limits: exceeding them gets the container OOM-killed; CPU limits: exceeding them throttles.",
        "When a pod goes over its memory limit, the kernel kills it (OOMKilled), but with CPU it is just throttled.",
        "Throttling happens for CPU; OOM kills for memory.",
        "CPU and memory limits differ: CPU gets throttled, memory gets OOM-killed.",
    ],
)
def test_right_relations_in_other_word_orders(answer: str) -> None:
    assert found(LIMITS, answer) >= {"cpu-throttle", "mem-oom"}
    assert not wrong(LIMITS, answer)


def test_the_subject_carries_into_a_later_clause_and_an_it_sentence() -> None:
    assert "mem-oom" in found(LIMITS, "Memory cannot be compressed, so it gets OOM-killed.")
    assert "mem-oom" in found(LIMITS, "Memory is the hard one. It gets OOM-killed past the limit.")
    assert "mem-oom" not in found(
        LIMITS, "Memory is the hard one. Going past the limit: OOM-killed."
    )


def test_a_contrast_is_not_the_subject() -> None:
    answer = "Unlike memory, CPU is throttled when it goes over the limit."
    assert "cpu-throttle" in found(LIMITS, answer)
    assert "memory-throttled" not in wrong(LIMITS, answer)


def test_negated_claims_are_neither_points_nor_misconceptions() -> None:
    answer = "Memory is not throttled over its limit. The scheduler does not ignore requests."
    assert not wrong(LIMITS, answer)
    assert "cpu-throttle" not in found(LIMITS, answer)
    assert "limitrange" not in found(
        "iv-resources-scheduling-team-quotas", "A LimitRange isn't needed."
    )


def test_a_sentence_about_another_subject_earns_nothing() -> None:
    """The worker's RBAC is not the XCom sidecar's side effect (issue 17's browser run)."""
    xcom = "iv-kpo-xcom"
    rbac = "The worker's service account needs RBAC on pods and pods/log to launch the pod."
    assert "platform-gotchas" not in found(xcom, rbac)
    evidence = next(
        p.evidence
        for p in score_answer(
            interview(xcom), "The sidecar needs pods/exec RBAC. " + rbac
        ).key_points
        if p.id == "platform-gotchas"
    )
    assert evidence == "The sidecar needs pods/exec RBAC."
    kpo = "The KPO image needs the same Airflow version as the scheduler."
    assert "ke-image-airflow" not in found("iv-kpo-vs-executor", kpo)
    assert wrong("iv-kpo-vs-executor", kpo) == {"kpo-image-airflow"}


def test_a_described_mistake_is_not_the_mistake() -> None:
    described = (
        "schedule_interval was removed in Airflow 3, so schedule_interval still works only on 2.x."
    )
    assert "schedule-interval" not in wrong("iv-mixed-airflow3-upgrade", described)
    said = "schedule_interval still works, nothing changed there."
    assert wrong("iv-mixed-airflow3-upgrade", said) == {"schedule-interval"}


def test_each_misconception_lowers_the_score() -> None:
    right = "Requests drive scheduling. CPU over its limit is throttled. Memory over its limit is OOM-killed."
    base = score_answer(interview(LIMITS), right).coverage
    worse = score_answer(interview(LIMITS), right + " QoS is always Guaranteed.").coverage
    worst = score_answer(
        interview(LIMITS), right + " QoS is always Guaranteed. The scheduler ignores requests."
    ).coverage
    assert base > worse > worst


# ----------------------------------------------------------------- bad input


def test_an_empty_answer_scores_zero_and_says_why() -> None:
    scored = score_answer(interview(LIMITS), "  \n ")
    assert scored.coverage == 0 and not scored.misconceptions
    assert scored.notes == ("The answer is empty, so there is nothing to score.",)


def test_a_pasted_model_answer_of_another_question_is_named_and_earns_little() -> None:
    others = bank()
    pasted = interview("iv-kpo-xcom").model_answer
    scored = score_answer(interview(LIMITS), pasted, others)
    assert scored.coverage <= 0.3
    assert any("model answer of another question (iv-kpo-xcom)" in n for n in scored.notes)
    own = score_answer(interview(LIMITS), interview(LIMITS).model_answer, others)
    assert not own.notes


def test_a_very_long_answer_is_scored_on_its_start_quickly() -> None:
    import time

    answer = interview(LIMITS).model_answer + " filler words here." * 3000
    assert len(answer) > 50_000
    started = time.perf_counter()
    scored = score_answer(interview(LIMITS), answer, bank())
    assert time.perf_counter() - started < 1.0
    assert scored.coverage >= 0.7
    assert any("only the first 20,000 were scored" in n for n in scored.notes)


@pytest.mark.parametrize(
    "answer",
    [
        "Der Speicher überschreitet das Limit, dann wird der Container beendet und neu gestartet.",
        "CPU が制限を超えるとスロットリングされ、メモリが制限を超えると OOM で強制終了されます。",
        "requests limits scheduling throttling OOMKilled QoS Guaranteed container_resources",
    ],
)
def test_non_english_or_a_bare_term_list_gets_a_clear_note(answer: str) -> None:
    scored = score_answer(interview(LIMITS), answer)
    assert any("Few English sentences were found" in n for n in scored.notes)
    assert scored.coverage <= 0.3
