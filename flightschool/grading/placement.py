"""Where a pod may run, judged the way the scheduler judges it, so a lab's checks accept
every spelling Kubernetes accepts: placement by nodeSelector or by required node affinity,
tolerations matched against the node's real taints (`Exists`, no effect, no key).

Lab checks (labs/*/checks.py) import these; a pod spec may come from a Pod or from a
workload's pod template."""

from __future__ import annotations

from typing import Any


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of a Pod, or of the pod template of a Deployment, Job, StatefulSet..."""
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        return dict(spec)
    if obj.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return dict(((spec.get("template") or {}).get("spec")) or {})


def requires_label(spec: dict[str, Any], key: str, value: str) -> bool:
    """Does the pod only fit nodes labelled key=value? Through its nodeSelector, or through
    required node affinity where every term demands that label with that value alone."""
    if (spec.get("nodeSelector") or {}).get(key) == value:
        return True
    required = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        or {}
    ).get("nodeSelectorTerms") or []
    return bool(required) and all(
        any(
            e.get("key") == key and e.get("operator") == "In" and e.get("values") == [value]
            for e in term.get("matchExpressions") or []
        )
        for term in required
    )


def tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    """Kubernetes' rule: a toleration matches a taint by key (empty key with Exists: any),
    operator Equal (value equal) or Exists, and effect (empty: every effect)."""
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("key") and t.get("key") != taint.get("key"):
            continue
        if t.get("operator") == "Exists" or (
            t.get("key") and str(t.get("value") or "") == str(taint.get("value") or "")
        ):
            return True
    return False


def repelling_taints(nodes: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    """The taints that keep pods off the nodes carrying `labels` (NoSchedule, NoExecute)."""
    return [
        taint
        for node in nodes
        if all((node["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())
        for taint in (node.get("spec") or {}).get("taints") or []
        if taint.get("effect") in ("NoSchedule", "NoExecute")
    ]


def tolerates_pool(
    spec: dict[str, Any], nodes: list[dict[str, Any]], labels: dict[str, str]
) -> bool:
    """Does the pod tolerate every taint of the pool of nodes carrying `labels`?"""
    tolerations = spec.get("tolerations") or []
    return all(tolerates(tolerations, t) for t in repelling_taints(nodes, labels))


def tolerates_any(
    spec: dict[str, Any], nodes: list[dict[str, Any]], labels: dict[str, str]
) -> bool:
    """Does the pod tolerate any taint of that pool (is it let in at least partly)?"""
    tolerations = spec.get("tolerations") or []
    return any(tolerates(tolerations, t) for t in repelling_taints(nodes, labels))
