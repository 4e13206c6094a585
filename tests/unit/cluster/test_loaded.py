"""A built image is loaded onto a kind cluster's nodes once per build: the same image on the
same node containers is not copied again; a rebuild or a recreated cluster loads again.
Docker's answers come from a table (this module only reads two of them)."""

from __future__ import annotations

from typing import Any

import pytest

from flightschool.cluster import loaded
from flightschool.core.proc import Result


class Docker:
    def __init__(self) -> None:
        self.image, self.nodes = "sha256:aaa", "node-1\nnode-2\n"
        self.loads: list[list[str]] = []

    def run(self, args: Any, **_kw: Any) -> Result:
        out = self.image if "inspect" in args else self.nodes
        return Result(tuple(str(a) for a in args), 0, out + "\n", "", 0.01)

    def load(self, cluster: str, progress: Any, tags: list[str]) -> None:
        self.loads.append(tags)


@pytest.fixture
def docker(monkeypatch: pytest.MonkeyPatch) -> Docker:
    fake = Docker()
    monkeypatch.setattr(loaded, "run", fake.run)
    monkeypatch.setattr(loaded.images, "load", fake.load)
    return fake


def test_the_same_image_is_loaded_once(docker: Docker) -> None:
    said: list[str] = []
    assert loaded.load_once("fs", "capstone/airflow-dags:1.0", said.append)
    assert loaded.load_once("fs", "capstone/airflow-dags:1.0", said.append) == []
    assert docker.loads == [["capstone/airflow-dags:1.0"]]
    assert said[-1] == "capstone/airflow-dags:1.0 is already on the nodes (same image)"


def test_a_rebuild_or_a_new_cluster_loads_again(docker: Docker) -> None:
    loaded.load_once("fs", "x/y:1")
    docker.image = "sha256:bbb"
    assert loaded.load_once("fs", "x/y:1")
    docker.nodes = "node-3\nnode-4\n"  # the cluster was deleted and made again
    assert loaded.load_once("fs", "x/y:1")
    assert loaded.load_once("other", "x/y:1")  # another cluster has its own record
    assert len(docker.loads) == 4


def test_only_the_tags_the_nodes_lack_are_loaded(docker: Docker) -> None:
    loaded.load_once("fs", ["python:3.12-slim"])
    assert loaded.load_once("fs", ["python:3.12-slim", "postgres:15"]) == ["postgres:15"]
    assert docker.loads == [["python:3.12-slim"], ["postgres:15"]]


def test_an_image_built_later_is_loaded_then(docker: Docker) -> None:
    docker.image = ""
    loaded.load_once("fs", "x/y:1")  # images.load says it is not built
    docker.image = "sha256:ccc"
    assert loaded.load_once("fs", "x/y:1") == ["x/y:1"]
