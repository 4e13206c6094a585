"""The API client's own bookkeeping: credentials held as data in a kubeconfig are written
to private files while a client lives, and removed after; names stay one URL segment."""

from __future__ import annotations

import base64
import gc
import stat
import time
from pathlib import Path

import pytest
import yaml

from flightschool.cluster.kube import Kube, KubeError, ResourceType, api_base, segment, wait_until


def _kubeconfig(tmp_path: Path) -> Path:
    data = base64.b64encode(b"not really a certificate").decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "c",
                "cluster": {"server": "https://127.0.0.1:9", "certificate-authority-data": data},
            }
        ],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def test_credential_files_are_private_and_removed_with_the_client(tmp_path: Path) -> None:
    kube = Kube(_kubeconfig(tmp_path))
    ca = Path(str(kube.endpoint.ca_file))
    assert ca.read_bytes() == b"not really a certificate"
    assert stat.S_IMODE(ca.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(ca.stat().st_mode) == 0o600
    learner = kube.impersonating("system:serviceaccount:lab-x:someone")
    del kube
    gc.collect()
    assert ca.exists(), "a client acting as someone else still needs the files"
    del learner
    gc.collect()
    assert not ca.parent.exists()


def test_impersonation_sends_the_user_and_each_group(tmp_path: Path) -> None:
    kube = Kube(_kubeconfig(tmp_path))
    assert "Impersonate-User" not in kube._headers("application/json")
    acting = kube.impersonating("ada", ["team-a", "system:authenticated"])
    headers = acting._headers("application/json")
    assert headers["Impersonate-User"] == "ada"
    assert headers.getlist("Impersonate-Group") == ["team-a", "system:authenticated"]
    assert headers["Authorization"] == "Bearer t"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("web", "/api/v1/namespaces/lab/pods/web"),
        ("../../nodes/x", "/api/v1/namespaces/lab/pods/..%2F..%2Fnodes%2Fx"),
        ("a?watch=1", "/api/v1/namespaces/lab/pods/a%3Fwatch%3D1"),
        ("system:admin", "/api/v1/namespaces/lab/pods/system%3Aadmin"),
        ("50%", "/api/v1/namespaces/lab/pods/50%25"),
    ],
)
def test_names_stay_one_path_segment(name: str, expected: str) -> None:
    pods = ResourceType("v1", "Pod", "pods", namespaced=True)
    assert pods.path("lab", name) == expected


def test_namespaces_are_escaped_too() -> None:
    roles = ResourceType("rbac.authorization.k8s.io/v1", "Role", "roles", namespaced=True)
    assert roles.path("a/b", "r") == "/apis/rbac.authorization.k8s.io/v1/namespaces/a%2Fb/roles/r"
    assert segment("#") == "%23"


@pytest.mark.parametrize("bad", ["../v1", "apps/v1/../../x", "apps/v1?x=1", "", "v1beta1/../x"])
def test_api_versions_outside_the_api_are_refused(bad: str) -> None:
    with pytest.raises(KubeError, match="not of the form group/version"):
        api_base(bad)


def test_real_api_versions_pass() -> None:
    assert api_base("v1") == "/api/v1"
    assert api_base("apps/v1") == "/apis/apps/v1"
    assert api_base("autoscaling/v2beta2") == "/apis/autoscaling/v2beta2"
    assert api_base("policy.k8s.io/v1alpha1") == "/apis/policy.k8s.io/v1alpha1"


def test_a_token_file_is_read_on_every_request(tmp_path: Path) -> None:
    """In a pod the kubelet rotates the ServiceAccount token in place: a client built
    once must send the file's current content, not the one it first read."""
    path = _kubeconfig(tmp_path)
    config = yaml.safe_load(path.read_text())
    config["users"][0]["user"] = {"tokenFile": "token"}  # relative to the kubeconfig
    path.write_text(yaml.safe_dump(config))
    (tmp_path / "token").write_text("first\n")
    kube = Kube(path)
    assert kube._headers("application/json")["Authorization"] == "Bearer first"
    (tmp_path / "token").write_text("rotated\n")
    assert kube._headers("application/json")["Authorization"] == "Bearer rotated"
    (tmp_path / "token").unlink()
    with pytest.raises(KubeError, match="cannot read the token file"):
        kube._headers("application/json")


def test_wait_until_backs_off_and_never_asks_faster_than_answers_come() -> None:
    asked: list[float] = []

    def instant() -> bool:
        asked.append(time.monotonic())
        return False

    assert wait_until(instant, 0.5, 0.01) is None
    assert len(asked) <= 20  # at a fixed 0.01 s it would ask about fifty times

    slow: list[float] = []

    def busy() -> bool:  # a busy API server: each answer takes 50 ms
        slow.append(time.monotonic())
        time.sleep(0.05)
        return False

    wait_until(busy, 0.5, 0.01)
    assert len(slow) <= 6  # each pause at least as long as the answer took

    calls = iter(range(10))
    assert wait_until(lambda: next(calls) >= 3, 5, 0.01) is True  # returns once true
