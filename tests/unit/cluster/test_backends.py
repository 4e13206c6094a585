"""Backends that need what this machine may lack say so clearly; permission checks work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from flightschool.cluster.backend import ClientCache, ClusterError
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


def test_kind_config_uses_the_kit_node_image_on_every_node(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flightschool.cluster import images

    monkeypatch.setattr(images, "local_node_image", lambda: "flightschool/kind-node:v1.36.3")
    config = yaml.safe_load(KindCluster("unit")._config(6443).read_text())
    assert config["networking"]["apiServerPort"] == 6443
    assert len(config["nodes"]) == 5
    for node in config["nodes"]:
        assert node["image"] == "flightschool/kind-node:v1.36.3"
        assert node["extraMounts"] == [
            {
                "hostPath": str(images.shared_dir()),
                "containerPath": "/flightschool-images",
                "readOnly": True,
            }
        ]
    patches = "\n".join(config["kubeadmConfigPatches"])
    assert "failCgroupV1: false" in patches


def test_kind_config_is_the_file_itself_with_official_images(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flightschool.cluster import images

    monkeypatch.setattr(images, "local_node_image", lambda: None)
    assert KindCluster("unit")._config(None).name == "kind.yaml"
    assert "image" not in yaml.safe_load(KindCluster("unit")._config(None).read_text())["nodes"][0]


class _Counting:
    def __init__(self) -> None:
        self.asked = 0
        self.up = True

    def healthy(self) -> bool:
        self.asked += 1
        return self.up


def test_readiness_is_asked_once_per_moment_and_again_after_down(tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig.yaml"
    config.write_text("{}")

    class Cache(ClientCache):
        def kubeconfig(self) -> Path:
            return config

    backend, api = Cache(), _Counting()
    backend._client = api  # type: ignore[assignment]
    backend._client_stamp = config.stat().st_mtime_ns
    assert all(backend.ready() for _ in range(50))  # fifty clicks at once
    assert api.asked == 1
    backend.forget_ready()  # the cluster is being stopped
    api.up = False
    assert not backend.ready() and not backend.ready()
    assert api.asked == 3  # an unhealthy answer is never reused


def test_one_backend_per_settings_shares_its_client_and_follows_a_new_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_DATA_DIR", str(tmp_path / "a"))
    first = get_backend("embedded")
    assert get_backend("embedded") is first  # every page run of every session
    monkeypatch.setenv("FLIGHTSCHOOL_DATA_DIR", str(tmp_path / "b"))
    assert get_backend("embedded") is not first  # other settings: another cluster

    config = tmp_path / "kubeconfig.yaml"
    body = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "c",
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
        "clusters": [{"name": "k", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "one"}}],
    }
    config.write_text(yaml.safe_dump(body))

    class Cache(ClientCache):
        def kubeconfig(self) -> Path:
            return config

    backend = Cache()
    client = backend.client()
    assert backend.client() is client and client.endpoint.token == "one"
    body["users"] = [{"name": "u", "user": {"token": "two"}}]  # the cluster made again
    config.write_text(yaml.safe_dump(body))
    os.utime(config, ns=(1, 1))
    assert backend.client().endpoint.token == "two"
