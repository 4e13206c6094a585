"""The console on the real embedded cluster: a learner's kubectl works in their lab
namespace, and everything outside it is refused by the API server itself (Forbidden),
which proves the console runs with the learner's credentials, not the admin's."""

from __future__ import annotations

import pytest

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.content.labs import Lab
from flightschool.grading import console, session

pytestmark = pytest.mark.cluster


def test_learner_kubectl_works_in_the_lab_namespace(lab01: Lab, embedded: EmbeddedCluster) -> None:
    namespace = session.namespace_map(lab01, embedded)[lab01.spec.namespaces[0].name]
    streamed: list[str] = []
    empty = console.run_line(lab01, embedded, "kubectl get pods", on_line=streamed.append)
    assert empty.returncode == 0, empty.output
    assert f"No resources found in {namespace} namespace." in empty.output
    assert streamed == empty.output.splitlines()

    applied = console.run_line(lab01, embedded, "kubectl apply -f pod.yaml")
    assert applied.returncode == 0, applied.output
    assert "created" in applied.output
    listed = console.run_line(lab01, embedded, "kubectl get pods -o name")
    assert listed.returncode == 0 and listed.output.startswith("pod/"), listed.output


@pytest.mark.parametrize(
    "line",
    ["kubectl get nodes", "kubectl get pods -n kube-system", "kubectl get pods -A"],
)
def test_outside_the_lab_the_api_server_says_forbidden(
    lab01: Lab, embedded: EmbeddedCluster, line: str
) -> None:
    namespace = session.namespace_map(lab01, embedded)[lab01.spec.namespaces[0].name]
    outcome = console.run_line(lab01, embedded, line)
    assert outcome.returncode not in (0, None), outcome.output
    assert "Forbidden" in outcome.output or "forbidden" in outcome.output, outcome.output
    assert f"system:serviceaccount:{namespace}:flightschool-learner" in outcome.output


def test_a_refused_line_never_reaches_the_cluster(lab01: Lab, embedded: EmbeddedCluster) -> None:
    with pytest.raises(console.Refused, match="not run here"):
        console.run_line(lab01, embedded, "rm -rf /")
