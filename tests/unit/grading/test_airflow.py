"""The run cross-check of `dag` checks: the run's own database is written by the learner's
code, so a task's success earns points only if the grader's PodRecorder saw that task's
pod succeed. Here the run's outcome is forged or genuine, the recorder's view given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flightschool.content.labs import DagCheck
from flightschool.dags.inspect import FileSummary
from flightschool.dags.run import DagRunResult
from flightschool.grading.airflow import check_dag
from flightschool.grading.artifacts import AirflowOutcome, Artifacts
from flightschool.grading.view import ClusterView
from tests.unit.grading.fake_cluster import FakeCluster

DAG_ID = "etl"


def summary(python_task: bool) -> FileSummary:
    """extract and load are KubernetesPodOperator tasks; notify a plain Python task."""
    kpo = {"operator": "KubernetesPodOperator", "kpo": {"image": "python:3.12-slim"}}
    tasks = [
        {"task_id": "extract", "upstream": [], "downstream": ["load"], **kpo},
        {"task_id": "load", "upstream": ["extract"], "downstream": ["notify"], **kpo},
        {"task_id": "notify", "upstream": ["load"], "downstream": [], "operator": "PythonOperator"},
    ]
    if not python_task:
        tasks = tasks[:2]
    return FileSummary(file="/dags/etl.py", dags=[{"dag_id": DAG_ID, "tasks": tasks}])


def pod(name: str, task: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "labels": {"dag_id": DAG_ID, "task_id": task},
            "creationTimestamp": f"2026-01-01T00:00:0{len(name)}Z",
        }
    }


def grade(
    claimed: dict[str, str | None],
    seen: dict[str, str],
    *,
    run_state: str | None = None,
    task_states: dict[str, str] | None = None,
    python_task: bool = True,
) -> tuple[bool, str]:
    """`claimed`: task states in the run's database (what the learner's code can write);
    `seen`: pod name -> the last phase the grader's watch saw (pod names are task-pod)."""
    run = DagRunResult(
        dag_id=DAG_ID,
        returncode=0,
        state="success" if all(s == "success" for s in claimed.values()) else "failed",
        tasks=claimed,
        seconds=1.0,
    )
    outcome = AirflowOutcome(
        dag_id=DAG_ID,
        summary=summary(python_task),
        run=run,
        pods=[pod(name, name.split("-")[0]) for name in seen],
        pod_phases=dict(seen),
    )
    check = DagCheck(
        id="tasks-succeed",
        title="Every task succeeds",
        type="dag",
        message="Make every task succeed.",
        run_state=run_state,
        task_states=task_states if task_states is not None else {"extract": "success"},
    )
    view = ClusterView(FakeCluster(), {"lab-etl": "lab-etl"}, "lab-etl", Artifacts(airflow=outcome))
    return check_dag(check, view, Path())


def test_a_success_the_grader_saw_earns_the_points() -> None:
    assert grade({"extract": "success"}, {"extract-abc": "Succeeded"}) == (True, "")


@pytest.mark.parametrize(
    "seen",
    [
        {},  # the database says success, but no pod was ever created
        {"extract-abc": "Running"},  # the pod never finished
        {"extract-abc": "Failed"},  # the pod failed, the database was rewritten
        {"load-xyz": "Succeeded"},  # another task's pod succeeded
    ],
    ids=["no-pod", "running", "failed", "other-task"],
)
def test_a_forged_success_is_not_believed(seen: dict[str, str]) -> None:
    passed, message = grade({"extract": "success"}, seen)
    assert not passed
    assert (
        "the outcome of task extract could not be confirmed: the run says success, "
        "but the grader saw no pod of that task succeed"
    ) in message


def test_a_task_without_a_pod_cannot_be_confirmed() -> None:
    passed, message = grade(
        {"notify": "success"}, {"extract-abc": "Succeeded"}, task_states={"notify": "success"}
    )
    assert not passed
    assert "the outcome of task notify could not be confirmed: only a KubernetesPodOperator" in (
        message
    )


def test_a_successful_run_needs_every_pod_task_seen_succeeding() -> None:
    everything = {"extract": "success", "load": "success"}
    both = {"extract-abc": "Succeeded", "load-def": "Succeeded"}
    genuine = grade(everything, both, run_state="success", python_task=False)
    assert genuine == (True, "")
    passed, message = grade(
        everything, {"extract-abc": "Succeeded"}, run_state="success", python_task=False
    )
    assert not passed
    assert "task load could not be confirmed" in message
    assert "task extract" not in message
    passed, message = grade(everything, both, run_state="success")
    assert not passed
    assert "task notify could not be confirmed: only a KubernetesPodOperator" in message
