"""A throwaway PostgreSQL server for the store tests (Debian's server binaries)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flightschool.core.proc import run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextmanager
def postgres_server(host: str = "127.0.0.1", trusted: tuple[str, ...] = ()) -> Iterator[str]:
    """Start PostgreSQL on a free port of `host` (loopback by default); yield its SQLAlchemy
    URL; stop and wipe it. `trusted`: networks (CIDR) also let in without a password, such
    as a kind cluster's node network."""
    bindir = server_binaries()
    assert bindir is not None, "PostgreSQL server binaries missing: run scripts/system-deps.sh"
    base = Path(tempfile.mkdtemp(prefix="fs-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    run(
        [*as_user, bindir / "initdb", "-D", data, "-A", "trust", "-U", "postgres"],
        timeout=120,
        check=True,
    )
    with (data / "pg_hba.conf").open("a", encoding="utf-8") as hba:
        hba.writelines(f"host all all {network} trust\n" for network in trusted)
    options = f"-p {port} -k {sock} -c listen_addresses={host} -c fsync=off"
    run(
        [*as_user, bindir / "pg_ctl", "-D", data, "-o", options, "-w", "-l", base / "log", "start"],
        timeout=60,
        check=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@{host}:{port}/postgres"
    finally:
        run([*as_user, bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], timeout=60)
        shutil.rmtree(base, ignore_errors=True)
