"""The kind backend with real containers. Needs Docker and the kind CLI (`kind` marker); on a
machine without a registry, `flightschool images build` first (the node and workload images).
For tests, scripts/docker.sh starts a Docker engine of their own (`make test-kind`). Lab 10's
image, really built and run as a pod, is graded in tests/cluster/test_kind_labs.py."""

from __future__ import annotations

import pytest

from flightschool.cluster.kind import KindCluster
from flightschool.cluster.kube import Kube, wait_until
from flightschool.content.catalog import load_catalog
from flightschool.grading import session
from flightschool.grading.runner import grade
from flightschool.grading.submit import submit
from tests.conftest import ROOT

pytestmark = pytest.mark.kind


def test_pools_are_labelled_and_tainted(kind_cluster: KindCluster) -> None:
    nodes = Kube(kind_cluster.kubeconfig()).nodes()
    gpu = [n for n in nodes if n["metadata"]["labels"].get("gpu") == "true"]
    assert gpu and gpu[0]["spec"]["taints"][0]["key"] == "nvidia.com/gpu"
    assert gpu[0]["status"]["capacity"]["nvidia.com/gpu"] == "2"


def test_lab_01_solution_runs_in_a_real_container(kind_cluster: KindCluster) -> None:
    """Lab 01 graded on kind: the pod really runs (the embedded cluster only simulates it)
    and its log holds what the container printed."""
    lab = load_catalog(ROOT).labs["01-first-pod"]
    kube = Kube(kind_cluster.kubeconfig())
    names = session.prepare(lab, kind_cluster, kube)
    submit(lab, kube, lab.solution, names)
    report = grade(lab, kube, names, "practice")
    assert report.passed, {c.id: c.message for c in report.checks if not c.passed}
    namespace = names["lab-first-pod"]
    log = kube.raw("GET", f"/api/v1/namespaces/{namespace}/pods/extract/log")
    assert str(log).strip() == "extracted"
    pod = kube.get("v1", "Pod", "extract", namespace) or {}
    state = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert state["exitCode"] == 0 and state["reason"] == "Completed"


def test_pods_on_a_worker_reach_cluster_dns_and_the_api(kind_cluster: KindCluster) -> None:
    """The pod network across nodes (the kit's CNI stand-in, or kindnetd): a pod on a worker
    resolves Service names through CoreDNS on the control plane and opens the API Service."""
    kube = Kube(kind_cluster.kubeconfig())
    worker = next(
        n["metadata"]["name"] for n in kube.nodes() if not n.get("spec", {}).get("taints")
    )
    script = (
        "import socket\n"
        "for name in ('kubernetes.default.svc.cluster.local', 'kube-dns.kube-system.svc.cluster.local'):\n"
        "    print(name, socket.gethostbyname(name))\n"
        "socket.create_connection(('kubernetes.default', 443), timeout=10).close()\n"
        "print('api reachable')\n"
    )
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "network-check", "namespace": "default"},
        "spec": {
            "nodeName": worker,
            "restartPolicy": "Never",
            "containers": [
                {
                    "name": "check",
                    "image": "python:3.12-slim",
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["python", "-c", script],
                }
            ],
        },
    }
    kube.create(pod, "default")

    def phase() -> str | None:
        found = kube.get("v1", "Pod", "network-check", "default") or {}
        value = (found.get("status") or {}).get("phase")
        return value if value in ("Succeeded", "Failed") else None

    assert wait_until(phase, 180, 2) == "Succeeded"
    log = str(kube.raw("GET", "/api/v1/namespaces/default/pods/network-check/log"))
    assert "kubernetes.default.svc.cluster.local 10.96.0.1" in log
    assert "api reachable" in log
