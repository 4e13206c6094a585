"""Workshop mode through the real navigation (AppTest) on a real PostgreSQL: sign-in by
join link, refusals for forged, expired and revoked links and for a URL naming another
learner's profile, the announcement banner, and the instructor-only dashboard."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from flightschool.progress.db import make_engine
from flightschool.progress.store import ProgressStore
from flightschool.progress.workshop import Link, Workshops
from tests.postgres import postgres_server


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def shop(server: str, course: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workshops]:
    """A fresh database of its own (the app caches one store per URL) in workshop mode."""
    name = f"t{uuid.uuid4().hex[:10]}"
    admin = make_engine(server)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = server.rsplit("/", 1)[0] + f"/{name}"
    monkeypatch.setenv("FLIGHTSCHOOL_MODE", "workshop")
    monkeypatch.setenv("FLIGHTSCHOOL_DATABASE_URL", url)
    store = ProgressStore(make_engine(url))
    yield Workshops(store)
    store.engine.dispose()


def _open(page: str) -> None:
    from flightschool.ui.app import main

    main(start=page)


def _app(page: str = "home", **params: str) -> AppTest:
    at = AppTest.from_function(_open, args=(page,), default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.title]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


def _links(shop: Workshops, learners: int = 2) -> list[Link]:
    return shop.create("nov", learners, timedelta(hours=8))


def test_sqlite_is_refused_in_workshop_mode_with_a_clear_message(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_MODE", "workshop")
    at = _app()
    assert not at.exception
    assert any("workshop mode needs PostgreSQL" in e.value for e in at.error)


def test_without_sign_in_only_the_sign_in_page_shows(shop: Workshops) -> None:
    at = _app()
    assert not at.exception
    assert "Join code" in [t.label for t in at.text_input]
    assert not [s for s in at.selectbox if s.label == "Profile"]
    assert "Basics" not in _texts(at)  # no course page rendered


def test_a_join_link_signs_in_and_leaves_the_address_bar(shop: Workshops) -> None:
    link = _links(shop)[1]
    at = _app(join=link.token)
    assert not at.exception
    assert "join" not in at.query_params
    assert "Signed in as **nov-01** (learner)" in _texts(at)
    assert not [s for s in at.selectbox if s.label == "Profile"]  # no picker in workshop mode
    assert shop.audit_events("sign-in")[-1]["actor"] == "nov-01"
    at.run()  # the next click: still signed in, from the session, not the URL
    assert "Signed in as **nov-01**" in _texts(at)


@pytest.mark.parametrize("how", ["forged", "expired", "revoked"])
def test_a_bad_join_link_is_refused_clearly_and_logged(shop: Workshops, how: str) -> None:
    if how == "expired":
        link = shop.create("nov", 1, timedelta(minutes=1))[1]
        with shop.store.transaction() as s:
            s.execute(text("UPDATE join_tokens SET expires_at = now() - interval '1 minute'"))
        token = link.token
    else:
        link = _links(shop)[1]
        token = link.token[:-4] + "AAAA" if how == "forged" else link.token
        if how == "revoked":
            shop.revoke(link.learner)
    at = _app(join=token)
    assert not at.exception
    assert "join" not in at.query_params
    assert any(how in e.value or "not valid" in e.value for e in at.error)
    assert "Signed in as" not in _texts(at)
    assert shop.audit_events("sign-in-refused")[-1]["detail"]["reason"] == how


def test_a_revoked_learner_is_signed_out_on_the_next_click(shop: Workshops) -> None:
    link = _links(shop)[1]
    at = _app(join=link.token)
    assert "Signed in as **nov-01**" in _texts(at)
    shop.revoke("nov-01", by="nov-instructor")
    at.run()
    assert "Signed in as" not in _texts(at)
    assert any("revoked or has expired" in e.value for e in at.error)


def test_a_url_naming_another_learners_profile_shows_only_your_own(shop: Workshops) -> None:
    links = _links(shop)
    shop.store.set_complete("nov-02", "01-basics")
    at = _app("progress", join=links[1].token, profile="nov-02")
    assert not at.exception
    assert any("only see your own progress" in w.value for w in at.warning)
    assert "profile" not in at.query_params
    refused = shop.audit_events("profile-refused")
    assert refused[-1]["actor"] == "nov-01" and refused[-1]["detail"]["asked"] == "nov-02"
    assert shop.store.completed_lessons("nov-02") == {"01-basics"}  # nothing lost
    assert shop.store.completed_lessons("nov-01") == set()
    # No way to make (or fill) another profile from the page: no import in workshop mode.
    assert not [b for b in at.button if b.label == "Import"]
    assert [b for b in at.get("download_button") if "Export profile" in str(b.proto.label)]


def test_the_announcement_shows_on_learner_pages(shop: Workshops) -> None:
    link = _links(shop)[1]
    shop.announce("Lab 02 starts at 11:00", by="nov-instructor")
    at = _app("quizzes", join=link.token)
    assert any("Lab 02 starts at 11:00" in i.value for i in at.info)


def test_only_instructors_get_the_dashboard(shop: Workshops) -> None:
    links = _links(shop)
    shop.store.record_lab(
        "nov-01",
        "01-first-pod",
        score=4,
        max_score=10,
        passed=False,
        checks=[{"id": "pod-exists", "passed": True}, {"id": "limits", "passed": False}],
    )
    learner = _app("instructor", join=links[1].token)
    assert "Instructor dashboard" not in [t.value for t in learner.title]
    teacher = _app("instructor", join=links[0].token)
    assert not teacher.exception
    assert "Instructor dashboard" in [t.value for t in teacher.title]
    [table] = [t.value for t in teacher.table if "01-first-pod" in t.value.columns]
    assert table.loc["nov-01", "01-first-pod"] == "4/10 ✗ limits"
    assert table.loc["nov-02", "01-first-pod"] == "–"


def _oidc_app(page: str, user: dict[str, object]) -> AppTest:
    at = AppTest.from_function(_open, args=(page,), default_timeout=30)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "flightschool",
        "client_secret": "s",
        "server_metadata_url": "https://id.example.org/.well-known/openid-configuration",
    }
    at.secrets["flightschool"] = {"instructors": ["Ines@Example.org"]}
    at.user = user
    return at.run()


def test_with_an_identity_provider_sign_in_is_st_login(shop: Workshops) -> None:
    out = _oidc_app("home", {"is_logged_in": False})
    assert not out.exception
    assert [b for b in out.button if b.label == "Sign in"]
    assert "Join code" not in [t.label for t in out.text_input]
    learner = _oidc_app("home", {"is_logged_in": True, "email": "Ada.L@example.org"})
    assert "Signed in as **ada-l** (learner)" in _texts(learner)
    teacher = _oidc_app("instructor", {"is_logged_in": True, "email": "ines@example.org"})
    assert "Instructor dashboard" in [t.value for t in teacher.title]


def test_the_instructor_announces_adds_and_revokes_from_the_dashboard(shop: Workshops) -> None:
    links = _links(shop, learners=1)
    shop.create("dec", 1, timedelta(hours=8))  # another workshop: not shown to nov's instructor
    teacher = _app("instructor", join=links[0].token)
    assert teacher.selectbox(key="dash_workshop").options == ["nov"]
    teacher.text_input(key="announce_text").input("Lunch at 12:30")
    [post] = [b for b in teacher.button if b.label == "Post"]
    post.click().run()
    assert shop.announcement() == "Lunch at 12:30"
    teacher.text_input(key="links_new_id").input("grace")
    teacher.button(key="links_add").click().run()
    assert not teacher.exception
    shown = "\n".join(c.value for c in teacher.code)
    assert "/?join=" in shown and "grace" in shown
    token = shown.split("grace\tlearner\t", 1)[1].split("join=", 1)[1].split("\t", 1)[0]
    assert shop.sign_in(token).learner == "grace"
    teacher.selectbox(key="links_person").select("grace").run()
    teacher.button(key="links_revoke").click().run()
    assert not teacher.exception
    assert {m.learner: m.revoked_at is not None for m in shop.members("nov")}["grace"]
    assert shop.audit_events("link-revoke")[-1]["actor"] == "nov-instructor"
    learner = _app("home", join=links[1].token)
    assert any("Lunch at 12:30" in i.value for i in learner.info)
