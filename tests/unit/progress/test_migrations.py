"""Step 2: attempts get a kind column, filled from the prefixes version 1 wrote in their ids."""

from __future__ import annotations

from sqlalchemy import Engine, text

from flightschool.progress import migrations
from flightschool.progress.schema import Base
from flightschool.progress.store import ProgressStore

# (quiz_id as version 1 stored it) -> (kind, quiz_id) after the migration
V1_ATTEMPTS = {
    "01-basics": ("quiz", "01-basics"),
    "exam:quick": ("exam", "quick"),
    "interview:all": ("interview", "all"),
    "lesson:01-intro": ("lesson", "01-intro"),
    "exam:": ("quiz", "exam:"),  # nothing after the prefix: not one of ours, left alone
    "exams-2:x": ("quiz", "exams-2:x"),
}


def _version_1(engine: Engine) -> None:
    """A database as version 1 left it: no kind column, the kind in the id."""
    with engine.begin() as conn:
        Base.metadata.create_all(conn)
        conn.execute(text("ALTER TABLE quiz_attempts DROP COLUMN kind"))
        conn.execute(
            text("INSERT INTO schema_version (id, version, applied_at) VALUES (1, 1, :t)"),
            {"t": "2026-01-01"},
        )
        conn.execute(
            text("INSERT INTO profiles (name, created_at) VALUES ('ana', :t)"),
            {"t": "2026-01-01"},
        )
        for n, quiz_id in enumerate(V1_ATTEMPTS, 1):
            conn.execute(
                text(
                    "INSERT INTO quiz_attempts (profile_id, quiz_id, mode, seed, started_at, "
                    "score, max_score) VALUES (1, :quiz, 'practice', 's', :t, 1, 2)"
                ),
                {"quiz": quiz_id, "t": f"2026-01-0{n}"},
            )


def test_a_version_1_database_gets_kinds_and_plain_ids(empty_engine: Engine) -> None:
    _version_1(empty_engine)
    store = ProgressStore(empty_engine)
    assert store.version == migrations.latest() >= 2
    got = {(a.kind, a.quiz_id) for a in store.attempts("ana")}
    assert got == set(V1_ATTEMPTS.values())
    assert [a.quiz_id for a in store.attempts("ana", kind="exam")] == ["quick"]
    # new attempts take a kind, and the column's default is a quiz for any other writer
    store.start_attempt("ana", "quick", "exam", "s", kind="exam")
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO quiz_attempts (profile_id, quiz_id, mode, seed, started_at, score, "
                "max_score) VALUES (1, 'raw', 'practice', 's', :t, 0, 0)"
            ),
            {"t": "2999-01-01"},
        )
    kinds = [(a.kind, a.quiz_id) for a in store.attempts("ana")][-2:]
    assert kinds == [("exam", "quick"), ("quiz", "raw")]


def test_opening_the_migrated_database_again_changes_nothing(empty_engine: Engine) -> None:
    _version_1(empty_engine)
    first = [(a.kind, a.quiz_id) for a in ProgressStore(empty_engine).attempts("ana")]
    again = [(a.kind, a.quiz_id) for a in ProgressStore(empty_engine).attempts("ana")]
    assert first == again and len(first) == len(V1_ATTEMPTS)
