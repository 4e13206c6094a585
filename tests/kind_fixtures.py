"""One kind cluster for the whole test session (tests marked `kind`).

`FLIGHTSCHOOL_KIND_TEST_CLUSTER` names it (default `fs-kind-test`); with
`FLIGHTSCHOOL_KIND_KEEP=1` an existing cluster of that name is reused and left running, so
several test runs (or several developers on one machine) share one set of nodes. Without Docker
or kind the tests fail with what to do: deselect them on purpose with `-m "not kind"`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from flightschool.cluster import images
from flightschool.cluster.kind import NEEDS, KindCluster
from flightschool.cluster.kube import Kube, wait_until
from flightschool.content.catalog import load_catalog
from flightschool.core.paths import project_root
from flightschool.core.proc import run
from flightschool.grading import session


@pytest.fixture(scope="session")
def kind_cluster() -> Iterator[KindCluster]:
    docker = shutil.which("docker")
    if not images.kind_binary() or not docker or not run([docker, "info"], timeout=20).ok:
        pytest.fail(
            f"{NEEDS}. For the tests, `make test` starts a Docker engine of its own "
            '(scripts/docker.sh); deselect these tests with -m "not kind" on purpose.'
        )
    cluster = KindCluster(os.environ.get("FLIGHTSCHOOL_KIND_TEST_CLUSTER", "fs-kind-test"))
    keep = os.environ.get("FLIGHTSCHOOL_KIND_KEEP") == "1"
    status = cluster.up(progress=print)
    assert status.healthy, status.problems
    yield cluster
    if not keep:
        cluster.down(purge=True)


def remove_lab_namespaces(cluster: KindCluster, lab_id: str) -> None:
    """After a module that installs an Airflow release: its lab's namespaces go, and with them
    the release's CPU requests, which would otherwise keep later tests' pods Pending on the
    kind nodes (each has the host's real CPUs, two here)."""
    kube = Kube(cluster.kubeconfig())
    lab = load_catalog(project_root()).labs[lab_id]
    names = list(session.namespace_map(lab, cluster).values())
    for name in names:
        kube.delete("v1", "Namespace", name)
    gone = wait_until(
        lambda: all(kube.get("v1", "Namespace", n) is None for n in names) or None, 300, 2
    )
    assert gone, f"lab namespaces still there after 300 s: {names}"
