"""The engine applies a lab's `backends` rule, so the app and the CLI refuse alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flightschool.cluster.external import ExternalCluster
from flightschool.content.labs import Lab, load_lab
from flightschool.grading import session
from tests.conftest import ROOT

ACTIONS: dict[str, Callable[[Lab, ExternalCluster], object]] = {
    "start": session.start,
    "prepare": session.prepare,
    "check": session.check,
    "solve": session.solve,
    "run_dag": session.run_dag,
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_lab_refuses_a_backend_it_does_not_list_before_touching_anything(
    action: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_KUBECONFIG", str(tmp_path / "nowhere"))  # never read
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "ws"))
    lab = load_lab(ROOT / "labs" / "07-kpo-dag")  # embedded and kind only
    assert "kubeconfig" not in lab.spec.backends
    with pytest.raises(session.UnsupportedBackend, match="does not support the kubeconfig"):
        ACTIONS[action](lab, ExternalCluster())
    assert not (tmp_path / "ws").exists()


def test_a_listed_backend_goes_on_to_the_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_KUBECONFIG", str(tmp_path / "nowhere"))
    lab = load_lab(ROOT / "labs" / "01-first-pod")
    session.supported(lab, ExternalCluster())  # listed: no refusal


def test_an_exam_copy_never_touches_the_learners_practice_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "ws"))
    lab = load_lab(ROOT / "labs" / "01-first-pod")
    practice = session.copy_starter(lab, session.workspace(lab))
    [edited] = [p for p in practice.rglob("*") if p.is_file()][:1]
    edited.write_text("# the learner's own work\n")
    exam = session.copy_starter(lab, session.exam_workspace(lab), fresh=True)
    assert exam != practice and not exam.is_relative_to(practice)
    assert edited.read_text() == "# the learner's own work\n"
    exam_copy = exam / edited.relative_to(practice)
    assert exam_copy.read_text() == (lab.starter / edited.relative_to(practice)).read_text()
    exam_copy.write_text("exam answer\n")  # a second exam starts from the starter again
    session.copy_starter(lab, session.exam_workspace(lab), fresh=True)
    assert exam_copy.read_text() != "exam answer\n"
    session.copy_starter(lab, session.workspace(lab))  # a practice start keeps edits
    assert edited.read_text() == "# the learner's own work\n"
