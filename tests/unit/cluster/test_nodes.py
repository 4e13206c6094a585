from __future__ import annotations

from pathlib import Path

import pytest

from flightschool.cluster.nodes import ClusterConfigError, load_pools, node_manifests, node_names


def test_the_shipped_pools_have_what_the_labs_need() -> None:
    pools = {p.name: p for p in load_pools().pools}
    assert pools["data"].labels["workload-type"] == "data-processing"
    assert pools["gpu"].labels["gpu"] == "true"
    assert pools["gpu"].taints[0].model_dump() == {
        "key": "nvidia.com/gpu",
        "value": "present",
        "effect": "NoSchedule",
    }
    assert "nvidia.com/gpu" in pools["gpu"].capacity
    manifests = {m["metadata"]["name"]: m for m in node_manifests(load_pools())}
    assert set(manifests) == set(node_names(load_pools()))
    assert manifests["gpu-1"]["spec"]["taints"][0]["key"] == "nvidia.com/gpu"


def test_copies_of_the_pool_keep_each_nodes_size_and_labels() -> None:
    pools = load_pools()
    once = node_manifests(pools)
    thrice = {m["metadata"]["name"]: m for m in node_manifests(pools, 3)}
    assert len(thrice) == 3 * len(once) == len(node_names(pools, 3))
    assert set(node_names(pools)) <= set(thrice)  # the first copy keeps the names
    last_gpu = f"gpu-{3 * next(p.count for p in pools.pools if p.name == 'gpu')}"
    assert thrice[last_gpu]["status"]["capacity"] == thrice["gpu-1"]["status"]["capacity"]
    assert thrice[last_gpu]["spec"]["taints"] == thrice["gpu-1"]["spec"]["taints"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pools: [\n", r"nodes.yaml:2: invalid YAML"),
        (
            "pools:\n  - name: a\n    count: 1\n    capacity: {cpu: '1'}\n",
            r"nodes.yaml:4: pools.0.capacity: .*needs memory",
        ),
        (
            "pools:\n  - name: a\n    count: 1\n    colour: red\n    capacity: {cpu: '1', memory: 1Gi}\n",
            r"nodes.yaml:4: pools.0: unknown field 'colour'",
        ),
        (
            "pools:\n  - name: a\n    count: 1\n    taints: [{key: k, effect: Sometimes}]\n    capacity: {cpu: '1', memory: 1Gi}\n",
            r"nodes.yaml:4: pools.0.taints.0.effect",
        ),
    ],
)
def test_malformed_pools_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "nodes.yaml"
    path.write_text(text)
    with pytest.raises(ClusterConfigError, match=message):
        load_pools(path)
