"""Apply without grading: the learner's manifests applied as the learner, the way a check
would apply them, with what each document did (created, configured, unchanged) or the
API server's answer at its file:line. Used by the Lab page's Apply and by exam lab items,
where applying and looking are allowed but no check runs before the exam is submitted."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flightschool.cluster.backend import Backend
from flightschool.cluster.kube import Kube, KubeError
from flightschool.content.labs import Lab
from flightschool.core.yamlpos import SourceError
from flightschool.grading import session
from flightschool.grading.submit import (
    CLUSTER_SCOPED,
    Document,
    SubmissionError,
    apply_documents,
    read_folder,
)


@dataclass(frozen=True)
class Change:
    path: Path
    line: int
    kind: str
    name: str
    namespace: str | None
    action: str  # "created", "configured", "unchanged", "failed"

    def where(self, root: Path) -> str:
        shown = self.path.relative_to(root) if self.path.is_relative_to(root) else self.path
        return f"{shown}:{self.line}"


@dataclass
class Applied:
    changes: list[Change] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def manifests_lab(lab: Lab) -> bool:
    """Only a lab graded from the cluster has something to apply."""
    return lab.spec.submission != "files"


def apply_workspace(lab: Lab, backend: Backend, folder: Path | None = None) -> Applied:
    """Apply the folder's manifests (the workspace by default) as the learner. A file that
    cannot be read raises SubmissionError (file:line) before anything is applied; objects
    the API refuses are listed with their file:line while the others are still applied."""
    folder = folder or session.workspace(lab)
    session.supported(lab, backend)
    docs = read_folder(folder)
    names = session.namespace_map(lab, backend)
    access = session.learner_access(lab, backend)
    learner = access.client
    default = names[lab.spec.namespace_names()[0]]
    before = {id(d): _version(learner, d, names, default) for d in docs}
    result = Applied()
    try:
        apply_documents(lab, learner, docs, names)
    except SubmissionError as exc:
        result.errors = list(exc.errors)
    failed = {(e.path, e.line) for e in result.errors}
    for doc in docs:
        meta = doc.body.get("metadata") or {}
        namespace = _namespace(doc, names, default)
        if (doc.path, doc.line) in failed:
            action = "failed"
        else:
            after = _version(learner, doc, names, default)
            old = before[id(doc)]
            action = "created" if old is None else "unchanged" if old == after else "configured"
        result.changes.append(
            Change(doc.path, doc.line, doc.body["kind"], str(meta.get("name")), namespace, action)
        )
    return result


def _namespace(doc: Document, names: dict[str, str], default: str) -> str | None:
    body = doc.body
    if body["kind"] in CLUSTER_SCOPED and "namespace" not in (body.get("metadata") or {}):
        return None
    given = (body.get("metadata") or {}).get("namespace")
    return names.get(given, given) if given else default


_VOLATILE = ("resourceVersion", "managedFields", "generation")


def _version(kube: Kube, doc: Document, names: dict[str, str], default: str) -> str | None:
    """What the learner's apply can change in the object now (everything but its status and
    the bookkeeping a status update also moves), or None when it does not exist (or cannot
    be read: the apply itself will say why). A pod that only progressed is unchanged."""
    body: dict[str, Any] = doc.body
    meta = body.get("metadata") or {}
    name = meta.get("name")
    if body["kind"] == "Namespace":
        name = names.get(str(name), name)
    try:
        found = kube.get(
            body["apiVersion"], body["kind"], str(name), _namespace(doc, names, default)
        )
    except KubeError:
        return None
    if found is None:
        return None
    kept = {k: v for k, v in found.items() if k != "status"}
    kept["metadata"] = {
        k: v for k, v in (found.get("metadata") or {}).items() if k not in _VOLATILE
    }
    return json.dumps(kept, sort_keys=True, default=str)
