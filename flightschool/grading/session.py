"""A lab's lifecycle on a cluster: start (namespaces, setup, starter copied to the
workspace), check, solve, reset."""

from __future__ import annotations

import copy
import shutil
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from flightschool.cluster import identity, images
from flightschool.cluster.backend import Backend, ClusterError
from flightschool.cluster.identity import LearnerAccess, LearnerIdentity
from flightschool.cluster.kind import KindCluster
from flightschool.cluster.kube import Kube, wait_until
from flightschool.content.labs import Lab
from flightschool.core import learners, settings
from flightschool.core.paths import data_dir
from flightschool.core.yamlpos import SourceError
from flightschool.dags.home import lab_home
from flightschool.dags.run import DagRunResult, test_dag
from flightschool.grading.helm import chart_path
from flightschool.grading.image import LoadImage
from flightschool.grading.report import Report
from flightschool.grading.runner import grade
from flightschool.grading.submit import (
    CLUSTER_SCOPED,
    Document,
    SubmissionError,
    apply_documents,
    read_files,
    read_folder,
    submit,
)

LAB_LABEL = "lab.flightschool.io/lab"


def workspace_root() -> Path:
    return settings.current().workspace or data_dir() / "workspace"


# `learner` below: the signed-in learner's id in workshop mode; None in personal mode, where
# the one learner is FLIGHTSCHOOL_LEARNER and lab namespaces and files carry no prefix.


def workspace(lab: Lab, learner: str | None = None) -> Path:
    """Where the learner edits the lab's files: `<root>/<lab>`, or `<root>/<learner>/<lab>`."""
    if learner is None:
        return workspace_root() / lab.id
    return workspace_root() / learners.check(learner) / lab.id


def owner(learner: str | None) -> str:
    """The owner label on the learner's namespaces."""
    return settings.learner_id() if learner is None else learners.check(learner)


def exam_workspace(lab: Lab, learner: str | None = None) -> Path:
    """An exam's own copy of a lab's files, beside the practice workspace: starting an
    exam never touches the learner's practice edits. (Lab ids start with digits, so
    `exam` never names a lab's folder.)"""
    if learner is None:
        return workspace_root() / "exam" / lab.id
    return workspace_root() / learners.check(learner) / "exam" / lab.id


def copy_starter(lab: Lab, target: Path, fresh: bool = False) -> Path:
    """Copy the starter files to `target`. An existing folder is kept unless `fresh`,
    which replaces it (callers pass `fresh` only for a folder they own, never for the
    learner's practice workspace)."""
    if fresh and target.exists():
        shutil.rmtree(target)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(lab.starter, target)
    return target


class UnsupportedBackend(ClusterError):
    """The lab's `backends` leave this one out (it cannot run what the lab needs)."""


NEEDS_CONTAINERS = (
    "it needs real containers (it builds your image and runs Airflow's own pods), which the "
    "embedded cluster only simulates. Get them with kind: install Docker and kind, run "
    "`flightschool cluster up --backend kind` (behind a firewall, `flightschool images build` "
    "first), then use `--backend kind` or FLIGHTSCHOOL_BACKEND=kind"
)


def supported(lab: Lab, backend: Backend) -> None:
    """Every lab action goes through here, so the app and the CLI refuse alike."""
    if backend.name not in lab.spec.backends:
        why = f"; {NEEDS_CONTAINERS}" if backend.simulated and lab.spec.deploy else ""
        raise UnsupportedBackend(
            f"lab {lab.id} does not support the {backend.name} backend; it runs on "
            f"{', '.join(lab.spec.backends)} (choose one with --backend or FLIGHTSCHOOL_BACKEND)"
            + why
        )


def namespace_map(lab: Lab, backend: Backend, learner: str | None = None) -> dict[str, str]:
    """The lab's namespace names mapped to the learner's own (prefixed per learner)."""
    if learner is None:
        return {n: backend.lab_namespace(n) for n in lab.spec.namespace_names()}
    return {
        n: backend.lab_namespace(learners.namespace(n, learner)) for n in lab.spec.namespace_names()
    }


def _kube(backend: Backend) -> Kube:
    if backend.ready():
        return backend.client()
    status = backend.status()  # the full report, only to say what is wrong
    problems = "; ".join(status.problems) or "not healthy"
    raise ClusterError(
        f"the lab cluster is not ready ({problems}); start it with `flightschool cluster up`"
    )


def prepare(
    lab: Lab, backend: Backend, kube: Kube | None = None, *, learner: str | None = None
) -> dict[str, str]:
    """Fresh namespaces with the lab's labels, the setup manifests applied, and a fresh
    learner identity (tokens from before the reset stop working)."""
    supported(lab, backend)
    kube = kube or _kube(backend)
    names = namespace_map(lab, backend, learner)
    for spec in lab.spec.namespaces:
        target = spec.name if learner is None else names[spec.name]
        backend.reset_namespace(target, {LAB_LABEL: lab.id, **spec.labels}, owner=owner(learner))
    if lab.spec.setup:
        docs = own_setup_objects(
            read_files([lab.folder / s for s in lab.spec.setup]), names, learner
        )
        _recreate_cluster_scoped(kube, docs)
        apply_documents(lab, kube, docs, names, trusted=True)
    identity.grant(kube, list(names.values()))
    return names


def _identity(lab: Lab, backend: Backend, learner: str | None = None) -> LearnerIdentity:
    names = list(namespace_map(lab, backend, learner).values())
    return LearnerIdentity(names[0], tuple(names))


def identity_for(
    lab: Lab, backend: Backend, kube: Kube, learner: str | None = None
) -> LearnerIdentity:
    """The learner's identity in this lab, granted again if it went missing (a lab
    started before identities existed, or a ServiceAccount the learner deleted); a lab
    never started is prepared first, as `lab start` would."""
    found = _identity(lab, backend, learner)
    if not kube.namespace_exists(found.namespace):
        prepare(lab, backend, kube, learner=learner)
        return found
    if kube.get("v1", "ServiceAccount", identity.LEARNER, found.namespace) is None:
        return identity.grant(kube, list(found.namespaces))
    return found


def learner_kubeconfig_path(lab: Lab, backend: Backend, learner: str | None = None) -> Path:
    """Where `lab start` wrote the learner's kubeconfig (it may not exist yet)."""
    return identity.kubeconfig_path(_identity(lab, backend, learner))


def learner_access(
    lab: Lab, backend: Backend, kube: Kube | None = None, learner: str | None = None
) -> LearnerAccess:
    """A client acting as the learner and a kubeconfig with a fresh token for them (for
    kubectl and for the child processes that run learner code): never the admin's."""
    kube = kube or _kube(backend)
    return identity.access(kube, identity_for(lab, backend, kube, learner))


def own_setup_objects(
    docs: list[Document], names: dict[str, str], learner: str | None
) -> list[Document]:
    """The lab's setup as this learner's own. Cluster-scoped setup objects (a
    PersistentVolume) are shared by every learner on the cluster, so a learner's copy gets
    their id in its name (one learner's reset never deletes another's volume), and the
    references to them follow: a volume's claimRef names the learner's namespace, a claim's
    volumeName the learner's volume."""
    renamed: dict[str, str] = {}
    owned = []
    for doc in docs:
        body = copy.deepcopy(doc.body)
        if learner is not None and body["kind"] in CLUSTER_SCOPED and body["kind"] != "Namespace":
            old = str(body["metadata"]["name"])
            renamed[old] = body["metadata"]["name"] = f"{learners.check(learner)}-{old}"
        owned.append(Document(doc.path, doc.line, body))
    for doc in owned:
        spec = doc.body.get("spec")
        if not isinstance(spec, dict):
            continue
        claim = spec.get("claimRef")
        if doc.body["kind"] == "PersistentVolume" and isinstance(claim, dict):
            claim["namespace"] = names.get(str(claim.get("namespace")), claim.get("namespace"))
        if doc.body["kind"] == "PersistentVolumeClaim" and spec.get("volumeName") in renamed:
            spec["volumeName"] = renamed[spec["volumeName"]]
    return owned


def _recreate_cluster_scoped(kube: Kube, docs: list[Document]) -> None:
    """Cluster-scoped setup objects (a PersistentVolume) outlive the namespace wipe and keep
    state from the last attempt (a claim bound to a deleted PVC): start them afresh."""
    for doc in docs:
        body = doc.body
        if body["kind"] not in CLUSTER_SCOPED or body["kind"] == "Namespace":
            continue
        api, kind, name = body["apiVersion"], body["kind"], body["metadata"]["name"]
        if kube.delete(api, kind, name, grace_seconds=0):
            wait_until(partial(_gone, kube, api, kind, name), 30, 0.1)


def _gone(kube: Kube, api_version: str, kind: str, name: str) -> bool:
    return kube.get(api_version, kind, name) is None


def start(
    lab: Lab,
    backend: Backend,
    fresh_workspace: bool = False,
    folder: Path | None = None,
    *,
    learner: str | None = None,
) -> Path:
    """Prepare the lab and copy the starter files to `folder` (the practice workspace by
    default); also writes the learner's kubeconfig. `fresh_workspace` replaces the folder's
    files with the starter's: exams pass their own folder (`exam_workspace`) with it."""
    supported(lab, backend)
    kube = _kube(backend)
    prepare(lab, backend, kube, learner=learner)
    identity.access(kube, _identity(lab, backend, learner))
    return copy_starter(lab, folder or workspace(lab, learner), fresh=fresh_workspace)


def check(
    lab: Lab,
    backend: Backend,
    folder: Path | None = None,
    visibility: str = "practice",
    progress: Callable[..., None] | None = None,
    on_output: Callable[[str], None] | None = None,
    *,
    learner: str | None = None,
) -> Report:
    """Grade the lab. A manifests lab applies `folder` first (if given); a files lab
    grades `folder`, or the workspace."""
    supported(lab, backend)
    if lab.spec.chart is not None:
        chart_path(lab)  # no chart here: say how to get it instead of failing every check
    # A manifests lab reads the learner's files first: a bad file is named even when the
    # cluster is down.
    docs = read_folder(folder) if folder is not None and lab.spec.submission != "files" else None
    kube = _kube(backend)
    names = namespace_map(lab, backend, learner)
    if lab.spec.submission == "files":
        files = _files(lab, folder, learner)
        return grade(
            lab,
            kube,
            names,
            visibility,
            progress,
            files=files,
            simulated=backend.simulated,
            on_output=on_output,
            learner=learner_access(lab, backend, kube, learner),
            load_image=image_loader(backend),
            load_everywhere=everywhere_loader(backend, on_output),
        )
    if docs is not None:
        as_learner = identity_for(lab, backend, kube, learner).client(kube)
        apply_documents(lab, as_learner, docs, names)
    return grade(lab, kube, names, visibility, progress)


def image_loader(backend: Backend) -> LoadImage | None:
    """How a learner's built image reaches the nodes: kind loads it from the local engine;
    other backends have no way in (their image checks are not graded or cannot pass)."""
    return backend.load_image if isinstance(backend, KindCluster) else None


def everywhere_loader(
    backend: Backend, on_line: Callable[[str], None] | None = None
) -> Callable[[str], object] | None:
    """A built image onto every node of a kind cluster that lacks it (the capstone's
    scheduler, API server and worker pods run wherever they are scheduled); on other
    backends the learner's image must be pullable, so nothing is loaded."""
    if not isinstance(backend, KindCluster):
        return None
    cluster, say = backend.cluster, on_line or (lambda _line: None)
    return lambda tag: images.load(cluster, say, tags=[tag], only_missing=True)


def _files(lab: Lab, folder: Path | None, learner: str | None = None) -> Path:
    files = (folder or workspace(lab, learner)).resolve()
    if not files.is_dir():
        raise SubmissionError(
            [
                SourceError(
                    files, 0, f"no files here: run `flightschool lab start {lab.id}` or pass --dir"
                )
            ]
        )
    return files


def solve(lab: Lab, backend: Backend, *, learner: str | None = None) -> list[str]:
    """Apply the reference solution. For a files lab: copy it into the workspace, the
    learner's own files kept in a dated folder beside it (nothing is lost)."""
    supported(lab, backend)
    if lab.spec.submission == "files":
        target = workspace(lab, learner)
        set_aside(target, "before-solve")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(lab.solution, target)
        return [str(p.relative_to(target)) for p in sorted(target.rglob("*")) if p.is_file()]
    kube = _kube(backend)
    as_learner = identity_for(lab, backend, kube, learner).client(kube)
    return submit(lab, as_learner, lab.solution, namespace_map(lab, backend, learner))


def reset(
    lab: Lab, backend: Backend, *, learner: str | None = None, restore_files: bool = False
) -> Path | None:
    """Start the lab over: fresh namespaces and identity, and (if asked) the starter files
    again, the learner's own set aside beside them. Returns where they were kept."""
    prepare(lab, backend, learner=learner)
    if not restore_files:
        return None
    target = workspace(lab, learner)
    kept = set_aside(target, "before-reset")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(lab.starter, target)
    return kept


def set_aside(target: Path, why: str) -> Path | None:
    """Move a workspace to a dated folder beside it (never deleted: a reset or a solve
    loses none of the learner's files). Returns the folder, or None if there was nothing."""
    if not target.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        kept = target.with_name(f"{target.name}.{why}-{stamp}" + (f"-{n}" if n else ""))
        if kept.exists():
            continue
        try:
            target.rename(kept)
        except FileNotFoundError:  # set aside by someone else a moment earlier
            return None
        return kept
    raise OSError(f"could not set {target} aside")


def run_dag(
    lab: Lab,
    backend: Backend,
    folder: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    on_task: Callable[[dict[str, str | None]], None] | None = None,
    *,
    learner: str | None = None,
) -> DagRunResult:
    """The learner's "Run the DAG": `airflow dags test` of the lab's DAG on the cluster."""
    step = lab.spec.airflow
    if step is None:
        raise ValueError(f"lab {lab.id} has no DAG to run")
    supported(lab, backend)
    kube = _kube(backend)
    dag_file = _files(lab, folder, learner) / step.dag_file
    if not dag_file.is_file():
        raise SubmissionError([SourceError(dag_file, 0, "the DAG file is missing")])
    return test_dag(
        dag_file,
        step.dag_id,
        lab_home(lab.id if learner is None else f"{learners.check(learner)}/{lab.id}"),
        kubeconfig=learner_access(lab, backend, kube, learner).kubeconfig,
        simulated_logs=backend.simulated,
        on_line=on_line,
        on_task=on_task,
        timeout=step.timeout,
    )
