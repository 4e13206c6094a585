"""Submitting a folder of manifests into a lab: multi-document YAML, each document
checked (kind allowed, namespace inside the lab) and server-side applied. Problems name the
file and line of the document."""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flightschool.cluster.identity import SYSTEM_LABEL
from flightschool.cluster.kube import Kube, KubeError, wait_until
from flightschool.content.labs import Lab
from flightschool.core import safeyaml
from flightschool.core.errors import InputProblem
from flightschool.core.yamlpos import SourceError

MANIFEST_SUFFIXES = (".yaml", ".yml")


class SubmissionError(InputProblem, ValueError):
    def __init__(self, errors: list[SourceError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Document:
    path: Path
    line: int
    body: dict[str, Any]


MAX_FILES = 200
MAX_SUBMISSION_BYTES = 5_000_000


def read_folder(folder: Path) -> list[Document]:
    """Every YAML document in the folder's .yaml/.yml files (sorted by path)."""
    if not folder.is_dir():
        raise SubmissionError([SourceError(folder, 0, "not a folder")])
    files = sorted(p for p in folder.rglob("*") if p.suffix in MANIFEST_SUFFIXES and p.is_file())
    if not files:
        raise SubmissionError([SourceError(folder, 0, "no manifests (.yaml files) found")])
    if len(files) > MAX_FILES:
        raise SubmissionError(
            [SourceError(folder, 0, f"{len(files)} manifest files: at most {MAX_FILES}")]
        )
    total = sum(p.stat().st_size for p in files)
    if total > MAX_SUBMISSION_BYTES:
        raise SubmissionError(
            [
                SourceError(
                    folder,
                    0,
                    f"the manifests hold {total:,} bytes: at most {MAX_SUBMISSION_BYTES:,}",
                )
            ]
        )
    return read_files(files)


def read_files(files: list[Path]) -> list[Document]:
    """Every YAML document in these files, with the line where it starts. Files are read
    through safeyaml (size, encoding, documents, depth and aliases bounded)."""
    docs: list[Document] = []
    errors: list[SourceError] = []
    for path in files:
        try:
            loaded = safeyaml.load_all(safeyaml.read_text(path))
        except safeyaml.YAMLSyntaxError as exc:
            errors.append(SourceError(path, exc.line, exc.message))
            continue
        for line, body in loaded:
            problem = manifest_problem(body)
            if problem:
                errors.append(SourceError(path, line, problem))
                continue
            docs.append(Document(path, line, body))
    if errors:
        raise SubmissionError(errors)
    return docs


def manifest_problem(body: Any) -> str | None:
    """Why this document cannot be a Kubernetes object (wrong shape or types), or None."""
    if not isinstance(body, dict):
        return "a manifest must be a mapping with apiVersion, kind and metadata"
    missing = [k for k in ("apiVersion", "kind") if not body.get(k)]
    meta = body.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        return f"metadata must be a mapping, not {_kind_of(meta)}"
    name = (meta or {}).get("name")
    if missing or not name:
        return "missing " + ", ".join(missing + ([] if name else ["metadata.name"]))
    for field_name in ("apiVersion", "kind"):
        if not isinstance(body[field_name], str):
            return f"{field_name} must be a string, not {_kind_of(body[field_name])}"
    for field_name in ("name", "namespace"):
        value = meta.get(field_name) if meta else None
        if value is not None and not (isinstance(value, str) and _NAME.fullmatch(value)):
            return (
                f"metadata.{field_name} must be a name of at most 253 characters "
                f"(no '/', '%' or spaces), not {_shown(value)}"
            )
    return None


_NAME = re.compile(r"(?!\.\.?$)[^/%\s]{1,253}")


def _kind_of(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "true/false"}.get(
        type(value), f"the number {value}" if isinstance(value, int | float) else "null"
    )


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else _kind_of(value)
    return text if len(text) <= 60 else text[:57] + "..."


def submit(
    lab: Lab, kube: Kube, folder: Path, namespaces: Mapping[str, str] | None = None
) -> list[str]:
    """Apply the folder into the lab's namespaces; return what was applied ("Kind/name")."""
    return apply_documents(lab, kube, read_folder(folder), namespaces)


def apply_documents(
    lab: Lab,
    kube: Kube,
    docs: list[Document],
    namespaces: Mapping[str, str] | None = None,
    trusted: bool = False,
) -> list[str]:
    """Check then apply. `trusted` (the lab's own setup) skips the learner's limits."""
    names = dict(namespaces or {n: n for n in lab.spec.namespace_names()})
    default = lab.spec.namespace_names()[0]
    errors: list[SourceError] = []
    for doc in [] if trusted else docs:
        kind = doc.body["kind"]
        if kind not in lab.spec.allowed_kinds:
            errors.append(
                SourceError(
                    doc.path,
                    doc.line,
                    f"{kind} is not part of this lab (allowed: {', '.join(lab.spec.allowed_kinds)})",
                )
            )
            continue
        if kind == "Namespace":
            if doc.body["metadata"]["name"] not in names:
                errors.append(
                    SourceError(
                        doc.path,
                        doc.line,
                        f"namespace {doc.body['metadata']['name']} is outside this lab",
                    )
                )
            continue
        ns = doc.body["metadata"].get("namespace")
        if ns is not None and ns not in names:
            errors.append(
                SourceError(
                    doc.path,
                    doc.line,
                    f"namespace {ns} is outside this lab (use {', '.join(names)})",
                )
            )
    if errors:
        raise SubmissionError(errors)
    applied = []
    for doc in docs:
        body = _rename_namespaces(doc.body, names, default)
        try:
            _apply_or_replace(kube, body)
        except KubeError as exc:
            errors.append(
                SourceError(
                    doc.path, doc.line, f"{doc.body['kind']} {doc.body['metadata']['name']}: {exc}"
                )
            )
            continue
        applied.append(f"{doc.body['kind']}/{doc.body['metadata']['name']}")
        if body["kind"] == "ResourceQuota":
            _wait_quota_enforced(kube, body)
    if any(d.body["kind"] in RBAC_KINDS for d in docs):
        wait_rbac_settled(kube, names[default])
    if errors:
        raise SubmissionError(errors)
    return applied


RBAC_KINDS = {"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"}


def wait_rbac_settled(kube: Kube, namespace: str, timeout: float = 10) -> None:
    """The authorizer reads roles and bindings from caches that trail the API server by a
    moment, so a check right after a submission could judge the old permissions. A
    sentinel role and binding made after the learner's reach those caches in order: once
    the authorizer grants the sentinel, it knows everything submitted before it."""
    token = uuid.uuid4().hex[:10]
    name, user = f"flightschool-settle-{token}", f"flightschool:settle:{token}"
    meta = {"name": name, "namespace": namespace, "labels": {SYSTEM_LABEL: "settle"}}
    rbac = "rbac.authorization.k8s.io/v1"
    rule = {
        "apiGroups": [""],
        "resources": ["configmaps"],
        "resourceNames": [name],
        "verbs": ["get"],
    }
    kube.create({"apiVersion": rbac, "kind": "Role", "metadata": meta, "rules": [rule]})
    try:
        kube.create(
            {
                "apiVersion": rbac,
                "kind": "RoleBinding",
                "metadata": meta,
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                "subjects": [
                    {"kind": "User", "name": user, "apiGroup": "rbac.authorization.k8s.io"}
                ],
            }
        )
        review = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "LocalSubjectAccessReview",
            "metadata": {"namespace": namespace},
            "spec": {
                "user": user,
                "resourceAttributes": {
                    "namespace": namespace,
                    "verb": "get",
                    "resource": "configmaps",
                    "name": name,
                },
            },
        }
        path = f"/apis/authorization.k8s.io/v1/namespaces/{namespace}/localsubjectaccessreviews"
        wait_until(
            lambda: bool((kube.raw("POST", path, review).get("status") or {}).get("allowed")),
            timeout,
            0.02,
        )
    finally:
        kube.delete(rbac, "RoleBinding", name, namespace)
        kube.delete(rbac, "Role", name, namespace)


def _wait_quota_enforced(kube: Kube, body: dict[str, Any], timeout: float = 15) -> None:
    """A new ResourceQuota constrains nothing until the quota controller has filled in its
    status, so pods created right after it would slip through: wait for that status."""
    meta = body["metadata"]
    wanted = set((body.get("spec") or {}).get("hard") or {})

    def enforced() -> bool:
        quota = kube.get("v1", "ResourceQuota", meta["name"], meta.get("namespace")) or {}
        status = quota.get("status") or {}
        return wanted <= set(status.get("hard") or {}) and wanted <= set(status.get("used") or {})

    wait_until(enforced, timeout, 0.05)


def _apply_or_replace(kube: Kube, body: dict[str, Any]) -> None:
    """Server-side apply; an object whose changed fields are immutable (a Pod's spec, a
    Job's template) is deleted and created again, as `kubectl replace --force` would."""
    try:
        kube.apply(body)
        return
    except KubeError as exc:
        immutable = exc.status == 422 and (
            "Forbidden: pod updates" in str(exc) or "field is immutable" in str(exc)
        )
        if not immutable:
            raise
    meta = body["metadata"]
    kube.delete(
        body["apiVersion"], body["kind"], meta["name"], meta.get("namespace"), grace_seconds=0
    )
    gone = wait_until(
        lambda: (
            kube.get(body["apiVersion"], body["kind"], meta["name"], meta.get("namespace")) is None
        ),
        30,
        0.05,
    )
    if not gone:
        raise KubeError(
            f"{body['kind']} {meta['name']} could not be replaced: the old one is still terminating"
        )
    kube.apply(body)


def _rename_namespaces(
    body: dict[str, Any], names: Mapping[str, str], default: str
) -> dict[str, Any]:
    """Lab namespace names -> real ones (a workshop cluster prefixes them per learner)."""
    out = copy.deepcopy(body)
    meta = out.setdefault("metadata", {})
    if out["kind"] == "Namespace":
        meta["name"] = names.get(meta["name"], meta["name"])
        return dict(out)
    if "namespace" in meta or out["kind"] not in CLUSTER_SCOPED:
        meta["namespace"] = names.get(
            meta.get("namespace") or default, meta.get("namespace") or default
        )
    for subject in out.get("subjects") or []:
        if isinstance(subject, dict) and subject.get("namespace") in names:
            subject["namespace"] = names[subject["namespace"]]
    return dict(out)


CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "PriorityClass",
    "StorageClass",
    "Node",
    "PersistentVolume",
    "RuntimeClass",
}
