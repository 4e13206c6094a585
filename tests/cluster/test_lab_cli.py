"""`flightschool lab` against the embedded cluster: the JSON contract and exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.core.proc import Result, run
from tests.conftest import ROOT

pytestmark = pytest.mark.cluster


def cli(cluster: EmbeddedCluster, tmp_path: Path, *args: str) -> Result:
    env = {
        "FLIGHTSCHOOL_DATA_DIR": str(cluster.state.parents[1]),
        "FLIGHTSCHOOL_CLUSTER_NAME": cluster.cluster,
        "FLIGHTSCHOOL_WORKSPACE": str(tmp_path / "ws"),
    }
    return run([sys.executable, "-m", "flightschool.cli", "lab", *args], timeout=120, env=env)


def test_start_then_check_json_contract(embedded: EmbeddedCluster, tmp_path: Path) -> None:
    started = cli(embedded, tmp_path, "start", "01-first-pod")
    assert started.returncode == 0, started.stderr
    assert (
        "export KUBECONFIG=" in started.stdout
        and "flightschool lab check 01-first-pod --dir" in started.stdout
    )
    assert (tmp_path / "ws" / "01-first-pod" / "pod.yaml").exists()

    failing = cli(
        embedded,
        tmp_path,
        "check",
        "01-first-pod",
        "--dir",
        str(tmp_path / "ws" / "01-first-pod"),
        "--json",
    )
    assert failing.returncode == 1, failing.stderr
    report = json.loads(failing.stdout)
    assert set(report) == {"lab", "score", "max_score", "passed", "checks"}
    assert (
        report["lab"] == "01-first-pod" and report["passed"] is False and report["max_score"] == 8
    )
    assert all({"id", "title", "passed", "points", "message"} <= set(c) for c in report["checks"])

    passing = cli(
        embedded,
        tmp_path,
        "check",
        "01-first-pod",
        "--dir",
        str(ROOT / "labs" / "01-first-pod" / "solution"),
        "--json",
    )
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert json.loads(passing.stdout)["score"] == 8


def test_a_submission_into_another_namespace_is_refused(
    embedded: EmbeddedCluster, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  namespace: default\n"
    )
    result = cli(embedded, tmp_path, "check", "01-first-pod", "--dir", str(bad), "--json")
    assert result.returncode == 2
    assert "pod.yaml:1: namespace default is outside this lab" in result.stderr
