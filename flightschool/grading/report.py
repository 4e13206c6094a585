"""Grading results, and the JSON contract of `flightschool lab check --json`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    passed: bool
    points: float  # earned: the check's points when passed, else 0
    max_points: float
    message: str  # empty when passed; what to fix when not
    hint: str = ""
    concept: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Report:
    lab: str
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(c.points for c in self.checks), 4)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_points for c in self.checks), 4)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "lab": self.lab,
            "score": self.score,
            "max_score": self.max_score,
            "passed": self.passed,
            "checks": [
                {
                    "id": c.id,
                    "title": c.title,
                    "passed": c.passed,
                    "points": c.points,
                    "message": c.message,
                    "max_points": c.max_points,
                    "hint": c.hint,
                }
                for c in self.checks
            ],
        }

    def rows(self) -> list[dict[str, Any]]:
        return [asdict(c) for c in self.checks]
