"""The capstone lab (11-airflow-on-kind) on kind, with real containers and the official
chart (../shared/charts in tests). The starter fails exactly its `starter_fails` (its values
never render, so nothing is built or installed); the solution is built with docker, loaded
onto the nodes, installed, and its DAG really runs: worker pods from the chart's pod
template and a KubernetesPodOperator pod, graded through the Kubernetes API and through
Airflow's own REST API. None of it can happen on the embedded cluster, where no container
runs and the lab refuses to start."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flightschool.cluster import images
from flightschool.cluster.kind import KindCluster
from flightschool.cluster.kube import Kube
from flightschool.content.catalog import load_catalog
from flightschool.content.labs import Lab
from flightschool.core.proc import run
from flightschool.grading import session
from flightschool.grading.report import Report
from tests.charts import proof_chart
from tests.conftest import ROOT
from tests.kind_fixtures import remove_lab_namespaces
from tests.lab_corpus import Case, load_cases

pytestmark = pytest.mark.kind

LAB = "11-airflow-on-kind"
NEEDED = ("postgres:15", "python:3.12-slim", "apache/airflow:3.3.2")


@pytest.fixture(scope="module", autouse=True)
def release_removed_after(kind_cluster: KindCluster) -> Iterator[None]:
    yield
    remove_lab_namespaces(kind_cluster, LAB)


@pytest.fixture
def lab(monkeypatch: pytest.MonkeyPatch) -> Lab:
    monkeypatch.setenv("FLIGHTSCHOOL_AIRFLOW_CHART", str(proof_chart()))
    return load_catalog(ROOT).labs[LAB]


def _missing_on_nodes(cluster: KindCluster, tags: tuple[str, ...]) -> list[str]:
    """The tags some node of the cluster lacks (a cluster made before the kit built them)."""
    docker = shutil.which("docker") or "docker"
    kind = images.kind_binary() or "kind"
    nodes = run([kind, "get", "nodes", "--name", cluster.cluster], timeout=60).stdout.split()
    missing = set()
    for node in nodes:
        listed = run(
            [docker, "exec", node, "ctr", "--namespace=k8s.io", "images", "ls", "-q"], timeout=60
        ).stdout
        for tag in tags:
            if images.qualified(tag) not in listed.split():
                missing.add(tag)
    return sorted(missing)


def _stamped(line: str) -> None:
    print(time.strftime("%H:%M:%S"), line, flush=True)


def _failing(report: Report) -> dict[str, str]:
    return {c.id: c.message for c in report.checks if not c.passed}


CASES = load_cases(LAB)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
@pytest.mark.timeout(1200)  # a correct variant is built, installed and run
def test_capstone_corpus_case_grades_as_expected(
    case: Case, lab: Lab, kind_cluster: KindCluster, tmp_path: Path
) -> None:
    """A near miss (values or a DAG the render-level checks refuse) is graded in seconds
    with nothing built or installed; a correct variant passes every check for real."""
    kube = Kube(kind_cluster.kubeconfig())
    names = session.prepare(lab, kind_cluster, kube)
    lines: list[str] = []
    folder = case.materialise(lab, tmp_path)
    report = session.check(lab, kind_cluster, folder, on_output=lines.append)
    failed = _failing(report)
    assert sorted(failed) == list(case.fails), failed
    if case.correct:
        assert report.score == lab.spec.max_score
        return
    assert "nothing was built or installed, as these fail first" in failed["dag-run"]
    assert not [line for line in lines if "docker build" in line or "Installing" in line], lines
    namespace = names["lab-airflow-kind"]
    assert kube.get("apps/v1", "Deployment", "airflow-scheduler", namespace) is None


@pytest.mark.timeout(1800)  # two gradings, a chart install and a DAG run on shared nodes
def test_capstone_starter_fails_its_checks_and_the_solution_runs_for_real(
    lab: Lab, kind_cluster: KindCluster, tmp_path: Path
) -> None:
    missing = _missing_on_nodes(kind_cluster, NEEDED)
    if missing:
        images.load(kind_cluster.cluster, print, tags=missing)
    kube = Kube(kind_cluster.kubeconfig())
    names = session.prepare(lab, kind_cluster, kube)
    namespace = names["lab-airflow-kind"]

    starter = session.check(lab, kind_cluster, lab.starter, on_output=_stamped)
    assert sorted(_failing(starter)) == sorted(lab.spec.starter_fails), _failing(starter)
    assert "did not render" in _failing(starter)["dag-run"]

    solution = tmp_path / "solution"
    shutil.copytree(lab.solution, solution)
    solved = session.check(lab, kind_cluster, solution, on_output=_stamped)
    assert solved.passed, _failing(solved)
    assert solved.score == lab.spec.max_score

    # What the checks read is really there: worker pods that ran the learner's image with
    # the template's resources, and the KubernetesPodOperator's pod with its output.
    pods = kube.list_objects("v1", "Pod", namespace)
    workers = [p for p in pods if p["metadata"]["labels"].get("kubernetes_executor") == "True"]
    assert {p["metadata"]["labels"]["task_id"] for p in workers} >= {
        "extract",
        "transform",
        "report",
    }
    assert all(p["status"]["phase"] == "Succeeded" for p in workers)
    kpo = next(p for p in pods if p["metadata"]["labels"].get("kubernetes_pod_operator") == "True")
    log = kube.raw("GET", f"/api/v1/namespaces/{namespace}/pods/{kpo['metadata']['name']}/log")
    assert "report ready" in str(log)
