"""The lab node pool, defined once in `cluster/nodes.yaml` and realised by every backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from flightschool.core import quantity, yamlpos
from flightschool.core.errors import EnvironmentProblem
from flightschool.core.paths import project_root


class ClusterConfigError(EnvironmentProblem, ValueError):
    """A cluster definition file is wrong; the message names the file and line."""


class Taint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str = Field(min_length=1)
    value: str = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class Pool(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=40)
    count: int = Field(ge=1, le=50)
    labels: dict[str, str] = {}
    taints: list[Taint] = []
    capacity: dict[str, str]

    @field_validator("capacity", mode="before")
    @classmethod
    def _quantities(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for key, amount in value.items():
                if not quantity.is_quantity(str(amount)):
                    raise ValueError(f"capacity {key}: {amount!r} is not a Kubernetes quantity")
            for required in ("cpu", "memory"):
                if required not in value:
                    raise ValueError(f"capacity needs {required}")
            return {str(k): str(v) for k, v in value.items()}
        return value


class NodePools(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    pools: list[Pool] = Field(min_length=1)


def nodes_file() -> Path:
    return project_root() / "cluster" / "nodes.yaml"


def load_pools(path: Path | None = None) -> NodePools:
    path = path or nodes_file()
    try:
        located = yamlpos.load_file(path)
    except yamlpos.YAMLSyntaxError as exc:
        raise ClusterConfigError(f"{path}:{exc.line}: {exc.message}") from exc
    try:
        pools = NodePools.model_validate(located.data)
    except ValidationError as exc:
        raise ClusterConfigError(
            "\n".join(str(e) for e in yamlpos.validation_errors(exc, path, located))
        ) from exc
    names = [p.name for p in pools.pools]
    if len(set(names)) != len(names):
        raise ClusterConfigError(f"{path}: pool names must be unique: {names}")
    return pools


def node_names(pools: NodePools, copies: int = 1) -> list[str]:
    """`copies`: nodes made per node of the file (a workshop's pool, see settings)."""
    return [f"{pool.name}-{i}" for pool in pools.pools for i in range(1, pool.count * copies + 1)]


def node_manifests(pools: NodePools, copies: int = 1) -> list[dict[str, Any]]:
    """Node objects for kwok to manage (kwok's node stages make them Ready)."""
    out = []
    for pool in pools.pools:
        for i in range(1, pool.count * copies + 1):
            name = f"{pool.name}-{i}"
            out.append(
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {
                        "name": name,
                        "annotations": {
                            "kwok.x-k8s.io/node": "fake",
                            "node.alpha.kubernetes.io/ttl": "0",
                        },
                        "labels": {
                            "kubernetes.io/hostname": name,
                            "kubernetes.io/os": "linux",
                            "kubernetes.io/arch": "amd64",
                            "type": "kwok",
                            **pool.labels,
                        },
                    },
                    "spec": {"taints": [t.model_dump() for t in pool.taints]},
                    "status": {
                        "capacity": dict(pool.capacity),
                        "allocatable": dict(pool.capacity),
                        "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux"},
                    },
                }
            )
    return out
