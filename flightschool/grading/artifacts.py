"""What grading produced before the checks ran, beyond the cluster: the learner's files,
the Airflow step's outcome, the chart's render, the built image. Checks read it through the view."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flightschool.dags.config import ConfigFacts
from flightschool.dags.inspect import FileSummary
from flightschool.dags.run import DagRunResult


@dataclass
class AirflowOutcome:
    dag_id: str = ""
    summary: FileSummary | None = None
    import_error: str = ""
    run: DagRunResult | None = None
    pods: list[dict[str, Any]] = field(default_factory=list)  # created by the run, in order
    pod_phases: dict[str, str] = field(default_factory=dict)  # last phase the grader saw
    config: ConfigFacts | None = None
    config_error: str = ""
    worker_pods: list[dict[str, Any]] = field(default_factory=list)
    worker_error: str = ""
    refused: dict[str, str] = field(default_factory=dict)  # worker pod -> API refusal


@dataclass
class HelmOutcome:
    objects: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""  # the chart could not be rendered (schema errors included)
    schema_errors: list[str] = field(default_factory=list)
    install_error: str = ""
    installed: bool = False
    unavailable: str = ""  # why the chart is not here (and how to get it)
    # component -> "" (its pods are Ready) or why not: which pod, which reason
    ready: dict[str, str] = field(default_factory=dict)


@dataclass
class ImageOutcome:
    """The image step (grading/image.py): built, loaded, run as a pod."""

    tag: str = ""
    build_error: str = ""  # the failing step with its Dockerfile line, and its last output
    run_error: str = ""  # the image could not be loaded or the pod could not be created
    phase: str = ""  # the pod's last phase: Succeeded, Failed, or Pending/Running at timeout
    log: str = ""
    seconds: float = 0.0


@dataclass
class DeployOutcome:
    """The deploy step (build, load, install, Ready, trigger, wait): how far it got, why it
    stopped, and what Airflow's API said about the run."""

    image: str = ""
    dag_id: str = ""
    build_error: str = ""
    load_error: str = ""
    not_ready: str = ""  # which Airflow pod never became Ready, and why
    api_error: str = ""  # the DAG never appeared, the trigger was refused, the run timed out
    run_id: str = ""
    run_state: str = ""
    task_states: dict[str, str] = field(default_factory=dict)
    run_seconds: float = 0.0
    stopped: str = ""  # the first failure, in the learner's words

    @property
    def ran(self) -> bool:
        return bool(self.run_id)


@dataclass
class Artifacts:
    files: Path | None = None
    airflow: AirflowOutcome | None = None
    helm: HelmOutcome | None = None
    image: ImageOutcome | None = None
    deploy: DeployOutcome | None = None
