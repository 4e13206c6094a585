"""Join links and sign-in on SQLite and PostgreSQL: forged, expired and revoked tokens are
refused with a clear message and written to the audit log; the secret is never stored."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from flightschool.progress.schema import JoinToken
from flightschool.progress.store import ProgressStore
from flightschool.progress.workshop import (
    SESSION_LIFETIME,
    SharedDatabaseRequired,
    SignInRefused,
    WorkshopError,
    Workshops,
    parse_duration,
    require_shared_database,
)


@pytest.fixture
def shop(store: ProgressStore) -> Workshops:
    return Workshops(store)


def test_create_makes_one_instructor_and_n_learner_links(shop: Workshops) -> None:
    links = shop.create("nov", 3, timedelta(hours=8))
    assert [(link.learner, link.role) for link in links] == [
        ("nov-instructor", "instructor"),
        ("nov-01", "learner"),
        ("nov-02", "learner"),
        ("nov-03", "learner"),
    ]
    assert len({link.token for link in links}) == 4
    who = shop.sign_in(links[2].token)
    assert (who.learner, who.role, who.workshop) == ("nov-02", "learner", "nov")
    assert shop.sign_in(links[0].token).instructor
    assert "nov-02" in shop.store.profiles()


def test_only_a_hash_of_the_secret_is_stored(shop: Workshops) -> None:
    link = shop.create("nov", 1, timedelta(hours=1))[1]
    secret = link.token.split(".", 1)[1]
    with shop.store.transaction() as s:
        stored = [(r.selector, r.secret_hash) for r in s.scalars(select(JoinToken))]
    assert all(secret not in (sel + digest) for sel, digest in stored)


@pytest.mark.parametrize(
    "forged",
    ["", "nonsense", "a.b", ".", "x" * 5000, "{selector}.{wrong}", "{selector}", "é.ü\x00"],
)
def test_a_forged_token_is_refused_and_audited(shop: Workshops, forged: str) -> None:
    real = shop.create("nov", 1, timedelta(hours=1))[1].token
    selector = real.split(".")[0]
    token = forged.format(selector=selector, wrong="A" * 43)
    with pytest.raises(SignInRefused, match="not valid"):
        shop.sign_in(token)
    events = shop.audit_events("sign-in-refused")
    assert events[-1]["detail"]["reason"] == "forged"
    assert shop.sign_in(real).learner == "nov-01"  # nothing lost: the real link still works


def test_an_expired_token_is_refused_and_audited(shop: Workshops) -> None:
    link = shop.create("nov", 1, timedelta(minutes=1))[1]
    later = datetime.now(UTC) + timedelta(minutes=2)
    with pytest.raises(SignInRefused, match="expired"):
        shop.sign_in(link.token, now=later)
    assert shop.audit_events("sign-in-refused")[-1]["detail"]["reason"] == "expired"
    assert shop.audit_events("sign-in-refused")[-1]["actor"] == "nov-01"


def test_a_revoked_token_is_refused_and_the_open_session_ends(shop: Workshops) -> None:
    link = shop.create("nov", 2, timedelta(hours=1))[1]
    who = shop.sign_in(link.token)
    shop.store.log(who.learner, "page", "home")
    shop.revoke(who.learner, by="nov-instructor")
    assert not shop.still_valid(who)
    with pytest.raises(SignInRefused, match="revoked"):
        shop.sign_in(link.token)
    assert shop.audit_events("link-revoke")[-1]["actor"] == "nov-instructor"
    assert shop.store.activity(who.learner, "page")  # their progress is kept
    renewed = shop.renew(who.learner)
    assert shop.sign_in(renewed.token).learner == who.learner
    with pytest.raises(SignInRefused):
        shop.sign_in(link.token)  # the old link stays dead


def test_a_browser_session_resumes_the_same_person_until_it_ends(shop: Workshops) -> None:
    links = shop.create("nov", 2, timedelta(hours=48))
    who = shop.sign_in(links[1].token)
    session = shop.open_session(who)
    assert links[1].token.split(".")[1] not in session  # never the link's secret
    assert shop.resume(session) == who
    assert shop.resume(shop.open_session(shop.sign_in(links[0].token))).instructor
    # a workshop day, not forever
    with pytest.raises(SignInRefused, match="has ended"):
        shop.resume(session, now=datetime.now(UTC) + SESSION_LIFETIME + timedelta(minutes=1))
    assert shop.audit_events("resume-refused")[-1]["detail"]["reason"] == "session-ended"


@pytest.mark.parametrize("part", [0, 1, 2, 3])
def test_a_session_id_changed_anywhere_is_refused_as_forged(shop: Workshops, part: int) -> None:
    link = shop.create("nov", 2, timedelta(hours=8))[1]
    pieces = shop.open_session(shop.sign_in(link.token)).split(".")
    pieces[part] = pieces[part][:-1] + ("A" if pieces[part][-1] != "A" else "B")
    with pytest.raises(SignInRefused, match="not valid"):
        shop.resume(".".join(pieces))
    assert shop.audit_events("resume-refused")[-1]["detail"]["reason"] == "forged"
    for junk in ("", "x", "a.b.c.d", "." * 5, "é.1.ü.\x00"):
        with pytest.raises(SignInRefused):
            shop.resume(junk)


def test_a_session_ends_with_its_link_and_on_sign_out(shop: Workshops) -> None:
    links = shop.create("nov", 2, timedelta(hours=8))
    ada, bob = shop.sign_in(links[1].token), shop.sign_in(links[2].token)
    revoked, renewed = shop.open_session(ada), shop.open_session(bob)
    shop.revoke(ada.learner)
    with pytest.raises(SignInRefused, match="revoked"):
        shop.resume(revoked)
    shop.renew(bob.learner)  # a new link: sessions of the old one end
    with pytest.raises(SignInRefused, match="not valid"):
        shop.resume(renewed)
    fresh = shop.renew(bob.learner)
    first = shop.open_session(shop.sign_in(fresh.token))
    second = shop.open_session(shop.sign_in(fresh.token))
    shop.end_session(first)
    with pytest.raises(SignInRefused, match="signed out"):
        shop.resume(first)
    assert shop.resume(second) == bob  # another tab or device stays signed in


def test_a_session_never_outlives_its_link(shop: Workshops) -> None:
    link = shop.create("nov", 1, timedelta(minutes=30))[1]
    session = shop.open_session(shop.sign_in(link.token))
    with pytest.raises(SignInRefused, match="has ended"):
        shop.resume(session, now=datetime.now(UTC) + timedelta(minutes=31))


def test_add_a_named_learner_and_refuse_a_bad_or_taken_id(shop: Workshops) -> None:
    shop.create("nov", 1, timedelta(hours=1))
    assert shop.add("nov", learner="ada").learner == "ada"
    assert shop.add("nov").learner == "nov-02"
    with pytest.raises(WorkshopError, match="already taken"):
        shop.add("nov", learner="ada")
    with pytest.raises(WorkshopError, match="not a slug"):
        shop.add("nov", learner="../bob")
    with pytest.raises(WorkshopError, match="no workshop"):
        shop.add("dec")
    with pytest.raises(WorkshopError, match="already exists"):
        shop.create("nov", 1, timedelta(hours=1))


def test_announcements_latest_wins_and_empty_clears(shop: Workshops) -> None:
    assert shop.announcement() == ""
    shop.announce("Break until 11:00", by="i")
    shop.announce("Lab 02 now", by="i")
    assert shop.announcement() == "Lab 02 now"
    shop.announce("", by="i")
    assert shop.announcement() == ""


def test_exclusive_makes_two_holders_take_turns(shop: Workshops) -> None:
    inside: list[str] = []
    overlap: list[bool] = []

    def hold(name: str) -> None:
        with shop.exclusive("reset:ada:01"):
            inside.append(name)
            overlap.append(len(inside) > 1)
            time.sleep(0.2)
            inside.remove(name)

    threads = [threading.Thread(target=hold, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlap == [False, False]


@pytest.mark.parametrize("value,minutes", [("8h", 480), ("90m", 90), ("1d12h", 2160)])
def test_durations(value: str, minutes: int) -> None:
    assert parse_duration(value) == timedelta(minutes=minutes)


@pytest.mark.parametrize("value", ["", "8", "8x", "0h", "-1h", "100d", "8h and more"])
def test_bad_durations_are_named(value: str) -> None:
    with pytest.raises(WorkshopError, match="--expires"):
        parse_duration(value)


def test_workshop_mode_refuses_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_MODE", "workshop")
    with pytest.raises(SharedDatabaseRequired, match="needs PostgreSQL"):
        require_shared_database("sqlite:///x.db")
    require_shared_database("postgresql+psycopg://u@h/db")
    monkeypatch.setenv("FLIGHTSCHOOL_MODE", "personal")
    require_shared_database("sqlite:///x.db")
