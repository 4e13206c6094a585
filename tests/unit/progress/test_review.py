"""FSRS review state lives in the store and survives a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flightschool.progress import review
from flightschool.progress.db import make_engine
from flightschool.progress.store import ProgressStore

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_scheduling_persists_across_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = ProgressStore(make_engine(url))
    store.ensure_profile("ana")
    first = review.rate(store, "ana", "quiz", "q01-x", "good", NOW)
    assert first.due > NOW
    store.engine.dispose()

    reopened = ProgressStore(make_engine(url))
    assert review.due(reopened, "ana", NOW) == []
    [due] = review.due(reopened, "ana", first.due + timedelta(seconds=1))
    assert due.ref == "q01-x" and due.kind == "quiz"
    again = review.rate(reopened, "ana", "quiz", "q01-x", "good", first.due)
    assert again.due > first.due  # the interval grows with each good review


def test_eight_lapses_make_a_leech(tmp_path: Path) -> None:
    store = ProgressStore(make_engine(f"sqlite:///{tmp_path / 'r.db'}"))
    store.ensure_profile("ana")
    when = NOW
    card = review.rate(store, "ana", "lab-check", "02-quotas/quota-exists", "good", when)
    for _ in range(8):
        when = card.due
        card = review.rate(store, "ana", "lab-check", "02-quotas/quota-exists", "again", when)
    assert card.lapses == 8 and card.leech
    assert review.all_cards(store, "ana")[0].leech
