"""The Lab page against the real embedded cluster, through AppTest: start, edit, check."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.content.catalog import load_catalog
from flightschool.core.paths import project_root
from flightschool.progress.db import make_engine
from flightschool.progress.store import ProgressStore
from tests.conftest import ROOT

pytestmark = pytest.mark.cluster


def _open(page: str) -> None:
    from flightschool.ui.app import main

    main(start=page)


def _use_cluster(
    embedded: EmbeddedCluster, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_DATA_DIR", str(embedded.state.parents[1]))
    monkeypatch.setenv("FLIGHTSCHOOL_CLUSTER_NAME", embedded.cluster)
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(workspace))


@pytest.fixture
def on_cluster(embedded: EmbeddedCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _use_cluster(embedded, tmp_path / "workspace", monkeypatch)
    return tmp_path / "workspace" / "01-first-pod"


def test_start_edit_check_and_hints_are_recorded(on_cluster: Path) -> None:
    at = AppTest.from_function(_open, args=("lab:01-first-pod",), default_timeout=60).run()
    assert not at.exception
    # hints and the solution wait until the lab is started
    assert not [b for b in at.button if b.label.startswith("Show hint")]
    assert not [e for e in at.expander if e.label == "Show solution"]
    [start] = [b for b in at.button if b.label == "Start lab"]
    start.click().run()
    assert (on_cluster / "pod.yaml").exists()

    assert "python:latest" in (on_cluster / "pod.yaml").read_text()
    # The editor is a browser component (tests/browser types into it); here the file is
    # written as the editor's save would.
    solution = (ROOT / "labs" / "01-first-pod" / "solution" / "pod.yaml").read_text()
    (on_cluster / "pod.yaml").write_text(solution)

    [check] = [b for b in at.button if b.label == "Check my work"]
    check.click().run()
    assert not at.exception
    [score] = [m for m in at.metric if m.label == "Score"]
    assert score.value == "8 / 8"
    # each verdict streamed into the grading box, then the way on after a pass
    assert ":material/check_circle: The pod ran to completion" in [m.value for m in at.markdown]
    assert any("On to the next lab" in s.value for s in at.success)

    [hint] = [b for b in at.button if b.label.startswith("Show hint 1")]
    hint.click().run()
    store = ProgressStore(make_engine())
    assert store.best_lab_scores("learner") == {"01-first-pod": (8.0, 8.0)}
    assert [a["data"] for a in store.activity("learner", "hint", "01-first-pod")] == [{"n": 1}]


def test_a_malformed_file_is_reported_with_its_line(on_cluster: Path) -> None:
    at = AppTest.from_function(_open, args=("lab:01-first-pod",), default_timeout=60).run()
    next(b for b in at.button if b.label in ("Start lab", "Re-apply lab setup")).click().run()
    (on_cluster / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [oops\n")
    [check] = [b for b in at.button if b.label == "Check my work"]
    check.click().run()
    assert not at.exception
    assert any("could not be applied" in e.value for e in at.error)
    # the reason on the page itself, as code: not folded into the grading box
    assert any("pod.yaml:5: invalid YAML" in c.value for c in at.code)


@pytest.fixture
def dag_lab(embedded: EmbeddedCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _use_cluster(embedded, tmp_path / "workspace", monkeypatch)
    return tmp_path / "workspace" / "07-kpo-dag"


def test_run_the_dag_streams_states_then_grading_passes(dag_lab: Path) -> None:
    at = AppTest.from_function(_open, args=("lab:07-kpo-dag",), default_timeout=240).run()
    [start] = [b for b in at.button if b.label == "Start lab"]
    start.click().run()
    assert "schedule_interval" in (dag_lab / "pipeline.py").read_text()
    solution = (ROOT / "labs" / "07-kpo-dag" / "solution" / "pipeline.py").read_text()
    (dag_lab / "pipeline.py").write_text(solution)

    next(b for b in at.button if b.label == "Run the DAG").click().run()
    assert not at.exception
    assert any(s.label.startswith("Run succeeded") for s in at.status)
    states = at.dataframe[0].value
    assert list(states["task"]) == ["simple_pod", "resource_pod", "volume_pod"]
    assert dict(zip(states["task"], states["state"], strict=True)) == {
        "simple_pod": "success",
        "resource_pod": "success",
        "volume_pod": "success",
    }

    next(b for b in at.button if b.label == "Check my work").click().run()
    [score] = [m for m in at.metric if m.label == "Score"]
    assert score.value == "12 / 12"


def test_a_dag_that_does_not_import_names_its_line(dag_lab: Path) -> None:
    at = AppTest.from_function(_open, args=("lab:07-kpo-dag",), default_timeout=120).run()
    next(b for b in at.button if b.label in ("Start lab", "Re-apply lab setup")).click().run()
    next(b for b in at.button if b.label == "Run the DAG").click().run()
    assert not at.exception
    assert any(s.label.startswith("Run failed") for s in at.status)
    next(b for b in at.button if b.label == "Check my work").click().run()
    assert not at.exception
    texts = " ".join([*(m.value for m in at.markdown), *(c.value for c in at.code)])
    starter = (dag_lab / "pipeline.py").read_text()  # the starter, copied by Start lab
    calls = [n for n, line in enumerate(starter.splitlines(), 1) if line == "k8s_dag()"]
    assert calls, "the starter's DAG is no longer built by a k8s_dag() call"
    # Python reports the error where the decorated function is called
    assert f"pipeline.py:{calls[0]}" in texts and "schedule_interval" in texts


def test_an_exam_lab_item_can_apply_and_look_but_is_not_graded(on_cluster: Path) -> None:
    """In an exam, a lab item has the editor, Apply, the console and the cluster view;
    Apply shows what it did, and no score appears before the exam is submitted."""
    at = AppTest.from_function(_open, args=("exam",), default_timeout=90).run()
    at.selectbox(key="exam_pick").set_value("kpo-executor-30").run()
    next(b for b in at.button if b.label == "Start the exam").click().run()
    assert not at.exception
    exam = load_catalog(project_root()).exams["kpo-executor-30"]
    run = at.session_state["exam_run"]
    at.session_state[f"exam_nav:{run.attempt_id}"] = len(exam.spec.questions)  # the lab
    at.run()
    assert not at.exception
    [apply] = [b for b in at.button if b.label == "Apply"]
    apply.click().run()
    assert not at.exception
    assert any("created" in c.value and "pod/extract" in c.value for c in at.code)
    assert not [m for m in at.metric if m.label == "Score"]
    assert not [b for b in at.button if b.label == "Check my work"]
