"""The one place where Flight School starts other programs.

Every call takes an argument list (never a shell string) and a timeout, so a hung tool
cannot hang the app, and a missing tool becomes a clear error instead of a traceback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class ToolError(RuntimeError):
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


def _limiter(limits: Mapping[str, int] | None) -> Callable[[], None] | None:
    """Resource limits for untrusted code (learner DAGs): address space and CPU seconds."""
    if not limits:
        return None

    def apply() -> None:
        import resource

        if "memory" in limits:
            resource.setrlimit(resource.RLIMIT_AS, (limits["memory"], limits["memory"]))
        if "cpu" in limits:
            resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"]))

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
    """True if `pid` is a running (not zombie) process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def replace_process(args: Sequence[str | os.PathLike[str]]) -> None:
    """Become another program (used by `flightschool app` to become `streamlit run`)."""
    argv = [os.fspath(a) for a in args]
    os.execv(argv[0], argv)
