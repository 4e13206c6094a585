"""Choosing a backend by name. Apart from backend.py, so the contract every backend meets
imports none of them (no import cycle), and each backend is loaded only when chosen."""

from __future__ import annotations

from flightschool.cluster.backend import Backend, ClusterError
from flightschool.core import settings

BACKENDS = settings.BACKENDS


def default_backend() -> str:
    return settings.current().backend


def get_backend(name: str | None = None) -> Backend:
    name = name or default_backend()
    if name == "embedded":
        from flightschool.cluster.embedded import EmbeddedCluster

        return EmbeddedCluster()
    if name == "kind":
        from flightschool.cluster.kind import KindCluster

        return KindCluster()
    if name == "kubeconfig":
        from flightschool.cluster.external import ExternalCluster

        return ExternalCluster()
    raise ClusterError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
