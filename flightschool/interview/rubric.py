"""Transparent rubric scoring of free-text interview answers.

A key point is covered when any of its concepts appears in the answer: a synonym phrase
(case-insensitive, flexible whitespace, whole words) or a regex pattern. A match inside a
sentence that negates it ("you should not set limits", "never", "without") does not count,
and is reported as such. Every verdict carries its evidence: the sentence that earned it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flightschool.content.models import Concept, Interview, KeyPoint

NEGATORS = re.compile(
    r"\b(not|never|no|don't|dont|doesn't|doesnt|didn't|shouldn't|shouldnt|mustn't|can't|cannot|won't|wouldn't|"
    r"couldn't|needn't|"
    r"isn't|aren't|avoid|avoiding|without|instead of|rather than|neither|nor)\b",
    re.IGNORECASE,
)
NEGATION_WINDOW = 6  # words before the match that can negate it
MAX_ANSWER_CHARS = 20_000  # a long written answer is ~3,000; scoring time grows with length
# Sentence ends, blank lines and list items end a sentence; a wrapped line does not.
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n\s*\n|\n\s*(?=[-*•]|\d+[.)]\s)")


@dataclass(frozen=True)
class PointResult:
    id: str
    text: str
    weight: float
    found: bool
    evidence: str = ""
    negated: str = ""  # a sentence that mentioned the point but negated it


@dataclass(frozen=True)
class Scored:
    question: str
    coverage: float
    points: float
    max_points: float
    key_points: tuple[PointResult, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "coverage": self.coverage,
            "score": self.points,
            "max_score": self.max_points,
            "key_points": [p.__dict__ for p in self.key_points],
        }


@cache
def _phrase(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _matchers(concept: Concept) -> list[re.Pattern[str]]:
    return [_phrase(p) for p in concept.any if p.strip()] + [_pattern(p) for p in concept.patterns]


def sentences(answer: str) -> list[str]:
    return [s.strip() for s in _SENTENCES.split(answer) if s.strip()]


def _negated(sentence: str, start: int) -> bool:
    before = sentence[:start].split()[-NEGATION_WINDOW:]
    return bool(NEGATORS.search(" ".join(before)))


def assess_point(point: KeyPoint, parts: list[str]) -> PointResult:
    negated = ""
    for sentence in parts:
        for concept in point.concepts:
            for matcher in _matchers(concept):
                hit = matcher.search(sentence)
                if hit is None:
                    continue
                if _negated(sentence, hit.start()):
                    negated = negated or sentence
                    continue
                return PointResult(point.id, point.text, point.weight, True, _clip(sentence))
    return PointResult(point.id, point.text, point.weight, False, "", _clip(negated))


def _clip(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def score_answer(question: Interview, answer: str) -> Scored:
    parts = sentences(answer)
    results = tuple(assess_point(p, parts) for p in question.rubric)
    total = sum(p.weight for p in results)
    covered = sum(p.weight for p in results if p.found)
    coverage = round(covered / total, 4) if total else 0.0
    return Scored(
        question.id, coverage, round(question.points * coverage, 4), question.points, results
    )
