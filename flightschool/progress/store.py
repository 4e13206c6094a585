"""The progress store: the one API the app uses to read and write a learner's progress.

Every write is its own committed transaction, so nothing acknowledged is lost if the
app is killed a moment later. Several writes that belong together (an attempt, its answers,
the review cards they schedule) share one: inside `with store.transaction():` every call on
the store in that thread joins it, and a failure anywhere leaves none of them written.
"""

from __future__ import annotations

import errno
import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from flightschool.core.errors import InputProblem
from flightschool.progress import export, migrations
from flightschool.progress.db import make_engine
from flightschool.progress.schema import (
    ATTEMPT_KINDS,
    Activity,
    LabAttempt,
    LessonProgress,
    Profile,
    QuizAnswer,
    QuizAttempt,
    ReviewCard,
    utcnow,
)

EXPORT_FORMAT = export.EXPORT_FORMAT
EXPORT_VERSION = export.EXPORT_VERSION
MAX_NAME = 80
DEFAULT_PROFILE = "learner"  # the profile the app opens first and the CLI records for


class ProfileError(InputProblem, ValueError):
    pass


class StoreFull(RuntimeError):
    """The database could not grow: the write was rolled back, earlier ones are intact."""


def _disk_full(exc: OperationalError) -> bool:
    orig = exc.orig
    return (
        "database or disk is full" in str(orig)
        or getattr(orig, "sqlstate", None) == "53100"  # PostgreSQL disk_full
        or (isinstance(orig, OSError) and orig.errno == errno.ENOSPC)
    )


@dataclass(frozen=True)
class AttemptSummary:
    id: int
    kind: str  # one of schema.ATTEMPT_KINDS
    quiz_id: str  # the bank, lesson, exam or interview track, by kind
    mode: str
    started_at: datetime
    finished_at: datetime | None
    score: float
    max_score: float
    answered: int

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


@dataclass(frozen=True)
class LabAttemptSummary:
    id: int
    lab_id: str
    at: datetime
    score: float
    max_score: float
    passed: bool

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


class ProgressStore:
    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine()
        self.version = migrations.migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._open = threading.local()  # the session of this thread's open transaction
        # Profiles are never renamed or deleted, so a name's id never changes: every page
        # load asked the database for it again.
        self._profile_ids: dict[str, int] = {}

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction for everything done on this store inside the block (in this
        thread): committed at the end, rolled back whole if anything fails."""
        joined: Session | None = getattr(self._open, "session", None)
        if joined is not None:
            yield joined
            return
        try:
            with self._sessions.begin() as session:
                self._open.session = session
                try:
                    yield session
                finally:
                    self._open.session = None
        except BaseException as exc:
            # rolled back: a profile made inside the transaction is gone again
            self._profile_ids.clear()
            if isinstance(exc, OperationalError) and _disk_full(exc):
                raise StoreFull(
                    "Your progress could not be saved: the disk is full. Nothing saved before "
                    "was lost; free some space and try again."
                ) from exc
            raise

    _tx = transaction

    # ------------------------------------------------------------------ profiles
    def profiles(self) -> list[str]:
        with self._tx() as s:
            return list(s.scalars(select(Profile.name).order_by(Profile.created_at, Profile.id)))

    def ensure_profile(self, name: str) -> int:
        clean = " ".join(name.split())
        if not clean:
            raise ProfileError("a profile needs a name")
        if len(clean) > MAX_NAME:
            raise ProfileError(f"a profile name has at most {MAX_NAME} characters")
        for _attempt in range(2):  # a second process may create the same name meanwhile
            try:
                with self._tx() as s:
                    found = s.scalar(select(Profile.id).where(Profile.name == clean))
                    if found is not None:
                        return found
                    profile = Profile(name=clean)
                    s.add(profile)
                    s.flush()
                    return profile.id
            except IntegrityError:
                continue
        raise ProfileError(f"could not create the profile {clean!r}; try again")

    def _profile_id(self, s: Session, name: str) -> int:
        known = self._profile_ids.get(name)
        if known is not None:
            return known
        found = s.scalar(select(Profile.id).where(Profile.name == name))
        if found is None:
            raise ProfileError(f"no profile named {name!r}")
        self._profile_ids[name] = found
        return found

    # ------------------------------------------------------------------ lessons
    def mark_viewed(self, profile: str, lesson_id: str) -> None:
        with self._tx() as s:
            pid = self._profile_id(s, profile)
            row = s.get(LessonProgress, (pid, lesson_id))
            if row is None:
                s.add(LessonProgress(profile_id=pid, lesson_id=lesson_id))
            else:
                row.last_viewed_at = utcnow()

    def set_complete(self, profile: str, lesson_id: str, done: bool = True) -> None:
        with self._tx() as s:
            pid = self._profile_id(s, profile)
            row = s.get(LessonProgress, (pid, lesson_id))
            if row is None:
                row = LessonProgress(profile_id=pid, lesson_id=lesson_id)
                s.add(row)
            row.completed_at = utcnow() if done else None

    def completed_lessons(self, profile: str) -> set[str]:
        with self._tx() as s:
            pid = self._profile_id(s, profile)
            rows = s.scalars(
                select(LessonProgress.lesson_id).where(
                    LessonProgress.profile_id == pid, LessonProgress.completed_at.is_not(None)
                )
            )
            return set(rows)

    def last_viewed_lesson(self, profile: str) -> str | None:
        with self._tx() as s:
            pid = self._profile_id(s, profile)
            return s.scalar(
                select(LessonProgress.lesson_id)
                .where(LessonProgress.profile_id == pid)
                .order_by(LessonProgress.last_viewed_at.desc())
                .limit(1)
            )

    # ------------------------------------------------------------------ quizzes
    def start_attempt(
        self, profile: str, quiz_id: str, mode: str, seed: str, *, kind: str = "quiz"
    ) -> int:
        """A new attempt at `quiz_id`, which names a bank, lesson, exam or interview track
        according to `kind`."""
        if kind not in ATTEMPT_KINDS:
            raise ValueError(f"unknown attempt kind {kind!r}; one of {', '.join(ATTEMPT_KINDS)}")
        with self._tx() as s:
            attempt = QuizAttempt(
                profile_id=self._profile_id(s, profile),
                kind=kind,
                quiz_id=quiz_id,
                mode=mode,
                seed=seed,
            )
            s.add(attempt)
            s.flush()
            return attempt.id

    def record_answer(
        self,
        attempt_id: int,
        question_id: str,
        answer: Any,
        *,
        correct: bool,
        points: float,
        max_points: float,
        seconds: float,
    ) -> None:
        """Store one answer (re-answering the same question in an attempt replaces it)."""
        seconds = seconds if math.isfinite(seconds) and seconds >= 0 else 0.0
        with self._tx() as s:
            attempt = s.get(QuizAttempt, attempt_id)
            if attempt is None:
                raise ValueError(f"no quiz attempt {attempt_id}")
            s.execute(
                delete(QuizAnswer).where(
                    QuizAnswer.attempt_id == attempt_id, QuizAnswer.question_id == question_id
                )
            )
            s.add(
                QuizAnswer(
                    attempt_id=attempt_id,
                    question_id=question_id,
                    answer=_jsonable(answer),
                    correct=correct,
                    points=points,
                    max_points=max_points,
                    seconds=round(seconds, 3),
                )
            )
            s.flush()
            totals = s.execute(
                select(func.sum(QuizAnswer.points), func.sum(QuizAnswer.max_points)).where(
                    QuizAnswer.attempt_id == attempt_id
                )
            ).one()
            attempt.score = float(totals[0] or 0.0)
            attempt.max_score = float(totals[1] or 0.0)

    def finish_attempt(self, attempt_id: int) -> None:
        with self._tx() as s:
            attempt = s.get(QuizAttempt, attempt_id)
            if attempt is not None and attempt.finished_at is None:
                attempt.finished_at = utcnow()

    def answers(self, attempt_id: int) -> list[dict[str, Any]]:
        with self._tx() as s:
            rows = s.scalars(
                select(QuizAnswer)
                .where(QuizAnswer.attempt_id == attempt_id)
                .order_by(QuizAnswer.id)
            )
            return [
                {
                    "question_id": r.question_id,
                    "answer": r.answer,
                    "correct": r.correct,
                    "points": r.points,
                    "max_points": r.max_points,
                    "seconds": r.seconds,
                }
                for r in rows
            ]

    def attempts(
        self, profile: str, quiz_id: str | None = None, *, kind: str | None = None
    ) -> list[AttemptSummary]:
        with self._tx() as s:
            pid = self._profile_id(s, profile)
            query = (
                select(QuizAttempt, func.count(QuizAnswer.id))
                .outerjoin(QuizAnswer, QuizAnswer.attempt_id == QuizAttempt.id)
                .where(QuizAttempt.profile_id == pid)
                .group_by(QuizAttempt.id)
                .order_by(QuizAttempt.started_at, QuizAttempt.id)
            )
            if quiz_id:
                query = query.where(QuizAttempt.quiz_id == quiz_id)
            if kind:
                query = query.where(QuizAttempt.kind == kind)
            return [
                AttemptSummary(
                    a.id,
                    a.kind,
                    a.quiz_id,
                    a.mode,
                    a.started_at,
                    a.finished_at,
                    a.score,
                    a.max_score,
                    n,
                )
                for a, n in s.execute(query)
            ]

    def question_history(self, profile: str) -> dict[str, list[bool]]:
        """question id -> results, oldest first (for mastery and review)."""
        with self._tx() as s:
            pid = self._profile_id(s, profile)
            rows = s.execute(
                select(QuizAnswer.question_id, QuizAnswer.correct)
                .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
                .where(QuizAttempt.profile_id == pid)
                .order_by(QuizAnswer.answered_at, QuizAnswer.id)
            )
            history: dict[str, list[bool]] = {}
            for qid, ok in rows:
                history.setdefault(qid, []).append(bool(ok))
            return history

    # ------------------------------------------------------------------ labs
    def record_lab(
        self,
        profile: str,
        lab_id: str,
        *,
        score: float,
        max_score: float,
        passed: bool,
        checks: list[dict[str, Any]],
    ) -> int:
        with self._tx() as s:
            row = LabAttempt(
                profile_id=self._profile_id(s, profile),
                lab_id=lab_id,
                score=score,
                max_score=max_score,
                passed=passed,
                checks=_jsonable(checks),
            )
            s.add(row)
            s.flush()
            return row.id

    def lab_attempts(self, profile: str) -> list[LabAttemptSummary]:
        """Every graded lab attempt of `profile`, oldest first (for the progress chart)."""
        with self._tx() as s:
            pid = self._profile_id(s, profile)
            rows = s.scalars(
                select(LabAttempt)
                .where(LabAttempt.profile_id == pid)
                .order_by(LabAttempt.at, LabAttempt.id)
            )
            return [
                LabAttemptSummary(r.id, r.lab_id, r.at, r.score, r.max_score, r.passed)
                for r in rows
            ]

    def best_lab_scores(self, profile: str) -> dict[str, tuple[float, float]]:
        with self._tx() as s:
            pid = self._profile_id(s, profile)
            rows = s.execute(
                select(
                    LabAttempt.lab_id, func.max(LabAttempt.score), func.max(LabAttempt.max_score)
                )
                .where(LabAttempt.profile_id == pid)
                .group_by(LabAttempt.lab_id)
            )
            return {lab: (float(best), float(top)) for lab, best, top in rows}

    # ------------------------------------------------------------------ review cards
    def save_card(
        self,
        profile: str,
        card_id: str,
        kind: str,
        state: dict[str, Any],
        due: datetime,
        lapses: int,
    ) -> None:
        with self._tx() as s:
            pid = self._profile_id(s, profile)
            row = s.get(ReviewCard, (pid, card_id))
            if row is None:
                s.add(
                    ReviewCard(
                        profile_id=pid,
                        card_id=card_id,
                        kind=kind,
                        state=_jsonable(state),
                        due=due,
                        lapses=lapses,
                    )
                )
            else:
                row.state, row.due, row.lapses, row.kind = _jsonable(state), due, lapses, kind

    def cards(self, profile: str, due_before: datetime | None = None) -> list[dict[str, Any]]:
        with self._tx() as s:
            query = select(ReviewCard).where(ReviewCard.profile_id == self._profile_id(s, profile))
            if due_before is not None:
                query = query.where(ReviewCard.due <= due_before)
            return [
                {
                    "card_id": c.card_id,
                    "kind": c.kind,
                    "state": c.state,
                    "due": _aware(c.due),
                    "lapses": c.lapses,
                }
                for c in s.scalars(query.order_by(ReviewCard.due))
            ]

    # ------------------------------------------------------------------ activity
    def log(self, profile: str, kind: str, ref: str, data: dict[str, Any] | None = None) -> None:
        with self._tx() as s:
            s.add(
                Activity(
                    profile_id=self._profile_id(s, profile),
                    kind=kind,
                    ref=ref,
                    data=_jsonable(data or {}),
                )
            )

    def activity(
        self, profile: str, kind: str | None = None, ref: str | None = None
    ) -> list[dict[str, Any]]:
        with self._tx() as s:
            query = select(Activity).where(Activity.profile_id == self._profile_id(s, profile))
            if kind:
                query = query.where(Activity.kind == kind)
            if ref:
                query = query.where(Activity.ref == ref)
            return [
                {"kind": a.kind, "ref": a.ref, "at": a.at, "data": a.data}
                for a in s.scalars(query.order_by(Activity.at, Activity.id))
            ]

    # ------------------------------------------------------------------ export / import
    def export_profile(self, profile: str) -> dict[str, Any]:
        with self._tx() as s:
            pid = self._profile_id(s, profile)
            attempts = []
            for a in s.scalars(
                select(QuizAttempt).where(QuizAttempt.profile_id == pid).order_by(QuizAttempt.id)
            ):
                answers = s.scalars(
                    select(QuizAnswer).where(QuizAnswer.attempt_id == a.id).order_by(QuizAnswer.id)
                )
                attempts.append(
                    {
                        **_row(
                            a,
                            "kind",
                            "quiz_id",
                            "mode",
                            "seed",
                            "started_at",
                            "finished_at",
                            "score",
                            "max_score",
                        ),
                        "answers": [
                            _row(
                                x,
                                "question_id",
                                "answer",
                                "correct",
                                "points",
                                "max_points",
                                "seconds",
                                "answered_at",
                            )
                            for x in answers
                        ],
                    }
                )
            return {
                "format": EXPORT_FORMAT,
                "version": EXPORT_VERSION,
                "profile": profile,
                "lessons": [
                    _row(r, "lesson_id", "first_viewed_at", "last_viewed_at", "completed_at")
                    for r in s.scalars(
                        select(LessonProgress).where(LessonProgress.profile_id == pid)
                    )
                ],
                "quiz_attempts": attempts,
                "lab_attempts": [
                    _row(r, "lab_id", "at", "score", "max_score", "passed", "checks")
                    for r in s.scalars(
                        select(LabAttempt)
                        .where(LabAttempt.profile_id == pid)
                        .order_by(LabAttempt.id)
                    )
                ],
                "review_cards": [
                    _row(r, "card_id", "kind", "state", "due", "lapses")
                    for r in s.scalars(select(ReviewCard).where(ReviewCard.profile_id == pid))
                ],
                "activity": [
                    _row(r, "kind", "ref", "at", "data")
                    for r in s.scalars(
                        select(Activity).where(Activity.profile_id == pid).order_by(Activity.id)
                    )
                ],
            }

    def import_profile(self, data: Any, as_name: str | None = None) -> str:
        """Import an exported profile under a new name; never overwrites an existing one.
        The whole export is validated first (see export.py), then written in one transaction:
        a refused import writes nothing."""
        try:
            checked = export.validate(data)
        except export.ExportError as exc:
            raise ProfileError(str(exc)) from exc
        name = " ".join(str(as_name or checked.profile or "").split())
        if not name:
            raise ProfileError("the import needs a profile name")
        if len(name) > MAX_NAME:
            raise ProfileError(f"a profile name has at most {MAX_NAME} characters")
        if name in self.profiles():
            raise ProfileError(f"a profile named {name!r} already exists; choose another name")
        try:
            with self._tx() as s:
                profile = Profile(name=name)
                s.add(profile)
                s.flush()
                pid = profile.id
                for lesson in checked.lessons:
                    s.add(LessonProgress(profile_id=pid, **lesson.model_dump()))
                for a in checked.quiz_attempts:
                    attempt = QuizAttempt(profile_id=pid, **a.model_dump(exclude={"answers"}))
                    s.add(attempt)
                    s.flush()
                    for x in a.answers:
                        s.add(QuizAnswer(attempt_id=attempt.id, **x.model_dump()))
                for lab in checked.lab_attempts:
                    s.add(LabAttempt(profile_id=pid, **lab.model_dump()))
                for card in checked.review_cards:
                    s.add(ReviewCard(profile_id=pid, **card.model_dump()))
                for row in checked.activity:
                    s.add(Activity(profile_id=pid, **row.model_dump()))
        except (IntegrityError, DataError) as exc:
            raise ProfileError(f"the export is damaged: {exc.orig}") from exc
        return name


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_encode))


def _encode(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")


def _row(obj: Any, *names: str) -> dict[str, Any]:
    out = {}
    for n in names:
        v = getattr(obj, n)
        out[n] = v.isoformat() if isinstance(v, datetime) else v
    return out
