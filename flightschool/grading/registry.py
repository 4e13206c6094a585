"""The one table of check types: for each, the lab.yaml schema (which also says the step
it needs before it can look, `step`) and the evaluator. The runner and content validation
read it from here; adding a type means a schema in content/labs.py (the content layer must
validate lab.yaml without the grader) and a row below."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, get_args

from flightschool.content.labs import (
    CHECK_CLASSES,
    AbsentCheck,
    AirflowConfigCheck,
    AirflowRunCheck,
    CanICheck,
    Check,
    CheckBase,
    DagCheck,
    DockerfileCheck,
    ExpectCheck,
    HelmCheck,
    ImageCheck,
    PythonCheck,
    RejectedCheck,
    ScheduledCheck,
    TaskPodsCheck,
)
from flightschool.grading import checks
from flightschool.grading.airflow import check_airflow_config, check_dag
from flightschool.grading.deploy import check_airflow_run, check_task_pods
from flightschool.grading.dockerfile import check_dockerfile
from flightschool.grading.helm import check_helm
from flightschool.grading.image import check_image
from flightschool.grading.view import ClusterView

C = TypeVar("C", bound=CheckBase)
Outcome = tuple[bool, str]


@dataclass(frozen=True)
class CheckType(Generic[C]):
    schema: type[C]
    evaluate: Callable[[C, ClusterView, Path], Outcome]

    @property
    def name(self) -> str:
        """The `type:` value lab.yaml uses for it."""
        return str(get_args(self.schema.model_fields["type"].annotation)[0])


def _index(*types: CheckType[Any]) -> dict[str, CheckType[Any]]:
    table = {t.name: t for t in types}
    missing = {cls.__name__ for cls in CHECK_CLASSES} - {t.schema.__name__ for t in types}
    if missing or len(table) != len(types):
        raise RuntimeError(f"check types without exactly one registry row: {sorted(missing)}")
    return table


REGISTRY: dict[str, CheckType[Any]] = _index(
    CheckType(ExpectCheck, checks.check_expect),
    CheckType(AbsentCheck, checks.check_absent),
    CheckType(RejectedCheck, checks.check_rejected),
    CheckType(CanICheck, checks.check_can_i),
    CheckType(ScheduledCheck, checks.check_scheduled),
    CheckType(PythonCheck, checks.check_python),
    CheckType(DagCheck, check_dag),
    CheckType(AirflowConfigCheck, check_airflow_config),
    CheckType(HelmCheck, check_helm),
    CheckType(DockerfileCheck, check_dockerfile),
    CheckType(ImageCheck, check_image),
    CheckType(AirflowRunCheck, check_airflow_run),
    CheckType(TaskPodsCheck, check_task_pods),
)


def check_type(check: Check) -> CheckType[Any]:
    return REGISTRY[check.type]


def evaluate(check: Check, view: ClusterView, lab: Path) -> Outcome:
    """Run one check against the view (no time limit here: the runner sets it)."""
    return check_type(check).evaluate(check, view, lab)
