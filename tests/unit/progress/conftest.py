"""The progress store on SQLite and on a throwaway PostgreSQL, empty for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from flightschool.progress.db import make_engine
from flightschool.progress.store import ProgressStore
from tests.postgres import postgres_server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """An engine on an empty database (no tables), SQLite or PostgreSQL."""
    if request.param == "sqlite":
        return make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    engine = make_engine(request.getfixturevalue("postgres_url"))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    return engine


@pytest.fixture
def store(empty_engine: Engine) -> ProgressStore:
    return ProgressStore(empty_engine)
