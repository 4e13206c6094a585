"""The kind backend with real containers. Needs Docker and the kind CLI (`kind` marker)."""

from __future__ import annotations

import shutil

import pytest

from flightschool.cluster.kind import KindCluster
from flightschool.cluster.kube import Kube
from flightschool.core.proc import run

pytestmark = pytest.mark.kind


@pytest.fixture(scope="module")
def kind_cluster() -> KindCluster:
    docker = shutil.which("docker")
    if not shutil.which("kind") or not docker or not run([docker, "info"], timeout=20).ok:
        pytest.skip(
            "the kind backend needs a running Docker engine and the kind CLI; neither is available here"
        )
    cluster = KindCluster("fs-kind-test")
    assert cluster.up(progress=print).healthy
    return cluster


def test_pools_are_labelled_and_tainted(kind_cluster: KindCluster) -> None:
    nodes = Kube(kind_cluster.kubeconfig()).nodes()
    gpu = [n for n in nodes if n["metadata"]["labels"].get("gpu") == "true"]
    assert gpu and gpu[0]["spec"]["taints"][0]["key"] == "nvidia.com/gpu"
    assert gpu[0]["status"]["capacity"]["nvidia.com/gpu"] == "2"
