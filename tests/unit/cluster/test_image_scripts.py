"""The shell programs of the image kit, run for real with recording stand-ins for the programs
they call (docker, ctr, airflow)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flightschool.core.paths import project_root
from flightschool.core.proc import run

ROOT = project_root()
WRAPPER = ROOT / "scripts" / "unprivileged" / "docker"
ENTRYPOINT = ROOT / "cluster" / "images" / "airflow" / "entrypoint"
CTR = ROOT / "cluster" / "images" / "kind-base" / "flightschool" / "ctr"


def _recorder(folder: Path, name: str) -> Path:
    """A program that prints its name and arguments, one per line."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f'#!/bin/bash\necho {name}\nfor a in "$@"; do echo "$a"; done\n')
    path.chmod(0o755)
    return path


def _missing_caps() -> set[int]:
    text = Path("/proc/self/status").read_text()
    bounding = int(
        next(line.split()[1] for line in text.splitlines() if line.startswith("CapBnd")), 16
    )
    return {i for i in range(41) if not (bounding >> i) & 1}


def test_the_wrapper_spells_privileged_out_as_what_the_host_allows(tmp_path: Path) -> None:
    real = _recorder(tmp_path / "bin", "docker")
    result = run(
        [WRAPPER, "run", "--privileged", "-d", "--name", "n", "img"],
        timeout=10,
        env={"FLIGHTSCHOOL_REAL_DOCKER": str(real)},
        check=True,
    )
    args = result.stdout.splitlines()[1:]
    assert "--privileged" not in args
    assert args[0] == "run" and args[-4:] == ["-d", "--name", "n", "img"]
    assert "--cap-add=ALL" in args
    assert "--security-opt=systempaths=unconfined" in args
    assert "--device-cgroup-rule=a *:* rwm" in args and "--device=/dev/kmsg" in args
    drops = [a for a in args if a.startswith("--cap-drop=")]
    assert len(drops) == len(_missing_caps())
    if 24 in _missing_caps():
        assert "--cap-drop=SYS_RESOURCE" in drops


def test_the_wrapper_drops_privileged_from_exec_and_passes_the_rest(tmp_path: Path) -> None:
    real = _recorder(tmp_path / "bin", "docker")
    env = {"FLIGHTSCHOOL_REAL_DOCKER": str(real)}
    out = run([WRAPPER, "exec", "--privileged", "-i", "n", "ctr", "x"], timeout=10, env=env)
    assert out.stdout.splitlines()[1:] == ["exec", "-i", "n", "ctr", "x"]
    out = run([WRAPPER, "image", "inspect", "--privileged"], timeout=10, env=env)
    assert out.stdout.splitlines()[1:] == ["image", "inspect", "--privileged"]


def test_the_wrapper_finds_the_real_docker_after_itself_on_path(tmp_path: Path) -> None:
    real = _recorder(tmp_path / "bin", "docker")
    path = f"{WRAPPER.parent}:{real.parent}:{os.environ['PATH']}"
    out = run([WRAPPER, "version"], timeout=10, env={"PATH": path}, check=True)
    assert out.stdout.splitlines() == ["docker", "version"]


def _entrypoint(tmp_path: Path, *args: str, **env: str) -> list[str]:
    fake = _recorder(tmp_path / "bin", "airflow")
    path = f"{fake.parent}:{os.environ['PATH']}"
    result = run(
        [ENTRYPOINT, *args],
        timeout=20,
        env={"PATH": path, "CONNECTION_CHECK_MAX_COUNT": "0", **env},
        check=True,
    )
    return result.stdout.splitlines()


def test_an_airflow_subcommand_runs_airflow(tmp_path: Path) -> None:
    assert _entrypoint(tmp_path, "scheduler") == ["airflow", "scheduler"]
    assert _entrypoint(tmp_path, "airflow", "dags", "list") == ["airflow", "dags", "list"]


def test_bash_and_other_commands_run_as_given(tmp_path: Path) -> None:
    assert _entrypoint(tmp_path, "bash", "-c", "echo hello") == ["hello"]
    assert _entrypoint(tmp_path, "echo", "plain") == ["plain"]


def test_migrate_runs_before_the_command_when_asked(tmp_path: Path) -> None:
    out = _entrypoint(tmp_path, "api-server", _AIRFLOW_DB_MIGRATE="true")
    assert out == ["airflow", "db", "migrate", "airflow", "api-server"]


def test_the_database_wait_gives_up_with_the_count(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "airflow").write_text("#!/bin/bash\nexit 1\n")
    (bin_dir / "airflow").chmod(0o755)
    result = run(
        [ENTRYPOINT, "scheduler"],
        timeout=20,
        env={
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "CONNECTION_CHECK_MAX_COUNT": "2",
            "CONNECTION_CHECK_SLEEP_TIME": "0",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql://nowhere/db",
        },
    )
    assert result.returncode != 0
    assert "did not answer after 2 tries" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--namespace=k8s.io", "info"], ["--namespace=k8s.io", "version"]),
        (
            ["--namespace=k8s.io", "images", "import", "--label=a=b", "--digests", "-"],
            ["--namespace=k8s.io", "images", "import", "--digests", "-"],
        ),
        (["images", "tag", "--force", "a", "b"], ["images", "tag", "--force", "a", "b"]),
    ],
)
def test_the_ctr_wrapper_fills_containerd_16_gaps(
    tmp_path: Path, args: list[str], expected: list[str]
) -> None:
    text = CTR.read_text().replace("/usr/bin/ctr", str(_recorder(tmp_path / "bin", "ctr")))
    script = tmp_path / "ctr-wrapper"
    script.write_text(text)
    script.chmod(0o755)
    out = run([script, *args], timeout=10, check=True)
    assert out.stdout.splitlines() == ["ctr", *expected]


DOCKER_SH = ROOT / "scripts" / "docker.sh"


def test_docker_env_points_at_our_own_socket_and_adds_the_wrapper_only_when_probed(
    tmp_path: Path,
) -> None:
    env = {"FLIGHTSCHOOL_CACHE_DIR": str(tmp_path)}
    out = run(["bash", DOCKER_SH, "env"], timeout=10, env=env, check=True).stdout.splitlines()
    assert out == [f"export DOCKER_HOST=unix://{tmp_path}/docker/docker.sock"]
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "privileged-probe").write_text("privileged\n")
    out = run(["bash", DOCKER_SH, "env"], timeout=10, env=env, check=True).stdout.splitlines()
    assert len(out) == 1
    (tmp_path / "docker" / "privileged-probe").write_text("wrapper\n")
    out = run(["bash", DOCKER_SH, "env"], timeout=10, env=env, check=True).stdout.splitlines()
    assert out[1] == f"export PATH={WRAPPER.parent}:$PATH"


def test_docker_status_and_stop_leave_a_daemon_we_did_not_start_alone(tmp_path: Path) -> None:
    env = {"FLIGHTSCHOOL_CACHE_DIR": str(tmp_path)}
    (tmp_path / "docker").mkdir()
    # a pid file naming a process that is not our dockerd (the test itself)
    (tmp_path / "docker" / "dockerd.pid").write_text(str(os.getpid()))
    status = run(["bash", DOCKER_SH, "status"], timeout=10, env=env)
    assert status.returncode == 1 and "not running" in status.stdout
    stop = run(["bash", DOCKER_SH, "stop"], timeout=10, env=env, check=True)
    assert "stopped" not in stop.stdout
    assert Path(f"/proc/{os.getpid()}").exists()
