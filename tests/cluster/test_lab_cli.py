"""`flightschool lab` against the embedded cluster: the JSON contract and exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube
from flightschool.core.proc import Result, run
from flightschool.progress import review
from flightschool.progress.db import make_engine
from flightschool.progress.store import DEFAULT_PROFILE, ProgressStore
from tests.conftest import ROOT

pytestmark = pytest.mark.cluster


def cli(cluster: EmbeddedCluster, tmp_path: Path, *args: str) -> Result:
    env = {
        "FLIGHTSCHOOL_DATA_DIR": str(cluster.state.parents[1]),
        "FLIGHTSCHOOL_CLUSTER_NAME": cluster.cluster,
        "FLIGHTSCHOOL_WORKSPACE": str(tmp_path / "ws"),
        "FLIGHTSCHOOL_DATABASE_URL": f"sqlite:///{tmp_path / 'progress.db'}",
    }
    return run([sys.executable, "-m", "flightschool.cli", "lab", *args], timeout=120, env=env)


def test_start_then_check_json_contract(embedded: EmbeddedCluster, tmp_path: Path) -> None:
    started = cli(embedded, tmp_path, "start", "01-first-pod")
    assert started.returncode == 0, started.stderr
    assert (
        "export KUBECONFIG=" in started.stdout
        and "flightschool lab check 01-first-pod --dir" in started.stdout
    )
    assert (tmp_path / "ws" / "01-first-pod" / "pod.yaml").exists()

    failing = cli(
        embedded,
        tmp_path,
        "check",
        "01-first-pod",
        "--dir",
        str(tmp_path / "ws" / "01-first-pod"),
        "--json",
    )
    assert failing.returncode == 1, failing.stderr
    report = json.loads(failing.stdout)
    assert set(report) == {"lab", "score", "max_score", "passed", "checks"}
    assert (
        report["lab"] == "01-first-pod" and report["passed"] is False and report["max_score"] == 8
    )
    assert all({"id", "title", "passed", "points", "message"} <= set(c) for c in report["checks"])

    passing = cli(
        embedded,
        tmp_path,
        "check",
        "01-first-pod",
        "--dir",
        str(ROOT / "labs" / "01-first-pod" / "solution"),
        "--json",
    )
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert json.loads(passing.stdout)["score"] == 8


def test_check_records_the_attempt_in_the_learners_progress(
    embedded: EmbeddedCluster, tmp_path: Path
) -> None:
    assert cli(embedded, tmp_path, "start", "01-first-pod").returncode == 0
    workspace = str(tmp_path / "ws" / "01-first-pod")
    failing = cli(embedded, tmp_path, "check", "01-first-pod", "--dir", workspace)
    assert failing.returncode == 1, failing.stderr
    solution = str(ROOT / "labs" / "01-first-pod" / "solution")
    for extra in (["--profile", "Ana"], ["--profile", "Bo", "--no-record"]):
        result = cli(embedded, tmp_path, "check", "01-first-pod", "--dir", solution, *extra)
        assert result.returncode == 0, result.stdout + result.stderr

    store = ProgressStore(make_engine(f"sqlite:///{tmp_path / 'progress.db'}"))
    assert store.profiles() == [DEFAULT_PROFILE, "Ana"]  # nothing for Bo
    [(score, top)] = store.best_lab_scores(DEFAULT_PROFILE).values()
    assert score < top == 8
    assert store.best_lab_scores("Ana") == {"01-first-pod": (8.0, 8.0)}
    failed = {c.ref for c in review.all_cards(store, DEFAULT_PROFILE)}
    assert failed and all(ref.startswith("01-first-pod/") for ref in failed)
    assert review.all_cards(store, "Ana") == []


def test_a_submission_into_another_namespace_is_refused(
    embedded: EmbeddedCluster, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  namespace: default\n"
    )
    result = cli(embedded, tmp_path, "check", "01-first-pod", "--dir", str(bad), "--json")
    assert result.returncode == 2
    assert "pod.yaml:1: namespace default is outside this lab" in result.stderr


def test_files_lab_grades_the_workspace_and_solve_keeps_the_learners_files(
    embedded: EmbeddedCluster, tmp_path: Path
) -> None:
    assert cli(embedded, tmp_path, "start", "10-custom-image").returncode == 0
    workspace = tmp_path / "ws" / "10-custom-image"
    (workspace / "Dockerfile").write_text("FROM apache/airflow:latest\n# my attempt\n")

    failing = cli(embedded, tmp_path, "check", "10-custom-image", "--json")
    assert failing.returncode == 1
    messages = {c["id"]: c["message"] for c in json.loads(failing.stdout)["checks"]}
    assert "line 1: apache/airflow:latest is not pinned" in messages["pinned-base"]

    solved = cli(embedded, tmp_path, "solve", "10-custom-image")
    assert solved.returncode == 0, solved.stderr
    [kept] = list((tmp_path / "ws").glob("10-custom-image.before-solve-*"))
    assert "# my attempt" in (kept / "Dockerfile").read_text()
    assert cli(embedded, tmp_path, "check", "10-custom-image", "--json").returncode == 0


def test_lab_run_streams_dags_test_and_reports_task_states(
    embedded: EmbeddedCluster, tmp_path: Path
) -> None:
    assert cli(embedded, tmp_path, "start", "07-kpo-dag").returncode == 0
    solution = ROOT / "labs" / "07-kpo-dag" / "solution"
    ran = cli(embedded, tmp_path, "run", "07-kpo-dag", "--dir", str(solution))
    assert ran.returncode == 0, ran.stdout[-2000:]
    assert "[DAG TEST] starting task_id=simple_pod" in ran.stdout
    assert ran.stdout.strip().splitlines()[-1].startswith("Run success in ")
    assert "volume_pod=success" in ran.stdout

    broken = cli(embedded, tmp_path, "run", "07-kpo-dag")  # the starter does not import
    assert broken.returncode == 1
    assert "schedule_interval" in broken.stdout


def test_a_files_lab_without_files_is_a_clear_error(
    embedded: EmbeddedCluster, tmp_path: Path
) -> None:
    missing = cli(embedded, tmp_path, "check", "10-custom-image", "--dir", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert "no files here" in missing.stderr and "Traceback" not in missing.stderr


def test_a_chart_lab_without_the_chart_says_how_to_get_it(
    embedded: EmbeddedCluster, tmp_path: Path
) -> None:
    env = {
        "FLIGHTSCHOOL_DATA_DIR": str(embedded.state.parents[1]),
        "FLIGHTSCHOOL_CLUSTER_NAME": embedded.cluster,
        "FLIGHTSCHOOL_CACHE_DIR": str(tmp_path / "empty-cache"),
    }
    args = [sys.executable, "-m", "flightschool.cli", "lab", "check", "09-helm-values"]
    done = run(
        [*args, "--dir", str(ROOT / "labs" / "09-helm-values" / "solution")], timeout=60, env=env
    )
    assert done.returncode == 2
    assert "flightschool chart fetch" in done.stderr and "FLIGHTSCHOOL_AIRFLOW_CHART" in done.stderr


def test_lab_commands_for_a_workshop_learner_use_their_namespaces_and_files(
    embedded: EmbeddedCluster, tmp_path: Path
) -> None:
    started = cli(embedded, tmp_path, "start", "01-first-pod", "--learner", "cli-ada")
    assert started.returncode == 0, started.stderr
    assert "lab-cli-ada-first-pod" in started.stdout
    assert (tmp_path / "ws" / "cli-ada" / "01-first-pod" / "pod.yaml").exists()
    solution = str(ROOT / "labs" / "01-first-pod" / "solution")
    checked = cli(
        embedded, tmp_path, "check", "01-first-pod", "--learner", "cli-ada", "--dir", solution
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    store = ProgressStore(make_engine(f"sqlite:///{tmp_path / 'progress.db'}"))
    assert store.best_lab_scores("cli-ada") == {"01-first-pod": (8.0, 8.0)}
    bad = cli(embedded, tmp_path, "start", "01-first-pod", "--learner", "../bob")
    assert bad.returncode == 2 and "not a slug" in bad.stderr
    Kube(embedded.kubeconfig()).delete("v1", "Namespace", "lab-cli-ada-first-pod")
