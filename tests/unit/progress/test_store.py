from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from flightschool.core.proc import run
from flightschool.progress import migrations
from flightschool.progress.db import make_engine
from flightschool.progress.store import ProfileError, ProgressStore


def test_profiles_are_created_once_and_validated(store: ProgressStore) -> None:
    first = store.ensure_profile("  Ana   Lee ")
    assert store.ensure_profile("Ana Lee") == first
    assert store.profiles() == ["Ana Lee"]
    for bad in ("", "   ", "x" * 81):
        with pytest.raises(ProfileError):
            store.ensure_profile(bad)


def test_lessons_and_quiz_attempts_are_recorded(store: ProgressStore) -> None:
    store.ensure_profile("ana")
    store.mark_viewed("ana", "01-a")
    store.mark_viewed("ana", "02-b")
    store.set_complete("ana", "01-a")
    assert store.completed_lessons("ana") == {"01-a"}
    assert store.last_viewed_lesson("ana") == "02-b"
    store.set_complete("ana", "01-a", done=False)
    assert store.completed_lessons("ana") == set()

    attempt = store.start_attempt("ana", "01-a", "practice", "seed")
    store.record_answer(
        attempt, "q1", ["b", "a"], correct=True, points=1, max_points=1, seconds=4.5
    )
    store.record_answer(
        attempt, "q2", 3, correct=False, points=0, max_points=2, seconds=float("nan")
    )
    store.record_answer(
        attempt, "q2", 4, correct=True, points=2, max_points=2, seconds=1
    )  # replaces
    store.finish_attempt(attempt)
    [summary] = store.attempts("ana")
    assert (summary.score, summary.max_score, summary.answered) == (3.0, 3.0, 2)
    assert summary.finished_at is not None
    assert [a["answer"] for a in store.answers(attempt)] == [["b", "a"], 4]
    assert store.question_history("ana") == {"q1": [True], "q2": [True]}


def test_export_then_import_round_trips(store: ProgressStore) -> None:
    store.ensure_profile("ana")
    store.set_complete("ana", "01-a")
    attempt = store.start_attempt("ana", "01-a", "practice", "s")
    store.record_answer(attempt, "q1", "A pod", correct=True, points=1, max_points=1, seconds=2)
    store.record_lab(
        "ana", "01-first-pod", score=3, max_score=4, passed=False, checks=[{"id": "c1"}]
    )
    store.log("ana", "hint", "01-first-pod", {"n": 1})
    exported = json.loads(json.dumps(store.export_profile("ana")))
    assert store.import_profile(exported, "bob") == "bob"
    again = store.export_profile("bob")
    for key in ("lessons", "quiz_attempts", "lab_attempts", "activity"):
        assert again[key] == exported[key]
    assert store.best_lab_scores("bob") == {"01-first-pod": (3.0, 4.0)}


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"format": "other"}, "not a Flight School profile"),
        ({"format": "flightschool-profile", "version": 99}, "unsupported export version"),
        (
            {
                "format": "flightschool-profile",
                "version": 1,
                "profile": "x",
                "lessons": [{"nope": 1}],
            },
            "damaged",
        ),
        ([], "not a Flight School profile"),
    ],
)
def test_bad_imports_are_refused_and_change_nothing(
    store: ProgressStore, payload: object, words: str
) -> None:
    store.ensure_profile("ana")
    with pytest.raises(ProfileError, match=words):
        store.import_profile(payload)
    assert store.profiles() == ["ana"]


def test_import_never_overwrites_an_existing_profile(store: ProgressStore) -> None:
    store.ensure_profile("ana")
    with pytest.raises(ProfileError, match="already exists"):
        store.import_profile(store.export_profile("ana"))


_WRITER = """
import os, sys
from flightschool.progress.db import make_engine
from flightschool.progress.store import ProgressStore
store = ProgressStore(make_engine(sys.argv[1]))
store.ensure_profile("ana")
attempt = store.start_attempt("ana", "quiz", "practice", "seed")
store.record_answer(attempt, "q1", "A pod", correct=True, points=1, max_points=1, seconds=1)
print("written", flush=True)
os.kill(os.getpid(), 9)
"""


def test_a_committed_write_survives_the_process_being_killed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    result = run([sys.executable, "-c", _WRITER, url], timeout=60)
    assert result.returncode == -9 and "written" in result.stdout
    reopened = ProgressStore(make_engine(url))
    [attempt] = reopened.attempts("ana")
    assert reopened.answers(attempt.id)[0]["answer"] == "A pod"


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    store = ProgressStore(make_engine(f"sqlite:///{tmp_path / 'wal.db'}"))
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_pending_migration_steps_run_in_order(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    assert migrations.migrate(engine) == migrations.latest()
    ran: list[int] = []

    def step(number: int) -> migrations.Step:
        def apply(conn: Connection) -> None:
            conn.execute(text(f"CREATE TABLE extra_{number} (id INTEGER)"))
            ran.append(number)

        return apply

    base = migrations.latest()
    steps = [*migrations.STEPS, (base + 2, step(base + 2)), (base + 1, step(base + 1))]
    assert migrations.migrate(engine, steps) == base + 2
    assert ran == [base + 1, base + 2]
    assert migrations.migrate(engine, steps) == base + 2  # nothing left to do
    assert ran == [base + 1, base + 2]
    with pytest.raises(migrations.SchemaTooNew, match=f"version {base + 2}"):
        migrations.migrate(engine)


# One process opening the store at a given wall-clock time: prints its schema version or
# the error. A program of its own (not multiprocessing, whose spawned children re-run the
# test session's __main__, which other tests replace), started through the project's helper.
_OPEN_AT = """
import sys, time
from flightschool.progress.db import make_engine
from flightschool.progress.store import ProgressStore
url, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
try:
    store = ProgressStore(make_engine(url))
    store.ensure_profile("ana")
    print(store.version)
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}")
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_many_processes_opening_a_fresh_store_at_once(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    import sys
    import time
    from concurrent.futures import ThreadPoolExecutor

    from flightschool.core.proc import run

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        with make_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    processes = 8
    start = time.time() + 8.0  # every child is up and imported by then

    def one(_: int) -> str:
        done = run([sys.executable, "-c", _OPEN_AT, url, str(start)], timeout=120)
        said = done.stdout.strip() or done.stderr.strip()
        return said.splitlines()[-1] if said else f"exit {done.returncode}, nothing said"

    with ThreadPoolExecutor(processes) as pool:
        results = list(pool.map(one, range(processes)))
    assert results == [str(migrations.latest())] * processes
    store = ProgressStore(make_engine(url))
    assert store.profiles() == ["ana"]
    with store.engine.connect() as conn:
        assert migrations.current_version(conn) == migrations.latest()


def _export(**rows: object) -> dict[str, object]:
    return {"format": "flightschool-profile", "version": 1, "profile": "imp", **rows}


_LESSON = {
    "lesson_id": "01-a",
    "first_viewed_at": "2026-01-01T00:00:00",
    "last_viewed_at": "2026-01-01T00:00:00",
}
_ATTEMPT = {
    "quiz_id": "01-a",
    "mode": "practice",
    "seed": "s",
    "started_at": "2026-01-01T00:00:00",
    "score": 1,
    "max_score": 1,
    "answers": [],
}
_ANSWER = {
    "question_id": "q1",
    "answer": "x",
    "correct": True,
    "points": 1,
    "max_points": 1,
    "seconds": 2,
    "answered_at": "2026-01-01T00:00:00",
}
_CARD = {"card_id": "quiz:q1", "kind": "quiz", "state": {}, "due": "2026-01-02T00:00:00"}


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (_export(lessons=[_LESSON, _LESSON]), "lessons.1: '01-a' appears twice"),
        (_export(review_cards=[_CARD, _CARD]), "review_cards.1: 'quiz:q1' appears twice"),
        (
            _export(quiz_attempts=[{**_ATTEMPT, "answers": [_ANSWER, _ANSWER]}]),
            "quiz_attempts.0.answers.1: 'q1' appears twice",
        ),
        (_export(quiz_attempts=[5]), "quiz_attempts.0"),
        (_export(lessons="abc"), "lessons: Input should be a valid list"),
        (_export(quiz_attempts=[{**_ATTEMPT, "score": "lots"}]), "quiz_attempts.0.score"),
        (_export(quiz_attempts=[{**_ATTEMPT, "score": 1e300}]), "less than or equal to 1000000000"),
        (_export(lessons=[{**_LESSON, "lesson_id": "x" * 5000}]), "at most 80 characters"),
        (_export(lessons=[{**_LESSON, "first_viewed_at": "yesterday"}]), "first_viewed_at"),
        (_export(review_cards=[{**_CARD, "lapses": 10**30}]), "review_cards.0.lapses"),
        (_export(profile="x" * 500), "at most 200 characters"),
        (_export(profile=""), "needs a profile name"),
        (_export(extra_table=[]), "extra_table: Extra inputs are not permitted"),
    ],
)
def test_imports_with_duplicates_bad_types_or_huge_values_change_nothing(
    store: ProgressStore, payload: object, words: str
) -> None:
    store.ensure_profile("ana")
    with pytest.raises(ProfileError, match=re.escape(words)):
        store.import_profile(payload)
    assert store.profiles() == ["ana"]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b"{", "not valid JSON (line 1)"),
        (b"[" * 100_000 + b"]" * 100_000, "nests its JSON too deeply"),
        (b" " * 20_000_001, "larger than 20 MB"),
    ],
)
def test_uploaded_bytes_are_refused_with_a_reason(raw: bytes, words: str) -> None:
    from flightschool.progress.export import ExportError, parse_bytes

    with pytest.raises(ExportError, match=re.escape(words)):
        parse_bytes(raw)


def test_a_full_disk_is_named_and_nothing_saved_is_lost(tmp_path: Path) -> None:
    """SQLite's max_page_count makes the database file really unable to grow (SQLITE_FULL)."""
    from sqlalchemy import event

    from flightschool.progress.store import StoreFull

    url = f"sqlite:///{tmp_path / 'full.db'}"
    ProgressStore(make_engine(url)).ensure_profile("ana")
    engine = make_engine(url)
    pages = (tmp_path / "full.db").stat().st_size // 4096 + 8

    @event.listens_for(engine, "connect")
    def _cap(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")  # type: ignore[attr-defined]

    store = ProgressStore(engine)
    store.set_complete("ana", "01-a")
    with pytest.raises(StoreFull, match="the disk is full"):
        for i in range(2000):
            store.log("ana", "big", f"r{i}", {"blob": "x" * 4000})
    engine.dispose()
    reopened = ProgressStore(make_engine(url))
    assert reopened.completed_lessons("ana") == {"01-a"}
    assert reopened.profiles() == ["ana"]


def test_an_export_keeps_attempt_kinds_and_old_exports_get_them_from_the_id(
    store: ProgressStore,
) -> None:
    store.ensure_profile("ana")
    store.start_attempt("ana", "quick", "exam", "s", kind="exam")
    exported = json.loads(json.dumps(store.export_profile("ana")))
    assert exported["version"] == 2
    assert [(a["kind"], a["quiz_id"]) for a in exported["quiz_attempts"]] == [("exam", "quick")]
    store.import_profile(exported, "bob")
    assert [(a.kind, a.quiz_id) for a in store.attempts("bob")] == [("exam", "quick")]

    old = _export(
        quiz_attempts=[
            {**_ATTEMPT, "quiz_id": "interview:all"},
            {**_ATTEMPT, "quiz_id": "lesson:01-a"},
            {**_ATTEMPT, "quiz_id": "01-a"},
        ]
    )
    store.import_profile(old, "cy")
    assert [(a.kind, a.quiz_id) for a in store.attempts("cy")] == [
        ("interview", "all"),
        ("lesson", "01-a"),
        ("quiz", "01-a"),
    ]
    with pytest.raises(ProfileError, match=r"quiz_attempts\.0\.kind"):
        store.import_profile({**old, "quiz_attempts": [{**_ATTEMPT, "kind": "drill"}]}, "dee")


def test_a_profile_made_in_a_rolled_back_transaction_is_not_remembered(
    store: ProgressStore,
) -> None:
    """Profile ids are cached; a rollback must not leave the id of a profile that is gone."""
    with pytest.raises(RuntimeError), store.transaction():
        store.ensure_profile("ghost")
        store.mark_viewed("ghost", "01-how-airflow-runs-tasks")  # caches the id
        raise RuntimeError("the page failed")
    assert "ghost" not in store.profiles()
    store.ensure_profile("ghost")
    store.mark_viewed("ghost", "01-how-airflow-runs-tasks")
    assert store.last_viewed_lesson("ghost") == "01-how-airflow-runs-tasks"
