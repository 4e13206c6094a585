"""Python checks for lab 06: the GPU pod's placement and tolerations judged against the GPU
node's real taint (any spelling Kubernetes accepts), and the Celery worker's memory limit
against its measured peak."""

from __future__ import annotations

from typing import Any

from flightschool.core import quantity
from flightschool.grading.placement import pod_spec, requires_label, tolerates_pool

PEAK_ANNOTATION = "lab.flightschool.io/memory-peak"
MEASURED_PEAK = "1500Mi"
GPU_POOL = {"gpu": "true"}


def check_gpu_toleration(view: Any) -> str | None:
    """Placed on the GPU pool by nodeSelector or required node affinity, and tolerating the
    GPU node's taint in any form the scheduler accepts (Equal or Exists, with or without an
    effect)."""
    deployment = view.get("apps/v1", "Deployment", "gpu-embedder")
    if deployment is None:
        return "no Deployment gpu-embedder found"
    spec = pod_spec(deployment)
    problems = []
    if not all(requires_label(spec, k, v) for k, v in GPU_POOL.items()):
        problems.append("its pod template no longer requires nodes labelled gpu=true")
    if not tolerates_pool(spec, list(view.objects("v1", "Node")), GPU_POOL):
        problems.append("its tolerations do not match the GPU node's taint")
    return "; ".join(problems) or None


def check_worker_memory(view: Any) -> str | None:
    deployment = view.get("apps/v1", "Deployment", "celery-worker")
    if deployment is None:
        return "no Deployment celery-worker found"
    template = (deployment.get("spec") or {}).get("template") or {}
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    peak = annotations.get(PEAK_ANNOTATION)
    if peak is None or quantity.parse(peak) < quantity.parse(MEASURED_PEAK):
        return (
            f"keep the pod template annotation {PEAK_ANNOTATION}: {MEASURED_PEAK}; "
            "it records what the worker really uses"
        )
    for container in (template.get("spec") or {}).get("containers") or []:
        limits = (container.get("resources") or {}).get("limits") or {}
        limit = limits.get("memory")
        if limit is None:
            return f"container {container.get('name')} has no memory limit"
        if quantity.parse(limit) < quantity.parse(peak):
            return f"container {container.get('name')} has a {limit} memory limit, below its {peak} peak"
    return None


def check_worker_running(view: Any) -> str | None:
    """Ready is not enough: an OOM-killed worker looks healthy until it first reaches its
    peak, so the ready pod must also have restarted never and have room for the peak."""
    deployment = view.get("apps/v1", "Deployment", "celery-worker")
    if deployment is None:
        return "no Deployment celery-worker found"
    status = deployment.get("status") or {}
    counts = {k: status.get(k, 0) for k in ("replicas", "readyReplicas", "updatedReplicas")}
    if counts != {"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1}:
        return (
            f"{counts['readyReplicas']} ready and {counts['updatedReplicas']} up-to-date of "
            f"{counts['replicas']} pod(s); expected exactly one pod, ready and up to date"
        )
    for pod in view.objects("v1", "Pod", labels={"app": "celery-worker"}):
        if pod["metadata"].get("deletionTimestamp"):
            continue  # an old pod on its way out
        name = pod["metadata"]["name"]
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            if cs.get("restartCount", 0) > 0:
                last = ((cs.get("lastState") or {}).get("terminated")) or {}
                return (
                    f"pod {name} has restarted {cs['restartCount']} time(s), last "
                    f"{last.get('reason', '?')} with exit code {last.get('exitCode', '?')}"
                )
        peak = ((pod["metadata"].get("annotations") or {}).get(PEAK_ANNOTATION)) or MEASURED_PEAK
        for container in (pod.get("spec") or {}).get("containers") or []:
            limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
            if limit is not None and quantity.parse(limit) < quantity.parse(peak):
                return (
                    f"pod {name} is up for now, but its {limit} memory limit is below the "
                    f"{peak} peak, so it will be OOM-killed"
                )
    return None
