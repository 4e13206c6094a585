"""Lab 09 on kind with real containers: the official chart (the test copy, 1.21.0) installed
with the lab's solution values. The lab's PostgreSQL and DAG repository really run, git-sync
really clones, the database is really migrated, and the scheduler, API server, DAG processor
and triggerer pass their real probes: none of that happens on the embedded cluster, where
pods are simulated. A values file that cannot come up is reported by pod and reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flightschool.cluster import identity, readiness
from flightschool.cluster.kind import KindCluster
from flightschool.cluster.kube import Kube
from flightschool.content.catalog import load_catalog
from flightschool.content.labs import Lab
from flightschool.core.paths import project_root
from flightschool.grading import session
from flightschool.grading.report import Report
from flightschool.grading.runner import grade
from tests.kind_fixtures import remove_lab_namespaces

pytestmark = [pytest.mark.kind, pytest.mark.timeout(1800)]

LAB = "09-helm-values"
AIRFLOW = ("scheduler", "api-server", "dag-processor", "triggerer")
TEST_CHART = project_root().parent / "shared" / "charts" / "airflow-1.21.0.tgz"


@pytest.fixture(scope="module", autouse=True)
def release_removed_after(kind_cluster: KindCluster) -> Iterator[None]:
    yield
    remove_lab_namespaces(kind_cluster, LAB)


@pytest.fixture
def chart(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The official chart's test copy (never the learner's cache): a missing copy fails."""
    assert TEST_CHART.is_file(), f"the test chart is missing: {TEST_CHART}"
    monkeypatch.setenv("FLIGHTSCHOOL_AIRFLOW_CHART", str(TEST_CHART))
    return TEST_CHART


@pytest.fixture
def lab() -> Lab:
    return load_catalog(project_root()).labs[LAB]


@pytest.fixture
def kube(kind_cluster: KindCluster) -> Iterator[Kube]:
    yield Kube(kind_cluster.kubeconfig())


def _grade(lab: Lab, kind_cluster: KindCluster, kube: Kube, values: Path) -> tuple[Report, str]:
    names = session.prepare(lab, kind_cluster, kube)
    namespace = names["lab-helm"]
    learner = identity.access(kube, identity.LearnerIdentity(namespace, (namespace,)))
    report = grade(
        lab,
        kube,
        names,
        "practice",
        files=values,
        simulated=False,
        learner=learner,
        on_output=print,
    )
    return report, namespace


def test_the_solution_installs_the_chart_and_every_airflow_pod_becomes_ready(
    chart: Path, lab: Lab, kind_cluster: KindCluster, kube: Kube
) -> None:
    report, namespace = _grade(lab, kind_cluster, kube, lab.solution)
    assert report.passed, {c.id: c.message for c in report.checks if not c.passed}
    pods = readiness.release_pods(kube, namespace, "airflow")
    for component in AIRFLOW:
        mine = [p for p in pods if p["metadata"]["labels"].get("component") == component]
        assert mine, f"no {component} pod"
        for pod in mine:
            state = readiness.pod_state(kube, pod)
            assert state.ready, state.describe()
            # a real container: containerd ran it from the image the chart names
            statuses = pod["status"]["containerStatuses"]
            assert all(s["containerID"].startswith("containerd://") for s in statuses)
            assert all(s["started"] for s in statuses)
    # git-sync really cloned the lab's repository next to the DAG processor
    processor = next(p for p in pods if p["metadata"]["labels"]["component"] == "dag-processor")
    log = kube.raw(
        "GET",
        f"/api/v1/namespaces/{namespace}/pods/{processor['metadata']['name']}/log",
        query=[("container", "git-sync-init")],
    )
    assert "git://dags-repo/airflow-dags.git" in str(log), log


def test_values_that_never_become_ready_name_the_pod_and_the_reason(
    chart: Path, lab: Lab, kind_cluster: KindCluster, kube: Kube, tmp_path: Path
) -> None:
    """git-sync pinned to a tag no node has: the install succeeds (helm does not wait for
    the pods), the scheduler and API server come up, and the readiness check names the DAG
    processor's and the triggerer's pods and the image they cannot pull."""
    values = (lab.solution / "values.yaml").read_text()
    (tmp_path / "values.yaml").write_text(
        values + "\nimages:\n  gitSync:\n    repository: registry.k8s.io/git-sync/git-sync\n"
        "    tag: v0.0.0-nope\n"
    )
    report, _namespace = _grade(lab, kind_cluster, kube, tmp_path)
    results = {c.id: c for c in report.checks}
    assert results["installed"].passed, results["installed"].message
    ready = results["pods-ready"]
    assert not ready.passed
    assert "registry.k8s.io/git-sync/git-sync:v0.0.0-nope" in ready.message, ready.message
    for component in ("dag-processor", "triggerer"):
        assert f"{component}: pod airflow-{component}-" in ready.message, ready.message
    assert "ImagePullBackOff" in ready.message or "ErrImagePull" in ready.message
    for component in ("scheduler", "api-server"):
        assert f"{component}: pod" not in ready.message, ready.message
