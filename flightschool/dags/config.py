"""The executor's side of a lab: the learner's airflow.cfg and pod template loaded by
Airflow (in a child), and `airflow kubernetes generate-dag-yaml` for the worker pods."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flightschool.core import safeyaml
from flightschool.core.proc import ToolError, run
from flightschool.dags.config_probe import PREFIX
from flightschool.dags.home import airflow_env

TIMEOUT = 90.0
MEMORY_LIMIT = 2 * 1024**3
LOGICAL_DATE = "2025-01-01"


class AirflowConfigError(RuntimeError):
    pass


@dataclass
class ConfigFacts:
    options: dict[str, str | None]
    unknown: list[dict[str, Any]]
    template: dict[str, Any] | None = None
    template_error: str = ""


@dataclass
class WorkerPods:
    pods: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


def _sandbox_config(home: Path, config: Path) -> Path:
    """A copy of the learner's config inside the sandbox (Airflow must never touch theirs)."""
    copy = home / "learner-airflow.cfg"
    shutil.copyfile(config, copy)
    return copy


def load_config(
    home: Path, config: Path, options: list[str], pod_template: Path | None
) -> ConfigFacts:
    env = airflow_env(home, config=_sandbox_config(home, config))
    args = [sys.executable, "-m", "flightschool.dags.config_probe", env["AIRFLOW_CONFIG"]]
    args += [str(pod_template) if pod_template else "", *options]
    try:
        result = run(
            args,
            timeout=TIMEOUT,
            env=env,
            inherit_env=False,
            limits={"memory": MEMORY_LIMIT},
        )
    except ToolError as exc:
        raise AirflowConfigError(f"loading the configuration failed: {exc}") from exc
    found = [ln for ln in result.stdout.splitlines() if ln.startswith(PREFIX)]
    if not found:
        tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
        raise AirflowConfigError(f"Airflow could not load the configuration: {tail}")
    data = json.loads(found[-1][len(PREFIX) :])
    if "error" in data:
        raise AirflowConfigError(f"Airflow could not load the configuration: {data['error']}")
    return ConfigFacts(
        data["options"], data["unknown"], data.get("template"), data.get("template_error", "")
    )


def generate_worker_pods(
    home: Path,
    dag_file: Path,
    dag_id: str,
    *,
    config: Path | None,
    pod_template: Path | None,
) -> WorkerPods:
    """The pods the KubernetesExecutor would create for each task of the DAG."""
    env = airflow_env(
        home,
        dags_folder=dag_file.parent,
        config=_sandbox_config(home, config) if config else None,
    )
    env["AIRFLOW__CORE__EXECUTOR"] = "KubernetesExecutor"
    if pod_template is not None:
        env["AIRFLOW__KUBERNETES_EXECUTOR__POD_TEMPLATE_FILE"] = str(pod_template.resolve())
    out = home / "worker-pods"
    shutil.rmtree(out, ignore_errors=True)
    args = [sys.executable, "-m", "airflow", "kubernetes", "generate-dag-yaml", dag_id]
    args += ["--logical-date", LOGICAL_DATE, "--output-path", str(out)]
    try:
        result = run(
            args, timeout=TIMEOUT, env=env, inherit_env=False, limits={"memory": MEMORY_LIMIT}
        )
    except ToolError as exc:
        return WorkerPods(error=f"generate-dag-yaml failed: {exc}")
    files = sorted(out.rglob("*.yml")) if out.exists() else []
    if result.returncode != 0 or not files:
        lines = [ln for ln in (result.stderr + result.stdout).strip().splitlines() if ln.strip()]
        return WorkerPods(error=f"generate-dag-yaml failed: {' | '.join(lines[-3:])}")
    try:
        return WorkerPods([safeyaml.load_file(f) for f in files])
    except safeyaml.YAMLSyntaxError as exc:
        return WorkerPods(error=f"generate-dag-yaml wrote a pod Flight School refuses: {exc}")
