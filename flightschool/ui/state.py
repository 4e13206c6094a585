"""Objects shared across reruns: the content catalog and the progress store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from flightschool.content.catalog import Catalog, load_catalog
from flightschool.core.paths import project_root
from flightschool.progress.db import database_url
from flightschool.progress.store import ProgressStore
from flightschool.progress.workshop import Identity


def _fingerprint(root: Path) -> tuple[tuple[str, float], ...]:
    """Changes whenever an instructor edits, adds or removes a content file."""
    files = [
        *(root / "lessons").glob("*.md"),
        *(root / "quizzes").glob("*.yaml"),
        *(root / "interviews").glob("*.yaml"),
        *(root / "labs").glob("*/lab.yaml"),
        *(root / "exams").glob("*.yaml"),
    ]
    return tuple(sorted((str(p), p.stat().st_mtime) for p in files))


@st.cache_resource(show_spinner=False, max_entries=2)
def _catalog(root: str, _stamp: tuple[tuple[str, float], ...], stamp_key: int) -> Catalog:
    return load_catalog(Path(root))


def catalog() -> Catalog:
    root = project_root()
    stamp = _fingerprint(root)
    return _catalog(str(root), stamp, hash(stamp))


@st.cache_resource(show_spinner=False)
def _store(url: str) -> ProgressStore:
    from flightschool.progress.db import make_engine

    return ProgressStore(make_engine(url))


def store() -> ProgressStore:
    return _store(database_url())


@dataclass(frozen=True)
class Context:
    catalog: Catalog
    store: ProgressStore
    profile: str
    identity: Identity | None = None  # workshop mode: who signed in

    @property
    def learner(self) -> str | None:
        """The learner id for lab namespaces and files (None in personal mode)."""
        return self.identity.learner if self.identity else None
