"""Scoring quiz answers. Answers are values: option texts, line numbers, item texts.

Multiple choice, spot-the-mistake and ordering give partial points (ordering: by the
pairs of items in the right order), but only a fully right answer counts as correct (that is what "retry the wrong ones" retries).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flightschool.content.models import (
    Interview,
    MultipleChoice,
    Ordering,
    Question,
    ShortAnswer,
    SingleChoice,
    SpotTheMistake,
    TrueFalse,
)


@dataclass(frozen=True)
class Outcome:
    correct: bool
    points: float
    max_points: float
    feedback: tuple[str, ...] = ()


class AnswerError(ValueError):
    """The answer has the wrong shape for the question (a bug or a tampered request)."""


def auto_scored(question: Question) -> bool:
    return not isinstance(question, Interview)


def shuffled(values: Sequence[Any], seed: str) -> list[Any]:
    """A stable per-attempt permutation: same seed, same order (survives reruns)."""
    out = list(values)
    random.Random(seed).shuffle(out)
    return out


def score(question: Question, answer: Any) -> Outcome:
    if isinstance(question, SingleChoice):
        return _single(question, answer)
    if isinstance(question, MultipleChoice):
        return _multiple(question, answer)
    if isinstance(question, TrueFalse):
        if not isinstance(answer, bool):
            raise AnswerError("true/false needs a boolean")
        ok = answer == question.answer
        return Outcome(ok, question.points if ok else 0.0, question.points)
    if isinstance(question, SpotTheMistake):
        return _spot(question, answer)
    if isinstance(question, Ordering):
        return _ordering(question, answer)
    if isinstance(question, ShortAnswer):
        return _short(question, answer)
    raise AnswerError(f"{question.type} questions are not auto-scored")


def _single(q: SingleChoice, answer: Any) -> Outcome:
    texts = {o.text: o for o in q.options}
    if answer not in texts:
        raise AnswerError(f"unknown option {answer!r}")
    ok = texts[answer].correct
    note = texts[answer].explanation
    return Outcome(ok, q.points if ok else 0.0, q.points, (note,) if note else ())


def _set_points(q: Question, picked: set[Any], right: set[Any]) -> tuple[bool, float]:
    hits = len(picked & right)
    wrong = len(picked - right)
    fraction = max(0.0, (hits - wrong) / len(right))
    return picked == right, round(q.points * fraction, 4)


def _multiple(q: MultipleChoice, answer: Any) -> Outcome:
    if not isinstance(answer, list | tuple | set | frozenset):
        raise AnswerError("multiple choice needs a list of option texts")
    picked = set(answer)
    unknown = picked - {o.text for o in q.options}
    if unknown:
        raise AnswerError(f"unknown options {sorted(unknown)!r}")
    ok, points = _set_points(q, picked, set(q.correct_texts))
    notes = tuple(
        o.explanation for o in q.options if o.explanation and (o.text in picked or o.correct)
    )
    return Outcome(ok, points, q.points, notes)


def _spot(q: SpotTheMistake, answer: Any) -> Outcome:
    if not isinstance(answer, list | tuple | set | frozenset) or not all(
        isinstance(n, int) for n in answer
    ):
        raise AnswerError("spot-the-mistake needs a list of line numbers")
    ok, points = _set_points(q, set(answer), set(q.mistakes))
    notes = tuple(f"Line {n}: {why}" for n, why in sorted(q.mistakes.items()))
    return Outcome(ok, points, q.points, notes)


def pairs_in_order(answer: Sequence[str], right: Sequence[str]) -> tuple[int, int]:
    """How many pairs of items the answer puts in the right order relative to each other,
    out of all pairs. One item moved to the wrong end loses only the pairs it breaks,
    where counting items in place would lose most of the points."""
    rank = {item: n for n, item in enumerate(right)}
    ranks = [rank[item] for item in answer]
    total = len(ranks) * (len(ranks) - 1) // 2
    kept = sum(1 for i, first in enumerate(ranks) for second in ranks[i + 1 :] if first < second)
    return kept, total


def _ordering(q: Ordering, answer: Any) -> Outcome:
    if not isinstance(answer, list | tuple) or sorted(answer) != sorted(q.items):
        raise AnswerError("ordering needs every item exactly once")
    kept, total = pairs_in_order(answer, q.items)
    ok = list(answer) == list(q.items)
    fraction = kept / total if total else 1.0
    note = () if ok else (f"{kept} of {total} pairs of items in the right order.",)
    return Outcome(ok, round(q.points * fraction, 4), q.points, note)


def normalise(text: str) -> str:
    return " ".join(text.strip().lower().split())


def _short(q: ShortAnswer, answer: Any) -> Outcome:
    if not isinstance(answer, str):
        raise AnswerError("short answer needs text")
    given = normalise(answer)
    ok = bool(given) and (
        any(given == normalise(a) for a in q.accept)
        or any(re.search(p, answer.strip(), re.IGNORECASE) for p in q.patterns)
    )
    return Outcome(ok, q.points if ok else 0.0, q.points)
