"""What happens to a pod on the embedded cluster, decided from its spec.

Containers never run there; instead every pod gets an outcome label that the kwok stages
in `cluster/stages/` act on. The decision is here, in plain Python, so it is tested
directly and a lab author can predict it.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from flightschool.core import quantity, safeyaml
from flightschool.core.paths import project_root

PREFIX = "lab.flightschool.io"
OUTCOME = f"{PREFIX}/outcome"
MEMORY_PEAK = f"{PREFIX}/memory-peak"
LOGS = f"{PREFIX}/logs"
OUTCOMES = ("run", "complete", "fail", "oomkilled", "crashloop", "image-pull-backoff")
_RUN_FOREVER_OWNERS = {"ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController"}


def unpullable_images(path: Path | None = None) -> frozenset[str]:
    path = path or project_root() / "cluster" / "unpullable-images.yaml"
    data = safeyaml.load_file(path) or {}
    return frozenset(str(i) for i in data.get("images", []))


def decide(pod: dict[str, Any], unpullable: Collection[str]) -> tuple[str, str]:
    """(outcome, why) for a pod manifest as returned by the API."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    annotations = meta.get("annotations") or {}
    containers = spec.get("containers") or []
    asked = annotations.get(OUTCOME)
    if asked in OUTCOMES:
        return asked, f"annotation {OUTCOME}={asked}"
    for c in containers:
        if c.get("image") in unpullable:
            return "image-pull-backoff", f"image {c.get('image')} cannot be pulled"
    peak = annotations.get(MEMORY_PEAK)
    if peak and quantity.is_quantity(peak):
        for c in containers:
            limit = ((c.get("resources") or {}).get("limits") or {}).get("memory")
            if (
                limit is not None
                and quantity.is_quantity(limit)
                and quantity.parse(limit) < quantity.parse(peak)
            ):
                return (
                    "oomkilled",
                    f"container {c.get('name')} memory limit {limit} is below the peak {peak}",
                )
    owners = {o.get("kind") for o in meta.get("ownerReferences") or []}
    if owners & _RUN_FOREVER_OWNERS:
        return "run", "owned by a controller that keeps it running"
    if "Job" in owners or spec.get("restartPolicy") in ("Never", "OnFailure"):
        return "complete", "a run-to-completion pod"
    return "run", "a long-running pod"
