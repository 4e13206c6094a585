"""The learner's identity on the lab cluster: a ServiceAccount that may act only inside
the lab's own namespaces.

Everything the learner drives (submitted manifests, `airflow dags test`, Helm installs
of their values) acts as this ServiceAccount, so the API server itself refuses anything
outside the lab: cluster-scoped objects (ClusterRoleBindings, webhooks), other
namespaces, kube-system. The grader keeps the admin identity and only reads.

In-process calls impersonate the ServiceAccount over the grader's connection; child
processes get a kubeconfig holding only a short-lived token for it (TokenRequest), never
the admin credentials. `lab start` and `lab reset` recreate the ServiceAccount, so tokens
handed out before a reset stop working.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from flightschool.cluster.kube import Kube, KubeError, wait_until
from flightschool.core.paths import data_dir

LEARNER = "flightschool-learner"
SYSTEM_LABEL = "lab.flightschool.io/system"
TOKEN_SECONDS = 12 * 3600
_LABELS = {SYSTEM_LABEL: "learner-identity"}
# Namespaced only: a Role cannot grant anything cluster-scoped, whatever its rules say.
_RULES = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]


@dataclass(frozen=True)
class LearnerIdentity:
    namespace: str  # where the ServiceAccount lives: the lab's first namespace
    namespaces: tuple[str, ...]  # every namespace it may act in

    @property
    def user(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{LEARNER}"

    def client(self, admin: Kube) -> Kube:
        """The grader's connection acting as the learner."""
        return admin.impersonating(self.user)


@dataclass(frozen=True)
class LearnerAccess:
    """What learner-driven work gets: a client acting as the learner (in this process)
    and a kubeconfig with the learner's token (for child processes)."""

    client: Kube
    kubeconfig: Path


def kubeconfig_path(identity: LearnerIdentity) -> Path:
    return data_dir() / "identities" / f"{identity.namespace}.kubeconfig"


def access(kube: Kube, identity: LearnerIdentity) -> LearnerAccess:
    path = write_kubeconfig(kube, identity, kubeconfig_path(identity))
    return LearnerAccess(identity.client(kube), path)


def grant(kube: Kube, namespaces: list[str]) -> LearnerIdentity:
    """Create (or refresh) the learner's ServiceAccount and bind it in each namespace."""
    home = namespaces[0]
    kube.apply(_object("v1", "ServiceAccount", home))
    for namespace in namespaces:
        kube.apply({**_object("rbac.authorization.k8s.io/v1", "Role", namespace), "rules": _RULES})
        kube.apply(
            {
                **_object("rbac.authorization.k8s.io/v1", "RoleBinding", namespace),
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": LEARNER,
                },
                "subjects": [{"kind": "ServiceAccount", "name": LEARNER, "namespace": home}],
            }
        )
    identity = LearnerIdentity(home, tuple(namespaces))
    # RBAC caches update within moments of the binding; wait so the first request works.
    learner = identity.client(kube)
    if not wait_until(lambda: _can_list_pods(learner, home), 10, 0.05):
        raise KubeError(f"the learner's permissions in {home} did not take effect")
    return identity


def _can_list_pods(learner: Kube, namespace: str) -> bool:
    try:
        learner.list_objects("v1", "Pod", namespace)
    except KubeError:
        return False
    return True


def _object(api_version: str, kind: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": LEARNER, "namespace": namespace, "labels": dict(_LABELS)},
    }


def is_plumbing(obj: dict[str, Any]) -> bool:
    """True for the objects Flight School itself keeps in a lab namespace (the learner's
    ServiceAccount, Role and RoleBinding): graders ignore them."""
    return SYSTEM_LABEL in ((obj.get("metadata") or {}).get("labels") or {})


def write_kubeconfig(kube: Kube, identity: LearnerIdentity, path: Path) -> Path:
    """A kubeconfig for child processes: the API server, its CA, and a fresh token for the
    learner's ServiceAccount. Written 0600 in a 0700 folder."""
    review = kube.raw(
        "POST",
        f"/api/v1/namespaces/{identity.namespace}/serviceaccounts/{LEARNER}/token",
        {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"expirationSeconds": TOKEN_SECONDS},
        },
    )
    token = str((review.get("status") or {}).get("token") or "")
    if not token:
        raise KubeError("the API server issued no token for the learner's ServiceAccount")
    cluster: dict[str, Any] = {"server": kube.endpoint.server}
    if kube.endpoint.ca_file:
        ca = Path(kube.endpoint.ca_file).read_bytes()
        cluster["certificate-authority-data"] = base64.b64encode(ca).decode()
    if not kube.endpoint.verify:
        cluster["insecure-skip-tls-verify"] = True
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "lab", "cluster": cluster}],
        "users": [{"name": LEARNER, "user": {"token": token}}],
        "contexts": [
            {
                "name": "lab",
                "context": {"cluster": "lab", "user": LEARNER, "namespace": identity.namespace},
            }
        ],
        "current-context": "lab",
    }
    write_private(path, yaml.safe_dump(config, sort_keys=False))
    return path


def write_private(path: Path, text: str) -> None:
    """Write a credential file readable by its owner only (created 0600, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    partial.replace(path)
