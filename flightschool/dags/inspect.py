"""Importing learner DAG files safely: in a child process with a time limit and memory
and CPU limits, its own AIRFLOW_HOME, and a kubeconfig that points nowhere, so nothing a
DAG does at import time can reach a real cluster or the app's own state."""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flightschool.core.proc import ToolError, run
from flightschool.dags.home import airflow_env

PREFIX = "FLIGHTSCHOOL-SUMMARY "
IMPORT_TIMEOUT = 60.0
MEMORY_LIMIT = 2 * 1024**3


# A kubernetes_default connection in the environment answers the operator's connection
# lookup at once (otherwise each pod built waits about a second on lookups that fail).
_QUICK = {
    "AIRFLOW_CONN_KUBERNETES_DEFAULT": '{"conn_type": "kubernetes", "extra": {"in_cluster": false}}',
    "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
}


class DagImportError(RuntimeError):
    pass


@dataclass
class FileSummary:
    file: str
    import_errors: list[dict[str, Any]] = field(default_factory=list)
    dags: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.import_errors

    def tasks(self) -> dict[str, dict[str, Any]]:
        return {t["task_id"]: t for d in self.dags for t in d["tasks"]}


def summarise(
    paths: list[Path], timeout: float = IMPORT_TIMEOUT, env: dict[str, str] | None = None
) -> list[FileSummary]:
    """Import each file (in one child process) and return its summary."""
    with tempfile.TemporaryDirectory(prefix="fs-airflow-") as home:
        child_env = {
            **airflow_env(Path(home), dags_folder=Path(home) / "dags"),
            **_QUICK,
            **(env or {}),
        }
        try:
            result = run(
                [sys.executable, "-m", "flightschool.dags.probe", *map(str, paths)],
                timeout=timeout,
                env=child_env,
                inherit_env=False,
                limits={"memory": MEMORY_LIMIT, "cpu": int(timeout) + 5},
            )
        except ToolError as exc:
            raise DagImportError(
                f"importing the DAG file took too long or failed to start: {exc}"
            ) from exc
    found = [
        json.loads(line[len(PREFIX) :])
        for line in result.stdout.splitlines()
        if line.startswith(PREFIX)
    ]
    if len(found) != len(paths):
        tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
        raise DagImportError(
            f"the DAG import process ended early (exit {result.returncode}): {tail}"
        )
    return [FileSummary(**s) for s in found]
