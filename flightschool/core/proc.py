"""The one place where Flight School starts other programs.

Every call takes an argument list (never a shell string) and a timeout, so a hung tool
cannot hang the app, and a missing tool becomes a clear error instead of a traceback.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flightschool.core.errors import EnvironmentProblem


class ToolError(EnvironmentProblem, RuntimeError):
    """A program could not be started, timed out, or failed when success was required."""


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _environment(env: Mapping[str, str] | None, inherit: bool) -> dict[str, str]:
    merged = dict(os.environ) if inherit else {"PATH": os.environ.get("PATH", "")}
    if env:
        merged.update(env)
    return merged


def _limiter(
    limits: Mapping[str, int] | None, cgroup_procs: Path | None = None
) -> Callable[[], None] | None:
    """Resource limits for untrusted code (learner DAGs): address space, CPU seconds,
    file size and processes (the last binds only a non-root user); with `cgroup_procs`,
    the child first joins that cgroup (a kernel-enforced process limit)."""
    if not limits and cgroup_procs is None:
        return None

    def apply() -> None:
        import resource

        if cgroup_procs is not None:
            with contextlib.suppress(OSError):
                cgroup_procs.write_text("0")
        if not limits:
            return
        names = {
            "memory": resource.RLIMIT_AS,
            "cpu": resource.RLIMIT_CPU,
            "file_size": resource.RLIMIT_FSIZE,
            "processes": resource.RLIMIT_NPROC,
        }
        for key, which in names.items():
            if key in limits:
                resource.setrlimit(which, (limits[key], limits[key]))

    return apply


def run(
    args: Sequence[str | os.PathLike[str]],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    inherit_env: bool = True,
    check: bool = False,
    input_text: str | None = None,
    limits: Mapping[str, int] | None = None,
) -> Result:
    """Run a program to completion and capture its output. `limits` (memory bytes, cpu
    seconds) apply to the child only."""
    argv = tuple(os.fspath(a) for a in args)
    started = time.monotonic()
    try:
        done = subprocess.run(  # noqa: S603 - argument list, no shell
            argv,
            cwd=cwd,
            env=_environment(env, inherit_env),
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            preexec_fn=_limiter(limits),
        )
    except FileNotFoundError as exc:
        raise ToolError(f"{argv[0]}: program not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{Path(argv[0]).name} did not finish within {timeout:g} s") from exc
    result = Result(argv, done.returncode, done.stdout, done.stderr, time.monotonic() - started)
    if check and not result.ok:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise ToolError(
            f"{Path(argv[0]).name} exited with {result.returncode}: " + " | ".join(detail)
        )
    return result


def stream(
    args: Sequence[str | os.PathLike[str]],
    *,
    timeout: float,
    on_line: Callable[[str], None],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    inherit_env: bool = True,
    limits: Mapping[str, int] | None = None,
    log_file: Path | None = None,
) -> int:
    """Run a program, passing each output line (stdout and stderr merged) to `on_line`.

    Used for long work (builds, `airflow dags test`) where the user must see progress.
    Returns the exit code. At the deadline a watchdog kills the program's whole process
    group, even one that has gone quiet, and ToolError is raised.
    """
    argv = [os.fspath(a) for a in args]
    log = log_file.open("a", encoding="utf-8") if log_file else None
    expired = threading.Event()
    try:
        try:
            proc = subprocess.Popen(  # noqa: S603 - argument list, no shell
                argv,
                cwd=cwd,
                env=_environment(env, inherit_env),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                bufsize=1,
                start_new_session=True,
                preexec_fn=_limiter(limits),
            )
        except FileNotFoundError as exc:
            raise ToolError(f"{argv[0]}: program not found") from exc

        def kill() -> None:
            expired.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        watchdog = threading.Timer(timeout, kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if log:
                    log.write(line)
                on_line(line.rstrip("\n"))
            code = proc.wait()
        finally:
            watchdog.cancel()
            if proc.poll() is None:  # on_line raised: do not leave the program behind
                kill()
                proc.wait()
        if expired.is_set():
            raise ToolError(f"{Path(argv[0]).name} did not finish within {timeout:g} s")
        return code
    finally:
        if log:
            log.close()


@dataclass
class Supervised:
    """What a supervised program did: its exit code, the last lines it printed, what it
    wrote on its private channel, and why it was stopped ("" if it ended by itself)."""

    returncode: int
    lines: list[str]
    channel: bytes = b""
    stopped: str = ""
    seconds: float = 0.0
    output_bytes: int = 0
    notes: list[str] = field(default_factory=list)


def supervise(
    args: Sequence[str | os.PathLike[str]],
    *,
    timeout: float,
    env: Mapping[str, str],
    cwd: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    limits: Mapping[str, int] | None = None,
    keep_lines: int = 400,
    output_limit: int = 4 * 1024**2,
    line_limit: int = 4000,
    channel_env: str | None = None,
    channel_limit: int = 16 * 1024**2,
    grace: float = 2.0,
    cgroup_procs: Path | None = None,
) -> Supervised:
    """Run untrusted code: environment given whole (nothing inherited), stdout and stderr
    merged, streamed line by line and never held whole (the last `keep_lines` are kept;
    past `output_limit` bytes the program is stopped), a wall-clock deadline, and, with
    `channel_env`, a private pipe whose write end the child finds by the file descriptor
    number in that variable (its output never mixes with stdout).

    Stopping sends SIGTERM to the program's process group, then SIGKILL after `grace`
    seconds: the program is expected to be the sandbox's reaper (or bwrap), which takes
    every descendant with it. `stopped` says why: "time" or "output".
    """
    argv = [os.fspath(a) for a in args]
    child_env = dict(env)
    read_ch = write_ch = -1
    if channel_env:
        read_ch, write_ch = os.pipe()
        child_env[channel_env] = str(write_ch)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(  # noqa: S603 - argument list, no shell
            argv,
            cwd=cwd,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_limiter(limits, cgroup_procs),
            pass_fds=(write_ch,) if write_ch >= 0 else (),
        )
    except FileNotFoundError as exc:
        for fd in (read_ch, write_ch):
            if fd >= 0:
                os.close(fd)
        raise ToolError(f"{argv[0]}: program not found") from exc
    if write_ch >= 0:
        os.close(write_ch)
    assert proc.stdout is not None
    out_fd = proc.stdout.fileno()
    lines: deque[str] = deque(maxlen=keep_lines)
    channel = bytearray()
    partial = b""
    total = 0
    stopped = ""
    term_at: float | None = None
    open_fds = {out_fd} | ({read_ch} if read_ch >= 0 else set())

    def emit(raw: bytes) -> None:
        text = raw[:line_limit].decode("utf-8", "replace").rstrip("\r")
        if len(raw) > line_limit:
            text += " [line cut]"
        lines.append(text)
        if on_line:
            on_line(text)

    def signal_group(sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    try:
        while open_fds:
            now = time.monotonic()
            if not stopped and now - started > timeout:
                stopped = "time"
            if stopped and term_at is None:
                signal_group(signal.SIGTERM)
                term_at = now
            if term_at is not None and now - term_at > grace:
                signal_group(signal.SIGKILL)
                if proc.poll() is not None and now - term_at > 2 * grace:
                    break  # something outside the group holds the pipe: stop reading
            ready, _, _ = select.select(list(open_fds), [], [], 0.1)
            for fd in ready:
                data = os.read(fd, 65536)
                if not data:
                    open_fds.discard(fd)
                elif fd == out_fd:
                    total += len(data)
                    if total > output_limit and not stopped:
                        stopped = "output"
                    if stopped == "output":
                        continue
                    *complete, partial = (partial + data).split(b"\n")
                    for raw in complete:
                        emit(raw)
                    if len(partial) > line_limit:
                        emit(partial)
                        partial = b""
                elif len(channel) + len(data) <= channel_limit:
                    channel += data
        if partial and stopped != "output":
            emit(partial)
        try:
            code = proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            signal_group(signal.SIGKILL)
            code = proc.wait()
    finally:
        if proc.poll() is None:  # on_line raised: do not leave the program behind
            signal_group(signal.SIGTERM)
            time.sleep(0.1)
            signal_group(signal.SIGKILL)
            proc.wait()
        proc.stdout.close()
        if read_ch >= 0:
            os.close(read_ch)
    return Supervised(code, list(lines), bytes(channel), stopped, time.monotonic() - started, total)


def spawn(
    args: Sequence[str | os.PathLike[str]],
    *,
    log_file: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start a long-running background process in its own session; return its pid.

    Its output goes to `log_file`; it outlives the caller (a CLI command that starts a
    cluster component returns while the component keeps running).
    """
    argv = [os.fspath(a) for a in args]
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        try:
            proc = subprocess.Popen(  # noqa: S603 - argument list, no shell
                argv,
                cwd=cwd,
                env=_environment(env, True),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            raise ToolError(f"{argv[0]}: program not found") from exc
    return proc.pid


def pid_alive(pid: int) -> bool:
    """True if `pid` is a running process. Its main thread turns zombie as soon as it
    exits, while the other threads may still be closing the files and sockets they share:
    the process counts as gone only once the main thread is all that is left."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state != "Z":
            return True
        return any(True for task in Path(f"/proc/{pid}/task").iterdir() if task.name != str(pid))
    except FileNotFoundError:
        return False  # reaped meanwhile
    except (OSError, IndexError):
        return True


def replace_process(args: Sequence[str | os.PathLike[str]]) -> None:
    """Become another program (used by `flightschool app` to become `streamlit run`)."""
    argv = [os.fspath(a) for a in args]
    os.execv(argv[0], argv)
