"""Loading a learner's freshly built image into a kind cluster once per build: every check
of a lab that builds an image (the capstone) would otherwise copy the same hundreds of MB
onto every node again. What was loaded is remembered per cluster as (image id, the node
containers it went to); a rebuilt image or a recreated cluster loads again."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from flightschool.cluster import images
from flightschool.core.paths import data_dir
from flightschool.core.proc import run

KIND_LABEL = "io.x-k8s.kind.cluster"  # the label kind puts on a cluster's node containers


def _record(cluster: str) -> Path:
    return data_dir() / "kind" / cluster / "loaded-images.json"


def _state(docker: str, cluster: str, tag: str) -> dict[str, object]:
    image = run([docker, "image", "inspect", "--format", "{{.Id}}", tag], timeout=30)
    nodes = run(
        [docker, "ps", "--quiet", "--no-trunc", "--filter", f"label={KIND_LABEL}={cluster}"],
        timeout=30,
    )
    return {"image": image.stdout.strip(), "nodes": sorted(nodes.stdout.split())}


def load_once(cluster: str, tag: str, progress: Callable[[str], None] = print) -> bool:
    """Load `tag` onto the cluster's nodes unless this very image is there already.
    Returns whether it loaded."""
    docker = shutil.which("docker") or "docker"
    path = _record(cluster)
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    now = _state(docker, cluster, tag)
    if now["image"] and now["nodes"] and known.get(tag) == now:
        progress(f"{tag} is already on the nodes (same image)")
        return False
    images.load(cluster, progress, tags=[tag])
    known[tag] = now
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=1), encoding="utf-8")
    return True
