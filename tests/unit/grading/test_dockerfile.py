"""Dockerfile rules on real Dockerfile text, parsed by the Dockerfile parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from flightschool.content.labs import DockerfileCheck
from flightschool.grading.artifacts import Artifacts
from flightschool.grading.dockerfile import RULES, check_dockerfile, parse
from flightschool.grading.view import ClusterView
from tests.unit.grading.fake_cluster import FakeCluster

GOOD = """ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}
USER root
RUN apt-get update && apt-get install -y --no-install-recommends \\
    libpq-dev
USER airflow
COPY requirements.txt /requirements.txt
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r /requirements.txt
"""


def _check(rule: str) -> DockerfileCheck:
    return DockerfileCheck.model_validate(
        {"id": "r", "title": "rule", "type": "dockerfile", "rule": rule, "message": "Fix it."}
    )


def _problem(tmp_path: Path, text: str, rule: str) -> str:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    return RULES[rule](parse(path), _check(rule))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_the_documented_dockerfile_passes_every_rule(tmp_path: Path, rule: str) -> None:
    assert _problem(tmp_path, GOOD, rule) == ""


@pytest.mark.parametrize(
    ("text", "rule", "expected"),
    [
        ("FROM apache/airflow\n", "base-image-pinned", "line 1: apache/airflow is not pinned"),
        ("FROM apache/airflow:latest\n", "base-image-pinned", "is not pinned"),
        ("FROM apache/airflow:2.7.0\n", "base-image-pinned", "does not match"),
        ("FROM python:3.12\n", "base-image-pinned", "expected apache/airflow"),
        ("ARG V\nFROM apache/airflow:${V}\n", "base-image-pinned", "without a default"),
        (
            GOOD.replace('"apache-airflow==${AIRFLOW_VERSION}" ', ""),
            "airflow-pinned-on-install",
            "line 8: pip may upgrade or downgrade Airflow",
        ),
        (
            GOOD.replace("COPY requirements.txt /requirements.txt\n", ""),
            "requirements-copied",
            "must be copied",
        ),
        (GOOD.replace("USER airflow\n", ""), "runs-as-airflow", "pip runs as root"),
        (GOOD + "USER root\n", "runs-as-airflow", "the image ends as root"),
    ],
)
def test_each_rule_names_the_line_and_why(
    tmp_path: Path, text: str, rule: str, expected: str
) -> None:
    assert expected in _problem(tmp_path, text, rule)


def test_pinned_extras_count_as_a_pin(tmp_path: Path) -> None:
    text = GOOD.replace('"apache-airflow==', '"apache-airflow[postgres]==')
    assert _problem(tmp_path, text, "airflow-pinned-on-install") == ""


def test_a_missing_dockerfile_is_a_failed_check_not_a_crash(tmp_path: Path) -> None:
    view = ClusterView(FakeCluster(), {}, "ns", Artifacts(files=tmp_path))
    passed, message = check_dockerfile(_check("runs-as-airflow"), view, tmp_path)
    assert not passed and "Dockerfile is missing" in message


def test_lab_10_corpus_without_a_cluster() -> None:
    """Every Dockerfile of lab 10's corpus, rule by rule: the spellings of one fact all
    pass, and each near miss breaks exactly the rules it names."""
    from flightschool.content.catalog import load_catalog
    from flightschool.content.labs import DockerfileCheck
    from flightschool.core.paths import project_root
    from flightschool.grading.dockerfile import RULES, parse
    from tests.lab_corpus import load_cases

    lab = load_catalog(project_root()).labs["10-custom-image"]
    checks = [c for c in lab.spec.checks if isinstance(c, DockerfileCheck)]
    outcomes = {}
    for case in load_cases(lab.id):
        instructions = parse(case.folder / "Dockerfile")
        outcomes[case.name] = (
            sorted(c.id for c in checks if RULES[c.rule](instructions, c)),
            list(case.fails),
        )
    assert {k: v for k, v in outcomes.items() if v[0] != v[1]} == {}
