"""The `flightschool` command as a learner runs it: a subprocess, exit codes, messages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from flightschool.core.proc import Result, run
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
