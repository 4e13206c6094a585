"""Schema versions and how to move between them.

Why not Alembic: the store is a handful of tables, opened by an app that must migrate
itself on start with no alembic.ini or script directory, on SQLite and PostgreSQL alike.
The rule is Alembic's own: a new database is created from the current models and stamped
with the latest version; an existing one runs each pending step in order, inside one
transaction per step, and records the version it reached. A database written by a newer
Flight School is refused with a clear message rather than damaged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, inspect, select, text, update

from flightschool.core import locks
from flightschool.progress.schema import WORKSHOP_TABLES, Base, SchemaVersion

Step = Callable[[Connection], None]


def attempt_kinds(conn: Connection) -> None:
    """Version 2: an attempt says what it was in a `kind` column instead of a prefix of its
    id ("exam:mock-1" becomes kind exam, id mock-1; unprefixed ids were quizzes)."""
    conn.execute(
        text("ALTER TABLE quiz_attempts ADD COLUMN kind VARCHAR(20) NOT NULL DEFAULT 'quiz'")
    )
    for prefix in ("lesson", "exam", "interview"):  # as written before version 2
        conn.execute(
            text(
                "UPDATE quiz_attempts SET kind = :kind, quiz_id = substr(quiz_id, :rest) "
                "WHERE quiz_id LIKE :pattern AND length(quiz_id) > :head"
            ),
            {
                "kind": prefix,
                "rest": len(prefix) + 2,
                "pattern": prefix + ":%",
                "head": len(prefix) + 1,
            },
        )


def workshop_tables(conn: Connection) -> None:
    """Version 3: workshops, their join tokens, announcements and the audit log."""
    tables = [Base.metadata.tables[t.__tablename__] for t in WORKSHOP_TABLES]
    Base.metadata.create_all(conn, tables=tables)


# (version, step). Version 1 is the schema created from the models. Append new steps
# with the next number; never edit a released step.
STEPS: Sequence[tuple[int, Step]] = ((2, attempt_kinds), (3, workshop_tables))
BASE_VERSION = 1


class SchemaTooNew(RuntimeError):
    pass


def latest(steps: Sequence[tuple[int, Step]] = STEPS) -> int:
    return max([BASE_VERSION, *(v for v, _ in steps)])


def current_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table(SchemaVersion.__tablename__):
        return None
    return conn.execute(select(SchemaVersion.version).where(SchemaVersion.id == 1)).scalar()


LOCK_KEY = 0x46_53_4D_49  # pg_advisory_xact_lock key: "FSMI"


def migrate(engine: Engine, steps: Sequence[tuple[int, Step]] = STEPS) -> int:
    """Bring the database to the latest version; return that version. Safe when several
    processes open a fresh database at once: each step, and the first creation, runs under
    a lock (a file lock beside a SQLite file, an advisory lock on PostgreSQL) and reads
    the version again once it holds it."""
    target = latest(steps)
    with _one_process_at_a_time(engine):
        with engine.begin() as conn:
            _lock(conn)
            version = current_version(conn)
            if version is None:
                Base.metadata.create_all(conn)
                conn.execute(insert(SchemaVersion).values(id=1, version=target))
                return target
        if version > target:
            raise SchemaTooNew(
                f"the progress database is at schema version {version}, newer than this "
                f"Flight School understands ({target}); upgrade Flight School or use another "
                "database"
            )
        for number, step in sorted(steps, key=lambda s: s[0]):
            if number <= version:
                continue
            with engine.begin() as conn:
                _lock(conn)
                reached = current_version(conn) or version
                if reached < number:  # another process may have run it while we waited
                    step(conn)
                    conn.execute(
                        update(SchemaVersion).where(SchemaVersion.id == 1).values(version=number)
                    )
            version = number
        return version


def _lock(conn: Connection) -> None:
    """Hold the migration lock until this transaction ends (PostgreSQL only)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


@contextmanager
def _one_process_at_a_time(engine: Engine) -> Iterator[None]:
    """SQLite has no advisory locks and runs DDL outside transactions: lock a file beside
    the database instead. In-memory databases belong to one process and need none."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with locks.exclusive(Path(database + ".migrate.lock")):
        yield
