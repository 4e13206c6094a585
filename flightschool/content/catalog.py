"""The course catalog: every lesson and quiz bank, plus every problem found loading them.

Loading never stops at the first bad file. Each broken item is kept with its errors so
the app can show an error card in its place while the rest of the course works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from flightschool.content.errors import ContentError, ContentLoadError
from flightschool.content.exams import Exam, load_exam
from flightschool.content.labs import Lab, load_lab
from flightschool.content.lessons import Lesson, load_lesson
from flightschool.content.models import Question
from flightschool.content.quizzes import LoadedBank, load_bank

T = TypeVar("T")


@dataclass(frozen=True)
class BrokenItem:
    kind: str  # "lesson" | "quiz" | "lab"
    name: str  # file stem
    errors: tuple[ContentError, ...]


@dataclass
class Catalog:
    root: Path
    lessons: dict[str, Lesson] = field(default_factory=dict)
    banks: dict[str, LoadedBank] = field(default_factory=dict)
    labs: dict[str, Lab] = field(default_factory=dict)
    interviews: dict[str, LoadedBank] = field(default_factory=dict)  # mock-interview tracks
    exams: dict[str, Exam] = field(default_factory=dict)
    broken: list[BrokenItem] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)
    _index: dict[str, Question] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ queries
    def questions(self) -> Iterator[tuple[LoadedBank, Question]]:
        for bank in [*self.banks.values(), *self.interviews.values()]:
            for question in bank.bank.questions:
                yield bank, question

    def question(self, question_id: str) -> Question | None:
        if not self._index:
            self._index = {q.id: q for _, q in self.questions()}
        return self._index.get(question_id)

    def modules(self) -> list[tuple[str, list[Lesson]]]:
        """Lessons grouped by module, in file order."""
        grouped: dict[str, list[Lesson]] = {}
        for lesson in self.lessons.values():
            grouped.setdefault(lesson.meta.module, []).append(lesson)
        return list(grouped.items())

    def banks_for_lesson(self, lesson_id: str) -> list[LoadedBank]:
        return [b for b in self.banks.values() if b.bank.lesson == lesson_id]

    def neighbours(self, lesson_id: str) -> tuple[Lesson | None, Lesson | None]:
        order = list(self.lessons.values())
        ids = [lesson.id for lesson in order]
        if lesson_id not in ids:
            return None, None
        i = ids.index(lesson_id)
        return (order[i - 1] if i > 0 else None, order[i + 1] if i + 1 < len(order) else None)


def load_catalog(root: Path) -> Catalog:
    catalog = Catalog(root=root)
    for path, lesson in _load_each(
        catalog, "lesson", sorted((root / "lessons").glob("*.md")), load_lesson
    ):
        if lesson.id in catalog.lessons:
            catalog.errors.append(ContentError(path, 2, f"duplicate lesson id {lesson.id!r}"))
            continue
        catalog.lessons[lesson.id] = lesson
    for path, loaded in _load_each(
        catalog, "quiz", sorted((root / "quizzes").glob("*.yaml")), load_bank
    ):
        catalog.errors.extend(e for bad in loaded.broken for e in bad.errors)
        if loaded.bank.id in catalog.banks:
            catalog.errors.append(ContentError(path, 1, f"duplicate quiz id {loaded.bank.id!r}"))
            continue
        catalog.banks[loaded.bank.id] = loaded
    for path, track in _load_each(
        catalog, "interview", sorted((root / "interviews").glob("*.yaml")), load_bank
    ):
        catalog.errors.extend(e for b in track.broken for e in b.errors)
        catalog.errors.extend(
            ContentError(
                path,
                track.lines.get(q.id, 1),
                f"question {q.id}: an interview track holds only interview questions",
            )
            for q in track.bank.questions
            if q.type != "interview"
        )
        catalog.interviews[track.bank.id] = track
    lab_folders = sorted(p.parent for p in (root / "labs").glob("*/lab.yaml"))
    for _folder, lab in _load_each(catalog, "lab", lab_folders, load_lab):
        catalog.labs[lab.id] = lab
    for _path, exam in _load_each(
        catalog, "exam", sorted((root / "exams").glob("*.yaml")), load_exam
    ):
        catalog.exams[exam.spec.id] = exam
    catalog.errors.extend(_cross_references(catalog))
    catalog.errors.sort()
    return catalog


def _load_each(
    catalog: Catalog, kind: str, sources: list[Path], loader: Callable[[Path], T]
) -> list[tuple[Path, T]]:
    """Load every source; a source that fails becomes a broken item, and loading goes on."""
    loaded = []
    for source in sources:
        try:
            loaded.append((source, loader(source)))
        except ContentLoadError as exc:
            catalog.broken.append(BrokenItem(kind, source.stem, tuple(exc.errors)))
            catalog.errors.extend(exc.errors)
    return loaded


def _cross_references(catalog: Catalog) -> list[ContentError]:
    errors: list[ContentError] = []
    seen: dict[str, Path] = {}
    for loaded in [*catalog.banks.values(), *catalog.interviews.values()]:
        bank = loaded.bank
        if bank.lesson not in catalog.lessons:
            errors.append(ContentError(loaded.path, 1, f"lesson {bank.lesson!r} does not exist"))
        for q in bank.questions:
            line = loaded.lines.get(q.id, 1)
            if q.id in seen:
                errors.append(
                    ContentError(
                        loaded.path,
                        line,
                        f"duplicate question id {q.id!r} (also in {seen[q.id].name})",
                    )
                )
            seen[q.id] = loaded.path
            if q.lesson not in catalog.lessons:
                errors.append(
                    ContentError(
                        loaded.path, line, f"question {q.id}: lesson {q.lesson!r} does not exist"
                    )
                )
    for lesson in catalog.lessons.values():
        for quiz in lesson.meta.quizzes:
            if quiz not in catalog.banks:
                errors.append(ContentError(lesson.path, 2, f"quiz {quiz!r} does not exist"))
        for lab in lesson.meta.labs:
            if lab not in catalog.labs and lab not in {b.name for b in catalog.broken}:
                errors.append(ContentError(lesson.path, 2, f"lab {lab!r} does not exist"))
        for pre in lesson.meta.prerequisites:
            if pre not in catalog.lessons:
                errors.append(ContentError(lesson.path, 2, f"prerequisite {pre!r} does not exist"))
        for check in lesson.check_refs:
            for qid in check.question_ids:
                if qid not in seen:
                    errors.append(
                        ContentError(
                            lesson.path, check.line, f"check question {qid!r} does not exist"
                        )
                    )
    for exam in catalog.exams.values():
        for item in exam.spec.questions:
            question = catalog.question(item.id)
            if question is None or question.type == "interview":
                errors.append(
                    ContentError(
                        exam.path,
                        exam.lines[item.id],
                        f"{item.id!r} is not an auto-scored quiz question",
                    )
                )
        for lab_item in exam.spec.labs:
            if lab_item.id not in catalog.labs:
                errors.append(
                    ContentError(
                        exam.path, exam.lines[lab_item.id], f"lab {lab_item.id!r} does not exist"
                    )
                )
    for loaded_lab in catalog.labs.values():
        if loaded_lab.spec.lesson not in catalog.lessons:
            errors.append(
                ContentError(
                    loaded_lab.folder / "lab.yaml",
                    1,
                    f"lesson {loaded_lab.spec.lesson!r} does not exist",
                )
            )
    return errors
