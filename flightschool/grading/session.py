"""A lab's lifecycle on a cluster: start (namespaces, setup, starter copied to the
workspace), check, solve, reset."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from flightschool.cluster.backend import Backend, ClusterError
from flightschool.cluster.kube import Kube
from flightschool.content.labs import Lab
from flightschool.core.paths import data_dir
from flightschool.grading.report import Report
from flightschool.grading.runner import grade
from flightschool.grading.submit import apply_documents, read_files, submit

LAB_LABEL = "lab.flightschool.io/lab"


def workspace_root() -> Path:
    override = os.environ.get("FLIGHTSCHOOL_WORKSPACE")
    return Path(override).expanduser() if override else data_dir() / "workspace"


def workspace(lab: Lab) -> Path:
    return workspace_root() / lab.id


def namespace_map(lab: Lab, backend: Backend) -> dict[str, str]:
    return {n: backend.lab_namespace(n) for n in lab.spec.namespace_names()}


def _kube(backend: Backend) -> Kube:
    status = backend.status()
    if not status.healthy:
        problems = "; ".join(status.problems) or "not healthy"
        raise ClusterError(
            f"the lab cluster is not ready ({problems}); start it with `flightschool cluster up`"
        )
    return Kube(backend.kubeconfig())


def prepare(lab: Lab, backend: Backend, kube: Kube | None = None) -> dict[str, str]:
    """Fresh namespaces with the lab's labels, and the setup manifests applied."""
    kube = kube or _kube(backend)
    names = namespace_map(lab, backend)
    for spec in lab.spec.namespaces:
        backend.reset_namespace(spec.name, {LAB_LABEL: lab.id, **spec.labels})
    if lab.spec.setup:
        docs = read_files([lab.folder / s for s in lab.spec.setup])
        apply_documents(lab, kube, docs, names, trusted=True)
    return names


def start(lab: Lab, backend: Backend, fresh_workspace: bool = False) -> Path:
    prepare(lab, backend)
    target = workspace(lab)
    if fresh_workspace and target.exists():
        shutil.rmtree(target)
    if not target.exists():
        shutil.copytree(lab.starter, target)
    return target


def check(
    lab: Lab,
    backend: Backend,
    folder: Path | None = None,
    visibility: str = "practice",
    progress: Callable[..., None] | None = None,
) -> Report:
    kube = _kube(backend)
    names = namespace_map(lab, backend)
    if folder is not None:
        submit(lab, kube, folder, names)
    return grade(lab, kube, names, visibility, progress)


def solve(lab: Lab, backend: Backend) -> list[str]:
    kube = _kube(backend)
    return submit(lab, kube, lab.solution, namespace_map(lab, backend))
