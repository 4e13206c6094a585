from __future__ import annotations

import socket
from pathlib import Path

import pytest

from flightschool.cluster.backend import ClusterError
from flightschool.cluster.embedded import _port_free, taken_ports


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_dead_components_port_held_by_another_program_is_named(tmp_path: Path) -> None:
    held, free = _free_port(), _free_port()
    config = tmp_path / "kwok.yaml"
    config.write_text(
        "apiVersion: config.kwok.x-k8s.io/v1alpha1\ncomponents:\n"
        f"- name: kube-apiserver\n  ports: [{{name: https, port: {held}}}]\n"
        f"- name: kube-scheduler\n  ports: [{{name: https, port: {free}}}]\n"
        f"- name: etcd\n  ports: [{{name: http, port: {held}}}]\n"
    )
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", held))
        other_program.listen()
        assert taken_ports(config, ["kube-apiserver", "kube-scheduler"]) == [
            ("kube-apiserver", held)
        ]
    assert taken_ports(config, ["kube-apiserver"]) == []


def test_an_unreadable_record_names_nothing(tmp_path: Path) -> None:
    (tmp_path / "kwok.yaml").write_bytes(b"\xff\xfe")
    assert taken_ports(tmp_path / "kwok.yaml", ["etcd"]) == []
    assert taken_ports(tmp_path / "missing.yaml", ["etcd"]) == []


@pytest.mark.parametrize("port", [0, -1, 70000])
def test_ports_outside_tcp_are_refused(port: int) -> None:
    with pytest.raises(ClusterError, match="not a TCP port"):
        _port_free(port)
