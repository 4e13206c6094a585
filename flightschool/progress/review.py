"""Spaced review with FSRS: cards for quiz questions, interview questions and failed lab
checks. Card state lives in the progress store; a card failed eight times is a leech,
flagged so the learner re-reads its lesson instead of drilling it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fsrs import Card, Rating, Scheduler, State

from flightschool.progress.store import ProgressStore

LEECH_LAPSES = 8
RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
_SCHEDULER = Scheduler(enable_fuzzing=False)


@dataclass(frozen=True)
class DueCard:
    card_id: str
    kind: str  # "quiz" | "interview" | "lab-check"
    ref: str  # question id, or "lab-id/check-id"
    due: datetime
    lapses: int

    @property
    def leech(self) -> bool:
        return self.lapses >= LEECH_LAPSES


def card_id(kind: str, ref: str) -> str:
    return f"{kind}:{ref}"


def rate(
    store: ProgressStore,
    profile: str,
    kind: str,
    ref: str,
    rating: str,
    now: datetime | None = None,
) -> DueCard:
    """Record a review (again, hard, good, easy) and schedule the card's next one."""
    now = now or datetime.now(UTC)
    cid = card_id(kind, ref)
    existing = {c["card_id"]: c for c in store.cards(profile)}.get(cid)
    card = Card.from_dict(existing["state"]) if existing else Card()
    lapses = existing["lapses"] if existing else 0
    was_learned = card.state in (State.Review, State.Relearning)
    card, _log = _SCHEDULER.review_card(card, RATINGS[rating], review_datetime=now)
    if rating == "again" and (was_learned or existing is not None):
        lapses += 1
    store.save_card(profile, cid, kind, dict(card.to_dict()), card.due, lapses)
    return DueCard(cid, kind, ref, card.due, lapses)


def due(store: ProgressStore, profile: str, now: datetime | None = None) -> list[DueCard]:
    now = now or datetime.now(UTC)
    return [_due_card(c) for c in store.cards(profile, due_before=now)]


def all_cards(store: ProgressStore, profile: str) -> list[DueCard]:
    return [_due_card(c) for c in store.cards(profile)]


def _due_card(row: dict[str, Any]) -> DueCard:
    kind, _, ref = row["card_id"].partition(":")
    return DueCard(row["card_id"], kind, ref, row["due"], row["lapses"])
