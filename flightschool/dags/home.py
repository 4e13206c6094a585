"""Airflow homes for labs. `airflow db migrate` takes seconds, so it runs once per installed
Airflow version into a cached template database; each lab run starts from a copy of it."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from flightschool.core.errors import EnvironmentProblem
from flightschool.core.locks import exclusive
from flightschool.core.paths import cache_dir, data_dir
from flightschool.core.proc import ToolError, run

MIGRATE_TIMEOUT = 300.0
DB_NAME = "airflow.db"
OFFLINE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: offline, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: offline, user: {token: offline}}]
contexts: [{name: offline, context: {cluster: offline, user: offline, namespace: default}}]
current-context: offline
"""


class AirflowHomeError(EnvironmentProblem, RuntimeError):
    pass


def airflow_version() -> str:
    return version("apache-airflow")


def airflow_env(
    home: Path,
    *,
    dags_folder: Path | None = None,
    kubeconfig: Path | None = None,
    config: Path | None = None,
) -> dict[str, str]:
    """The whole environment of an Airflow child process: nothing inherited from the app
    but PATH, so learner code sees no app secrets; without `kubeconfig` it gets one that
    points nowhere, so import-time code cannot reach a cluster."""
    if kubeconfig is None:
        kubeconfig = home / "offline-kubeconfig"
        kubeconfig.write_text(OFFLINE_KUBECONFIG)
    env = {
        "AIRFLOW_HOME": str(home),
        "KUBECONFIG": str(kubeconfig),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
    }
    if dags_folder is not None:
        env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder)
    if config is not None:
        env["AIRFLOW_CONFIG"] = str(config)
    return env


def template_db() -> Path:
    """The migrated template database, created on first use (one process at a time)."""
    folder = cache_dir() / "airflow-home" / airflow_version()
    target = folder / DB_NAME
    if target.exists():
        return target
    with exclusive(folder / ".lock"):
        if target.exists():
            return target
        with tempfile.TemporaryDirectory(prefix="fs-migrate-") as tmp:
            home = Path(tmp)
            try:
                result = run(
                    [sys.executable, "-m", "airflow", "db", "migrate"],
                    timeout=MIGRATE_TIMEOUT,
                    env=airflow_env(home),
                    inherit_env=False,
                )
            except ToolError as exc:
                raise AirflowHomeError(f"`airflow db migrate` failed: {exc}") from exc
            if not result.ok or not (home / DB_NAME).exists():
                tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
                raise AirflowHomeError(f"`airflow db migrate` failed: {tail}")
            partial = folder / f"{DB_NAME}.partial"
            shutil.copyfile(home / DB_NAME, partial)
            partial.replace(target)
    return target


def lab_home(lab_id: str) -> Path:
    """The lab's Airflow home with a fresh metadata database (copied from the template),
    so every run starts from the same state; task logs of earlier runs stay."""
    home = data_dir() / "airflow" / lab_id
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template_db(), home / DB_NAME)
    return home
