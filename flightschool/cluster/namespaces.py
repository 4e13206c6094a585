"""Lab namespaces: wiped between attempts, on any backend.

Deleting and recreating a namespace waits for the namespace controller (about ten
seconds); wiping every collection in place reaches the same state in well under two.
The namespace object stays, with its labels and annotations reset to the lab's own.
"""

from __future__ import annotations

import time
from typing import Any

from flightschool.cluster.backend import ClusterError
from flightschool.cluster.kube import Kube, KubeError, wait_until

MANAGED_LABEL = "lab.flightschool.io/managed"
# Objects the control plane itself keeps in every namespace.
_KEEP = {"ServiceAccount": "metadata.name!=default", "ConfigMap": "metadata.name!=kube-root-ca.crt"}


def reset_namespace(
    kube: Kube, namespace: str, labels: dict[str, str] | None = None, timeout: float = 30
) -> None:
    """Leave `namespace` empty (but for the default ServiceAccount and CA bundle) with exactly `labels`."""
    wanted = {MANAGED_LABEL: "true", **(labels or {})}
    current = kube.get("v1", "Namespace", namespace)
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
    else:
        _wipe(kube, namespace)
        _set_metadata(kube, namespace, current, wanted)
    if not wait_until(lambda: kube.get("v1", "ServiceAccount", "default", namespace), 15, 0.05):
        raise ClusterError(f"namespace {namespace} has no default ServiceAccount yet")


def _wipe(kube: Kube, namespace: str) -> None:
    for rtype in kube.collectable_types():
        query = [("gracePeriodSeconds", "0"), ("propagationPolicy", "Background")]
        if rtype.kind in _KEEP and rtype.group_version == "v1":
            query.append(("fieldSelector", _KEEP[rtype.kind]))
        try:
            kube.raw("DELETE", rtype.path(namespace), query=query)
        except KubeError as exc:
            if exc.status not in (404, 405):
                raise
    if not wait_until(lambda: not kube.list_objects("v1", "Pod", namespace), 20, 0.05):
        raise ClusterError(f"pods in {namespace} are still terminating")


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
    deadline = time.monotonic() + timeout
    return bool(
        wait_until(
            lambda: kube.get("v1", "ServiceAccount", "default", "default"),
            max(0.0, deadline - time.monotonic()),
            0.1,
        )
    )
