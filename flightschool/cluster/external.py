"""The kubeconfig backend: an existing cluster (a workshop cluster on any cloud).

Flight School does not manage its nodes. Each learner works in namespaces named with a
prefix (FLIGHTSCHOOL_NAMESPACE_PREFIX), and `up` checks, with SelfSubjectRulesReview,
that the credentials allow what the labs do, listing anything missing.

Inside a pod (the project's Helm chart, deploy/flightschool) with no kubeconfig set, it uses
the pod's own ServiceAccount: a kubeconfig naming the in-cluster API server, its CA and the
token file the kubelet keeps fresh, so kubectl and helm read the same credentials.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from flightschool.cluster.backend import ClientCache, ClusterError, Progress, Status
from flightschool.cluster.identity import write_private
from flightschool.cluster.kube import Kube, KubeError
from flightschool.cluster.namespaces import owned_namespaces, reset_namespace
from flightschool.core import settings
from flightschool.core.paths import data_dir

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")

# (api group, resource, verbs) the labs need inside a learner namespace
REQUIRED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("", "pods", ("get", "list", "create", "delete", "deletecollection")),
    ("", "pods/log", ("get",)),
    ("", "events", ("list",)),
    ("", "serviceaccounts", ("get", "create", "delete")),
    ("", "resourcequotas", ("get", "create", "delete")),
    ("", "limitranges", ("get", "create", "delete")),
    ("apps", "deployments", ("get", "list", "create", "delete")),
    ("batch", "jobs", ("get", "list", "create", "delete")),
    ("rbac.authorization.k8s.io", "roles", ("get", "create", "delete")),
    ("rbac.authorization.k8s.io", "rolebindings", ("get", "create", "delete")),
    ("networking.k8s.io", "networkpolicies", ("get", "create", "delete")),
)


def _allows(rules: list[dict[str, Any]], group: str, resource: str, verb: str) -> bool:
    def matches(values: list[str], wanted: str) -> bool:
        return "*" in values or wanted in values

    return any(
        matches(r.get("apiGroups", []), group)
        and matches(r.get("resources", []), resource)
        and matches(r.get("verbs", []), verb)
        for r in rules
    )


def in_cluster_config(
    environ: Mapping[str, str], account: Path | None = None
) -> dict[str, Any] | None:
    """The kubeconfig of the pod's own ServiceAccount, or None outside a pod."""
    account = account or SERVICE_ACCOUNT_DIR
    host = environ.get("KUBERNETES_SERVICE_HOST", "")
    port = environ.get("KUBERNETES_SERVICE_PORT", "443")
    token, ca = account / "token", account / "ca.crt"
    if not host or not token.is_file():
        return None
    server = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
    cluster: dict[str, Any] = {"server": server}
    if ca.is_file():
        cluster["certificate-authority"] = str(ca)
    namespace = account / "namespace"
    context: dict[str, Any] = {"cluster": "in-cluster", "user": "pod"}
    if namespace.is_file():
        context["namespace"] = namespace.read_text(encoding="utf-8").strip()
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "in-cluster", "cluster": cluster}],
        "users": [{"name": "pod", "user": {"tokenFile": str(token)}}],
        "contexts": [{"name": "in-cluster", "context": context}],
        "current-context": "in-cluster",
    }


class ExternalCluster(ClientCache):
    name = "kubeconfig"
    simulated = False

    def __init__(self) -> None:
        config = settings.current()
        first = config.kubeconfig.split(os.pathsep)[0] if config.kubeconfig else ""
        self._kubeconfig = Path(first).expanduser() if first else Path.home() / ".kube" / "config"
        self.context = config.context
        # kubectl's order: the setting, ~/.kube/config, then the pod's ServiceAccount
        pod = None if first or self._kubeconfig.exists() else in_cluster_config(os.environ)
        if pod is not None:
            # a folder of our own: the data folder itself may be a volume root we cannot chmod
            self._kubeconfig = data_dir() / "credentials" / "in-cluster.kubeconfig"
            write_private(self._kubeconfig, yaml.safe_dump(pod, sort_keys=False))
            self.context = None
        self.prefix = config.namespace_prefix

    def kubeconfig(self) -> Path:
        return self._kubeconfig

    def _checked_prefix(self) -> str:
        """A shared cluster holds other people's namespaces: lab namespaces must carry a
        prefix of the learner's own, never the bare lab names."""
        if not self.prefix:
            raise ClusterError(
                "FLIGHTSCHOOL_NAMESPACE_PREFIX is empty: on a shared cluster every learner "
                "needs a prefix of their own (for example fs-alice-)"
            )
        return self.prefix

    def lab_namespace(self, name: str) -> str:
        prefix = self._checked_prefix()
        return name if name.startswith(prefix) else f"{prefix}{name}"

    def _context(self) -> str | None:
        return self.context

    def _kube(self) -> Kube:
        if not self._kubeconfig.exists():
            raise ClusterError(
                f"no kubeconfig at {self._kubeconfig}: set KUBECONFIG or FLIGHTSCHOOL_KUBECONFIG"
            )
        return self.client()

    def missing_permissions(self, kube: Kube, namespace: str) -> list[str]:
        review = kube.raw(
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
            {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SelfSubjectRulesReview",
                "spec": {"namespace": namespace},
            },
        )
        rules = review.get("status", {}).get("resourceRules", [])
        return [
            f"{verb} {resource}" + (f" ({group})" if group else "")
            for group, resource, verbs in REQUIRED
            for verb in verbs
            if not _allows(rules, group, resource, verb)
        ]

    def missing_bootstrap(self, kube: Kube, role: str) -> list[str]:
        """With FLIGHTSCHOOL_NAMESPACE_ROLE the app gains its rights in a lab namespace by
        making it and binding `role` there: what of that these credentials may not do."""
        wanted = (
            ("create", "namespaces", "", None),
            ("create", "rolebindings", "rbac.authorization.k8s.io", None),
            ("bind", "clusterroles", "rbac.authorization.k8s.io", role),
        )
        missing = []
        for verb, resource, group, name in wanted:
            attributes = {"verb": verb, "resource": resource, "group": group}
            review = kube.raw(
                "POST",
                "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                {
                    "apiVersion": "authorization.k8s.io/v1",
                    "kind": "SelfSubjectAccessReview",
                    "spec": {
                        "resourceAttributes": {**attributes, **({"name": name} if name else {})}
                    },
                },
            )
            if not (review.get("status") or {}).get("allowed"):
                missing.append(f"{verb} {resource}" + (f" {name}" if name else ""))
        return missing

    def status(self) -> Status:
        st = Status(
            "kubeconfig",
            self.context or "current-context",
            False,
            False,
            kubeconfig=str(self._kubeconfig),
        )
        try:
            kube = self._kube()
            st.server_version = kube.server_version()
            st.exists = True
            role = settings.current().namespace_role
            missing = (
                self.missing_bootstrap(kube, role)
                if role
                else self.missing_permissions(kube, self.lab_namespace("probe"))
            )
        except (KubeError, ClusterError) as exc:
            st.problems.append(str(exc))
            return st
        if missing:
            st.problems.append("missing permissions in learner namespaces: " + ", ".join(missing))
        st.healthy = not st.problems
        return st

    def up(self, progress: Progress = print, port: int | None = None) -> Status:
        if port is not None:
            raise ClusterError(
                "the kubeconfig backend uses an existing cluster; its API server port is "
                "in the kubeconfig, not chosen with --port"
            )
        progress(
            f"Using the existing cluster from {self._kubeconfig}; learner namespaces start with {self.prefix!r}"
        )
        return self.status()

    def down(self, purge: bool = False) -> None:
        """An existing cluster is not ours to stop; with purge, remove the namespaces Flight
        School created for this learner (selected by their ownership labels, never by a name
        prefix that someone else's namespace could share)."""
        if purge:
            self._checked_prefix()
            kube = self._kube()
            for name in owned_namespaces(kube):
                kube.delete("v1", "Namespace", name)

    def reset_namespace(
        self, namespace: str, labels: dict[str, str] | None = None, *, owner: str | None = None
    ) -> None:
        reset_namespace(self._kube(), self.lab_namespace(namespace), labels, owner=owner)
