"""Learner DAG files are imported in a child process, with a time limit, never in ours."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from flightschool.dags.inspect import DagImportError, summarise

GOOD = """
from datetime import datetime
from airflow.sdk import dag
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

@dag(schedule="@daily", start_date=datetime(2026, 1, 1), catchup=False)
def etl():
    extract = KubernetesPodOperator(
        task_id="extract", name="extract", image="python:3.12-slim", namespace="etl",
        container_resources=k8s.V1ResourceRequirements(requests={"cpu": "1", "memory": "2Gi"}),
    )
    load = KubernetesPodOperator(task_id="load", name="load", image="python:3.12-slim", namespace="etl")
    extract >> load

etl()
"""


def test_a_dag_is_summarised_with_tasks_dependencies_and_pods(tmp_path: Path) -> None:
    path = tmp_path / "etl.py"
    path.write_text(GOOD)
    [summary] = summarise([path])
    assert summary.ok
    tasks = summary.tasks()
    assert tasks["load"]["upstream"] == ["extract"]
    assert tasks["extract"]["operator"] == "KubernetesPodOperator"
    assert tasks["extract"]["kpo"]["namespace"] == "etl"
    pod = tasks["extract"]["pod"]
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "1", "memory": "2Gi"}
    assert pod["metadata"]["namespace"] == "etl"


def test_import_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "old.py"
    path.write_text(
        "from datetime import datetime\nfrom airflow.sdk import dag\n\n"
        "@dag(schedule_interval='@daily', start_date=datetime(2026, 1, 1))\ndef old():\n    pass\n\nold()\n"
    )
    [summary] = summarise([path])
    assert not summary.ok
    [error] = summary.import_errors
    assert error["line"] == 8 and "schedule_interval" in error["message"]


def test_a_dag_that_loops_forever_hits_the_time_limit(tmp_path: Path) -> None:
    path = tmp_path / "loop.py"
    path.write_text("while True:\n    pass\n")
    with pytest.raises(DagImportError, match="too long"):
        summarise([path], timeout=8)


def test_dag_code_does_not_run_in_this_process(tmp_path: Path) -> None:
    path = tmp_path / "spy.py"
    path.write_text("import os\nraise RuntimeError(f'pid={os.getpid()} ppid={os.getppid()}')\n")
    [summary] = summarise([path])
    [error] = summary.import_errors
    assert "pid=" in error["message"]
    assert f"pid={os.getpid()} " not in error["message"]
    assert "flightschool.dags.probe" not in sys.modules
