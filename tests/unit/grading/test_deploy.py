"""Why an Airflow pod is not Ready, in one line a learner can act on: the container and its
waiting reason (with the image when it cannot be pulled), or the scheduler's message."""

from __future__ import annotations

from typing import Any

import pytest

from flightschool.grading.deploy import not_ready, pod_problem
from tests.unit.grading.fake_cluster import FakeCluster


def pod(phase: str = "Pending", **status: Any) -> dict[str, Any]:
    return {"metadata": {"name": "airflow-scheduler-0"}, "status": {"phase": phase, **status}}


def waiting(name: str, reason: str, message: str = "", image: str = "x") -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "state": {"waiting": {"reason": reason, "message": message}},
    }


@pytest.mark.parametrize(
    ("found", "says"),
    [
        (
            pod(
                containerStatuses=[
                    waiting(
                        "scheduler", "ImagePullBackOff", "not found", "capstone/airflow-dags:1.1"
                    )
                ]
            ),
            "scheduler ImagePullBackOff (image capstone/airflow-dags:1.1): not found",
        ),
        (
            pod(
                "Running",
                containerStatuses=[
                    waiting("scheduler-log-groomer", "CrashLoopBackOff", "back-off")
                ],
            ),
            "scheduler-log-groomer CrashLoopBackOff: back-off",
        ),
        (
            pod(
                initContainerStatuses=[
                    waiting(
                        "wait-for-airflow-migrations",
                        "CreateContainerConfigError",
                        'secret "airflow-metadata-db" not found',
                    )
                ]
            ),
            'wait-for-airflow-migrations CreateContainerConfigError: secret "airflow-metadata-db" not found',
        ),
        (
            pod(
                conditions=[
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "message": "0/5 nodes are available: Insufficient cpu.",
                    }
                ]
            ),
            "Pending: 0/5 nodes are available: Insufficient cpu.",
        ),
    ],
)
def test_a_pod_that_is_not_ready_says_why(found: dict[str, Any], says: str) -> None:
    assert pod_problem(found) == says


def test_starting_and_finished_pods_are_no_problem() -> None:
    assert pod_problem(pod(containerStatuses=[waiting("scheduler", "ContainerCreating")])) == ""
    assert pod_problem(pod("Succeeded")) == ""


def _workload(name: str, ready: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "cap"},
        "spec": {"replicas": 1},
        "status": {"readyReplicas": ready},
    }


def _pod(name: str, **status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "cap"},
        "status": {"phase": "Pending", **status},
    }


def _deploy_not_ready(objects: list[dict[str, Any]], logs: dict[str, str] | None = None) -> str:
    return not_ready(FakeCluster(objects, logs=logs), "cap")  # type: ignore[arg-type]


def test_the_capstone_names_the_pod_stuck_for_good_before_one_still_starting() -> None:
    crashed = {
        "name": "scheduler",
        "restartCount": 3,
        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}},
        "lastState": {"terminated": {"exitCode": 1}},
    }
    objects = [
        _workload("airflow-scheduler", 0),
        _pod(
            "airflow-api-server-0", containerStatuses=[waiting("api-server", "ContainerCreating")]
        ),
        _pod("airflow-scheduler-0", phase="Running", containerStatuses=[crashed]),
        _pod("airflow-run-migrations-x", phase="Succeeded"),
    ]
    said = _deploy_not_ready(objects, logs={"airflow-scheduler-0": "boom\nno database\n"})
    assert said == (
        "pod airflow-scheduler-0: CrashLoopBackOff: container scheduler exited with 1; "
        "last log lines: boom | no database"
    )


def test_the_capstone_says_which_workloads_wait_when_every_pod_is_only_starting() -> None:
    objects = [
        _workload("airflow-scheduler", 0),
        _workload("airflow-triggerer", 1),
        _pod("airflow-scheduler-0", containerStatuses=[waiting("scheduler", "ContainerCreating")]),
    ]
    assert _deploy_not_ready(objects) == "not Ready yet: airflow-scheduler"
    assert _deploy_not_ready([_workload("airflow-scheduler", 1)]) == ""


def test_a_failed_migration_job_is_named_before_the_scheduler_that_waits_for_it() -> None:
    failed = {"name": "run-airflow-migrations", "state": {"terminated": {"exitCode": 1}}}
    init = {"name": "wait-for-airflow-migrations", "state": {"running": {}}}
    objects = [
        _workload("airflow-scheduler", 0),
        _pod("airflow-scheduler-0", initContainerStatuses=[init]),
        _pod("airflow-run-airflow-migrations-x", phase="Failed", containerStatuses=[failed]),
    ]
    logs = {"airflow-run-airflow-migrations-x": "could not connect to server"}
    said = _deploy_not_ready(objects, logs)
    assert said.startswith("pod airflow-run-airflow-migrations-x: Error: container run-airflow")
    assert said.endswith("last log lines: could not connect to server")
