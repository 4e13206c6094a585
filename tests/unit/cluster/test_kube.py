"""The API client's own bookkeeping: credentials held as data in a kubeconfig are written
to private files while a client lives, and removed after."""

from __future__ import annotations

import base64
import gc
import stat
from pathlib import Path

import yaml

from flightschool.cluster.kube import Kube


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
