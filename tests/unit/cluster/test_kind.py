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
