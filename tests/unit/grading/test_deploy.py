"""Why an Airflow pod is not Ready, in one line a learner can act on: the container and its
waiting reason (with the image when it cannot be pulled), or the scheduler's message."""

from __future__ import annotations

from typing import Any

import pytest

from flightschool.grading.deploy import pod_problem


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
