"""The progress database is the learner's own: owner-only on disk."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from flightschool.progress.db import make_engine


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_is_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "progress.db"
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    assert _mode(db) == 0o600
    wal = db.with_name(db.name + "-wal")
    if wal.exists():  # SQLite gives its side files the database's own mode
        assert _mode(wal) == 0o600
    engine.dispose()


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "progress.db"
    db.touch(mode=0o644)
    db.chmod(0o644)
    make_engine(f"sqlite:///{db}").dispose()
    assert _mode(db) == 0o600
