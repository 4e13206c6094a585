"""The engine applies a lab's `backends` rule, so the app and the CLI refuse alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flightschool.cluster.embedded import EmbeddedCluster
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


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_capstone_on_the_embedded_cluster_says_it_needs_real_containers(
    action: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before anything starts, with what to do: the CLI and the app show it as is."""
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "ws"))
    lab = load_lab(ROOT / "labs" / "11-airflow-on-kind")
    with pytest.raises(session.UnsupportedBackend) as refused:
        ACTIONS[action](lab, EmbeddedCluster())  # type: ignore[arg-type]
    message = str(refused.value)
    assert "needs real containers" in message
    assert "flightschool cluster up --backend kind" in message
    assert "flightschool images build" in message
    assert not (tmp_path / "ws").exists()


def test_a_listed_backend_goes_on_to_the_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_KUBECONFIG", str(tmp_path / "nowhere"))
    lab = load_lab(ROOT / "labs" / "01-first-pod")
    session.supported(lab, ExternalCluster())  # listed: no refusal


def test_a_workshop_learner_gets_prefixed_namespaces_and_their_own_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_KUBECONFIG", str(tmp_path / "nowhere"))
    monkeypatch.setenv("FLIGHTSCHOOL_NAMESPACE_PREFIX", "fs-room-")
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "ws"))
    lab = load_lab(ROOT / "labs" / "04-multi-tenancy")
    shared = ExternalCluster()
    personal = session.namespace_map(lab, shared)
    ada = session.namespace_map(lab, shared, "ada")
    bob = session.namespace_map(lab, shared, "bob")
    assert set(ada) == set(personal) == set(bob)
    assert all(real.startswith("fs-room-lab-ada-") for real in ada.values())
    assert not set(ada.values()) & set(bob.values())
    assert not set(ada.values()) & set(personal.values())
    assert session.workspace(lab, "ada") == tmp_path / "ws" / "ada" / lab.id
    assert session.workspace(lab) == tmp_path / "ws" / lab.id
    with pytest.raises(ValueError, match="not a slug"):
        session.workspace(lab, "../bob")


def test_cluster_scoped_setup_objects_are_each_learners_own() -> None:
    """Lab 07's PersistentVolume: a learner's copy carries their id, its claimRef names
    their namespace, and their claim asks for their volume; personal mode keeps the name."""
    from flightschool.grading.submit import read_files

    lab = load_lab(ROOT / "labs" / "07-kpo-dag")
    docs = read_files([lab.folder / s for s in lab.spec.setup])
    names = {"lab-kpo-dag": "lab-ada-kpo-dag"}
    owned = {d.body["kind"]: d.body for d in session.own_setup_objects(docs, names, "ada")}
    assert owned["PersistentVolume"]["metadata"]["name"] == "ada-lab-kpo-dag-data"
    assert owned["PersistentVolume"]["spec"]["claimRef"]["namespace"] == "lab-ada-kpo-dag"
    assert owned["PersistentVolumeClaim"]["spec"]["volumeName"] == "ada-lab-kpo-dag-data"
    assert owned["Secret"]["metadata"]["name"] == "api-secret"
    mine = {d.body["kind"]: d.body for d in session.own_setup_objects(docs, {}, None)}
    assert mine["PersistentVolume"]["metadata"]["name"] == "lab-kpo-dag-data"
    assert docs[1].body["metadata"]["name"] == "lab-kpo-dag-data"  # the lab's own untouched


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
