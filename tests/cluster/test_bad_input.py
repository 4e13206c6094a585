"""Bad input that only shows with a running cluster: files labs missing a file or holding
an alias bomb, and a restart whose port another program took."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from flightschool.cluster.backend import ClusterError
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.core.proc import Result, pid_alive, run
from tests.cluster_fixtures import component_port
from tests.conftest import ROOT

pytestmark = pytest.mark.cluster

LAB08 = ROOT / "labs" / "08-executor-pod-template"
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
    for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def check(cluster: EmbeddedCluster, folder: Path) -> Result:
    env = {
        "FLIGHTSCHOOL_DATA_DIR": str(cluster.state.parents[1]),
        "FLIGHTSCHOOL_CLUSTER_NAME": cluster.cluster,
    }
    args = ["lab", "check", LAB08.name, "--dir", str(folder), "--json"]
    return run([sys.executable, "-m", "flightschool.cli", *args], timeout=300, env=env)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("missing-cfg", "airflow.cfg is missing from your files"),
        ("bomb-template", "pod_template.yaml:6: aliases expand this value past"),
    ],
)
def test_files_lab_names_the_bad_file(
    embedded: EmbeddedCluster, tmp_path: Path, change: str, says: str
) -> None:
    folder = tmp_path / "files"
    shutil.copytree(LAB08 / "solution", folder)
    if change == "missing-cfg":
        (folder / "airflow.cfg").unlink()
    else:
        (folder / "pod_template.yaml").write_text(LAUGHS)
    result = check(embedded, folder)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-2500:]
    assert says in result.stdout, result.stdout


def test_a_port_taken_at_restart_is_named_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_DATA_DIR", str(tmp_path / "data"))
    cluster = EmbeddedCluster("fs-ports")
    assert cluster.up(progress=lambda _m: None).healthy
    try:
        [scheduler] = [c for c in cluster.status().components if c["name"] == "kube-scheduler"]
        os.kill(scheduler["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while pid_alive(scheduler["pid"]) and time.monotonic() < deadline:
            time.sleep(0.1)
        from flightschool.cluster.embedded import taken_ports

        with socket.socket() as squatter:
            port = component_port(cluster, "kube-scheduler")
            squatter.bind(("127.0.0.1", port))
            squatter.listen()
            assert taken_ports(cluster.cluster_dir / "kwok.yaml", ["kube-scheduler"])
            started = time.monotonic()
            with pytest.raises(ClusterError, match=f"kube-scheduler needs port {port}"):
                cluster.up(progress=lambda _m: None)
            assert time.monotonic() - started < 15
        assert cluster.up(progress=lambda _m: None).healthy  # port free again: restarts
    finally:
        cluster.down(purge=True)


def test_an_up_that_never_gets_ready_stops_every_process_and_the_next_up_restarts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Here the controller manager "never" makes the default ServiceAccount: the cluster's
    processes are stopped (nothing keeps running, or holds its ports), its logs stay for
    the message, and the next `up` restarts it."""
    from flightschool.cluster import embedded

    monkeypatch.setenv("FLIGHTSCHOOL_DATA_DIR", str(tmp_path / "data"))
    cluster = EmbeddedCluster("fs-never-ready")
    try:
        with monkeypatch.context() as patch:
            patch.setattr(embedded, "wait_default_service_account", lambda _kube, _t: False)
            with pytest.raises(ClusterError, match="default ServiceAccount was not created"):
                cluster.up(progress=lambda _m: None)
        components = cluster.status().components
        assert len(components) == 6
        assert not any(c["alive"] for c in components), components
        assert not any(pid_alive(pid) for pid in _pids_of(cluster)), "a process outlived up"
        assert (cluster.cluster_dir / "logs" / "kube-apiserver.log").stat().st_size > 0
        assert cluster.up(progress=lambda _m: None).healthy
    finally:
        cluster.down(purge=True)


def _pids_of(cluster: EmbeddedCluster) -> list[int]:
    """Every process started from this cluster's folder, found by its command line."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if str(cluster.cluster_dir).encode() in command:
                found.append(int(entry.name))
    return found
