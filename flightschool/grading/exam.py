"""Scoring an exam: weighted quiz questions plus lab reports, into one result with a
per-item review. Unanswered questions score zero; a lab that could not be graded scores
zero with its reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flightschool.content.catalog import Catalog
from flightschool.content.exams import Exam
from flightschool.content.scoring import AnswerError, score
from flightschool.grading.report import Report


@dataclass(frozen=True)
class ItemResult:
    kind: str  # "question" | "lab"
    id: str
    weight: float
    fraction: float  # 0..1 of the item earned
    answered: bool
    detail: Any = None  # the Outcome, or the lab Report, or an error message

    @property
    def points(self) -> float:
        return round(self.weight * self.fraction, 4)


@dataclass(frozen=True)
class ExamResult:
    exam: str
    items: list[ItemResult] = field(default_factory=list)
    pass_mark: float = 0.66

    @property
    def score(self) -> float:
        return round(sum(i.points for i in self.items), 4)

    @property
    def max_score(self) -> float:
        return round(sum(i.weight for i in self.items), 4)

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0

    @property
    def passed(self) -> bool:
        return self.fraction >= self.pass_mark


def score_exam(
    exam: Exam, catalog: Catalog, answers: dict[str, Any], lab_reports: dict[str, Report | str]
) -> ExamResult:
    items: list[ItemResult] = []
    for entry in exam.spec.questions:
        question = catalog.question(entry.id)
        answer = answers.get(entry.id)
        if question is None or answer is None:
            items.append(ItemResult("question", entry.id, entry.weight, 0.0, answer is not None))
            continue
        try:
            outcome = score(question, answer)
        except AnswerError as exc:
            items.append(ItemResult("question", entry.id, entry.weight, 0.0, True, str(exc)))
            continue
        fraction = outcome.points / outcome.max_points if outcome.max_points else 0.0
        items.append(ItemResult("question", entry.id, entry.weight, fraction, True, outcome))
    for lab_entry in exam.spec.labs:
        report = lab_reports.get(lab_entry.id, "not graded")
        if isinstance(report, Report):
            fraction = report.score / report.max_score if report.max_score else 0.0
            items.append(ItemResult("lab", lab_entry.id, lab_entry.weight, fraction, True, report))
        else:
            items.append(ItemResult("lab", lab_entry.id, lab_entry.weight, 0.0, False, report))
    return ExamResult(exam.spec.id, items, exam.spec.pass_mark)
