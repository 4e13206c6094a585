"""Importing learner DAG files safely: in the sandbox (core/sandbox.py: no network, no view
of the app's data, limits on time, memory, CPU, files, processes and output), with its own
AIRFLOW_HOME and a kubeconfig that points nowhere. The summary comes back on a private
channel with a per-run nonce: a DAG that prints a summary on stdout proves nothing."""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flightschool.core.proc import ToolError
from flightschool.core.sandbox import (
    NONCE_ENV,
    Limits,
    Policy,
    SandboxUnavailable,
    run_sandboxed,
    stop_reason,
)
from flightschool.dags.home import airflow_env

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
    notes: list[str] = field(default_factory=list)  # what the sandbox could not isolate

    @property
    def ok(self) -> bool:
        return not self.import_errors

    def tasks(self) -> dict[str, dict[str, Any]]:
        return {t["task_id"]: t for d in self.dags for t in d["tasks"]}


def summarise(
    paths: list[Path], timeout: float = IMPORT_TIMEOUT, env: dict[str, str] | None = None
) -> list[FileSummary]:
    """Import each file (in one sandboxed child process) and return its summary."""
    paths = [p.resolve() for p in paths]
    nonce = secrets.token_hex(16)
    limits = Limits(timeout=timeout, memory=MEMORY_LIMIT, cpu=int(timeout) + 5)
    with tempfile.TemporaryDirectory(prefix="fs-airflow-") as home:
        child_env = {
            **airflow_env(Path(home), dags_folder=Path(home) / "dags"),
            **_QUICK,
            **(env or {}),
            NONCE_ENV: nonce,
        }
        policy = Policy(
            readable=tuple(sorted({p.parent for p in paths})),
            writable=(Path(home),),
            limits=limits,
        )
        try:
            result = run_sandboxed(
                [sys.executable, "-m", "flightschool.dags.probe", *map(str, paths)],
                policy,
                env=child_env,
                cwd=Path(home),
                channel=True,
            )
        except (ToolError, SandboxUnavailable) as exc:
            raise DagImportError(f"the DAG file could not be imported: {exc}") from exc
    why = stop_reason(result, limits)
    if why:
        raise DagImportError(f"importing the DAG file was stopped: {why}")
    found = _verified(result.channel, nonce, paths)
    if found is None and result.channel:
        raise DagImportError(
            "the import's summary could not be confirmed: something other than the "
            "importer wrote on its private channel"
        )
    if found is None:
        tail = " | ".join(t for t in result.lines[-3:] if t.strip())
        raise DagImportError(
            f"the DAG import process ended early (exit {result.returncode}): {tail}"
        )
    return [FileSummary(**s, notes=result.notes) for s in found]


def _verified(channel: bytes, nonce: str, paths: list[Path]) -> list[dict[str, Any]] | None:
    """One summary per file, in order, each carrying this run's nonce; None otherwise
    (anything else on the channel means something other than the probe wrote there)."""
    found: list[Any] = []
    for raw in channel.splitlines():
        try:
            record = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(record, dict) or record.get("nonce") != nonce:
            return None
        found.append(record.get("summary"))
    if len(found) != len(paths):
        return None
    for summary, path in zip(found, paths, strict=True):
        if not isinstance(summary, dict) or summary.get("file") != str(path):
            return None
    return found
