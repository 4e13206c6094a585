"""The first process of every sandbox: runs INSIDE it, started as a script (`python -I -S
reaper.py`), so it imports nothing but the standard library.

It makes itself a child subreaper, so every descendant stays in its tree even after
`setsid` or a double fork; it counts them (root is not bound by RLIMIT_NPROC, so counting
is what limits processes) and, when the command ends, when there are too many of them, or
on SIGTERM, it stops and kills every one before it exits. With `--listen PORT=SOCKET` it
also forwards 127.0.0.1:PORT (inside a network namespace with nothing else) to a Unix
socket served by the app, which connects only to the API server.

Usage: reaper.py [--max-procs N] [--listen PORT=SOCKET] -- COMMAND ARG...
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import socket
import sys
import threading
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
TOO_MANY_PROCESSES = 250  # exit code: the process limit was reached
POLL = 0.02


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        name = entry.name
        if not name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(b")", 1)[-1].split()
        if len(fields) > 1:
            kids.setdefault(int(fields[1]), []).append(int(name))
    return kids


def descendants(root: int) -> list[int]:
    kids, out, todo = _children_map(), [], [root]
    while todo:
        for child in kids.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_all(me: int) -> None:
    """Stop, then kill, every descendant until none is left (a forking one cannot outrun
    this: stopped processes do not fork, and orphans come back to us as subreaper)."""
    for _ in range(200):
        pids = descendants(me)
        if not pids:
            return
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, sig)
        _reap()
        time.sleep(0.005)


def _reap(main: int = -1) -> int | None:
    """Collect finished children; return the main child's exit code once it has ended."""
    code = None
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return code
        if pid == 0:
            return code
        if pid == main:
            code = os.waitstatus_to_exitcode(status)
            code = 128 - code if code < 0 else code


def pump(src: socket.socket, dst: socket.socket) -> None:
    """Copy one direction of a forwarded connection until either side closes."""
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    for s in (src, dst):
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)


def _forward(port: int, path: str) -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)

    def serve() -> None:
        while True:
            conn, _ = server.accept()
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(path)
            except OSError:
                conn.close()
                continue
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=pump, args=(a, b), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()


def _in_user_namespace() -> bool:
    try:
        return Path("/proc/self/uid_map").read_text().split() != ["0", "0", "4294967295"]
    except OSError:
        return False


def main(argv: list[str]) -> int:
    max_procs, listen = 0, ""
    while argv and argv[0] != "--":
        flag, value, argv = argv[0], argv[1], argv[2:]
        if flag == "--max-procs":
            max_procs = int(value)
        elif flag == "--listen":
            listen = value
    command = argv[1:]
    if max_procs and _in_user_namespace():
        # Counted per user namespace, so only the sandbox's processes count (a user's
        # own processes outside would count too without one; root is exempt anyway).
        resource.setrlimit(resource.RLIMIT_NPROC, (max_procs + 4, max_procs + 4))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    me = os.getpid()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if listen:
        port, _, path = listen.partition("=")
        _forward(int(port), path)
    child = os.fork()
    if child == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            os.execvp(command[0], command)
        except OSError as exc:
            os.write(2, f"cannot start {command[0]}: {exc}\n".encode())
        os._exit(127)
    code: int | None = None
    while not stop.is_set():
        code = _reap(child) if code is None else code
        if code is not None:
            break
        if max_procs and len(descendants(me)) > max_procs:
            os.write(2, f"flightschool: more than {max_procs} processes; stopped\n".encode())
            code = TOO_MANY_PROCESSES
            break
        stop.wait(POLL)
    kill_all(me)
    _reap()
    return 143 if code is None else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
