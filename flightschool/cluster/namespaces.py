"""Lab namespaces: wiped between attempts, on any backend.

Deleting and recreating a namespace waits for the namespace controller (about ten
seconds); wiping every collection in place reaches the same state in well under two.
The namespace object stays, with its labels and annotations reset to the lab's own.

With FLIGHTSCHOOL_NAMESPACE_ROLE (the Helm chart sets it), the app holds no rights inside
namespaces in general: each lab namespace it creates gets a RoleBinding of that ClusterRole
to the app's own identity, kept through every wipe, so its reach ends at its lab namespaces.
"""

from __future__ import annotations

import time
from typing import Any

from flightschool.cluster.backend import ClusterError
from flightschool.cluster.identity import SYSTEM_LABEL
from flightschool.cluster.kube import Kube, KubeError, ResourceType, wait_until
from flightschool.core import settings
from flightschool.core.settings import learner_id

MANAGED_LABEL = "lab.flightschool.io/managed"
OWNER_LABEL = "lab.flightschool.io/owner"
APP_BINDING = "flightschool-app"
# Objects a wipe keeps: the control plane's own in every namespace, and the app's access.
_KEEP = {
    ("v1", "ServiceAccount"): "metadata.name!=default",
    ("v1", "ConfigMap"): "metadata.name!=kube-root-ca.crt",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): f"metadata.name!={APP_BINDING}",
}


def reset_namespace(
    kube: Kube,
    namespace: str,
    labels: dict[str, str] | None = None,
    timeout: float = 30,
    *,
    owner: str | None = None,
) -> None:
    """Leave `namespace` empty (but for the default ServiceAccount and CA bundle) with exactly `labels`.

    Only a namespace this learner's Flight School created is ever wiped: one without our
    ownership labels (someone else's namespace that shares the name) is refused. `owner`:
    the learner it belongs to (workshop mode), else FLIGHTSCHOOL_LEARNER."""
    owner = owner or learner_id()
    wanted = {MANAGED_LABEL: "true", OWNER_LABEL: owner, **(labels or {})}
    current = kube.get("v1", "Namespace", namespace)
    if current is not None:
        refusal = _not_ours(current, owner)
        if refusal:
            raise ClusterError(f"refusing to reset namespace {namespace}: {refusal}")
    if current is not None and (current.get("metadata") or {}).get("deletionTimestamp"):
        if not wait_until(lambda: kube.get("v1", "Namespace", namespace) is None, timeout, 0.1):
            raise ClusterError(f"namespace {namespace} is stuck terminating")
        current = None
    if current is None:
        kube.create(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": namespace, "labels": wanted},
            }
        )
    role = settings.current().namespace_role
    if role:  # first, and on an existing namespace too: its learner may have deleted it
        bind_app(kube, namespace, role, timeout)
    if current is None:
        _default_service_account(kube, namespace)
    else:
        _wipe(kube, namespace, timeout)
        _set_metadata(kube, namespace, current, wanted)
    if not wait_until(lambda: kube.get("v1", "ServiceAccount", "default", namespace), 15, 0.05):
        raise ClusterError(f"namespace {namespace} has no default ServiceAccount yet")


def own_user(kube: Kube) -> str:
    """Who the API server says this client is (SelfSubjectReview, allowed to everyone)."""
    review = kube.raw(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    user = str(((review.get("status") or {}).get("userInfo") or {}).get("username") or "")
    if not user:
        raise ClusterError("the API server did not say who the app's credentials belong to")
    return user


def bind_app(kube: Kube, namespace: str, role: str, timeout: float = 30) -> None:
    """Bind ClusterRole `role` to the app's own identity in `namespace` (kept if there) and
    wait until the API server honours it (the authorizer's cache follows within moments)."""
    user = own_user(kube)
    parts = user.split(":")
    if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"]:
        subject = {"kind": "ServiceAccount", "name": parts[3], "namespace": parts[2]}
    else:
        subject = {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": user}
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {
            "name": APP_BINDING,
            "namespace": namespace,
            "labels": {SYSTEM_LABEL: "app-access"},
        },
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [subject],
    }
    try:
        kube.create(binding)
    except KubeError as exc:
        if exc.status != 409:
            raise

    def honoured() -> bool:
        try:
            kube.list_objects("v1", "ServiceAccount", namespace)
        except KubeError:
            return False
        return True

    if not wait_until(honoured, timeout, 0.05):
        raise ClusterError(
            f"the app's access to namespace {namespace} (ClusterRole {role}) did not take effect"
        )


def _default_service_account(kube: Kube, namespace: str) -> None:
    """Pods cannot be created before the namespace's `default` ServiceAccount exists. The
    controller manager makes it, but behind every other new namespace: fifty learners
    starting a lab at once waited over fifteen seconds for theirs. Making it here is what
    the controller would do (it leaves an existing one alone); if it was first, fine."""
    try:
        kube.create(
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}},
            namespace,
        )
    except KubeError as exc:
        if exc.status != 409:  # AlreadyExists: the controller was first
            raise


def _not_ours(namespace: dict[str, Any], owner: str) -> str:
    labels = (namespace.get("metadata") or {}).get("labels") or {}
    if labels.get(MANAGED_LABEL) != "true":
        return "it exists but Flight School did not create it (no ownership label)"
    if labels.get(OWNER_LABEL, owner) != owner:
        return f"it belongs to learner {labels[OWNER_LABEL]!r}"
    return ""


def owned_namespaces(kube: Kube, owner: str | None = None) -> list[str]:
    """The namespaces Flight School created for this learner, found by label, never by name."""
    selector = f"{MANAGED_LABEL}=true,{OWNER_LABEL}={owner or learner_id()}"
    return [n["metadata"]["name"] for n in kube.list_objects("v1", "Namespace", None, selector)]


def _wipe(kube: Kube, namespace: str, deadline: float) -> None:
    """Delete every collection at once (one request per kind, however many objects a
    submission made), controllers before what they own, then wait until all is gone or
    the deadline passes. A kind still holding objects is deleted again on each look: a
    StatefulSet deleted after its pods has made new ones, which keep their volume claims."""
    types = sorted(kube.collectable_types(), key=lambda t: t.group_version == "v1")
    _delete_collections(kube, namespace, types)
    left: dict[ResourceType, list[str]] = {}

    def emptied() -> bool:
        left.clear()
        left.update(_leftovers(kube, namespace, types))
        if left:
            _delete_collections(kube, namespace, list(left))
        return not left

    if not wait_until(emptied, deadline, 0.1):
        names = [f"{t.kind}/{name}" for t, found in left.items() for name in found]
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        raise ClusterError(
            f"namespace {namespace} is not empty after {deadline:g} s; still there: {shown}"
        )


def _delete_collections(kube: Kube, namespace: str, types: list[ResourceType]) -> None:
    for rtype in types:
        try:
            kube.raw("DELETE", rtype.path(namespace), query=_wipe_query(rtype))
        except KubeError as exc:
            if exc.status not in (404, 405):
                raise


def _wipe_query(rtype: ResourceType) -> list[tuple[str, str]]:
    query = [("gracePeriodSeconds", "0"), ("propagationPolicy", "Background")]
    keep = _KEEP.get((rtype.group_version, rtype.kind))
    if keep:
        query.append(("fieldSelector", keep))
    return query


def _leftovers(
    kube: Kube, namespace: str, types: list[ResourceType]
) -> dict[ResourceType, list[str]]:
    """What a wipe has not removed yet, by kind (objects we keep are not counted).
    Events are left out: they expire on their own and only describe the past."""
    left = {}
    for rtype in types:
        if rtype.kind == "Event":
            continue
        query = [("limit", "20")]
        keep = _KEEP.get((rtype.group_version, rtype.kind))
        if keep:
            query.append(("fieldSelector", keep))
        try:
            items = kube.raw("GET", rtype.path(namespace), query=query).get("items", [])
        except KubeError:
            continue
        if items:
            left[rtype] = [str(o["metadata"]["name"]) for o in items]
    return left


def _set_metadata(
    kube: Kube, namespace: str, current: dict[str, Any], wanted: dict[str, str]
) -> None:
    meta = current.get("metadata") or {}
    labels: dict[str, str | None] = {
        k: None for k in (meta.get("labels") or {}) if not k.startswith("kubernetes.io/")
    }
    labels.update(wanted)
    annotations = {k: None for k in (meta.get("annotations") or {})}
    kube.raw(
        "PATCH",
        f"/api/v1/namespaces/{namespace}",
        {"metadata": {"labels": labels, "annotations": annotations}},
        content_type="application/merge-patch+json",
    )


def wait_default_service_account(kube: Kube, timeout: float) -> bool:
    """True once the `default` namespace has its ServiceAccount, false after `timeout`.
    A watch, not a poll: `up` returns the moment the controller manager makes it."""
    deadline = time.monotonic() + timeout
    query = [("watch", "1"), ("fieldSelector", "metadata.name=default")]
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            for event in kube.stream(
                "/api/v1/namespaces/default/serviceaccounts",
                [*query, ("timeoutSeconds", str(max(1, int(remaining))))],
                timeout=remaining + 1,
            ):
                if event.get("type") in ("ADDED", "MODIFIED"):
                    return True
        except KubeError:
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
    return False
