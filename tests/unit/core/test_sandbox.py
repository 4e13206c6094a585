"""Learner code in the sandbox: attacks from tests/fixtures/attacks are refused or contained,
and ordinary code still runs. Figures (attacks tried / refused) are in the report script
benchmarks/sandbox.py; here each attack is one test."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flightschool.core import sandbox
from flightschool.core.paths import data_dir
from flightschool.core.sandbox import Limits, Policy, SandboxUnavailable, run_sandboxed
from flightschool.dags.config import AirflowConfigError, load_config
from flightschool.dags.home import lab_home
from flightschool.dags.inspect import DagImportError, summarise

ATTACKS = Path(__file__).parents[2] / "fixtures" / "attacks"
ENV = {"PATH": os.environ.get("PATH", "")}
needs_bwrap = pytest.mark.skipif(
    bool(sandbox.bwrap_problem()), reason=f"no bubblewrap here: {sandbox.bwrap_problem()}"
)


@pytest.fixture(params=["bwrap", "no-bwrap"])
def flavour(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each containment test runs with bubblewrap and with the limits-only fallback."""
    if request.param == "bwrap" and sandbox.bwrap_problem():
        pytest.skip(f"no bubblewrap here: {sandbox.bwrap_problem()}")
    if request.param == "no-bwrap":
        monkeypatch.setenv("FLIGHTSCHOOL_SANDBOX", "off")
    sandbox.bwrap_problem.cache_clear()
    yield request.param
    sandbox.bwrap_problem.cache_clear()


def _copy(name: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_text((ATTACKS / name).read_text())
    return target


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that answers every connection with b"pong"."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"pong")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


def _sleepers() -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"987.654" in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@needs_bwrap
def test_the_data_folder_is_hidden_and_the_network_closed(tmp_path: Path, listener: int) -> None:
    progress = data_dir() / "progress.db"
    progress.write_text("learner answers")
    admin = data_dir() / "kwok" / "kubeconfig"
    admin.parent.mkdir()
    admin.write_text("admin credentials")
    dag = _copy("read_data.py", tmp_path / "dags")
    for target in (progress, admin):
        (dag.parent / "target.txt").write_text(f"{target} {listener}")
        [summary] = summarise([dag])
        message = summary.import_errors[0]["message"]
        assert "ATTACK read failed: FileNotFoundError" in message
        assert "connect failed" in message
        # a write lands, if anywhere, in the empty tmpfs laid over the data folder
        assert target.read_text() in ("learner answers", "admin credentials")


def test_without_bubblewrap_the_same_attack_is_visible_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_SANDBOX", "off")
    sandbox.bwrap_problem.cache_clear()
    [summary] = summarise([_copy("huge_file.py", tmp_path / "dags")])
    sandbox.bwrap_problem.cache_clear()
    assert summary.notes and "Not isolated" in summary.notes[0]


def test_workshop_mode_refuses_learner_code_without_bubblewrap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_SANDBOX", "off")
    monkeypatch.setenv("FLIGHTSCHOOL_MODE", "workshop")
    sandbox.bwrap_problem.cache_clear()
    with pytest.raises(SandboxUnavailable, match="install bubblewrap"):
        run_sandboxed([sys.executable, "-c", "pass"], Policy(), env=ENV)
    sandbox.bwrap_problem.cache_clear()


def test_a_fork_bomb_is_stopped_and_leaves_nothing(tmp_path: Path, flavour: str) -> None:
    if sandbox._pids_parent() is None and os.getuid() == 0:
        pytest.skip("root without a pids cgroup: nothing here can cap processes")
    started = time.monotonic()
    with pytest.raises(DagImportError, match="more than 64 processes"):
        summarise([_copy("fork_bomb.py", tmp_path / "dags")], timeout=30)
    assert time.monotonic() - started < 20


def test_a_setsid_sleeper_does_not_outlive_the_import(tmp_path: Path, flavour: str) -> None:
    [summary] = summarise([_copy("setsid_sleeper.py", tmp_path / "dags")])
    assert summary.ok and summary.dags[0]["dag_id"] == "escaper"
    assert _sleepers() == []


def test_a_huge_file_is_cut_at_the_size_limit(tmp_path: Path, flavour: str) -> None:
    dags = tmp_path / "dags"
    script = _copy("huge_file.py", dags)
    limits = Limits(timeout=30, file_size=8 * 1024**2)
    done = run_sandboxed(
        [sys.executable, str(script)], Policy(writable=(dags,), limits=limits), env=ENV
    )
    assert done.returncode != 0 and "File too large" in done.lines[-1]
    assert (dags / "huge.bin").stat().st_size <= 8 * 1024**2


def test_a_forged_summary_on_stdout_or_any_descriptor_is_not_believed(
    tmp_path: Path, flavour: str
) -> None:
    with pytest.raises(DagImportError, match="could not be confirmed"):
        summarise([_copy("forged_summary.py", tmp_path / "dags")])


def test_output_is_capped_and_only_the_last_lines_kept(flavour: str) -> None:
    code = "while True:\n    print('x' * 100)"
    limits = Limits(timeout=30, output=1024**2, keep_lines=50)
    done = run_sandboxed([sys.executable, "-c", code], Policy(limits=limits), env=ENV)
    assert done.stopped == "output"
    assert len(done.lines) == 50
    assert sandbox.stop_reason(done, limits).startswith("it printed more than")


def test_the_deadline_ends_the_whole_tree(flavour: str) -> None:
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n    os.setsid()\n    os.execvp('sleep', ['sleep', '987.654'])\n"
        "time.sleep(60)\n"
    )
    limits = Limits(timeout=2)
    done = run_sandboxed([sys.executable, "-c", code], Policy(limits=limits), env=ENV)
    assert done.stopped == "time"
    time.sleep(0.2)
    assert _sleepers() == []


@needs_bwrap
def test_the_network_reaches_the_api_server_and_nothing_else(listener: int) -> None:
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen(1)
    code = (
        "import socket, sys\n"
        "for port in sys.argv[1:]:\n"
        "    try:\n"
        "        print(port, socket.create_connection(('127.0.0.1', int(port)), timeout=3).recv(4))\n"
        "    except OSError as exc:\n"
        "        print(port, 'refused', type(exc).__name__)\n"
    )
    args = [sys.executable, "-c", code, str(listener), str(other.getsockname()[1])]
    policy = Policy(api_server=("127.0.0.1", listener), limits=Limits(timeout=20))
    done = run_sandboxed(args, policy, env=ENV)
    other.close()
    assert done.lines[0] == f"{listener} b'pong'"
    assert "refused" in done.lines[1]


@needs_bwrap
def test_the_learner_kubeconfig_is_readable_but_not_writable(tmp_path: Path) -> None:
    kubeconfig = data_dir() / "learner" / "kubeconfig"
    kubeconfig.parent.mkdir()
    kubeconfig.write_text("learner")
    code = (
        "import sys\nprint(open(sys.argv[1]).read())\n"
        "try:\n    open(sys.argv[1], 'w')\nexcept OSError as exc:\n    print(type(exc).__name__)\n"
    )
    done = run_sandboxed(
        [sys.executable, "-c", code, str(kubeconfig)], Policy(readable=(kubeconfig,)), env=ENV
    )
    assert done.lines == ["learner", "OSError"]


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("secret_cmd.cfg", "secret_cmd.cfg:5: [database] sql_alchemy_conn_cmd"),
        ("secret_backend.cfg", "secret_backend.cfg:3: [core] fernet_key_secret"),
    ],
)
def test_config_options_that_run_commands_are_refused_with_their_line(
    tmp_path: Path, name: str, where: str
) -> None:
    config = _copy(name, tmp_path)
    with pytest.raises(AirflowConfigError) as refused:
        load_config(lab_home("unit-attack"), config, ["core.executor"], None)
    assert str(refused.value).startswith(where)
