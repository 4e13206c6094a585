"""Choosing a backend by name. Apart from backend.py, so the contract every backend meets
imports none of them (no import cycle), and each backend is loaded only when chosen."""

from __future__ import annotations

import os
import threading

from flightschool.cluster.backend import Backend, ClusterError
from flightschool.core import settings

BACKENDS = settings.BACKENDS


def default_backend() -> str:
    return settings.current().backend


_SHARED: dict[tuple[str, ...], Backend] = {}
_GUARD = threading.Lock()


def get_backend(name: str | None = None) -> Backend:
    """The backend `name` (default: FLIGHTSCHOOL_BACKEND), one object per process for the
    same settings: every page run, fragment and check of every session in an app shares
    its client (open connections, no kubeconfig read or TLS handshake per run) and its
    last readiness answer. Other settings (a test's data folder) get their own."""
    name = name or default_backend()
    key = (
        name,
        repr(settings.current()),
        *(os.environ.get(v, "") for v in ("KUBECONFIG", "HOME", "XDG_DATA_HOME")),
    )
    with _GUARD:
        found = _SHARED.get(key)
        if found is None:
            found = _SHARED[key] = _make(name)
        return found


def _make(name: str) -> Backend:
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
