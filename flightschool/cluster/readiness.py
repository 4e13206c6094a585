"""Whether a release's pods became Ready, and if not, why: the pod and its reason
(ImagePullBackOff with the image, CrashLoopBackOff with the last log lines, Pending with the
scheduler's message). A values file that never comes up then says what to fix instead of
timing out in silence."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flightschool.cluster.kube import Kube, KubeError

# A pod in one of these states does not get better by waiting.
STUCK = frozenset(
    {
        "ImagePullBackOff",
        "ErrImagePull",
        "ErrImageNeverPull",
        "InvalidImageName",
        "CrashLoopBackOff",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "Unschedulable",
    }
)
LOG_LINES = 5
LINE_CHARS = 240  # a log line longer than this is cut (structured logs run long)
STUCK_GRACE = 20.0  # seconds every unready component must stay stuck before giving up early


@dataclass(frozen=True)
class PodState:
    name: str
    component: str
    ready: bool
    reason: str = ""  # the short reason (ImagePullBackOff, Pending, ...); "" when Ready
    detail: str = ""  # what a learner reads: the image, the log lines, the scheduler's message

    def describe(self) -> str:
        return f"pod {self.name}: {self.reason}" + (f": {self.detail}" if self.detail else "")


def _ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _log_tail(kube: Kube, pod: dict[str, Any], container: str, previous: bool) -> str:
    meta = pod["metadata"]
    query = [("container", container), ("tailLines", str(LOG_LINES))]
    if previous:
        query.append(("previous", "true"))
    try:
        text = kube.raw(
            "GET", f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/log", query=query
        )
    except KubeError as exc:
        return f"(no log: {exc})"
    lines = [line.strip()[:LINE_CHARS] for line in str(text or "").splitlines() if line.strip()]
    return " | ".join(lines[-LOG_LINES:]) or "(the log is empty)"


def pod_state(kube: Kube, pod: dict[str, Any]) -> PodState:
    """The pod's readiness and, when it is not Ready, the first reason found: a container
    that cannot pull or keeps crashing, then an unschedulable pod, then a container still
    starting or failing its readiness probe."""
    meta = pod.get("metadata") or {}
    name = str(meta.get("name", "?"))
    component = str((meta.get("labels") or {}).get("component", ""))
    if _ready(pod):
        return PodState(name, component, True)
    status = pod.get("status") or {}
    containers = [
        *((c, True) for c in status.get("initContainerStatuses") or []),
        *((c, False) for c in status.get("containerStatuses") or []),
    ]
    for container, _init in containers:
        state = container.get("state") or {}
        waiting = state.get("waiting") or {}
        reason = str(waiting.get("reason") or "")
        cname = str(container.get("name"))
        if reason in ("ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName"):
            return PodState(
                name,
                component,
                False,
                reason,
                f"container {cname} cannot get image {container.get('image')} "
                f"({waiting.get('message') or 'no message'})",
            )
        terminated = state.get("terminated") or {}
        crashed = reason == "CrashLoopBackOff" or (
            terminated and terminated.get("exitCode") not in (0, None)
        )
        if crashed:
            previous = bool(container.get("restartCount")) and not terminated
            last = terminated or (container.get("lastState") or {}).get("terminated") or {}
            return PodState(
                name,
                component,
                False,
                reason or str(terminated.get("reason") or "Error"),
                f"container {cname} exited with {last.get('exitCode', '?')}; "
                f"last log lines: {_log_tail(kube, pod, cname, previous)}",
            )
        if reason in STUCK:
            return PodState(name, component, False, reason, str(waiting.get("message") or ""))
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") != "True":
            return PodState(
                name,
                component,
                False,
                "Pending",
                str(condition.get("message") or condition.get("reason") or "not scheduled"),
            )
    for container, init in containers:
        state = container.get("state") or {}
        if init and "running" in state:
            cname = str(container.get("name"))
            return PodState(
                name,
                component,
                False,
                "Init",
                f"still in init container {cname}; last log lines: "
                f"{_log_tail(kube, pod, cname, False)}",
            )
    for container, init in containers:
        if not init and "running" in (container.get("state") or {}):
            return PodState(
                name,
                component,
                False,
                "NotReady",
                f"container {container.get('name')} runs but is not Ready{_probe_event(kube, pod)}",
            )
    return PodState(name, component, False, str(status.get("phase") or "Pending"), "starting")


def _probe_event(kube: Kube, pod: dict[str, Any]) -> str:
    meta = pod["metadata"]
    try:
        events = kube.events(meta["namespace"], meta["name"])
    except KubeError:
        return ""
    unhealthy = [e for e in events if e.get("reason") == "Unhealthy"]
    return f" ({unhealthy[-1].get('message', '').strip()})" if unhealthy else ""


def release_pods(kube: Kube, namespace: str, release: str) -> list[dict[str, Any]]:
    """The release's long-running pods (a Job's pods are the install's business)."""
    pods = kube.list_objects("v1", "Pod", namespace, label_selector=f"release={release}")
    return [
        p
        for p in pods
        if not p["metadata"].get("deletionTimestamp")
        and not any(o.get("kind") == "Job" for o in p["metadata"].get("ownerReferences") or [])
    ]


def wait_ready(
    kube: Kube,
    namespace: str,
    release: str,
    components: Iterable[str],
    timeout: float,
    on_line: Callable[[str], None] | None = None,
    interval: float = 2.0,
) -> dict[str, PodState | None]:
    """Wait until every named component has pods and all of them are Ready, or `timeout`
    passes, or every unready component stays stuck (STUCK) for STUCK_GRACE seconds. Returns
    each component's first unready pod (None: Ready); a component without pods maps to a
    PodState saying so."""
    wanted = list(dict.fromkeys(components))
    say = on_line or (lambda _line: None)
    deadline = time.monotonic() + timeout
    stuck_since: float | None = None
    shown: set[str] = set()
    while True:
        states = [pod_state(kube, p) for p in release_pods(kube, namespace, release)]
        result: dict[str, PodState | None] = {}
        for component in wanted:
            mine = [s for s in states if s.component == component]
            unready = [s for s in mine if not s.ready]
            result[component] = (
                unready[0]
                if unready
                else None
                if mine
                else PodState(
                    "-", component, False, "Missing", f"the release has no {component} pod"
                )
            )
        waiting = [s for s in result.values() if s is not None]
        for state in waiting:
            line = f"{state.component}: {state.describe()}"
            if state.reason in STUCK and line not in shown:
                shown.add(line)
                say(line)
        if not waiting:
            return result
        now = time.monotonic()
        if all(s.reason in STUCK for s in waiting):
            stuck_since = stuck_since or now
            if now - stuck_since >= STUCK_GRACE:
                return result
        else:
            stuck_since = None
        if now >= deadline:
            return result
        time.sleep(interval)
