"""The executor's side of a lab: the learner's airflow.cfg and pod template loaded by
Airflow, and `airflow kubernetes generate-dag-yaml` for the worker pods, both in the
sandbox (core/sandbox.py) without network. Options that run a command or read a secret
(`*_cmd`, `*_secret`) are refused before anything runs."""

from __future__ import annotations

import json
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flightschool.core import safeyaml
from flightschool.core.proc import ToolError
from flightschool.core.sandbox import (
    NONCE_ENV,
    Limits,
    Policy,
    Sandboxed,
    SandboxUnavailable,
    run_sandboxed,
    stop_reason,
)
from flightschool.dags.config_probe import refused_options
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
    executors: dict[str, str] = field(default_factory=dict)  # short name -> module path


@dataclass
class WorkerPods:
    pods: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


LIMITS = Limits(timeout=TIMEOUT, memory=MEMORY_LIMIT, cpu=int(TIMEOUT))


def _sandbox_config(home: Path, config: Path) -> Path:
    """A copy of the learner's config inside the sandbox (Airflow must never touch theirs),
    after refusing options that would run a command or read a secret."""
    text = config.read_text(encoding="utf-8", errors="replace")
    refused = refused_options(text)
    if refused:
        section, option, line = refused[0]
        raise AirflowConfigError(
            f"{config.name}:{line}: [{section}] {option} is not allowed: options ending in "
            "_cmd or _secret make Airflow run a command or read a secret; set the value itself"
        )
    copy = home / "learner-airflow.cfg"
    shutil.copyfile(config, copy)
    return copy


def _run(args: list[str], env: dict[str, str], home: Path, readable: list[Path]) -> Sandboxed:
    policy = Policy(
        readable=tuple(sorted({p.resolve() for p in readable})),
        writable=(home,),
        limits=LIMITS,
    )
    return run_sandboxed(args, policy, env=env, cwd=home, channel=NONCE_ENV in env)


def load_config(
    home: Path, config: Path, options: list[str], pod_template: Path | None
) -> ConfigFacts:
    env = airflow_env(home, config=_sandbox_config(home, config))
    nonce = env[NONCE_ENV] = secrets.token_hex(16)
    args = [sys.executable, "-m", "flightschool.dags.config_probe", env["AIRFLOW_CONFIG"]]
    args += [str(pod_template.resolve()) if pod_template else "", *options]
    readable = [pod_template.parent] if pod_template else []
    try:
        result = _run(args, env, home, readable)
    except (ToolError, SandboxUnavailable) as exc:
        raise AirflowConfigError(f"loading the configuration failed: {exc}") from exc
    why = stop_reason(result, LIMITS)
    if why:
        raise AirflowConfigError(f"loading the configuration was stopped: {why}")
    records = [json.loads(r) for r in result.channel.splitlines() if r.strip()]
    if len(records) != 1 or records[0].get("nonce") != nonce:
        tail = " | ".join(t for t in result.lines[-3:] if t.strip())
        raise AirflowConfigError(f"Airflow could not load the configuration: {tail}")
    data = records[0]["result"]
    if "error" in data:
        raise AirflowConfigError(f"Airflow could not load the configuration: {data['error']}")
    return ConfigFacts(
        data["options"],
        data["unknown"],
        data.get("template"),
        data.get("template_error", ""),
        data.get("executors") or {},
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
    try:
        copy = _sandbox_config(home, config) if config else None
    except AirflowConfigError as exc:
        return WorkerPods(error=str(exc))
    env = airflow_env(home, dags_folder=dag_file.parent, config=copy)
    env["AIRFLOW__CORE__EXECUTOR"] = "KubernetesExecutor"
    if pod_template is not None:
        env["AIRFLOW__KUBERNETES_EXECUTOR__POD_TEMPLATE_FILE"] = str(pod_template.resolve())
    out = home / "worker-pods"
    shutil.rmtree(out, ignore_errors=True)
    args = [sys.executable, "-m", "airflow", "kubernetes", "generate-dag-yaml", dag_id]
    args += ["--logical-date", LOGICAL_DATE, "--output-path", str(out)]
    readable = [dag_file.parent, *([pod_template.parent] if pod_template else [])]
    try:
        result = _run(args, env, home, readable)
    except (ToolError, SandboxUnavailable) as exc:
        return WorkerPods(error=f"generate-dag-yaml failed: {exc}")
    why = stop_reason(result, LIMITS)
    if why:
        return WorkerPods(error=f"generate-dag-yaml was stopped: {why}")
    files = sorted(out.rglob("*.yml")) if out.exists() else []
    if result.returncode != 0 or not files:
        lines = [ln for ln in result.lines if ln.strip()]
        return WorkerPods(error=f"generate-dag-yaml failed: {' | '.join(lines[-3:])}")
    try:
        return WorkerPods([safeyaml.load_file(f) for f in files])
    except safeyaml.YAMLSyntaxError as exc:
        return WorkerPods(error=f"generate-dag-yaml wrote a pod Flight School refuses: {exc}")
