"""Backends that need what this machine may lack say so clearly; permission checks work."""

from __future__ import annotations

from pathlib import Path

import pytest

from flightschool.cluster.backend import ClusterError
from flightschool.cluster.external import ExternalCluster, _allows
from flightschool.cluster.factory import get_backend
from flightschool.cluster.kind import KindCluster


def test_unknown_backend_is_named() -> None:
    with pytest.raises(ClusterError, match="unknown backend 'cloud'"):
        get_backend("cloud")


def test_kind_without_a_docker_engine_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither kind nor docker can be found
    with pytest.raises(ClusterError, match="needs Docker with a running engine and the kind CLI"):
        KindCluster().up(progress=lambda _m: None)
    assert "needs Docker" in KindCluster().status().problems[0]


def test_rules_review_matching() -> None:
    rules = [
        {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]},
        {"apiGroups": ["apps"], "resources": ["*"], "verbs": ["*"]},
    ]
    assert _allows(rules, "", "pods", "list")
    assert _allows(rules, "apps", "deployments", "delete")
    assert not _allows(rules, "", "pods", "delete")
    assert not _allows(rules, "batch", "jobs", "get")


def test_kubeconfig_backend_prefixes_learner_namespaces(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_NAMESPACE_PREFIX", "ws-ana-")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    backend = ExternalCluster()
    assert backend.lab_namespace("lab-first-pod") == "ws-ana-lab-first-pod"
    assert backend.lab_namespace("ws-ana-x") == "ws-ana-x"
    status = backend.status()
    assert not status.healthy and "no kubeconfig at" in status.problems[0]


def test_every_backend_takes_the_same_up_arguments(tmp_path: Path) -> None:
    """`cluster up --backend kind --port 6443` once crashed with a TypeError."""
    import inspect

    from flightschool.cluster.embedded import EmbeddedCluster

    for backend in (EmbeddedCluster, KindCluster, ExternalCluster):
        assert list(inspect.signature(backend.up).parameters) == ["self", "progress", "port"]


def test_a_cluster_that_was_never_made_is_not_ready(tmp_path: Path) -> None:
    from flightschool.cluster.embedded import EmbeddedCluster

    cluster = EmbeddedCluster(f"never-{tmp_path.name}")
    assert cluster.ready() is False
    assert cluster.simulated is True
    assert KindCluster().simulated is False


def test_the_kubeconfig_backend_is_not_ready_without_a_kubeconfig(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_KUBECONFIG", str(tmp_path / "missing"))
    assert ExternalCluster().ready() is False
    with pytest.raises(ClusterError, match="uses an existing cluster"):
        ExternalCluster().up(progress=lambda _m: None, port=6443)
