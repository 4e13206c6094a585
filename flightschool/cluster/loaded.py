"""Loading images into a kind cluster only when the nodes do not have them yet: every
`cluster up` of an existing cluster and every check of a lab that builds an image (the
capstone, lab 10) would otherwise copy the same hundreds of MB onto every node again. What
was loaded is remembered per cluster as (image id, the node containers it went to); a
rebuilt image or a recreated cluster loads again."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from flightschool.cluster import images
from flightschool.core.paths import data_dir
from flightschool.core.proc import run

KIND_LABEL = "io.x-k8s.kind.cluster"  # the label kind puts on a cluster's node containers


RECORD = "loaded-images.json"


def _record(cluster: str) -> Path:
    return data_dir() / "kind" / cluster / RECORD


def _nodes(docker: str, cluster: str) -> list[str]:
    found = run(
        [docker, "ps", "--quiet", "--no-trunc", "--filter", f"label={KIND_LABEL}={cluster}"],
        timeout=30,
    )
    return sorted(found.stdout.split())


def _image_id(docker: str, tag: str) -> str:
    return run([docker, "image", "inspect", "--format", "{{.Id}}", tag], timeout=30).stdout.strip()


def load_once(
    cluster: str,
    tags: str | list[str],
    progress: Callable[[str], None] = print,
    record: Path | None = None,
) -> list[str]:
    """Load the tags the cluster's nodes lack (as far as this machine loaded them before;
    `record` is where that is kept, by default beside the cluster's state). Returns the tags
    it loaded."""
    wanted = [tags] if isinstance(tags, str) else list(tags)
    docker = shutil.which("docker") or "docker"
    path = record or _record(cluster)
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    nodes = _nodes(docker, cluster)
    now = {tag: {"image": _image_id(docker, tag), "nodes": nodes} for tag in wanted}
    stale = [t for t in wanted if not (now[t]["image"] and nodes and known.get(t) == now[t])]
    for tag in sorted(set(wanted) - set(stale)):
        progress(f"{tag} is already on the nodes (same image)")
    if not stale:
        return []
    images.load(cluster, progress, tags=stale)
    known.update({t: now[t] for t in stale})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=1), encoding="utf-8")
    return stale
