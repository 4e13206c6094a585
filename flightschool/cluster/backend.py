"""The contract every lab cluster backend meets, and how a backend is chosen."""

from __future__ import annotations

import time
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

    def reset_namespace(
        self, namespace: str, labels: dict[str, str] | None = None, *, owner: str | None = None
    ) -> None:
        """Wipe (or create) a lab namespace owned by `owner` (default: FLIGHTSCHOOL_LEARNER)."""
        ...

    def lab_namespace(self, name: str) -> str: ...


READY_TRUSTED = 2.0  # seconds a healthy readiness answer is reused


class ClientCache:
    """One API client per backend object, built on first use: callers never turn a
    kubeconfig path into a client of their own."""

    _client: Kube | None = None
    _client_stamp: int | None = None

    def kubeconfig(self) -> Path:
        raise NotImplementedError

    def _context(self) -> str | None:
        return None

    def client(self) -> Kube:
        """The cached client; made again when the kubeconfig changed (the cluster was
        made again, by this process or another, with new certificates)."""
        try:
            stamp: int | None = self.kubeconfig().stat().st_mtime_ns
        except OSError:
            stamp = None
        if self._client is None or stamp != self._client_stamp:
            from flightschool.cluster.kube import Kube

            self._client = Kube(self.kubeconfig(), self._context())
            self._client_stamp = stamp
        return self._client

    _ready_at: float = -READY_TRUSTED

    def ready(self) -> bool:
        """A healthy answer is trusted for READY_TRUSTED seconds: fifty learners clicking
        Check asked the API server's /readyz once each, in line with their own work. A
        cluster that stops meanwhile is still caught: the next request fails as
        unreachable, and grading says the cluster stopped."""
        from flightschool.cluster.kube import KubeError

        if time.monotonic() - self._ready_at < READY_TRUSTED:
            return True
        try:
            healthy = self.kubeconfig().is_file() and self.client().healthy()
        except (KubeError, OSError):  # an unreadable kubeconfig: status() says why
            healthy = False
        self._ready_at = time.monotonic() if healthy else -READY_TRUSTED
        return healthy

    def forget_ready(self) -> None:
        """The cluster is being stopped: the next `ready` asks again."""
        self._ready_at = -READY_TRUSTED


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
