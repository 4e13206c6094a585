"""The `flightschool` command as a learner runs it: a subprocess, exit codes, messages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from flightschool.cli import _record_lab
from flightschool.core.proc import Result, run
from flightschool.grading.report import CheckResult, Report
from flightschool.progress.db import make_engine
from flightschool.progress.store import DEFAULT_PROFILE, ProgressStore
from tests.conftest import FIXTURE_COURSE


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return run([sys.executable, "-m", "flightschool.cli", *args], timeout=120, env=env)


def test_content_validate_exits_0_on_clean_content() -> None:
    result = cli("content", "validate", "--root", str(FIXTURE_COURSE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "content OK: 2 lessons, 1 quiz banks, 1 interview tracks, 0 labs, 8 questions"
        in result.stdout
    )


def test_content_validate_exits_1_with_file_and_line(course: Path) -> None:
    bank = course / "quizzes" / "01-basics.yaml"
    bank.write_text(bank.read_text().replace("    answer: true\n", ""))
    result = cli("content", "validate", "--root", str(course))
    assert result.returncode == 1
    assert (
        "quizzes/01-basics.yaml:14: question fx-tf: missing required field 'answer'"
        in result.stdout
    )


def test_lab_check_with_the_cluster_down_is_a_clear_error(tmp_path: Path) -> None:
    result = cli(
        "lab", "check", "01-first-pod", "--json", env={"FLIGHTSCHOOL_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 2
    assert (
        "the lab cluster is not ready" in result.stderr
        and "flightschool cluster up" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_unknown_lab_and_usage_errors_exit_2(tmp_path: Path) -> None:
    assert (
        cli("lab", "check", "99-nope", env={"FLIGHTSCHOOL_DATA_DIR": str(tmp_path)}).returncode == 2
    )
    assert cli("lab", "frobnicate").returncode == 2


def test_lab_list_json_lists_the_labs() -> None:
    result = cli("lab", "list", "--json")
    labs = {row["id"]: row for row in json.loads(result.stdout)}
    assert labs["01-first-pod"]["checks"] >= 4


def test_schema_export_describes_lab_yaml() -> None:
    schema = json.loads(cli("content", "schema", "lab").stdout)
    assert "checks" in schema["properties"] and schema["additionalProperties"] is False


def _report() -> Report:
    return Report(
        "01-first-pod",
        [
            CheckResult("pod", "A pod", True, 2, 2, ""),
            CheckResult("limits", "Limits", False, 0, 3, "set limits"),
        ],
    )


def test_a_graded_lab_is_recorded_for_the_default_profile_or_the_one_named() -> None:
    assert _record_lab(None, _report()) == 0
    assert _record_lab("  Ana  ", _report()) == 0
    store = ProgressStore(make_engine())
    assert store.profiles() == [DEFAULT_PROFILE, "Ana"]
    assert store.best_lab_scores("Ana") == {"01-first-pod": (2.0, 5.0)}
    assert [c["card_id"] for c in store.cards(DEFAULT_PROFILE)] == ["lab-check:01-first-pod/limits"]


def test_an_attempt_that_cannot_be_recorded_is_named_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _record_lab("x" * 200, _report()) == 2
    assert "at most 80 characters" in capsys.readouterr().err
    monkeypatch.setenv("FLIGHTSCHOOL_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert _record_lab(None, _report()) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the attempt was graded but not recorded")
    assert "Traceback" not in err


def test_interview_score_puts_the_misconception_first_with_its_sentence(
    tmp_path: Path,
) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text(
        "CPU over its limit is OOM-killed, while memory over its limit is throttled. "
        "Requests are what the scheduler reserves.\n"
    )
    question = "iv-resources-scheduling-requests-limits"
    result = cli("interview", "score", question, "--answer-file", str(answer), "--json")
    assert result.returncode == 0, result.stderr
    scored = json.loads(result.stdout)
    assert {m["id"] for m in scored["misconceptions"]} == {"cpu-oom", "memory-throttled"}
    assert scored["misconceptions"][0]["evidence"].startswith("CPU over its limit is OOM-killed")
    found = {p["id"]: p["evidence"] for p in scored["key_points"] if p["found"]}
    assert found == {"requests-scheduling": "Requests are what the scheduler reserves."}
    assert scored["coverage"] == 0.0
    text = cli("interview", "score", question, "--answer-file", str(answer)).stdout
    assert text.index("WRONG") < text.index("MISSED") < text.index("FOUND")


def test_content_ledger_names_sources_without_a_ledger(course: Path) -> None:
    result = cli("content", "ledger", "--json", env={"FLIGHTSCHOOL_CONTENT_DIR": str(course)})
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["claims"] == 0
    assert {
        "source": "lessons/01-basics.md",
        "message": "lessons/01-basics.md has no ledger: create ledger/lessons/01-basics.yaml "
        "(`flightschool content ledger --stub lessons/01-basics.md` prints one to fill in) "
        f"with the claims of its {_items(course, 'lessons/01-basics.md')} items",
    } in report["problems"]


def _items(course: Path, source: str) -> int:
    from flightschool.content.ledger import course_items

    return len(course_items(course, [source])[source])


def test_a_filled_in_stub_is_counted_and_its_unproven_rows_named(course: Path) -> None:
    env = {"FLIGHTSCHOOL_CONTENT_DIR": str(course)}
    stub = cli("content", "ledger", "--stub", "lessons/01-basics.md", env=env)
    assert stub.returncode == 0, stub.stderr
    target = course / "ledger" / "lessons" / "01-basics.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(stub.stdout)
    result = cli("content", "ledger", env=env)
    assert result.returncode == 1
    count = _items(course, "lessons/01-basics.md")
    assert f"{count} claims, 0 proven (unproven {count})" in result.stdout
    assert "ledger/lessons/01-basics.yaml:" in result.stdout
    assert "'TODO': unproven: not yet checked" in result.stdout


def test_content_ledger_refuses_an_unknown_source_or_chart(course: Path) -> None:
    env = {"FLIGHTSCHOOL_CONTENT_DIR": str(course)}
    unknown = cli("content", "ledger", "--stub", "lessons/99-nope.md", env=env)
    assert unknown.returncode == 2
    assert "lessons/99-nope.md is not a lesson, quiz bank or interview track" in unknown.stderr
    chart = cli("content", "ledger", "--chart", str(course / "none.tgz"), env=env)
    assert chart.returncode == 2 and "no chart at" in chart.stderr
