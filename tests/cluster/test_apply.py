"""Apply without grading on the real embedded cluster: each document's outcome (created,
unchanged, configured) and the API server's refusal at its file:line, as the learner."""

from __future__ import annotations

import pytest

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import wait_until
from flightschool.content.labs import Lab
from flightschool.grading import session
from flightschool.grading.apply import apply_workspace
from flightschool.grading.submit import SubmissionError

pytestmark = pytest.mark.cluster


def test_created_then_unchanged_then_configured(lab01: Lab, embedded: EmbeddedCluster) -> None:
    first = apply_workspace(lab01, embedded)
    assert first.ok
    assert [(c.kind, c.name, c.action, c.line) for c in first.changes] == [
        ("Pod", "extract", "created", 1)
    ]
    assert first.changes[0].namespace == session.namespace_map(lab01, embedded)["lab-first-pod"]
    # the pod runs to completion meanwhile: a status that moved is not a change of the learner's
    namespace = first.changes[0].namespace
    assert wait_until(
        lambda: (
            (
                (embedded.client().get("v1", "Pod", "extract", namespace) or {}).get("status", {})
            ).get("phase")
            in ("Succeeded", "Failed", "Running")
        ),
        30,
        0.2,
    )
    again = apply_workspace(lab01, embedded)
    assert [c.action for c in again.changes] == ["unchanged"]
    pod = session.workspace(lab01) / "pod.yaml"
    pod.write_text(
        pod.read_text().replace("name: extract\n", "name: extract\n  labels: {a: b}\n", 1)
    )
    changed = apply_workspace(lab01, embedded)
    assert [c.action for c in changed.changes] == ["configured"]


def test_refusals_name_their_file_and_line(lab01: Lab, embedded: EmbeddedCluster) -> None:
    folder = session.workspace(lab01)
    (folder / "more.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: other\nspec:\n  containers:\n"
        "    - name: main\n      image: busybox:1.37\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers:\n"
        "    - name: main\n      image: busybox:1.37\n"
    )
    result = apply_workspace(lab01, embedded)
    assert not result.ok
    actions = {(c.path.name, c.line): c.action for c in result.changes}
    assert actions[("more.yaml", 1)] == "created"  # the good one is still applied
    assert actions[("more.yaml", 10)] == "failed"
    [error] = result.errors
    assert (error.path.name, error.line) == ("more.yaml", 10)
    assert "Bad_Name" in error.message


def test_a_yaml_error_stops_before_anything_is_applied(
    lab01: Lab, embedded: EmbeddedCluster
) -> None:
    (session.workspace(lab01) / "pod.yaml").write_text("kind: Pod\nmetadata:\n  name: [oops\n")
    with pytest.raises(SubmissionError) as caught:
        apply_workspace(lab01, embedded)
    assert any(e.path.name == "pod.yaml" and e.line >= 3 for e in caught.value.errors)
