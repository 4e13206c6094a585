"""The read-only cluster view a grading pass works from.

Objects are listed once per (kind, namespace) and kept for the pass: every check sees the
same snapshot. Lab namespace names are mapped to real ones (a workshop prefixes them).
Python checks in a lab's checks.py never get this view (it holds the grader's client): they
run in a sandbox with a copy of the kinds they declare, served by grading/pycheck_child.py.
Flight School's own objects in a lab namespace (the learner's ServiceAccount, Role and
RoleBinding) are left out: checks see only what the lab and the learner made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from flightschool.cluster.identity import is_plumbing
from flightschool.cluster.kube import KubeError, ResourceType, segment
from flightschool.grading.artifacts import Artifacts
from flightschool.grading.queries import ObjectQueries


class Requester(Protocol):
    """One request through the cluster's client (cluster/kube.py Kube.raw): all that
    grading/airflow_api.py needs, and part of what a grading pass needs."""

    def raw(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any: ...


class ClusterReader(Requester, Protocol):
    """What a grading pass asks of the cluster. The real client (cluster/kube.py Kube)
    satisfies it; unit tests pass a small in-memory one."""

    def resource_type(self, api_version: str, kind: str) -> ResourceType: ...

    def list_objects(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]: ...

    def can_i(
        self,
        verb: str,
        resource: str,
        namespace: str | None,
        *,
        user: str | None = None,
        groups: Iterable[str] = (),
        subresource: str | None = None,
        group: str = "",
    ) -> tuple[bool, str]: ...

    def create(
        self, manifest: dict[str, Any], namespace: str | None = None, *, dry_run: bool = False
    ) -> dict[str, Any]: ...


class ClusterView(ObjectQueries):
    def __init__(
        self,
        kube: ClusterReader,
        namespaces: Mapping[str, str],
        default_namespace: str,
        artifacts: Artifacts | None = None,
    ) -> None:
        self._kube = kube
        self.artifacts = artifacts or Artifacts()
        self._namespaces = dict(namespaces)
        self.default_namespace = default_namespace
        self._cache: dict[tuple[str, str, str | None], list[dict[str, Any]]] = {}

    def real_namespace(self, name: str | None) -> str:
        lab_name = name or self.default_namespace
        return self._namespaces.get(lab_name, lab_name)

    @property
    def lab_namespaces(self) -> list[str]:
        """The lab's namespace names (as lab.yaml spells them)."""
        return list(self._namespaces)

    def listing(
        self, api_version: str, kind: str, namespace: str | None = None
    ) -> tuple[str | None, list[dict[str, Any]]]:
        """(the real namespace listed, None for a cluster-scoped kind; the objects)."""
        ns = self.real_namespace(namespace)
        rtype = self._kube.resource_type(api_version, kind)
        key = (api_version, kind, ns if rtype.namespaced else None)
        if key not in self._cache:
            listed = self._kube.list_objects(api_version, kind, key[2])
            self._cache[key] = [o for o in listed if not is_plumbing(o)]
        return key[2], self._cache[key]

    def _items(self, api_version: str, kind: str, namespace: str | None) -> list[dict[str, Any]]:
        return self.listing(api_version, kind, namespace)[1]

    def logs(self, pod: str, namespace: str | None = None, container: str | None = None) -> str:
        query = [("container", container)] if container else []
        try:
            text = self._kube.raw(
                "GET",
                f"/api/v1/namespaces/{segment(self.real_namespace(namespace))}/pods/{segment(pod)}/log",
                query=query,
            )
        except KubeError as exc:
            return f"(no logs: {exc})"
        return str(text or "")

    def can_i(
        self,
        verb: str,
        resource: str,
        namespace: str | None,
        *,
        user: str,
        groups: list[str],
        subresource: str | None = None,
        group: str = "",
    ) -> tuple[bool, str]:
        return self._kube.can_i(
            verb,
            resource,
            self.real_namespace(namespace) if namespace else None,
            user=user,
            groups=groups,
            subresource=subresource,
            group=group,
        )

    def dry_run_create(
        self, manifest: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        """Ask admission about a manifest without storing it (raises KubeError if refused)."""
        return self._kube.create(manifest, self.real_namespace(namespace), dry_run=True)
