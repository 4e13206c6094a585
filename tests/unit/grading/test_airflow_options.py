"""airflow.cfg options with more than one spelling compare in one form (grading/airflow.py)."""

from __future__ import annotations

import pytest

from flightschool.dags.config import ConfigFacts
from flightschool.grading.airflow import executor_paths

K8S = "airflow.providers.cncf.kubernetes.executors.kubernetes_executor.KubernetesExecutor"
LOCAL = "airflow.executors.local_executor.LocalExecutor"
FACTS = ConfigFacts(
    options={}, unknown=[], executors={"KubernetesExecutor": K8S, "LocalExecutor": LOCAL}
)


@pytest.mark.parametrize(
    "written",
    ["KubernetesExecutor", K8S, f" {K8S} ", f"k8s:{K8S}", "k8s:KubernetesExecutor"],
)
def test_the_executor_by_name_path_or_alias_is_the_same(written: str) -> None:
    assert executor_paths(written, FACTS) == executor_paths("KubernetesExecutor", FACTS) == K8S


@pytest.mark.parametrize(
    "written",
    [
        "airflow.executors.kubernetes_executor.KubernetesExecutor",
        "LocalExecutor,KubernetesExecutor",
        "KubernetesExecutor,LocalExecutor",
        "CeleryExecutor",
        "kubernetesexecutor",
    ],
)
def test_other_executors_differ(written: str) -> None:
    assert executor_paths(written, FACTS) != K8S


def test_a_list_keeps_its_order() -> None:
    assert executor_paths("LocalExecutor, KubernetesExecutor", FACTS) == f"{LOCAL},{K8S}"
