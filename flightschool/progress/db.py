"""Opening the progress database: SQLite in the user data folder by default, any
SQLAlchemy URL through FLIGHTSCHOOL_DATABASE_URL (PostgreSQL: postgresql+psycopg://...)."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event

from flightschool.core.paths import data_dir

ENV_URL = "FLIGHTSCHOOL_DATABASE_URL"


def database_url() -> str:
    return os.environ.get(ENV_URL) or f"sqlite:///{data_dir() / 'progress.db'}"


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL: readers never block the writer, and a committed write survives a crash.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
