"""The learner's airflow.cfg and pod template loaded by the installed Airflow, and the
worker pods generate-dag-yaml makes from them."""

from __future__ import annotations

from pathlib import Path

from flightschool.dags.config import generate_worker_pods, load_config
from flightschool.dags.home import lab_home
from tests.conftest import ROOT

LAB = ROOT / "labs" / "08-executor-pod-template"


def test_unknown_sections_and_options_are_named_with_their_line(tmp_path: Path) -> None:
    config = tmp_path / "airflow.cfg"
    config.write_text(
        "[core]\nexecutor = KubernetesExecutor\n\n[kubernetes_executor]\n"
        "namespace = team-a\nworker_container_image = apache/airflow:3.3.2\n\n[kubernetes]\nx = 1\n"
    )
    facts = load_config(
        lab_home("unit-config"), config, ["core.executor", "kubernetes_executor.namespace"], None
    )
    assert facts.options == {
        "core.executor": "KubernetesExecutor",
        "kubernetes_executor.namespace": "team-a",
    }
    assert {(u["line"], u["option"]) for u in facts.unknown} == {
        (6, "kubernetes_executor.worker_container_image"),
        (8, "[kubernetes]"),
    }
    # Asked for the executor, the probe also says which class each short name loads.
    assert facts.executors["KubernetesExecutor"] == (
        "airflow.providers.cncf.kubernetes.executors.kubernetes_executor.KubernetesExecutor"
    )
    assert "LocalExecutor" in facts.executors


def test_a_broken_pod_template_is_reported_not_raised(tmp_path: Path) -> None:
    template = tmp_path / "pod_template.yaml"
    template.write_text("apiVersion: v1\nkind: Pod\nspec: [unclosed\n")
    facts = load_config(lab_home("unit-config"), LAB / "solution" / "airflow.cfg", [], template)
    assert facts.template is None
    assert facts.template_error


def test_the_solution_generates_one_worker_pod_per_task() -> None:
    solution = LAB / "solution"
    pods = generate_worker_pods(
        lab_home("unit-config"),
        solution / "dags" / "etl.py",
        "executor_etl",
        config=solution / "airflow.cfg",
        pod_template=solution / "pod_template.yaml",
    )
    assert pods.error == ""
    assert sorted(p["metadata"]["labels"]["task_id"] for p in pods.pods) == ["extract", "load"]
    base = pods.pods[0]["spec"]["containers"][0]
    assert base["name"] == "base" and base["image"] == "apache/airflow:3.3.2"
    assert base["args"][:3] == ["python", "-m", "airflow.sdk.execution_time.execute_workload"]


def test_a_dag_id_that_does_not_exist_is_an_error_message(tmp_path: Path) -> None:
    solution = LAB / "solution"
    pods = generate_worker_pods(
        lab_home("unit-config"),
        solution / "dags" / "etl.py",
        "no_such_dag",
        config=solution / "airflow.cfg",
        pod_template=None,
    )
    assert pods.pods == [] and "generate-dag-yaml failed" in pods.error
