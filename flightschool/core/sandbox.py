"""One sandbox for every piece of learner code (DAG import, `airflow dags test`, loading an
airflow.cfg and pod template, `generate-dag-yaml`, a lab's checks.py).

With bubblewrap (`bwrap`): the system is read-only; /tmp, /run, the home folder and the
app's data and cache folders are empty tmpfs mounts, so the progress database, other
workspaces, the cluster's admin kubeconfig and its keys are not there; only the paths a
step names are bound back (read-only, or read-write for the lab's Airflow home). The code
runs as an unprivileged user in its own user, PID, IPC and network namespaces, in a new
session, and dies with the app. Steps that need no network get none; `airflow dags test`
gets a network namespace whose only way out is a forwarder to the API server's address.

In every case (bwrap or not) the code runs under a small reaper (core/reaper.py) that keeps
all descendants, `setsid` ones included, and kills them all at the end; limits apply to
address space, CPU seconds, file size and the number of processes; output is streamed and
capped; a wall-clock deadline stops everything.

Without bwrap, personal mode applies the limits but cannot hide files or the network, and
says so (`Sandboxed.notes`); `FLIGHTSCHOOL_MODE=workshop` refuses to run learner code.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from flightschool.core import settings
from flightschool.core.channel import CHANNEL_ENV
from flightschool.core.channel import NONCE_ENV as NONCE_ENV  # used by the callers
from flightschool.core.errors import EnvironmentProblem
from flightschool.core.paths import cache_dir, data_dir
from flightschool.core.proc import Supervised, run, supervise
from flightschool.core.reaper import pump

REAPER = Path(__file__).with_name("reaper.py")
INSIDE_SOCKET = "/run/flightschool/api.sock"
NOT_ISOLATED = (
    "bubblewrap (bwrap) is not installed: your code runs with time, memory, file-size, "
    "process and output limits, but it can read your files and use the network"
)


class SandboxUnavailable(EnvironmentProblem, RuntimeError):
    """Learner code may not run here (workshop mode without bubblewrap)."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 60.0
    memory: int = 2 * 1024**3  # bytes of address space per process
    cpu: int = 120  # CPU seconds per process
    file_size: int = 64 * 1024**2  # largest file a process may write
    processes: int = 64  # processes at once in the sandbox
    output: int = 4 * 1024**2  # bytes of stdout+stderr before the run is stopped
    keep_lines: int = 400
    tmp_size: int = 256 * 1024**2  # the private /tmp


@dataclass(frozen=True)
class Policy:
    """What one step may see: `readable` paths bound read-only, `writable` read-write;
    `api_server` (host, port) is the only network destination (None: no network)."""

    readable: tuple[Path, ...] = ()
    writable: tuple[Path, ...] = ()
    api_server: tuple[str, int] | None = None
    limits: Limits = field(default_factory=Limits)


@dataclass
class Sandboxed(Supervised):
    isolated: bool = False


def mode() -> str:
    return settings.current().mode


@functools.cache
def bwrap_problem() -> str:
    """Why bubblewrap cannot be used here ("" when it can): missing, or unable to create
    the namespaces (some systems forbid unprivileged user namespaces)."""
    if not settings.current().sandbox:
        return "FLIGHTSCHOOL_SANDBOX=off"
    path = shutil.which("bwrap")
    if path is None:
        return "bwrap is not installed"
    try:
        result = run(
            [path, *_base_args(network=False), "--", "/bin/true"],
            timeout=10,
            inherit_env=False,
        )
    except Exception as exc:  # any failure means: not usable
        return f"bwrap failed: {exc}"
    if not result.ok:
        return f"bwrap cannot create a sandbox here: {result.stderr.strip()[-200:]}"
    return ""


def _base_args(*, network: bool) -> list[str]:
    args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns"]
    args += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    args += ["--die-with-parent", "--new-session"]
    return args + ([] if network else ["--unshare-net"])


def _hidden() -> list[Path]:
    """Folders replaced by an empty tmpfs, parents first: what is writable or private on
    this machine (temp folders, sockets under /run, the home folder with its credentials,
    the app's data and cache, the folder of any kubeconfig the app was given)."""
    folders = [Path("/tmp"), Path("/var/tmp"), Path("/run"), Path("/dev/shm")]
    folders += [Path.home(), data_dir(), cache_dir()]
    config = settings.current()
    if config.workspace:
        folders.append(config.workspace)
    if runtime := os.environ.get("XDG_RUNTIME_DIR"):
        folders.append(Path(runtime).expanduser())
    kubeconfigs = [os.environ.get("KUBECONFIG", ""), config.kubeconfig]
    for entry in os.pathsep.join(kubeconfigs).split(os.pathsep):
        if entry:
            folders.append(Path(entry).expanduser().parent)
    seen: list[Path] = []
    for folder in folders:
        real = folder.resolve()
        if real.is_dir() and real != Path("/") and real not in seen:
            seen.append(real)
    return sorted(seen, key=lambda p: len(p.parts))


def _needed_by_python() -> list[Path]:
    """The interpreter, its libraries and this package, bound back if they sit in a
    hidden folder (a virtualenv in the home folder, say)."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent}
    paths.add(Path(__file__).resolve().parents[2])  # the project (an editable install)
    return sorted(paths)


def _under(path: Path, folders: Sequence[Path]) -> bool:
    return any(path == f or f in path.parents for f in folders)


def bwrap_args(policy: Policy, *, socket_path: Path | None = None) -> list[str]:
    """The bubblewrap command line (without the program) for `policy`."""
    args = [shutil.which("bwrap") or "bwrap", *_base_args(network=False)]
    hidden = _hidden()
    for folder in hidden:
        if folder == Path("/tmp"):
            args += ["--size", str(policy.limits.tmp_size)]
        args += ["--tmpfs", str(folder)]
    for path in _needed_by_python():
        if _under(path, hidden) and path.exists():
            args += ["--ro-bind", str(path), str(path)]
    for path in policy.readable:
        real = path.resolve()
        args += ["--ro-bind", str(real), str(real)]
    for path in policy.writable:
        real = path.resolve()
        args += ["--bind", str(real), str(real)]
    if socket_path is not None:
        args += ["--bind", str(socket_path), INSIDE_SOCKET]
    return args


class ApiForwarder:
    """A Unix socket served by the app that connects only to the API server: bound into
    a sandbox that has no other network, it is the sandbox's one way out."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._dir = tempfile.mkdtemp(prefix="fs-api-")
        self.path = Path(self._dir) / "api.sock"
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(self.path))
        self.path.chmod(0o666)  # the sandbox's user must be able to connect
        self._server.listen(64)
        self._closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True, name="api-forwarder").start()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection((self.host, self.port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                conn.close()
                continue
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=pump, args=(a, b), daemon=True).start()

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def api_endpoint(kubeconfig: Path) -> tuple[str, int]:
    """The API server (host, port) of the kubeconfig's current context."""
    config = yaml.safe_load(kubeconfig.read_text(encoding="utf-8")) or {}
    context = next(
        c["context"] for c in config["contexts"] if c["name"] == config["current-context"]
    )
    cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
    url = urlsplit(cluster["server"])
    return url.hostname or "127.0.0.1", url.port or (443 if url.scheme == "https" else 80)


_FILE_FIELDS = {
    "certificate-authority": "certificate-authority-data",
    "client-certificate": "client-certificate-data",
    "client-key": "client-key-data",
}


def local_kubeconfig(kubeconfig: Path, folder: Path) -> Path:
    """The kubeconfig as seen from inside a sandbox: a self-contained copy in `folder`
    (files it names, such as a CA under the hidden data folder, inlined: only what this
    kubeconfig grants enters the sandbox, not the folder of keys beside it), pointing at
    127.0.0.1 where the server is elsewhere (its name kept for TLS), since the sandbox's
    only network is the forwarder there."""
    host, port = api_endpoint(kubeconfig)
    config = yaml.safe_load(kubeconfig.read_text(encoding="utf-8"))
    base = kubeconfig.parent
    for section, key in (("clusters", "cluster"), ("users", "user")):
        for entry in config.get(section) or []:
            body = entry.get(key) or {}
            for name, inline in _FILE_FIELDS.items():
                if name in body:
                    data = (base / body.pop(name)).read_bytes()
                    body[inline] = base64.b64encode(data).decode()
            if key == "cluster" and host not in ("127.0.0.1", "localhost", "::1"):
                body["server"] = f"https://127.0.0.1:{port}"
                body.setdefault("tls-server-name", host)
    copy = folder / "sandbox-kubeconfig"
    copy.write_text(yaml.safe_dump(config), encoding="utf-8")
    copy.chmod(0o600)
    return copy


@contextlib.contextmanager
def _forwarder(policy: Policy, isolated: bool) -> Iterator[ApiForwarder | None]:
    if not (isolated and policy.api_server):
        yield None
        return
    forwarder = ApiForwarder(*policy.api_server)
    try:
        yield forwarder
    finally:
        forwarder.close()


def _pids_parent() -> Path | None:
    """A cgroup folder with the pids controller under which we may create groups (root
    on cgroup v1, or a delegated v2 subtree), or None."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "pids" in controllers.split(","):
            folder = Path("/sys/fs/cgroup/pids") / path.lstrip("/")
        elif controllers == "":
            folder = Path("/sys/fs/cgroup") / path.lstrip("/")
            try:
                if "pids" not in (folder / "cgroup.subtree_control").read_text().split():
                    continue
            except OSError:
                continue
        else:
            continue
        if os.access(folder, os.W_OK):
            return folder
    return None


@contextlib.contextmanager
def process_group_cap(limit: int) -> Iterator[Path | None]:
    """A fresh pids cgroup allowing `limit` processes (the kernel refuses more forks,
    whoever the user is); yields its cgroup.procs file, or None where none can be made.
    On the way out every process still in it is killed: leaving the group is impossible
    for the code inside, so nothing it started survives the run."""
    parent = _pids_parent()
    group = parent / f"flightschool-{os.getpid()}-{secrets.token_hex(4)}" if parent else None
    try:
        if group is None:
            raise OSError("no pids cgroup")
        group.mkdir()
        (group / "pids.max").write_text(str(limit))
    except OSError:
        yield None
        return
    try:
        yield group / "cgroup.procs"
    finally:
        with contextlib.suppress(OSError):
            (group / "pids.max").write_text("0")  # no new process from here on
        for _ in range(500):
            try:
                pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
            except OSError:
                break
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                group.rmdir()
                break
            time.sleep(0.02)


def _rlimits(limits: Limits, isolated: bool) -> dict[str, int]:
    out = {"memory": limits.memory, "cpu": limits.cpu, "file_size": limits.file_size}
    if not isolated and os.getuid() != 0:
        # Without a user namespace RLIMIT_NPROC counts all of this user's processes.
        mine = sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _owned(p))
        out["processes"] = mine + limits.processes
    return out


def _owned(proc: Path) -> bool:
    try:
        return proc.stat().st_uid == os.getuid()
    except OSError:
        return False


def run_sandboxed(
    argv: Sequence[str],
    policy: Policy,
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    channel: bool = False,
) -> Sandboxed:
    """Run `argv` (learner code) in the sandbox. With `channel`, the child finds a private
    pipe's file descriptor number in FLIGHTSCHOOL_CHANNEL_FD; what it writes there comes
    back as `channel` (stdout is the learner's and proves nothing)."""
    problem = bwrap_problem()
    isolated = not problem
    if not isolated and mode() == "workshop":
        raise SandboxUnavailable(
            f"workshop mode runs learner code only inside bubblewrap, and {problem}: "
            "install bubblewrap (the `bubblewrap` package) on the server"
        )
    limits = policy.limits
    with (
        _forwarder(policy, isolated) as forwarder,
        process_group_cap(limits.processes) as cgroup_procs,
    ):
        # The reaper stops the run a little below the cgroup's hard cap (which also
        # holds bwrap and the reaper), so a fork loop ends the run instead of spinning.
        counted = max(limits.processes - 6, 1)
        reaper = [sys.executable, "-I", "-S", str(REAPER), "--max-procs", str(counted)]
        if forwarder is not None and policy.api_server:
            reaper += ["--listen", f"{policy.api_server[1]}={INSIDE_SOCKET}"]
        command = [*reaper, "--", *argv]
        if isolated:
            socket_path = forwarder.path if forwarder else None
            command = [*bwrap_args(policy, socket_path=socket_path), "--", *command]
        if cwd is not None and isolated:
            command[1:1] = ["--chdir", str(cwd.resolve())]
        done = supervise(
            command,
            timeout=limits.timeout,
            env=env,
            cwd=None if isolated else cwd,
            on_line=on_line,
            limits=_rlimits(limits, isolated),
            keep_lines=limits.keep_lines,
            output_limit=limits.output,
            channel_env=CHANNEL_ENV if channel else None,
            cgroup_procs=cgroup_procs,
        )
    notes = [] if isolated else [f"Not isolated: {NOT_ISOLATED} ({problem})."]
    return Sandboxed(
        done.returncode,
        done.lines,
        done.channel,
        done.stopped,
        done.seconds,
        done.output_bytes,
        notes,
        isolated=isolated,
    )


def stop_reason(result: Supervised, limits: Limits) -> str:
    """A sentence for why a sandboxed run was stopped, or ""."""
    from flightschool.core.reaper import TOO_MANY_PROCESSES

    if result.stopped == "time":
        return f"it took too long (more than {limits.timeout:g} s)"
    if result.stopped == "output":
        return f"it printed more than {limits.output // 1024**2} MB"
    if result.returncode == TOO_MANY_PROCESSES:
        return f"it started more than {limits.processes} processes"
    if result.returncode in (-25, 153):  # SIGXFSZ
        return f"it wrote a file larger than {limits.file_size // 1024**2} MB"
    if result.returncode in (-24, 152):  # SIGXCPU
        return f"it used more than {limits.cpu} CPU seconds"
    return ""
