"""The app shell: what no page may do, whatever the input or the machine's state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from streamlit.testing.v1 import AppTest

from flightschool.progress import db
from flightschool.progress.store import ProgressStore, StoreFull


def _open(page: str) -> None:
    from flightschool.ui.app import main

    main(start=page)


def _capped(url: str, pages: int) -> Engine:
    """An engine whose SQLite file cannot grow past `pages` pages: a real SQLITE_FULL."""
    engine = _REAL_MAKE_ENGINE(url)

    @event.listens_for(engine, "connect")
    def _cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    return engine


_REAL_MAKE_ENGINE = db.make_engine


def test_a_full_disk_is_a_message_on_the_page(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = db.database_url()
    ProgressStore(_REAL_MAKE_ENGINE(url)).ensure_profile("learner")
    pages = Path(url.removeprefix("sqlite:///")).stat().st_size // 4096 + 4
    filler = ProgressStore(_capped(url, pages))
    for size in (4000, 400, 40, 0):  # fill every last page, then the tiniest write fails
        with pytest.raises(StoreFull):
            for i in range(5000):
                filler.log("learner", "fill", f"{size}-{i}", {"blob": "x" * size})
    with pytest.raises(StoreFull):  # and the lesson table's pages, around this lesson's key
        for i in range(5000):
            filler.mark_viewed("learner", f"01-basics-{i:05}")
    filler.engine.dispose()
    monkeypatch.setattr(db, "make_engine", lambda u=None: _capped(u or url, pages))
    at = AppTest.from_function(_open, args=("lesson:01-basics",), default_timeout=30).run()
    assert not at.exception
    assert any("the disk is full" in e.value for e in at.error)
    assert ProgressStore(_REAL_MAKE_ENGINE(url)).profiles() == ["learner"]


def test_broken_content_files_leave_the_rest_of_the_app_working(course: Path) -> None:
    (course / "lessons" / "03-binary.md").write_bytes(b"---\nid: 03-binary\n\xff\xfe\n---\n")
    (course / "lessons" / "04-deep.md").write_text(
        "---\nid: 04-deep\ntitle: " + "[" * 3000 + "\n---\nBody\n"
    )
    (course / "quizzes" / "03-python.yaml").write_text(
        "id: 03-python\nlesson: 01-basics\nquestions:\n  - !!python/object/apply:os.system [id]\n"
    )
    (course / "exams" / "bomb.yaml").write_text(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        )
    )
    for page in ("home", "quizzes", "exam", "lesson:01-basics", "lesson:03-binary"):
        at = AppTest.from_function(_open, args=(page,), default_timeout=30).run()
        assert not at.exception, page
    home = AppTest.from_function(_open, args=("home",), default_timeout=30).run()
    errors = "\n".join(e.value for e in home.error)
    assert "lessons/03-binary.md:3" in errors and "not UTF-8" in errors
    assert "lessons/04-deep.md:3" in errors and "nested deeper" in errors
    lesson = AppTest.from_function(_open, args=("lesson:01-basics",), default_timeout=30).run()
    assert [h.value for h in lesson.header][:2] == ["Overview", "The idea"]


def test_a_bad_setting_is_named_on_the_page(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_SANDBOX", "sometimes")
    at = AppTest.from_function(_open, args=("home",), default_timeout=30).run()
    assert not at.exception
    [error] = at.error
    assert error.value.startswith("Flight School cannot start: FLIGHTSCHOOL_SANDBOX must be")
