"""Bad input on the kind backend, as a learner meets it from the shell: Docker not installed,
its engine not running, kind not installed (exit 2 and what to do, never a traceback), and a
kit image missing from a node (which image, which node, and `images build` to fix it). The
docker CLI and the engine are the real ones; only what PATH and DOCKER_HOST offer changes."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from flightschool.cluster import images
from flightschool.cluster.kind import KindCluster
from flightschool.core.proc import Result, run
from tests.conftest import ROOT

pytestmark = pytest.mark.kind


def _cluster_up(path: Path, tmp_path: Path, **extra: str) -> Result:
    """`flightschool cluster up --backend kind` with only `path` on PATH (and no kit kind)."""
    env = {
        **os.environ,
        "PATH": str(path),
        "FLIGHTSCHOOL_CACHE_DIR": str(tmp_path / "cache"),
        "FLIGHTSCHOOL_CLUSTER_NAME": "fs-bad-input",
        **extra,
    }
    argv = [sys.executable, "-m", "flightschool.cli", "cluster", "up", "--backend", "kind"]
    return run(argv, timeout=120, env=env, inherit_env=False)


def _real(name: str) -> str | None:
    """The program itself, not the project's docker wrapper for unprivileged hosts."""
    wrapper = (ROOT / "scripts" / "unprivileged").resolve()
    dirs = [d for d in os.environ["PATH"].split(os.pathsep) if Path(d).resolve() != wrapper]
    found = shutil.which(name, path=os.pathsep.join(dirs))
    return found or (images.kind_binary() if name == "kind" else None)


def _tools(tmp_path: Path, *names: str) -> Path:
    """A PATH folder holding just these programs (links to the real ones)."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    for name in names:
        real = _real(name)
        assert real, f"{name} is needed for this test"
        (folder / name).symlink_to(real)
    return folder


def test_without_docker_cluster_up_exits_2_saying_what_to_install(tmp_path: Path) -> None:
    result = _cluster_up(_tools(tmp_path), tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "Docker is not installed" in said and "install Docker" in said
    assert "Traceback" not in said


def test_with_the_engine_stopped_cluster_up_exits_2_saying_how_to_start_it(
    tmp_path: Path,
) -> None:
    """The real docker CLI, pointed at a socket no engine listens on."""
    result = _cluster_up(
        _tools(tmp_path, "docker", "kind"),
        tmp_path,
        DOCKER_HOST=f"unix://{tmp_path / 'no-engine.sock'}",
    )
    said = result.stdout + result.stderr
    assert result.returncode == 2, said
    assert "the Docker engine is not running" in said and "docker info" in said
    assert "Traceback" not in said


def test_without_kind_cluster_up_exits_2_saying_how_to_get_it(tmp_path: Path) -> None:
    result = _cluster_up(_tools(tmp_path, "docker"), tmp_path)
    said = result.stdout + result.stderr
    assert result.returncode == 2, said
    assert "the kind CLI is not installed" in said
    assert "flightschool images build --only kind" in said
    assert "Traceback" not in said


def test_an_image_missing_from_the_nodes_is_named_with_the_fix(
    kind_cluster: KindCluster,
) -> None:
    problems = kind_cluster.image_problems(["python:3.12-slim", "flightschool/never-built:1"])
    nodes = {n for n in run(["docker", "ps", "--format", "{{.Names}}"], timeout=30).stdout.split()}
    assert problems, "a missing image went unnoticed"
    for problem in problems:
        assert "image flightschool/never-built:1 is missing from node" in problem
        assert "python:3.12-slim" not in problem  # that one is on every node
        assert "flightschool images build" in problem
    named = {p.split("missing from node ")[1].split(":")[0] for p in problems}
    assert named <= nodes and len(named) == len(problems)
