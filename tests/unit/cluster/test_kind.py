"""The kind backend's messages that need no Docker."""

from __future__ import annotations

from pathlib import Path

import pytest

from flightschool.cluster import kind


def test_nodes_that_never_come_up_name_the_inotify_limit_when_it_is_low(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = tmp_path / "max_user_instances"
    monkeypatch.setattr(kind, "INOTIFY_INSTANCES", limit)
    limit.write_text("128\n")
    hint = kind._inotify_hint()
    assert "allows 128 inotify instances" in hint
    assert "fs.inotify.max_user_instances=512" in hint
    limit.write_text("8192\n")
    assert kind._inotify_hint() == ""
    limit.unlink()
    assert kind._inotify_hint() == ""


def test_the_configured_node_count_is_read_from_cluster_kind_yaml() -> None:
    # one control plane and one worker per pool of nodes.yaml
    from flightschool.cluster import nodes

    assert kind.KindCluster._configured_nodes() == 1 + len(nodes.load_pools().pools)


def _node(name: str, ready: bool) -> dict[str, object]:
    condition = {"type": "Ready", "status": "True" if ready else "False"}
    return {"metadata": {"name": name}, "status": {"conditions": [condition]}}


class _Nodes:
    """A cluster whose node list moves on one step per read (no API server needed)."""

    def __init__(self, steps: list[list[dict[str, object]]]) -> None:
        self.steps = steps

    def nodes(self) -> list[dict[str, object]]:
        return self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]


def test_waiting_for_nodes_says_how_many_are_ready_as_that_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kind.time, "sleep", lambda _s: None)
    names = ["c-control-plane", "c-worker", "c-worker2", "c-worker3", "c-worker4"]
    steps = [
        [],
        [_node(names[0], False)],
        [_node(names[0], True), *(_node(n, False) for n in names[1:])],
        [_node(names[0], True), *(_node(n, False) for n in names[1:])],
        [_node(n, n != "c-worker3") for n in names],
        [_node(n, True) for n in names],
    ]
    said: list[str] = []
    kind.KindCluster("c")._wait_ready(_Nodes(steps), said.append)  # type: ignore[arg-type]
    assert [line.split(" (")[0] for line in said] == [
        "0 of 5 nodes Ready",
        "1 of 5 nodes Ready",
        "4 of 5 nodes Ready",
        "all 5 nodes Ready",
    ]


def test_a_worker_that_never_registers_is_named_as_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter(range(0, 10_000, 50))
    monkeypatch.setattr(kind.time, "monotonic", lambda: float(next(clock)))
    monkeypatch.setattr(kind.time, "sleep", lambda _s: None)
    monkeypatch.setattr(kind, "_inotify_hint", lambda: "")
    four = [[_node(f"c-{n}", True) for n in ("control-plane", "worker", "worker2", "worker3")]]
    with pytest.raises(kind.ClusterError, match="1 node\\(s\\) not registered yet"):
        kind.KindCluster("c")._wait_ready(_Nodes(four), lambda _line: None)  # type: ignore[arg-type]
