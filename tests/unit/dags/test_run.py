"""`airflow dags test` in a child process, with the installed Airflow: states read from the
lab's own database, and a task that never ends stopped by the time limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from flightschool.dags import run as dag_run
from flightschool.dags.home import airflow_version, lab_home, template_db
from flightschool.dags.run import task_states

DAG = """
from datetime import datetime
from airflow.sdk import dag, task

@dag(dag_id="{dag_id}", start_date=datetime(2025, 1, 1), schedule=None)
def pipeline():
    @task
    def first():
        {body}

    @task
    def second():
        return 2

    first() >> second()

pipeline()
"""


def _dag(tmp_path: Path, dag_id: str, body: str) -> Path:
    folder = tmp_path / "dags"
    folder.mkdir(exist_ok=True)
    path = folder / f"{dag_id}.py"
    path.write_text(DAG.format(dag_id=dag_id, body=body))
    return path


def test_the_template_database_is_made_once_and_copied_per_lab() -> None:
    template = template_db()
    assert airflow_version() in str(template)
    home = lab_home("unit-lab")
    assert (home / "airflow.db").read_bytes() == template.read_bytes()
    assert task_states(home, "anything") == (None, {})


def test_a_run_reports_each_task_and_calls_back(tmp_path: Path) -> None:
    dag_file = _dag(tmp_path, "two_tasks", "return 1")
    seen: list[dict[str, str | None]] = []
    result = dag_run.test_dag(
        dag_file,
        "two_tasks",
        lab_home("unit-lab"),
        kubeconfig=tmp_path / "none",
        simulated_logs=False,
        on_task=seen.append,
    )
    assert result.succeeded, result.error or result.output[-5:]
    assert result.tasks == {"first": "success", "second": "success"}
    assert seen[0].get("first") == "running"
    assert seen[-1] == {"first": "success", "second": "success"}
    assert list(result.tasks) == ["first", "second"]  # in the order they ran


def test_a_failing_task_fails_the_run(tmp_path: Path) -> None:
    dag_file = _dag(tmp_path, "fails", "raise ValueError('bad input row 7')")
    result = dag_run.test_dag(
        dag_file, "fails", lab_home("unit-lab"), kubeconfig=tmp_path / "none", simulated_logs=False
    )
    assert result.state == "failed"
    assert result.tasks["first"] == "failed"
    assert any("bad input row 7" in line for line in result.output)


@pytest.mark.timeout(120)
def test_a_task_that_never_ends_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    dag_file = _dag(tmp_path, "forever", "while True:\n            pass")
    result = dag_run.test_dag(
        dag_file,
        "forever",
        lab_home("unit-lab"),
        kubeconfig=tmp_path / "none",
        simulated_logs=False,
        timeout=25,
    )
    assert not result.succeeded
    assert "took too long (more than 25 s)" in result.error
