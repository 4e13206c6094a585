"""The embedded cluster's component patches: well-formed, and keeping what labs need."""

from __future__ import annotations

from flightschool.cluster import component_flags
from flightschool.cluster.embedded import COMPONENTS


def _args(name: str) -> dict[str, str]:
    patch = next(p for p in component_flags.patches() if p["name"] == name)
    return {a["key"]: a["value"] for a in patch.get("extraArgs", [])}


def test_patches_name_only_real_components_once() -> None:
    names = [p["name"] for p in component_flags.patches()]
    assert sorted(names) == sorted(set(names))
    assert set(names) <= set(COMPONENTS)
    for patch in component_flags.patches():
        for arg in patch.get("extraArgs", []):
            assert set(arg) == {"key", "value"} and not arg["key"].startswith("-")
            assert isinstance(arg["value"], str)


def test_no_leader_election_so_a_restarted_component_acts_at_once() -> None:
    assert _args("kube-controller-manager")["leader-elect"] == "false"
    assert _args("kube-scheduler")["leader-elect"] == "false"


def test_the_controllers_labs_rely_on_are_enabled() -> None:
    enabled = set(_args("kube-controller-manager")["controllers"].split(","))
    needed = {
        "garbage-collector-controller",
        "namespace-controller",
        "serviceaccount-controller",
        "resourcequota-controller",
        "replicaset-controller",
        "deployment-controller",
        "job-controller",
        "statefulset-controller",
        "node-lifecycle-controller",
        "clusterrole-aggregation-controller",
        "persistentvolume-binder-controller",
    }
    assert needed <= enabled
    assert len(enabled) == len(component_flags.CONTROLLERS)
