"""The contract every lab cluster backend meets, and how a backend is chosen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from flightschool.core.errors import EnvironmentProblem

if TYPE_CHECKING:
    from flightschool.cluster.kube import Kube

Progress = Callable[[str], None]


class ClusterError(EnvironmentProblem, RuntimeError):
    """The cluster cannot do what was asked; the message says what to do about it."""


@dataclass
class Status:
    backend: str
    name: str
    exists: bool
    healthy: bool
    server_version: str = ""
    kubeconfig: str = ""
    components: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Backend(Protocol):
    name: str
    simulated: bool  # True where containers do not really run (outcomes are simulated)

    def up(self, progress: Progress = print, port: int | None = None) -> Status: ...

    def client(self) -> Kube: ...

    def ready(self) -> bool:
        """Cheap readiness for every grading click (one request at most); `status` is the
        full report, asked for only to say what is wrong."""
        ...

    def down(self, purge: bool = False) -> None: ...

    def status(self) -> Status: ...

    def kubeconfig(self) -> Path: ...

    def reset_namespace(self, namespace: str, labels: dict[str, str] | None = None) -> None: ...

    def lab_namespace(self, name: str) -> str: ...


class ClientCache:
    """One API client per backend object, built on first use: callers never turn a
    kubeconfig path into a client of their own."""

    _client: Kube | None = None

    def kubeconfig(self) -> Path:
        raise NotImplementedError

    def _context(self) -> str | None:
        return None

    def client(self) -> Kube:
        if self._client is None:
            from flightschool.cluster.kube import Kube

            self._client = Kube(self.kubeconfig(), self._context())
        return self._client

    def ready(self) -> bool:
        from flightschool.cluster.kube import KubeError

        try:
            return self.kubeconfig().is_file() and self.client().healthy()
        except (KubeError, OSError):  # an unreadable kubeconfig: status() says why
            return False


def node_summary(node: dict[str, Any]) -> dict[str, Any]:
    """A node as status reports show it: readiness, pool labels, taints, capacity."""
    conditions = {c["type"]: c["status"] for c in node.get("status", {}).get("conditions", [])}
    meta = node["metadata"]
    return {
        "name": meta["name"],
        "ready": conditions.get("Ready") == "True",
        "labels": {
            k: v
            for k, v in (meta.get("labels") or {}).items()
            if not k.startswith(("kubernetes.io/", "beta."))
        },
        "taints": node.get("spec", {}).get("taints", []),
        "capacity": node.get("status", {}).get("capacity", {}),
    }
