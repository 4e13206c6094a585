"""`flightschool app` listens on loopback unless told otherwise, and refuses to serve a
sign-in-less personal app to the network without an explicit opt-in. Workshop mode has
sign-in: it serves the network, on PostgreSQL only."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from flightschool.core.proc import run, spawn
from tests.postgres import postgres_server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port`, from the kernel's tables."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                found.add(address if len(address) == width else "?")
    return found


def test_the_app_listens_on_loopback_only_by_default(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        "FLIGHTSCHOOL_DATA_DIR": str(tmp_path / "data"),
        "FLIGHTSCHOOL_DATABASE_URL": f"sqlite:///{tmp_path / 'progress.db'}",
    }
    env.pop("FLIGHTSCHOOL_ADDRESS", None)
    pid = spawn(
        [sys.executable, "-m", "flightschool.cli", "app", "--port", str(port)],
        log_file=tmp_path / "app.log",
        env={**env, "FLIGHTSCHOOL_ADDRESS": ""},
    )
    try:
        deadline = time.monotonic() + 60
        healthy = False
        while time.monotonic() < deadline and not healthy:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                ) as response:
                    healthy = response.status == 200
            except OSError:
                time.sleep(0.2)
        assert healthy, (tmp_path / "app.log").read_text()
        # 0100007F is 127.0.0.1 in the kernel's byte order; nothing listens on 0.0.0.0 or ::
        assert _listening(port) == {"0100007F"}
    finally:
        os.killpg(pid, signal.SIGTERM)


def test_a_network_address_is_refused_in_personal_mode(tmp_path: Path) -> None:
    result = run(
        [sys.executable, "-m", "flightschool.cli", "app", "--address", "0.0.0.0"],
        timeout=60,
        env={"FLIGHTSCHOOL_DATA_DIR": str(tmp_path), "FLIGHTSCHOOL_MODE": "personal"},
    )
    assert result.returncode == 2
    assert "refusing to serve on 0.0.0.0: personal mode has no sign-in" in result.stderr
    assert "Traceback" not in result.stderr


def test_workshop_mode_refuses_to_start_on_sqlite(tmp_path: Path) -> None:
    result = run(
        [sys.executable, "-m", "flightschool.cli", "app", "--address", "0.0.0.0"],
        timeout=60,
        env={
            "FLIGHTSCHOOL_DATA_DIR": str(tmp_path),
            "FLIGHTSCHOOL_MODE": "workshop",
            "FLIGHTSCHOOL_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
        },
    )
    assert result.returncode == 2
    assert "workshop mode needs PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr


def test_workshop_mode_refuses_to_start_without_the_sandbox(tmp_path: Path) -> None:
    with postgres_server() as url:
        result = run(
            [sys.executable, "-m", "flightschool.cli", "app", "--address", "0.0.0.0"],
            timeout=60,
            env={
                "FLIGHTSCHOOL_DATA_DIR": str(tmp_path),
                "FLIGHTSCHOOL_MODE": "workshop",
                "FLIGHTSCHOOL_DATABASE_URL": url,
                "FLIGHTSCHOOL_SANDBOX": "off",
            },
        )
    assert result.returncode == 2
    assert "only inside bubblewrap, and FLIGHTSCHOOL_SANDBOX=off" in result.stderr
    assert "unset FLIGHTSCHOOL_SANDBOX" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("problem", "fix"),
    [
        ("bwrap is not installed", "install bubblewrap"),
        ("bwrap cannot create a sandbox here: setting up uid map: Permission denied",
         "allow unprivileged user namespaces"),
        ("FLIGHTSCHOOL_SANDBOX=off", "unset FLIGHTSCHOOL_SANDBOX"),
    ],
)  # fmt: skip
def test_the_sandbox_advice_fits_its_cause(problem: str, fix: str) -> None:
    """Installing bubblewrap does not help where it is installed but blocked."""
    from flightschool.cli import _sandbox_fix

    assert fix in _sandbox_fix(problem)


def test_workshop_mode_serves_the_network_because_it_has_sign_in(tmp_path: Path) -> None:
    port = _free_port()
    with postgres_server() as url:
        pid = spawn(
            [sys.executable, "-m", "flightschool.cli", "app", "--port", str(port)],
            log_file=tmp_path / "app.log",
            env={
                "FLIGHTSCHOOL_DATA_DIR": str(tmp_path / "data"),
                "FLIGHTSCHOOL_MODE": "workshop",
                "FLIGHTSCHOOL_DATABASE_URL": url,
                "FLIGHTSCHOOL_ADDRESS": "0.0.0.0",
            },
        )
        try:
            deadline = time.monotonic() + 60
            healthy = False
            while time.monotonic() < deadline and not healthy:
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                    ) as response:
                        healthy = response.status == 200
                except OSError:
                    time.sleep(0.2)
            assert healthy, (tmp_path / "app.log").read_text()
            assert _listening(port) == {"00000000"}  # 0.0.0.0
        finally:
            os.killpg(pid, signal.SIGTERM)


def test_out_of_range_port_is_a_usage_error(tmp_path: Path) -> None:
    result = run(
        [sys.executable, "-m", "flightschool.cli", "app", "--port", "70000"],
        timeout=60,
        env={"FLIGHTSCHOOL_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 2
    assert "port 70000 is out of range (1-65535)" in result.stderr
