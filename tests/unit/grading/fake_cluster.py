"""An in-memory cluster for unit tests of the grader: the typed ClusterReader protocol the
real client satisfies, answering from a list of objects, a table of permissions and an
admission function. Type-checked strictly with the package (see pyproject's mypy files)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flightschool.cluster.kube import KubeError, ResourceType
from flightschool.grading.view import ClusterReader

CLUSTER_SCOPED = {"Namespace", "Node", "ClusterRole", "ClusterRoleBinding", "PriorityClass"}
Permission = tuple[str, str, str, str, str | None]  # user, verb, group/resource, sub, namespace


class FakeCluster:
    def __init__(
        self,
        objects: Iterable[dict[str, Any]] = (),
        *,
        allowed: Iterable[Permission] = (),
        admission: Callable[[dict[str, Any]], None] | None = None,
        logs: dict[str, str] | None = None,
        on_list: Callable[[str], None] | None = None,
    ) -> None:
        self.objects = list(objects)
        self.allowed = set(allowed)
        self.admission = admission
        self.logs = logs or {}
        self.on_list = on_list
        self.lists = 0  # how many list calls reached the "API"

    def resource_type(self, api_version: str, kind: str) -> ResourceType:
        return ResourceType(api_version, kind, kind.lower() + "s", kind not in CLUSTER_SCOPED)

    def list_objects(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        self.lists += 1
        if self.on_list:
            self.on_list(kind)
        wanted = dict(p.split("=", 1) for p in label_selector.split(",")) if label_selector else {}
        return [
            o
            for o in self.objects
            if o.get("kind") == kind
            and o.get("apiVersion") == api_version
            and (namespace is None or o["metadata"].get("namespace") == namespace)
            and all((o["metadata"].get("labels") or {}).get(k) == v for k, v in wanted.items())
        ]

    def raw(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        if method == "GET" and path.endswith("/log"):
            pod = path.split("/")[-2]
            if pod not in self.logs:
                raise KubeError(f'pods "{pod}" not found', 404)
            return self.logs[pod]
        raise KubeError(f"the fake cluster does not serve {method} {path}", 501)

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
    ) -> tuple[bool, str]:
        what = f"{group}/{resource}" if group else resource
        granted = (user or "", verb, what, subresource or "", namespace) in self.allowed
        return granted, "granted by the fake's table" if granted else ""

    def create(
        self, manifest: dict[str, Any], namespace: str | None = None, *, dry_run: bool = False
    ) -> dict[str, Any]:
        if self.admission:
            self.admission(manifest)
        if not dry_run:
            self.objects.append(manifest)
        return manifest


def _conforms(fake: FakeCluster) -> ClusterReader:
    return fake  # mypy proves the fake has the protocol's shape
