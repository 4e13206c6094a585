"""One embedded cluster for the whole test session (cluster and browser tests), in its own
data folder. Started only when a test asks for it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from flightschool.cluster.embedded import EmbeddedCluster, listed_ports
from flightschool.cluster.kube import Kube
from flightschool.content.catalog import load_catalog
from flightschool.content.labs import Lab
from flightschool.core.paths import project_root
from flightschool.core.proc import pid_alive
from flightschool.grading import session


@pytest.fixture(scope="session")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCluster]:
    data = tmp_path_factory.mktemp("cluster-data")
    previous = os.environ.get("FLIGHTSCHOOL_DATA_DIR")
    os.environ["FLIGHTSCHOOL_DATA_DIR"] = str(data)
    try:
        cluster = EmbeddedCluster("fs-test")
    finally:
        if previous is None:
            os.environ.pop("FLIGHTSCHOOL_DATA_DIR")
        else:
            os.environ["FLIGHTSCHOOL_DATA_DIR"] = previous
    status = cluster.up(progress=lambda _m: None)
    assert status.healthy, status.problems
    yield cluster
    pids = [c["pid"] for c in cluster.status().components if c["pid"]]
    cluster.down(purge=True)
    assert not [p for p in pids if pid_alive(p)], "processes left behind after down"


@pytest.fixture(scope="session")
def kube(embedded: EmbeddedCluster) -> Kube:
    return Kube(embedded.kubeconfig())


@pytest.fixture
def namespace(kube: Kube, embedded: EmbeddedCluster) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    embedded.reset_namespace(name)
    yield name
    kube.delete("v1", "Namespace", name, grace_seconds=0)


def pod(
    name: str,
    *,
    image: str = "busybox:1.37",
    restart: str = "Never",
    annotations: dict[str, str] | None = None,
    resources: dict[str, object] | None = None,
    **spec: object,
) -> dict[str, object]:
    container: dict[str, object] = {
        "name": "main",
        "image": image,
        "command": ["sh", "-c", "echo done"],
    }
    if resources:
        container["resources"] = resources
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "annotations": annotations or {}},
        "spec": {"restartPolicy": restart, "containers": [container], **spec},
    }


@pytest.fixture
def lab01(embedded: EmbeddedCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    """Lab 01 started on the shared cluster, with a workspace of the test's own."""
    monkeypatch.setenv("FLIGHTSCHOOL_DATA_DIR", str(embedded.state.parents[1]))
    monkeypatch.setenv("FLIGHTSCHOOL_CLUSTER_NAME", embedded.cluster)
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "workspace"))
    found = load_catalog(project_root()).labs["01-first-pod"]
    session.start(found, embedded)
    return found


def component_port(cluster: EmbeddedCluster, name: str) -> int:
    """The port a component of `cluster` listens on, from kwokctl's record of it."""
    for component, port in listed_ports(cluster.cluster_dir / "kwok.yaml"):
        if component == name:
            return port
    raise AssertionError(f"no {name} in kwok.yaml")
