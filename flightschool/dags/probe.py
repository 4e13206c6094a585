"""Runs INSIDE a sandboxed child process, never in the app: imports DAG files with Airflow
and writes one JSON summary per file on a private channel (not stdout, which the learner's
code shares). Started by `flightschool.dags.inspect`.

The channel is a pipe whose file descriptor number, and a per-run nonce, arrive in the
environment; both are taken out of it before any learner code is imported, and the pipe
is not inherited by programs the learner's code starts.

For each file: import errors (with line), each DAG with its tasks, operator classes and
dependencies, the KubernetesPodOperator arguments that matter, and the pod each KPO task
would create (built with `build_pod_request_obj`, without talking to a cluster).
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from typing import Any

from flightschool.core.channel import CHANNEL_ENV, NONCE_ENV, open_channel

__all__ = ["CHANNEL_ENV", "NONCE_ENV", "open_channel", "summarise"]


KPO_FIELDS = (
    "image",
    "namespace",
    "cmds",
    "arguments",
    "node_selector",
    "labels",
    "annotations",
    "service_account_name",
    "on_finish_action",
    "get_logs",
    "do_xcom_push",
    "image_pull_policy",
)


def _serialise(value: Any) -> Any:
    from kubernetes.client import ApiClient

    try:
        return ApiClient().sanitize_for_serialization(value)
    except Exception:
        return repr(value)


def _kpo_facts(task: Any) -> dict[str, Any]:
    facts = {name: _serialise(getattr(task, name, None)) for name in KPO_FIELDS}
    facts["on_finish_action"] = str(
        getattr(getattr(task, "on_finish_action", None), "value", facts["on_finish_action"])
    )
    for name in (
        "container_resources",
        "env_vars",
        "volumes",
        "volume_mounts",
        "tolerations",
        "affinity",
        "secrets",
    ):
        value = getattr(task, name, None)
        if name == "secrets" and value:
            value = [
                {
                    "deploy_type": s.deploy_type,
                    "deploy_target": s.deploy_target,
                    "secret": s.secret,
                    "key": s.key,
                }
                for s in value
            ]
        facts[name] = _serialise(value)
    return facts


def _error_line(text: str, path: str) -> int:
    lines = re.findall(rf'File "{re.escape(path)}", line (\d+)', text)
    if lines:
        return int(lines[-1])
    match = re.search(r"line (\d+)", text)
    return int(match.group(1)) if match else 0


def summarise(path: str) -> dict[str, Any]:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    bag = DagBag(
        dag_folder=path, safe_mode=False
    )  # import every file, not only ones that mention "dag"
    out: dict[str, Any] = {"file": path, "import_errors": [], "dags": []}
    for file, text in bag.import_errors.items():
        last = [line for line in str(text).strip().splitlines() if line.strip()]
        out["import_errors"].append(
            {
                "file": file,
                "line": _error_line(str(text), path),
                "message": last[-1] if last else str(text),
            }
        )
    for dag in bag.dags.values():
        tasks = []
        for task in dag.tasks:
            entry: dict[str, Any] = {
                "task_id": task.task_id,
                "operator": type(task).__name__,
                "module": type(task).__module__,
                "upstream": sorted(task.upstream_task_ids),
                "downstream": sorted(task.downstream_task_ids),
            }
            if isinstance(task, KubernetesPodOperator):
                entry["kpo"] = _kpo_facts(task)
                try:
                    entry["pod"] = _serialise(task.build_pod_request_obj())
                except Exception as exc:
                    entry["pod_error"] = f"{type(exc).__name__}: {exc}"
            tasks.append(entry)
        out["dags"].append(
            {
                "dag_id": dag.dag_id,
                "schedule": str(getattr(dag, "timetable", "")),
                "tasks": tasks,
                "fileloc": dag.fileloc,
            }
        )
    return out


def main(paths: list[str]) -> int:
    channel, nonce = open_channel()
    for path in paths:
        try:
            summary = summarise(path)
        except Exception:
            summary = {
                "file": path,
                "import_errors": [
                    {"file": path, "line": 0, "message": traceback.format_exc().splitlines()[-1]}
                ],
                "dags": [],
            }
        channel.write(json.dumps({"nonce": nonce, "summary": summary}).encode() + b"\n")
        channel.flush()
    channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
