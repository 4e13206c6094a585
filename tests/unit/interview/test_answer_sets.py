"""Every interview question brings graded answers written for it (tests/interviews/<track>.yaml):
a good one scores >= 0.7, above a partial one, above a vague one, and a confident wrong one that
uses the expected terms scores <= 0.3. A question added without its answers fails here."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from flightschool.content.catalog import Catalog, load_catalog
from flightschool.content.models import Interview
from flightschool.core.paths import project_root
from flightschool.interview.rubric import score_answer

ANSWER_SETS = Path(__file__).parents[2] / "interviews"
BANDS = ("good", "partial", "vague", "wrong")


@cache
def course() -> Catalog:
    return load_catalog(project_root())


Cross = tuple[str, tuple[str, ...]]  # a sentence, and the points it must not earn


@cache
def _files() -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for path in sorted(ANSWER_SETS.glob("*.yaml")):
        for question_id, bands in (yaml.safe_load(path.read_text()) or {}).items():
            assert question_id not in out, f"{path.name}: {question_id} has answers twice"
            unknown = set(bands) - {*BANDS, "cross"}
            assert not unknown, f"{path.name}: {question_id}: unknown bands {unknown}"
            out[question_id] = bands
    return out


@cache
def answer_sets() -> dict[str, dict[str, list[str]]]:
    return {
        question_id: {
            band: [answers] if isinstance(answers, str) else list(answers)
            for band, answers in bands.items()
            if band != "cross"
        }
        for question_id, bands in _files().items()
    }


@cache
def cross_cases() -> list[tuple[str, Cross]]:
    return [
        (question_id, (case["answer"], tuple(case["not"])))
        for question_id, bands in _files().items()
        for case in bands.get("cross", [])  # type: ignore[attr-defined]
    ]


def interview_questions() -> list[Interview]:
    return [
        q
        for track in course().interviews.values()
        for q in track.bank.questions
        if isinstance(q, Interview)
    ]


QUESTION_IDS = [q.id for q in interview_questions()]


def test_every_question_has_an_answer_set_and_every_set_a_question() -> None:
    missing = sorted(set(QUESTION_IDS) - set(answer_sets()))
    assert not missing, f"write graded answers in tests/interviews/ for: {', '.join(missing)}"
    stray = sorted(set(answer_sets()) - set(QUESTION_IDS))
    assert not stray, f"answer sets for questions that do not exist: {', '.join(stray)}"


@pytest.mark.parametrize("question_id", QUESTION_IDS)
def test_answers_land_in_their_bands(question_id: str) -> None:
    question = course().question(question_id)
    assert isinstance(question, Interview)
    bands = answer_sets().get(question_id)
    assert bands is not None, f"no answer set for {question_id} in tests/interviews/"
    assert set(bands) >= set(BANDS), f"{question_id}: missing bands {set(BANDS) - set(bands)}"
    others = interview_questions()

    def scores(band: str) -> list[float]:
        return [score_answer(question, a, others).coverage for a in bands[band]]

    good, partial, vague, wrong = (scores(b) for b in BANDS)
    assert min(good) >= 0.7, f"good answers scored {good}"
    assert min(good) > max(partial), f"good {good} not above partial {partial}"
    assert min(partial) > max(vague), f"partial {partial} not above vague {vague}"
    assert max(wrong) <= 0.3, f"wrong answers scored {wrong}"


@pytest.mark.parametrize("question_id", QUESTION_IDS)
def test_a_wrong_answer_is_told_what_it_got_wrong(question_id: str) -> None:
    question = course().question(question_id)
    assert isinstance(question, Interview)
    for answer in answer_sets()[question_id]["wrong"]:
        scored = score_answer(question, answer)
        assert scored.misconceptions, f"no misconception reported for: {answer[:80]}"
        assert all(m.evidence and m.evidence in answer for m in scored.misconceptions)


@pytest.mark.parametrize("question_id", QUESTION_IDS)
def test_the_model_answer_is_good_and_says_nothing_wrong(question_id: str) -> None:
    """A misconception pattern that fires on the question's own model answer is too broad."""
    question = course().question(question_id)
    assert isinstance(question, Interview)
    scored = score_answer(question, question.model_answer)
    assert not scored.misconceptions, [(m.id, m.evidence) for m in scored.misconceptions]
    assert scored.coverage >= 0.8, [p.id for p in scored.missed]


def test_there_are_cross_subject_cases_in_every_track() -> None:
    tracks = {q.split("-")[1] for q, _ in cross_cases()}
    assert len(cross_cases()) >= 10 and tracks >= {"kpo", "executor", "helm", "security", "mixed"}


@pytest.mark.parametrize(
    ("question_id", "case"), cross_cases(), ids=[f"{q}:{c[0][:30]}" for q, c in cross_cases()]
)
def test_a_sentence_about_another_subject_earns_none_of_these_points(
    question_id: str, case: Cross
) -> None:
    answer, forbidden = case
    question = course().question(question_id)
    assert isinstance(question, Interview)
    assert set(forbidden) <= {p.id for p in question.rubric}, f"unknown points in {forbidden}"
    earned = {p.id for p in score_answer(question, answer).key_points if p.found}
    assert not earned & set(forbidden), f"{answer!r} earned {earned & set(forbidden)}"
