"""The evaluators of the check types that read the cluster. Each takes a check from lab.yaml
and the cluster view and returns (passed, message); the message says what was expected and
what was found. The types that read the learner's files live beside their step
(grading/airflow.py, helm.py, dockerfile.py); grading/registry.py lists them all."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flightschool.cluster.kube import KubeError
from flightschool.content.labs import (
    AbsentCheck,
    CanICheck,
    ExpectCheck,
    ObjectRef,
    PythonCheck,
    RejectedCheck,
    ScheduledCheck,
)
from flightschool.grading.assertions import match
from flightschool.grading.pychecks import run_python_checks
from flightschool.grading.view import ClusterView

Outcome = tuple[bool, str]


def _describe(ref: ObjectRef) -> str:
    what = f"{ref.kind} {ref.name}" if ref.name else ref.kind
    if ref.labels:
        what += " labelled " + ",".join(f"{k}={v}" for k, v in ref.labels.items())
    return what


def _candidates(ref: ObjectRef, view: ClusterView) -> list[dict[str, Any]]:
    items = view.objects(ref.apiVersion, ref.kind, ref.namespace, ref.labels or None)
    return [_canonical(o) for o in items if ref.name is None or o["metadata"]["name"] == ref.name]


# ResourceQuota keys that mean the same thing: `cpu` is `requests.cpu`, `memory` is
# `requests.memory` (the API documents both spellings).
_QUOTA_ALIASES = {"cpu": "requests.cpu", "memory": "requests.memory"}


def _canonical(obj: dict[str, Any]) -> dict[str, Any]:
    """The object with equivalent spellings brought to one form before matching."""
    if obj.get("kind", "ResourceQuota") == "ResourceQuota" and "hard" in (obj.get("spec") or {}):
        hard = dict(obj["spec"]["hard"] or {})
        for short, long in _QUOTA_ALIASES.items():
            if short in hard and long not in hard:
                hard[long] = hard.pop(short)
        return {**obj, "spec": {**obj["spec"], "hard": hard}}
    return obj


def _owned(fields: Any, path: list[str]) -> bool:
    """Does a managedFields fieldsV1 tree own the field at `path` (`x[]` is any item)?"""
    if not path:
        return True
    if not isinstance(fields, dict):
        return False
    head, rest = path[0], path[1:]
    if head.endswith("[]"):
        items = fields.get(f"f:{head[:-2]}")
        return isinstance(items, dict) and any(
            _owned(v, rest) for k, v in items.items() if k[:2] in ("k:", "i:", "v:")
        )
    return f"f:{head}" in fields and _owned(fields[f"f:{head}"], rest)


def written_by_submitter(obj: dict[str, Any], path: str) -> list[str]:
    """The field managers that wrote `path` (dotted, `[]` for list items) into the object.
    Values filled in by defaulting or admission (a LimitRange) are owned by no manager."""
    parts = path.split(".")
    return [
        str(entry.get("manager") or "?")
        for entry in (obj.get("metadata") or {}).get("managedFields") or []
        if _owned(entry.get("fieldsV1") or {}, parts)
    ]


def check_expect(check: ExpectCheck, view: ClusterView, _lab: Path) -> Outcome:
    found = _candidates(check.object, view)
    where = f" in namespace {view.real_namespace(check.object.namespace)}"
    if not found:
        return False, f"{check.message} (no {_describe(check.object)} found{where})"
    for path in check.defaulted:
        for obj in found:
            writers = written_by_submitter(obj, path)
            if writers:
                return False, (
                    f"{check.message} ({obj['metadata']['name']}: {path} was written by the "
                    f"submission, not filled in by the API server)"
                )
    matching = [o for o in found if not match(check.match, o, check.lists)]
    if check.count is not None:
        if len(matching) != check.count:
            return (
                False,
                f"{check.message} (expected {check.count} matching, found {len(matching)})",
            )
        return True, ""
    if matching:
        return True, ""
    closest = min((match(check.match, o, check.lists) for o in found), key=len)
    details = "; ".join(str(m) for m in closest[:3])
    return False, f"{check.message} ({details})"


def check_absent(check: AbsentCheck, view: ClusterView, _lab: Path) -> Outcome:
    present = [o for o in _candidates(check.object, view) if not match(check.match, o)]
    if present:
        names = ", ".join(o["metadata"]["name"] for o in present[:5])
        return False, f"{check.message} (still present: {names})"
    return True, ""


def check_rejected(check: RejectedCheck, view: ClusterView, _lab: Path) -> Outcome:
    try:
        view.dry_run_create(check.manifest)
    except KubeError as exc:
        if re.search(check.reason, str(exc), re.IGNORECASE):
            return True, ""
        return False, f"{check.message} (it was refused, but for another reason: {exc})"
    return False, f"{check.message} (the API server accepted it)"


def check_can_i(check: CanICheck, view: ClusterView, _lab: Path) -> Outcome:
    user, groups = _subject(check, view)
    wrong: list[str] = []
    if check.resource:
        for verb in check.asked_verbs:
            wrong += _ask(
                view,
                user,
                groups,
                verb,
                check.resource,
                check.subresource,
                check.group,
                check.namespace,
                check.allowed,
            )
    for perm in check.denied:
        namespace = None if perm.cluster_wide else (perm.namespace or check.namespace)
        for verb in perm.verbs:
            wrong += _ask(
                view,
                user,
                groups,
                verb,
                perm.resource,
                perm.subresource,
                perm.group,
                namespace,
                False,
            )
    if not wrong:
        return True, ""
    more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
    return False, f"{check.message} ({user} {'; '.join(wrong[:3])}{more})"


def _ask(
    view: ClusterView,
    user: str,
    groups: list[str],
    verb: str,
    resource: str,
    subresource: str | None,
    group: str,
    namespace: str | None,
    want: bool,
) -> list[str]:
    """[] when the answer is `want`, else one line saying what the subject may (not) do."""
    allowed, reason = view.can_i(
        verb, resource, namespace, user=user, groups=groups, subresource=subresource, group=group
    )
    if allowed == want:
        return []
    what = (f"{group}/" if group else "") + resource + (f"/{subresource}" if subresource else "")
    where = f" in {view.real_namespace(namespace)}" if namespace else " cluster-wide"
    verdict = "is allowed" if allowed else "is not allowed"
    return [f"{verdict} to {verb} {what}{where}{': ' + reason if reason and allowed else ''}"]


def _subject(check: CanICheck, view: ClusterView) -> tuple[str, list[str]]:
    subject = check.subject
    if subject.serviceaccount:
        sa_ns, _, sa_name = subject.serviceaccount.partition("/")
        real = view.real_namespace(sa_ns)
        user = f"system:serviceaccount:{real}:{sa_name}"
        groups = [
            "system:serviceaccounts",
            f"system:serviceaccounts:{real}",
            "system:authenticated",
        ]
    else:
        user, groups = subject.user or "", [*subject.groups, "system:authenticated"]
    return user, groups


def check_scheduled(check: ScheduledCheck, view: ClusterView, _lab: Path) -> Outcome:
    pods = _candidates(check.pod, view)
    if not pods:
        return False, f"{check.message} (no {_describe(check.pod)} found)"
    pod = pods[0]
    node_name = (pod.get("spec") or {}).get("nodeName")
    if check.node_labels:
        if not node_name:
            reason = _unschedulable_message(pod)
            return (
                False,
                f"{check.message} (the pod is not scheduled{': ' + reason if reason else ''})",
            )
        node = view.get("v1", "Node", node_name) or {}
        labels = (node.get("metadata") or {}).get("labels") or {}
        wrong = {k: labels.get(k) for k, v in check.node_labels.items() if labels.get(k) != v}
        if wrong:
            return False, f"{check.message} (it runs on {node_name}, whose labels differ: {wrong})"
        return True, ""
    if node_name:
        return False, f"{check.message} (the pod was scheduled onto {node_name})"
    reason = _unschedulable_message(pod)
    if reason and re.search(check.pending_reason or "", reason, re.IGNORECASE):
        return True, ""
    return False, f"{check.message} (the scheduler says: {reason or 'nothing yet'})"


def _unschedulable_message(pod: dict[str, Any]) -> str:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            return str(condition.get("message") or condition.get("reason") or "")
    return ""


def check_python(check: PythonCheck, view: ClusterView, lab: Path) -> Outcome:
    """A check_* function from the lab's checks.py, run in the sandbox on a snapshot of the
    kinds it reads: returns None/True to pass, or a string or False to fail (an
    AssertionError's text is the message). The runner batches a pass's python checks."""
    return run_python_checks([check], view, lab)[check.id]
