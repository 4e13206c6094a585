"""Tables of the progress store (SQLAlchemy 2 typed ORM). The latest schema lives here;
`migrations.py` says how an older database reaches it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


class SchemaVersion(Base):
    __tablename__ = "schema_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int]
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)


class Profile(Base):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LessonProgress(Base):
    __tablename__ = "lesson_progress"
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    first_viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


# What an attempt was: a quiz from a bank, the inline checks of a lesson, an exam, or a
# mock interview. `quiz_id` then names the bank, lesson, exam or interview track.
ATTEMPT_KINDS = ("quiz", "lesson", "exam", "interview")
# Before schema version 2 the kind was a prefix of the id ("exam:<id>"); plain ids were quizzes.
LEGACY_PREFIXES = ("lesson", "exam", "interview")


def split_legacy_id(quiz_id: str) -> tuple[str, str]:
    """(kind, id) of an attempt id written before kinds existed."""
    prefix, sep, rest = quiz_id.partition(":")
    if sep and prefix in LEGACY_PREFIXES and rest:
        return prefix, rest
    return "quiz", quiz_id


class QuizAttempt(Base):
    __tablename__ = "quiz_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="quiz", server_default="quiz")
    quiz_id: Mapped[str] = mapped_column(String(80))
    mode: Mapped[str] = mapped_column(String(20))
    seed: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    score: Mapped[float] = mapped_column(Float, default=0.0)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)


class QuizAnswer(Base):
    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(80))
    answer: Mapped[object] = mapped_column(JSON)
    correct: Mapped[bool]
    points: Mapped[float]
    max_points: Mapped[float]
    seconds: Mapped[float]
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class LabAttempt(Base):
    __tablename__ = "lab_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), index=True
    )
    lab_id: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    score: Mapped[float]
    max_score: Mapped[float]
    passed: Mapped[bool]
    checks: Mapped[object] = mapped_column(JSON)


class ReviewCard(Base):
    __tablename__ = "review_cards"
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    card_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[object] = mapped_column(JSON)
    due: Mapped[datetime]
    lapses: Mapped[int] = mapped_column(default=0)


class Activity(Base):
    """Everything else worth remembering: hints shown, solutions viewed, pages opened."""

    __tablename__ = "activity"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(160))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[object] = mapped_column(JSON, default=dict)


# ---------------------------------------------------------------- workshops (schema version 3)


class Workshop(Base):
    """An instructor-led cohort: learners join it by link (or by OIDC sign-in)."""

    __tablename__ = "workshops"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class JoinToken(Base):
    """One person's way in. Only a hash of the secret half is stored: the link itself is
    shown once, when it is made. `selector` finds the row; the secret is compared in
    constant time."""

    __tablename__ = "join_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    learner: Mapped[str] = mapped_column(String(40), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    selector: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Announcement(Base):
    __tablename__ = "announcements"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(2000))
    by: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Refused sign-ins, refused requests and instructor actions: who, what, when."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[object] = mapped_column(JSON, default=dict)


WORKSHOP_TABLES = (Workshop, JoinToken, Announcement, AuditEvent)
