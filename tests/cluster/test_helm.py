"""The `helm` check type with a chart of our own (the official chart is never shipped):
render, schema errors as messages, rendered and live objects, and the chart's absence."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from flightschool.cluster import identity, toolchain
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.helm import (
    CHART_ENV,
    ChartUnavailable,
    airflow_chart,
    cached_airflow_chart,
)
from flightschool.cluster.kube import Kube
from flightschool.content.labs import Lab, load_lab
from flightschool.core.proc import run
from flightschool.grading import session
from flightschool.grading.runner import grade

pytestmark = pytest.mark.cluster

CLI = [sys.executable, "-m", "flightschool.cli"]
FIXTURE = Path(__file__).parents[1] / "fixtures" / "labs" / "helm-mini"


@pytest.fixture
def lab() -> Lab:
    return load_lab(FIXTURE)


def _messages(lab: Lab, kube: Kube, names: dict[str, str], files: Path) -> dict[str, str]:
    learner = identity.access(
        kube, identity.LearnerIdentity(names["lab-helm-mini"], tuple(names.values()))
    )
    report = grade(lab, kube, names, files=files, learner=learner)
    return {c.id: c.message for c in report.checks if not c.passed}


def test_starter_fails_on_the_schema_and_solution_installs(
    lab: Lab, embedded: EmbeddedCluster, kube: Kube
) -> None:
    names = session.prepare(lab, embedded, kube)
    failed = _messages(lab, kube, names, lab.starter)
    assert sorted(failed) == sorted(lab.spec.starter_fails)
    assert "additional properties 'webserver' not allowed" in failed["schema"]

    assert _messages(lab, kube, names, lab.solution) == {}
    live = kube.get("apps/v1", "Deployment", "mini-scheduler", names["lab-helm-mini"])
    assert live is not None
    assert live["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"] == {
        "memory": "2Gi"
    }


def test_values_that_are_not_yaml_name_the_line(
    lab: Lab, embedded: EmbeddedCluster, kube: Kube, tmp_path: Path
) -> None:
    (tmp_path / "values.yaml").write_text("executor: KubernetesExecutor\nscheduler: [oops\n")
    names = session.namespace_map(lab, embedded)
    failed = _messages(lab, kube, names, tmp_path)
    assert "values.yaml:3: invalid YAML" in failed["schema"]


def test_a_value_the_schema_refuses_is_reported(
    lab: Lab, embedded: EmbeddedCluster, kube: Kube, tmp_path: Path
) -> None:
    (tmp_path / "values.yaml").write_text("executor: SequentialExecutor\n")
    failed = _messages(lab, kube, {"lab-helm-mini": "lab-helm-mini"}, tmp_path)
    assert "/executor': value must be one of" in failed["schema"]


def test_a_missing_official_chart_says_how_to_get_it(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(CHART_ENV, raising=False)
    with pytest.raises(ChartUnavailable, match="flightschool chart fetch"):
        airflow_chart()
    monkeypatch.setenv(CHART_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ChartUnavailable, match="is not a chart"):
        airflow_chart()


def test_chart_fetch_takes_a_local_chart_into_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedded: EmbeddedCluster
) -> None:
    found = toolchain.find()  # before the cache moves: the binaries stay where they are
    assert found is not None
    monkeypatch.setenv("FLIGHTSCHOOL_TOOLCHAIN_BIN", str(found.bin_dir))
    monkeypatch.setenv("FLIGHTSCHOOL_CACHE_DIR", str(tmp_path / "cache"))
    done = run([*CLI, "chart", "fetch", "--chart", str(FIXTURE / "chart")], timeout=60)
    assert done.returncode == 0, done.stderr
    assert cached_airflow_chart().is_file()
    assert airflow_chart() == cached_airflow_chart()

    missing = run([*CLI, "chart", "fetch", "--chart", str(tmp_path)], timeout=60)
    assert missing.returncode == 2 and "is not a chart" in missing.stderr
