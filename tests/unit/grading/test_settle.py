"""When is the cluster at rest after a submission: pods, controllers, and the wait itself
(with a fake clock, so a test of a 15 s limit takes no time)."""

from __future__ import annotations

from typing import Any

import pytest

from flightschool.cluster.outcomes import OUTCOME
from flightschool.grading.settle import QUIET, WATCHED, moving, pod_moving, settle, watched_for
from tests.unit.grading.fake_cluster import FakeCluster


def pod(
    name: str = "p",
    *,
    phase: str = "Running",
    node: str | None = "n1",
    ready: bool = True,
    waiting: str | None = None,
    fate: str | None = None,
    restart: str = "Always",
    owner: str | None = None,
    scheduled: dict[str, str] | None = None,
    version: str = "1",
) -> dict[str, Any]:
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    if scheduled:
        conditions.append({"type": "PodScheduled", **scheduled})
    meta: dict[str, Any] = {"name": name, "namespace": "lab", "resourceVersion": version}
    if fate:
        meta["labels"] = {OUTCOME: fate}
    if owner:
        meta["ownerReferences"] = [{"uid": owner}]
    status: dict[str, Any] = {"phase": phase, "conditions": conditions}
    if waiting:
        status["containerStatuses"] = [{"name": "c", "state": {"waiting": {"reason": waiting}}}]
    spec: dict[str, Any] = {"restartPolicy": restart}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


@pytest.mark.parametrize(
    "obj",
    [
        pod(phase="Succeeded", ready=False),
        pod(phase="Failed", ready=False),
        pod(),
        pod(
            phase="Pending",
            node=None,
            ready=False,
            scheduled={"status": "False", "reason": "Unschedulable"},
        ),
        pod(ready=False, waiting="CrashLoopBackOff", fate="crashloop"),
        pod(phase="Pending", ready=False, waiting="ImagePullBackOff"),
        pod(phase="Pending", ready=False, waiting="CreateContainerConfigError"),
    ],
    ids=[
        "succeeded",
        "failed",
        "serving",
        "unschedulable",
        "crashloop",
        "pull-backoff",
        "bad-config",
    ],
)
def test_pods_at_rest(obj: dict[str, Any]) -> None:
    assert pod_moving(obj) == ""


@pytest.mark.parametrize(
    ("obj", "why"),
    [
        (pod(phase="Pending", node=None, ready=False), "not scheduled yet"),
        (pod(fate="complete", restart="Never"), "running until it completes"),
        (pod(fate="oomkilled"), "running until it fails"),
        (pod(restart="Never"), "running to completion"),
        (pod(phase="Pending", ready=False), "Pending, not ready"),
    ],
)
def test_pods_still_moving(obj: dict[str, Any], why: str) -> None:
    assert pod_moving(obj) == why


def deployment(
    ready: int, replicas: int = 1, *, observed: int = 2, failure: bool = False
) -> dict[str, Any]:
    conditions = [{"type": "ReplicaFailure", "status": "True"}] if failure else []
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "lab", "uid": "d1", "generation": 2},
        "spec": {"replicas": 1},
        "status": {
            "observedGeneration": observed,
            "replicas": replicas,
            "readyReplicas": ready,
            "conditions": conditions,
        },
    }


def replicaset(ready: int, replicas: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": "web-1",
            "namespace": "lab",
            "uid": "r1",
            "generation": 1,
            "ownerReferences": [{"uid": "d1"}],
        },
        "spec": {"replicas": 1},
        "status": {"observedGeneration": 1, "replicas": replicas, "readyReplicas": ready},
    }


def test_a_rollout_is_at_rest_only_when_every_status_agrees_with_the_pods() -> None:
    ready_pod = pod("web-1-x", owner="r1")
    assert (
        moving({"Pod": [ready_pod], "ReplicaSet": [replicaset(1)], "Deployment": [deployment(1)]})
        == []
    )
    assert moving(
        {"Pod": [ready_pod], "ReplicaSet": [replicaset(0)], "Deployment": [deployment(1)]}
    ) == [
        "ReplicaSet/web-1: its status does not match its pods yet",
        "Deployment/web: its status does not match its ReplicaSets yet",
    ]
    stale = moving(
        {
            "Pod": [ready_pod],
            "ReplicaSet": [replicaset(1)],
            "Deployment": [deployment(1, observed=1)],
        }
    )
    assert stale == ["Deployment/web: its controller has not seen the latest spec"]
    # a quota refused the pods: nothing will come, the condition says why
    refused = replicaset(0, replicas=0)
    refused["status"]["conditions"] = [{"type": "ReplicaFailure", "status": "True"}]
    assert (
        moving({"Pod": [], "ReplicaSet": [refused], "Deployment": [deployment(0, 0, failure=True)]})
        == []
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_settle_returns_once_at_rest_and_quiet() -> None:
    clock = Clock()
    cluster = FakeCluster([pod(fate="complete", restart="Never")])

    def finish(kind: str) -> None:  # the pod completes two seconds in
        if kind == "Pod" and clock.now >= 2.0:
            cluster.objects[0] = pod(phase="Succeeded", ready=False, version="2")

    cluster.on_list = finish
    done = settle(cluster, ["lab"], limit=15, clock=clock, sleep=clock.sleep)
    assert done.at_rest and 2.0 + QUIET <= done.seconds < 2.0 + QUIET + 0.3


def test_settle_gives_up_at_its_limit_and_says_what_still_moves() -> None:
    clock = Clock()
    cluster = FakeCluster([pod(phase="Pending", node=None, ready=False)])
    done = settle(cluster, ["lab"], limit=5, clock=clock, sleep=clock.sleep)
    assert not done.at_rest and 5 <= done.seconds < 5.2
    assert done.moving == ("Pod/p: not scheduled yet",)


def test_a_cluster_still_making_progress_gets_up_to_the_ceiling() -> None:
    clock = Clock()
    cluster = FakeCluster([pod(phase="Pending", node=None, ready=False)])
    bumps = iter(range(1, 10_000))

    def busy(kind: str) -> None:  # a slow cluster: the pod changes every half second
        if kind == "Pod" and int(clock.now * 10) % 5 == 0:
            cluster.objects[0] = pod(
                phase="Pending", node=None, ready=False, version=str(next(bumps))
            )

    cluster.on_list = busy
    done = settle(cluster, ["lab"], limit=5, ceiling=12, clock=clock, sleep=clock.sleep)
    assert not done.at_rest and 12 <= done.seconds < 12.2


def test_a_lab_that_makes_only_pods_watches_only_pods() -> None:
    assert watched_for(["Pod", "ResourceQuota", "LimitRange"]) == (
        ("v1", "Pod"),
        ("v1", "ResourceQuota"),
    )
    assert {k for _, k in watched_for(["Deployment"])} == {"Deployment", "ReplicaSet", "Pod"}
    assert {k for _, k in watched_for(["CronJob"])} == {"Job", "Pod"}
    assert watched_for(["ServiceAccount", "Role"]) == ()
    assert watched_for(None) == WATCHED  # setup objects, a chart, a DAG: anything moves


def test_settle_lists_only_what_it_watches_and_nothing_when_nothing_can_move() -> None:
    clock = Clock()
    cluster = FakeCluster([pod(phase="Succeeded", ready=False)])
    done = settle(cluster, ["lab"], limit=5, kinds=(("v1", "Pod"),), clock=clock, sleep=clock.sleep)
    assert done.at_rest and cluster.lists == 3  # three looks (quiet for QUIET), one kind each
    still = FakeCluster([pod(phase="Pending", node=None, ready=False)])
    assert settle(still, ["lab"], limit=5, kinds=(), clock=clock, sleep=clock.sleep).at_rest
    assert still.lists == 0


def test_a_slow_cluster_is_not_asked_again_before_it_has_answered() -> None:
    clock = Clock()
    cluster = FakeCluster([pod(phase="Pending", node=None, ready=False)])

    def slow(kind: str) -> None:  # each listing takes a second: a busy API server
        clock.now += 1.0

    cluster.on_list = slow
    done = settle(
        cluster, ["lab"], limit=10, kinds=(("v1", "Pod"),), clock=clock, sleep=clock.sleep
    )
    assert not done.at_rest
    assert cluster.lists <= 6  # at 0.1 s pauses it would have asked nine times


def test_a_quota_not_yet_counted_is_still_moving() -> None:
    hard = {"pods": "10", "requests.memory": "2Gi"}
    fresh = {"kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hard": hard}}
    assert moving({"ResourceQuota": [fresh]}) == [
        "ResourceQuota/q: the quota controller has not counted its usage yet"
    ]
    counted = {**fresh, "status": {"hard": hard, "used": {"pods": "0", "requests.memory": "0"}}}
    assert moving({"ResourceQuota": [counted]}) == []
