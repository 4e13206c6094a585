"""The embedded cluster's component patches: well-formed, and keeping what labs need."""

from __future__ import annotations

from pathlib import Path

from flightschool.cluster import component_flags
from flightschool.cluster.embedded import COMPONENTS

PKI = Path("/clusters/lab/pki")


def _args(name: str) -> dict[str, str]:
    patch = next(p for p in component_flags.patches(PKI) if p["name"] == name)
    return {a["key"]: a["value"] for a in patch.get("extraArgs", [])}


def test_patches_name_only_real_components_once() -> None:
    names = [p["name"] for p in component_flags.patches(PKI)]
    assert sorted(names) == sorted(set(names))
    assert set(names) <= set(COMPONENTS)
    for patch in component_flags.patches(PKI):
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


def test_a_lone_etcd_elects_itself_within_a_tenth_of_a_second() -> None:
    args = _args("etcd")
    assert int(args["election-timeout"]) <= 100
    # etcd refuses an election timeout shorter than five heartbeats
    assert int(args["election-timeout"]) >= 5 * int(args["heartbeat-interval"])


def test_no_lab_lesson_or_chart_value_uses_an_api_group_the_cluster_does_not_serve() -> None:
    disabled = set(component_flags.UNUSED_API_GROUPS)
    served = _args("kube-apiserver")["runtime-config"].split(",")
    assert {entry.removesuffix("=false") for entry in served} == disabled
    root = Path(__file__).resolve().parents[3]
    groups = {group.split("/")[0] for group in disabled}
    users = [
        path.relative_to(root).as_posix()
        for folder in ("labs", "lessons", "cluster", "quizzes", "interviews")
        for path in (root / folder).rglob("*")
        if path.suffix in {".yaml", ".yml", ".md", ".py", ".json"}
        and any(group in path.read_text(encoding="utf-8", errors="replace") for group in groups)
    ]
    assert users == [], f"these files use an API group the embedded cluster switches off: {users}"
