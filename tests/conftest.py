"""Shared fixtures: every test gets its own data folder and progress database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.cluster_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "course"
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(autouse=True)
def isolated_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("FLIGHTSCHOOL_DATA_DIR", str(data))
    monkeypatch.setenv("FLIGHTSCHOOL_DATABASE_URL", f"sqlite:///{tmp_path / 'progress.db'}")
    return data


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A writable copy of the small fixture course, used as the content root."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, root)
    monkeypatch.setenv("FLIGHTSCHOOL_CONTENT_DIR", str(root))
    yield root
