from __future__ import annotations

from typing import Any

from flightschool.cluster import readiness
from flightschool.cluster.kube import Kube


class FakeKube:
    """Answers the two reads pod_state makes: a container's log and the pod's events."""

    def __init__(self, log: str = "", events: list[dict[str, Any]] | None = None) -> None:
        self.log = log
        self.event_list = events or []
        self.queries: list[list[tuple[str, str]]] = []

    def raw(self, _method: str, _path: str, query: list[tuple[str, str]]) -> str:
        self.queries.append(query)
        return self.log

    def events(self, _namespace: str, _name: str) -> list[dict[str, Any]]:
        return self.event_list


def _pod(status: dict[str, Any], component: str = "scheduler") -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"airflow-{component}-1",
            "namespace": "lab-helm",
            "labels": {"component": component},
        },
        "status": status,
    }


def _state(pod: dict[str, Any], kube: FakeKube | None = None) -> readiness.PodState:
    fake: Any = kube or FakeKube()
    client: Kube = fake
    return readiness.pod_state(client, pod)


def test_a_ready_pod_has_no_reason() -> None:
    state = _state(_pod({"conditions": [{"type": "Ready", "status": "True"}]}))
    assert state.ready and state.reason == "" and state.component == "scheduler"


def test_an_image_that_cannot_be_pulled_names_the_image() -> None:
    pod = _pod(
        {
            "phase": "Pending",
            "initContainerStatuses": [
                {
                    "name": "git-sync-init",
                    "image": "registry.k8s.io/git-sync/git-sync:v0.0.0-nope",
                    "state": {
                        "waiting": {
                            "reason": "ImagePullBackOff",
                            "message": 'Back-off pulling image "git-sync:v0.0.0-nope"',
                        }
                    },
                }
            ],
        },
        "dag-processor",
    )
    state = _state(pod)
    assert not state.ready and state.reason == "ImagePullBackOff"
    assert "registry.k8s.io/git-sync/git-sync:v0.0.0-nope" in state.describe()
    assert state.describe().startswith("pod airflow-dag-processor-1: ImagePullBackOff")


def test_a_crashing_container_shows_its_last_log_lines_from_the_previous_run() -> None:
    kube = FakeKube(log="starting\nOperationalError: could not connect to server\n")
    pod = _pod(
        {
            "containerStatuses": [
                {
                    "name": "scheduler",
                    "restartCount": 3,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
                }
            ]
        }
    )
    state = _state(pod, kube)
    assert state.reason == "CrashLoopBackOff"
    assert "exited with 1" in state.detail
    assert "OperationalError: could not connect to server" in state.detail
    assert ("previous", "true") in kube.queries[0]
    assert ("container", "scheduler") in kube.queries[0]


def test_a_pod_the_scheduler_cannot_place_shows_its_message() -> None:
    message = "0/5 nodes are available: 5 Insufficient memory."
    pod = _pod(
        {
            "phase": "Pending",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": message,
                }
            ],
        }
    )
    state = _state(pod)
    assert state.reason == "Pending" and state.detail == message


def test_a_running_container_failing_its_probe_says_so() -> None:
    kube = FakeKube(events=[{"reason": "Unhealthy", "message": "Readiness probe failed: 503"}])
    pod = _pod(
        {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [{"name": "api-server", "state": {"running": {}}}],
        },
        "api-server",
    )
    state = _state(pod, kube)
    assert state.reason == "NotReady"
    assert "Readiness probe failed: 503" in state.detail


def test_an_init_container_still_running_shows_what_it_waits_for() -> None:
    kube = FakeKube(log="waiting for the metadata database (3/20)")
    pod = _pod(
        {
            "phase": "Pending",
            "initContainerStatuses": [
                {"name": "wait-for-airflow-migrations", "state": {"running": {}}}
            ],
        }
    )
    state = _state(pod, kube)
    assert state.reason == "Init"
    assert "wait-for-airflow-migrations" in state.detail
    assert "waiting for the metadata database" in state.detail
