"""Labs 01-08 and 10 on kind, with real containers: the same contract as the embedded lab
tests (tests/cluster/test_labs.py), the starter fails exactly the checks lab.yaml names and
the reference solution passes every one, but here the pods really run. What that proves
beyond the embedded cluster: lab 03's pods fit real nodes' CPUs; lab 06's OOMKilled comes
from the kernel's memory cgroup and its ImagePullBackOff from a pull that really failed;
lab 07's KubernetesPodOperator pods print what the DAG says (read back through the pod log
API, as `kubectl logs` does); lab 10's Dockerfile is really built, loaded and run as a pod.
Lab 09 (the chart) has its own kind test."""

from __future__ import annotations

from typing import Any

import pytest

from flightschool.cluster.kind import KindCluster
from flightschool.cluster.kube import Kube, wait_until
from flightschool.content.catalog import load_catalog
from flightschool.content.labs import Lab
from flightschool.core.paths import project_root
from flightschool.grading import session
from tests.cluster.test_labs import _attempt, expected_failures

pytestmark = pytest.mark.kind

KIND_LABS = sorted(
    (lab for lab in load_catalog(project_root()).labs.values() if lab.spec.chart is None),
    key=lambda lab: lab.id,
)
# What lab 07's three task pods print; the operator reads it from the pod log API.
KPO_OUTPUT = ("Hello from Pod", "processing", "writing /data/report.csv")


def _last_termination(kube: Kube, namespace: str, app: str) -> dict[str, Any]:
    """The most recent terminated state of a Deployment's container (current or last)."""
    for pod in kube.list_objects("v1", "Pod", namespace, label_selector=f"app={app}"):
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            for state in (cs.get("state") or {}, cs.get("lastState") or {}):
                if state.get("terminated"):
                    return dict(state["terminated"])
    return {}


def _waiting_reasons(kube: Kube, namespace: str, app: str) -> set[str]:
    return {
        str(((cs.get("state") or {}).get("waiting") or {}).get("reason"))
        for pod in kube.list_objects("v1", "Pod", namespace, label_selector=f"app={app}")
        for cs in (pod.get("status") or {}).get("containerStatuses") or []
    }


@pytest.mark.parametrize("lab", KIND_LABS, ids=[lab.id for lab in KIND_LABS])
def test_starter_fails_then_solution_passes_on_real_containers(
    lab: Lab, kind_cluster: KindCluster
) -> None:
    kube = Kube(kind_cluster.kubeconfig())
    names = session.prepare(lab, kind_cluster, kube)
    starter = _attempt(lab, kube, names, lab.starter, kind_cluster)
    failed = sorted(c.id for c in starter.checks if not c.passed)
    assert failed == expected_failures(lab, starter) == sorted(lab.spec.starter_fails), {
        c.id: c.message for c in starter.checks if not c.passed
    }
    if lab.id == "06-troubleshooting":  # a node may still be unpacking the Airflow image
        namespace = names["lab-troubleshooting"]
        killed = wait_until(lambda: _last_termination(kube, namespace, "celery-worker"), 180, 2)
        assert killed and killed.get("reason") == "OOMKilled", killed
        assert killed.get("exitCode") == 137, killed
        pulls = {"ErrImagePull", "ImagePullBackOff"}
        assert wait_until(
            lambda: _waiting_reasons(kube, namespace, "dag-processor") & pulls, 120, 2
        )
    if lab.id == "10-custom-image":
        message = next(c.message for c in starter.checks if c.id == "image-runs")
        assert "line 1 of Dockerfile failed" in message, message

    session.prepare(lab, kind_cluster, kube)
    output: list[str] = []
    solved = _attempt(lab, kube, names, lab.solution, kind_cluster, output.append)
    assert solved.passed, {c.id: c.message for c in solved.checks if not c.passed}
    assert solved.score == solved.max_score == lab.spec.max_score
    if lab.id == "07-kpo-dag":
        text = "\n".join(output)
        assert all(line in text for line in KPO_OUTPUT), text[-3000:]
