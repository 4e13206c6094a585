"""The runner with a fake cluster view: one broken check never hides the others."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from flightschool.content.labs import Lab, LabSpec
from flightschool.grading import runner
from tests.unit.grading.fake_cluster import FakeCluster


def misbehaving(kind: str) -> None:
    """The "API" misbehaves for two made-up kinds: one raises, one is slow."""
    if kind == "Boom":
        raise RuntimeError("exploded")
    if kind == "Slow":
        time.sleep(2)


def cluster(*objects: dict[str, Any]) -> FakeCluster:
    return FakeCluster(objects, on_list=misbehaving)


def lab(tmp_path: Path, checks: list[dict[str, Any]]) -> Lab:
    spec = LabSpec.model_validate(
        {
            "id": "99-fake",
            "title": "Fake lab",
            "summary": "For tests",
            "lesson": "01-x",
            "difficulty": "core",
            "minutes": 1,
            "namespaces": [{"name": "lab-fake"}],
            "allowed_kinds": ["Pod"],
            "tasks": ["t"],
            "hints": ["a", "b"],
            "starter_fails": [],
            "checks": checks,
        }
    )
    return Lab(spec, tmp_path)


def expect(cid: str, kind: str = "Pod", **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "title": f"check {cid}",
        "type": "expect",
        "message": f"fix {cid}",
        "object": {"apiVersion": "v1", "kind": kind, "name": "p"},
        **extra,
    }


def test_errors_and_timeouts_become_that_checks_failure(tmp_path: Path) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "lab-fake"},
        "spec": {"restartPolicy": "Never"},
    }
    checks = [
        expect("good", match={"spec": {"restartPolicy": "Never"}}),
        expect("broken", kind="Boom"),
        expect("slow", kind="Slow", timeout=0.3),
        expect("wrong", match={"spec": {"restartPolicy": "Always"}}, points=2),
    ]
    report = runner.grade(lab(tmp_path, checks), cluster(pod))
    by_id = {c.id: c for c in report.checks}
    assert by_id["good"].passed
    assert "the check itself failed: RuntimeError: exploded" in by_id["broken"].message
    assert "did not finish within 0.3 s" in by_id["slow"].message
    assert "spec.restartPolicy: expected 'Always', found 'Never'" in by_id["wrong"].message
    assert (report.score, report.max_score, report.passed) == (1.0, 5.0, False)
    assert report.as_json()["checks"][0].keys() >= {"id", "title", "passed", "points", "message"}


def test_exam_only_checks_are_skipped_in_practice(tmp_path: Path) -> None:
    checks = [expect("a"), expect("b", visibility="exam")]
    report = runner.grade(lab(tmp_path, checks), cluster(), visibility="practice")
    assert [c.id for c in report.checks] == ["a"]


def test_python_check_failures_carry_their_message_and_a_hung_one_fails_alone(
    tmp_path: Path,
) -> None:
    (tmp_path / "checks.py").write_text(
        "def check_says_why(view):\n    return 'the reason'\n"
        "def check_asserts(view):\n    assert False, 'asserted'\n"
        "def check_hangs(view):\n    while True:\n        pass\n"
        "def check_ok(view):\n    return view.get('v1', 'Pod', 'p') is not None\n"
    )
    checks = [
        {
            "id": f"p{i}",
            "title": "python check",
            "type": "python",
            "message": "fix it",
            "function": name,
            "reads": ["v1/Pod"],
            "timeout": 1,
        }
        for i, name in enumerate(["check_says_why", "check_asserts", "check_hangs", "check_ok"])
    ]
    checks.insert(1, expect("between", match={"spec": {"restartPolicy": "Never"}}))
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "lab-fake"},
        "spec": {"restartPolicy": "Never"},
    }
    report = runner.grade(lab(tmp_path, checks), cluster(pod))
    assert [(c.passed, c.message) for c in report.checks] == [
        (False, "fix it (the reason)"),
        (True, ""),
        (False, "fix it (asserted)"),
        (False, "fix it (the check did not finish within 1 s)"),
        (True, ""),
    ]


def test_bad_lab_yaml_is_reported_with_lines(tmp_path: Path) -> None:
    from flightschool.content.errors import ContentLoadError
    from flightschool.content.labs import load_lab

    folder = tmp_path / "99-bad"
    folder.mkdir()
    (folder / "lab.yaml").write_text(
        "id: 99-bad\ntitle: Bad lab\nchecks:\n  - id: x\n    type: teleport\n"
    )
    with pytest.raises(ContentLoadError) as caught:
        load_lab(folder)
    text = "\n".join(str(e) for e in caught.value.errors)
    assert "lab.yaml:5: checks.0.type" in text or "lab.yaml:4: checks.0" in text
    assert "missing required field 'summary'" in text


def test_a_cluster_that_stops_is_named_not_graded_as_not_yet(tmp_path: Path) -> None:
    """A real client against a port where nothing listens: connection refused mid-grading."""
    import socket

    from flightschool.cluster.kube import ClusterUnreachable, Kube

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kubeconfig = tmp_path / "kubeconfig.yaml"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        f"clusters: [{{name: k, cluster: {{server: 'https://127.0.0.1:{port}', "
        "insecure-skip-tls-verify: true}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\nusers: [{name: u, user: {token: t}}]\n"
    )
    kube = Kube(kubeconfig, timeout=2)
    with pytest.raises(ClusterUnreachable, match="the lab cluster stopped during grading"):
        runner.grade(lab(tmp_path, [expect("a"), expect("b")]), kube)
