"""Placement and tolerations judged as the scheduler judges them."""

from __future__ import annotations

from typing import Any

import pytest

from flightschool.grading.placement import (
    pod_spec,
    repelling_taints,
    requires_label,
    tolerates,
    tolerates_any,
    tolerates_pool,
)

TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
NODES = [
    {"metadata": {"name": "general", "labels": {"gpu": "false"}}, "spec": {}},
    {
        "metadata": {"name": "gpu-1", "labels": {"gpu": "true"}},
        "spec": {"taints": [TAINT, {"key": "note", "effect": "PreferNoSchedule"}]},
    },
]


@pytest.mark.parametrize(
    "toleration",
    [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},
        {"key": "nvidia.com/gpu", "value": "present"},  # Equal is the default operator
        {"key": "nvidia.com/gpu", "operator": "Exists"},
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"operator": "Exists"},
    ],
)
def test_tolerations_kubernetes_accepts(toleration: dict[str, Any]) -> None:
    assert tolerates([toleration], TAINT)
    assert tolerates_pool({"tolerations": [toleration]}, NODES, {"gpu": "true"})


@pytest.mark.parametrize(
    "toleration",
    [
        {"key": "gpu", "operator": "Exists"},
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "true"},
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoExecute"},
        {"key": "nvidia.com/gpu"},  # Equal with an empty value
    ],
)
def test_tolerations_that_do_not_match(toleration: dict[str, Any]) -> None:
    assert not tolerates([toleration], TAINT)
    assert not tolerates_any({"tolerations": [toleration]}, NODES, {"gpu": "true"})


def test_only_repelling_taints_of_the_pool_count() -> None:
    assert repelling_taints(NODES, {"gpu": "true"}) == [TAINT]
    assert repelling_taints(NODES, {"gpu": "false"}) == []


def test_required_label_by_selector_or_affinity() -> None:
    term = {"matchExpressions": [{"key": "gpu", "operator": "In", "values": ["true"]}]}
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {}}}
    affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
        "nodeSelectorTerms": [term]
    }
    assert requires_label({"nodeSelector": {"gpu": "true"}}, "gpu", "true")
    assert requires_label({"affinity": affinity}, "gpu", "true")
    loose = {"matchExpressions": [{"key": "gpu", "operator": "In", "values": ["true", "false"]}]}
    affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
        "nodeSelectorTerms": [term, loose]
    }
    assert not requires_label({"affinity": affinity}, "gpu", "true")
    assert not requires_label({}, "gpu", "true")


def test_pod_spec_of_pods_and_workloads() -> None:
    inner = {"containers": [{"name": "c"}]}
    assert pod_spec({"kind": "Pod", "spec": inner}) == inner
    assert pod_spec({"kind": "Deployment", "spec": {"template": {"spec": inner}}}) == inner
    cron = {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": inner}}}}}
    assert pod_spec(cron) == inner
