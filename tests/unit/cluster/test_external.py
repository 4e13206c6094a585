"""The kubeconfig backend inside a pod: with no kubeconfig set it uses the pod's own
ServiceAccount, written as a kubeconfig that kubectl, helm and our client all read."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from flightschool.cluster.external import ExternalCluster, in_cluster_config
from flightschool.cluster.kube import Kube


def _account(tmp_path: Path) -> Path:
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text("pod-token")
    (account / "ca.crt").write_text("not really a certificate")
    (account / "namespace").write_text("workshop\n")
    return account


def test_outside_a_pod_there_is_no_in_cluster_config(tmp_path: Path) -> None:
    assert in_cluster_config({}, _account(tmp_path)) is None
    assert in_cluster_config({"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, tmp_path / "none") is None


def test_in_cluster_config_names_the_service_its_ca_and_token_file(tmp_path: Path) -> None:
    account = _account(tmp_path)
    env = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    config = in_cluster_config(env, account)
    assert config is not None
    cluster = config["clusters"][0]["cluster"]
    assert cluster == {
        "server": "https://10.96.0.1:443",
        "certificate-authority": str(account / "ca.crt"),
    }
    assert config["users"][0]["user"] == {"tokenFile": str(account / "token")}
    assert config["contexts"][0]["context"]["namespace"] == "workshop"
    ipv6 = in_cluster_config({"KUBERNETES_SERVICE_HOST": "fd00::1"}, account)
    assert ipv6 is not None and ipv6["clusters"][0]["cluster"]["server"] == "https://[fd00::1]:443"


def test_the_backend_uses_the_pod_identity_only_without_a_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = _account(tmp_path)
    monkeypatch.setattr("flightschool.cluster.external.SERVICE_ACCOUNT_DIR", account)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("FLIGHTSCHOOL_KUBECONFIG", raising=False)
    backend = ExternalCluster()
    written = backend.kubeconfig()
    assert written.is_relative_to(tmp_path / "data")  # the app's private data folder
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert yaml.safe_load(written.read_text())["users"][0]["user"]["tokenFile"] == str(
        account / "token"
    )
    kube = Kube(written)
    assert kube.endpoint.server == "https://10.96.0.1:443"
    assert kube._headers("application/json")["Authorization"] == "Bearer pod-token"

    explicit = tmp_path / "explicit.kubeconfig"
    monkeypatch.setenv("FLIGHTSCHOOL_KUBECONFIG", str(explicit))
    assert ExternalCluster().kubeconfig() == explicit
