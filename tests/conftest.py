"""Shared fixtures: every test gets its own data folder and progress database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.cluster_fixtures", "tests.kind_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "course"
ARTIFACTS = ROOT / "artifacts"
_FOLDER_MARKERS = {"cluster": "cluster", "browser": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests are marked by their folder: everything under tests/cluster needs the lab
    cluster (unless it needs kind's real containers), everything under tests/browser a
    browser, whether or not the module remembered to say so."""
    for item in items:
        folder = Path(str(item.path)).relative_to(ROOT).parts[1]
        marker = _FOLDER_MARKERS.get(folder)
        if marker and not (marker == "cluster" and item.get_closest_marker("kind")):
            item.add_marker(marker)


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
