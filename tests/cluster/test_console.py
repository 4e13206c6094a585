"""The console on the real embedded cluster: a learner's kubectl works in their lab
namespace, and everything outside it is refused by the API server itself (Forbidden),
which proves the console runs with the learner's credentials, not the admin's."""

from __future__ import annotations

from pathlib import Path

import pytest

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.content.catalog import load_catalog
from flightschool.content.labs import Lab
from flightschool.core.paths import project_root
from flightschool.grading import console, session

pytestmark = pytest.mark.cluster


@pytest.fixture
def lab(embedded: EmbeddedCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    monkeypatch.setenv("FLIGHTSCHOOL_DATA_DIR", str(embedded.state.parents[1]))
    monkeypatch.setenv("FLIGHTSCHOOL_CLUSTER_NAME", embedded.cluster)
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "workspace"))
    found = load_catalog(project_root()).labs["01-first-pod"]
    session.start(found, embedded)
    return found


def test_learner_kubectl_works_in_the_lab_namespace(lab: Lab, embedded: EmbeddedCluster) -> None:
    namespace = session.namespace_map(lab, embedded)[lab.spec.namespaces[0].name]
    streamed: list[str] = []
    empty = console.run_line(lab, embedded, "kubectl get pods", on_line=streamed.append)
    assert empty.returncode == 0, empty.output
    assert f"No resources found in {namespace} namespace." in empty.output
    assert streamed == empty.output.splitlines()

    applied = console.run_line(lab, embedded, "kubectl apply -f pod.yaml")
    assert applied.returncode == 0, applied.output
    assert "created" in applied.output
    listed = console.run_line(lab, embedded, "kubectl get pods -o name")
    assert listed.returncode == 0 and listed.output.startswith("pod/"), listed.output


@pytest.mark.parametrize(
    "line",
    ["kubectl get nodes", "kubectl get pods -n kube-system", "kubectl get pods -A"],
)
def test_outside_the_lab_the_api_server_says_forbidden(
    lab: Lab, embedded: EmbeddedCluster, line: str
) -> None:
    namespace = session.namespace_map(lab, embedded)[lab.spec.namespaces[0].name]
    outcome = console.run_line(lab, embedded, line)
    assert outcome.returncode not in (0, None), outcome.output
    assert "Forbidden" in outcome.output or "forbidden" in outcome.output, outcome.output
    assert f"system:serviceaccount:{namespace}:flightschool-learner" in outcome.output


def test_a_refused_line_never_reaches_the_cluster(lab: Lab, embedded: EmbeddedCluster) -> None:
    with pytest.raises(console.Refused, match="not run here"):
        console.run_line(lab, embedded, "rm -rf /")
