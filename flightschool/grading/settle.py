"""Waiting once for the cluster to come to rest after a submission.

A submission sets things moving: controllers make ReplicaSets and pods, the scheduler
places them or says why not, containers start, finish, crash or fail to pull. Checks must
judge where that ends, not a moment in between, and a wrong answer must not be held for
the whole of a check's `wait:` (today's worst case was a minute). So grading waits once,
until every watched object is at rest or a bounded time passes, then every check reads
one snapshot.

At rest means nothing more will happen without a change from outside: a pod finished, or
running and ready for good, or stuck in a state it reports (unschedulable, a back-off, a
bad config); a controller has seen its latest spec and its status agrees with its pods.
On the embedded cluster a pod's simulated fate (its outcome label) says whether a running
pod is going to finish or crash, so that pod is not at rest until it has.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flightschool.cluster import outcomes
from flightschool.grading.view import ClusterReader

# Waiting reasons a container stays in until something changes from outside.
STUCK = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    }
)
# Simulated fates that end a running pod (or its container) after its run time.
_ENDING = frozenset({"complete", "fail", "oomkilled", "crashloop"})
WATCHED = (
    ("v1", "Pod"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("batch/v1", "Job"),
    ("v1", "ResourceQuota"),
)
QUIET = 0.15  # nothing changed for this long, on top of everything being at rest
POLL = 0.1
PROGRESS = 1.0  # past the limit, keep waiting while something changed this recently
# What each workload kind makes: a lab whose submissions can hold only some kinds needs to
# watch only those and what they make (lab 02, pods only: one listing a look, not five).
_MAKES: dict[str, tuple[str, ...]] = {
    "Deployment": ("ReplicaSet", "Pod"),
    "ReplicaSet": ("Pod",),
    "StatefulSet": ("Pod",),
    "DaemonSet": ("Pod",),
    "Job": ("Pod",),
    "CronJob": ("Job", "Pod"),
    "Pod": (),
    "ResourceQuota": (),
}


@dataclass(frozen=True)
class Settled:
    seconds: float
    at_rest: bool  # False: the time limit passed first
    moving: tuple[str, ...]  # what was still moving at the end (kind/name: why)


def _conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    status = obj.get("status") or {}
    return {str(c.get("type")): c for c in status.get("conditions") or []}


def _true(obj: dict[str, Any], kind: str) -> bool:
    return (_conditions(obj).get(kind) or {}).get("status") == "True"


def pod_moving(pod: dict[str, Any]) -> str:
    """Why the pod is still moving, or "" when it is at rest."""
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return "terminating"
    status = pod.get("status") or {}
    phase = status.get("phase")
    if phase in ("Succeeded", "Failed"):
        return ""
    spec = pod.get("spec") or {}
    if not spec.get("nodeName"):
        scheduled = _conditions(pod).get("PodScheduled") or {}
        if scheduled.get("status") == "False" and scheduled.get("reason") in (
            "Unschedulable",
            "SchedulingGated",
        ):
            return ""
        return "not scheduled yet"
    containers = [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]
    if any((c.get("state") or {}).get("waiting", {}).get("reason") in STUCK for c in containers):
        return ""
    fate = (meta.get("labels") or {}).get(outcomes.OUTCOME)
    if phase == "Running" and fate in _ENDING:
        return f"running until it {'completes' if fate == 'complete' else 'fails'}"
    if phase == "Running" and _true(pod, "Ready"):
        return "" if spec.get("restartPolicy", "Always") == "Always" else "running to completion"
    return f"{phase or 'no phase'}, not ready"


def _seen_latest(obj: dict[str, Any]) -> bool:
    generation = (obj.get("metadata") or {}).get("generation") or 0
    return int((obj.get("status") or {}).get("observedGeneration") or 0) >= int(generation)


def _owned(items: Iterable[dict[str, Any]], owner: dict[str, Any]) -> list[dict[str, Any]]:
    uid = (owner.get("metadata") or {}).get("uid")
    return [
        o
        for o in items
        if any(
            ref.get("uid") == uid for ref in (o.get("metadata") or {}).get("ownerReferences") or []
        )
    ]


def _count(status: dict[str, Any], key: str) -> int:
    return int(status.get(key) or 0)


def controller_moving(
    obj: dict[str, Any], children: list[dict[str, Any]], child_is_pod: bool
) -> str:
    """Why a workload controller is still moving: it has not seen its latest spec, or its
    status does not yet add up to its children's."""
    if not _seen_latest(obj):
        return "its controller has not seen the latest spec"
    kind = obj.get("kind")
    status = obj.get("status") or {}
    if kind == "Job":
        if _true(obj, "Complete") or _true(obj, "Failed"):
            return ""
        return "" if children else "no pod yet"
    if _true(obj, "ReplicaFailure"):
        return ""  # e.g. a quota refused its pods: the condition says why
    if child_is_pod:
        live = [p for p in children if not (p.get("metadata") or {}).get("deletionTimestamp")]
        ready = sum(_true(p, "Ready") for p in live)
        if _count(status, "replicas") != len(live) or _count(status, "readyReplicas") != ready:
            return "its status does not match its pods yet"
        wanted = (obj.get("spec") or {}).get("replicas")
        if kind == "ReplicaSet" and wanted is not None and len(live) < int(wanted):
            return "pods still being created"
        return ""
    replicas = sum(_count(c.get("status") or {}, "replicas") for c in children)
    ready = sum(_count(c.get("status") or {}, "readyReplicas") for c in children)
    if _count(status, "replicas") != replicas or _count(status, "readyReplicas") != ready:
        return "its status does not match its ReplicaSets yet"
    return ""


def quota_moving(quota: dict[str, Any]) -> str:
    """A ResourceQuota constrains nothing until the quota controller has filled in its
    status (admission refuses pods with "status unknown" meanwhile): moving until then."""
    wanted = set(((quota.get("spec") or {}).get("hard") or {}).keys())
    status = quota.get("status") or {}
    if wanted <= set((status.get("hard") or {}).keys()) and wanted <= set(
        (status.get("used") or {}).keys()
    ):
        return ""
    return "the quota controller has not counted its usage yet"


def moving(snapshot: dict[str, list[dict[str, Any]]]) -> list[str]:
    """What is still moving in one listing of the watched kinds (kind/name: why)."""
    pods = snapshot.get("Pod", [])
    out = [f"Pod/{p['metadata']['name']}: {why}" for p in pods if (why := pod_moving(p))]
    out += [
        f"ResourceQuota/{q['metadata']['name']}: {why}"
        for q in snapshot.get("ResourceQuota", [])
        if (why := quota_moving(q))
    ]
    replicasets = snapshot.get("ReplicaSet", [])
    for kind, items in snapshot.items():
        if kind in ("Pod", "ResourceQuota"):
            continue
        for obj in items:
            child_is_pod = kind != "Deployment"
            children = _owned(pods if child_is_pod else replicasets, obj)
            if why := controller_moving(obj, children, child_is_pod):
                out.append(f"{kind}/{obj['metadata']['name']}: {why}")
    return out


def watched_for(kinds: Iterable[str] | None) -> tuple[tuple[str, str], ...]:
    """The watched kinds that objects of `kinds` can set moving: themselves and what their
    controllers make. None (a lab whose setup, chart or DAG may make anything): all."""
    if kinds is None:
        return WATCHED
    wanted: set[str] = set()
    for kind in kinds:
        if kind in _MAKES:
            wanted |= {kind, *_MAKES[kind]}
    return tuple((api, kind) for api, kind in WATCHED if kind in wanted)


def settle(
    kube: ClusterReader,
    namespaces: Iterable[str],
    limit: float,
    *,
    ceiling: float | None = None,
    kinds: tuple[tuple[str, str], ...] = WATCHED,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Settled:
    """Wait until everything watched in the namespaces is at rest and has not changed for
    QUIET seconds, or `limit` seconds pass. Past `limit`, a cluster still making progress
    (a change within the last PROGRESS seconds: a busy cluster, slow but moving) gets up to
    `ceiling` seconds; one that is stuck stops at `limit`. `kinds`: what to watch (nothing
    to watch: at rest at once). Looks come no faster than the cluster answers them: a busy
    API server (many learners checking at once) is not asked again before it has replied
    and as long again has passed, so waiting does not add to its load."""
    ceiling = max(limit, ceiling or limit)
    started = clock()
    if not kinds:
        return Settled(0.0, True, ())
    names = list(namespaces)
    last: tuple[str, ...] = ()
    quiet_since = started
    still: list[str] = []
    while True:
        looked = clock()
        snapshot: dict[str, list[dict[str, Any]]] = {}
        for api_version, kind in kinds:
            for ns in names:
                snapshot.setdefault(kind, []).extend(kube.list_objects(api_version, kind, ns))
        versions = tuple(
            sorted(
                f"{kind}/{o['metadata'].get('namespace')}/{o['metadata']['name']}@"
                f"{o['metadata'].get('resourceVersion')}"
                for kind, items in snapshot.items()
                for o in items
            )
        )
        now = clock()
        if versions != last:
            last, quiet_since = versions, now
        still = moving(snapshot)
        if not still and now - quiet_since >= QUIET:
            return Settled(round(now - started, 3), True, ())
        waited = now - started
        if waited >= ceiling or (waited >= limit and now - quiet_since >= PROGRESS):
            return Settled(round(waited, 3), False, tuple(still))
        sleep(max(POLL, now - looked))
