"""The Exam page against the real embedded cluster: starting an exam keeps the learner's
practice files; the exam's lab works in its own copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from flightschool.cluster.embedded import EmbeddedCluster
from tests.conftest import ROOT

pytestmark = pytest.mark.cluster

EDIT = "# my practice answer, half done\napiVersion: v1\nkind: Pod\n"


def _open(page: str) -> None:
    from flightschool.ui.app import main

    main(start=page)


def test_starting_an_exam_keeps_the_learners_lab_files(
    embedded: EmbeddedCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_DATA_DIR", str(embedded.state.parents[1]))
    monkeypatch.setenv("FLIGHTSCHOOL_CLUSTER_NAME", embedded.cluster)
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "workspace"))
    practice = tmp_path / "workspace" / "01-first-pod"
    practice.mkdir(parents=True)
    (practice / "pod.yaml").write_text(EDIT)
    (practice / "notes.txt").write_text("my notes\n")

    at = AppTest.from_function(_open, args=("exam",), default_timeout=120).run()
    at.selectbox(key="exam_pick").set_value("kpo-executor-30").run()
    assert any("your practice files are kept" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Start the exam").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert (practice / "pod.yaml").read_text() == EDIT
    assert (practice / "notes.txt").read_text() == "my notes\n"
    exam_copy = tmp_path / "workspace" / "exam" / "01-first-pod"
    starter = ROOT / "labs" / "01-first-pod" / "starter" / "pod.yaml"
    assert (exam_copy / "pod.yaml").read_text() == starter.read_text()

    [items] = at.get("button_group")
    items.set_value(len(items.options) - 1).run()  # the lab is the last item
    assert any("Lab: Your first pod" in m.value for m in at.markdown)
    assert any(str(exam_copy) in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Submit now").click().run()
    assert not at.exception
    assert any(m.label == "Result" for m in at.metric)
    assert any(
        e.label.startswith(f"{len(items.options)}. Lab: Your first pod") for e in at.expander
    )
    assert (practice / "pod.yaml").read_text() == EDIT
