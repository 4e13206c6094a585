"""One row per pod, node or event, as the Lab page's cluster panel shows them: the fields
a learner debugging a lab looks at first (why a pod waits, where it runs, what a node
offers and repels), from the API objects as they come."""

from __future__ import annotations

from typing import Any

# Resources worth a column of their own; any other extended resource joins "other".
_ALLOCATABLE = ("cpu", "memory", "pods", "nvidia.com/gpu")


def pod_row(pod: dict[str, Any]) -> dict[str, Any]:
    """Phase, the reason it is not running (a waiting or terminated container's, else the
    first failed condition's: Unschedulable), restarts summed over containers, node."""
    status = pod.get("status") or {}
    containers = [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]
    reason = ""
    for container in containers:
        state = container.get("state") or {}
        current = state.get("waiting") or state.get("terminated") or {}
        if current.get("reason") and current.get("reason") != "Completed":
            reason = str(current["reason"])
            break
    if not reason:
        reason = next(
            (
                str(c.get("reason", ""))
                for c in status.get("conditions") or []
                if c.get("status") == "False" and c.get("reason")
            ),
            "",
        )
    if not reason and (pod.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Terminating"
    ready = sum(1 for c in status.get("containerStatuses") or [] if c.get("ready"))
    total = len((pod.get("spec") or {}).get("containers") or [])
    return {
        "pod": pod["metadata"]["name"],
        "ready": f"{ready}/{total}",
        "phase": status.get("phase", ""),
        "reason": reason,
        "restarts": sum(int(c.get("restartCount", 0)) for c in containers),
        "node": (pod.get("spec") or {}).get("nodeName") or "-",
    }


def node_row(node: dict[str, Any]) -> dict[str, Any]:
    """Readiness, the labels a selector or affinity would match (Kubernetes' own
    bookkeeping labels left out), taints as key=value:Effect, and what it can allocate."""
    meta = node.get("metadata") or {}
    conditions = {
        c.get("type"): c.get("status") for c in (node.get("status") or {}).get("conditions") or []
    }
    labels = {
        k: v
        for k, v in (meta.get("labels") or {}).items()
        if not k.startswith(("kubernetes.io/", "beta.kubernetes.io/"))
        and k != "node-role.kubernetes.io/agent"
    }
    taints = [
        f"{t.get('key')}{'=' + str(t['value']) if t.get('value') else ''}:{t.get('effect')}"
        for t in (node.get("spec") or {}).get("taints") or []
    ]
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    row: dict[str, Any] = {
        "node": meta.get("name", ""),
        "ready": conditions.get("Ready") == "True",
        "labels": ", ".join(f"{k}={v}" for k, v in sorted(labels.items())),
        "taints": ", ".join(taints) or "-",
    }
    for resource in _ALLOCATABLE:
        row[resource] = str(allocatable.get(resource, "-"))
    others = {k: v for k, v in allocatable.items() if k not in _ALLOCATABLE and "/" in k}
    row["other"] = ", ".join(f"{k}={v}" for k, v in sorted(others.items())) or "-"
    return row


def event_row(event: dict[str, Any]) -> dict[str, Any]:
    """An event with its whole message (never cut), the object it is about, and how often."""
    involved = event.get("involvedObject") or {}
    return {
        "last seen": event.get("lastTimestamp")
        or event.get("eventTime")
        or (event.get("metadata") or {}).get("creationTimestamp", ""),
        "type": event.get("type", ""),
        "reason": event.get("reason", ""),
        "object": f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        "count": event.get("count") or 1,
        "message": str(event.get("message", "")).strip(),
    }


def newest_events(events: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The last `limit` events, newest first (by last seen time, then creation)."""
    rows = [event_row(e) for e in events]
    rows.sort(key=lambda r: str(r["last seen"]), reverse=True)
    return rows[:limit]
