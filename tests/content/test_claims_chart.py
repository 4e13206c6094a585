"""Proofs for the course's claims about how the official chart treats values (lessons 04, 05,
11, their quizzes and the Helm interview): render the chart with small values files and check
what the lessons say it does. Skips with the reason where no chart is available, and fails
there under FLIGHTSCHOOL_REQUIRE_CHART=1 (tests/charts.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flightschool.cluster.helm import Rendered, render
from tests.charts import proof_chart


def _render(values: dict[str, Any], tmp_path: Path) -> Rendered:
    file = tmp_path / "values.yaml"
    file.write_text(yaml.safe_dump(values), encoding="utf-8")
    return render(proof_chart(), "airflow", "airflow", file)


def _kinds(result: Rendered) -> list[str]:
    return [f"{o.get('kind')}/{o.get('metadata', {}).get('name')}" for o in result.objects]


def test_unknown_top_level_keys_are_ignored(tmp_path: Path) -> None:
    result = _render({"prometheus": {"enabled": True}, "image": {"tag": "2.7.0"}}, tmp_path)
    assert not result.error, result.error
    assert not any("prometheus" in k.lower() for k in _kinds(result))


def test_unknown_keys_in_closed_sections_are_refused(tmp_path: Path) -> None:
    result = _render({"workers": {"autoscaling": {"enabled": True}}}, tmp_path)
    assert result.error and "autoscaling" in " ".join(result.schema_errors) + result.error


def test_git_sync_period_must_be_a_duration_string(tmp_path: Path) -> None:
    bad = _render({"dags": {"gitSync": {"enabled": True, "period": 60}}}, tmp_path)
    assert bad.error
    good = _render(
        {"dags": {"gitSync": {"enabled": True, "period": "60s", "repo": "https://x/y.git"}}},
        tmp_path,
    )
    assert not good.error, good.error


def test_worker_hpa_is_rendered_only_without_keda(tmp_path: Path) -> None:
    both = {
        "executor": "CeleryExecutor",
        "workers": {"celery": {"keda": {"enabled": True}, "hpa": {"enabled": True}}},
    }
    kinds = [k.split("/")[0] for k in _kinds(_render(both, tmp_path))]
    assert "ScaledObject" in kinds and "HorizontalPodAutoscaler" not in kinds
    hpa_only = {"executor": "CeleryExecutor", "workers": {"celery": {"hpa": {"enabled": True}}}}
    kinds = [k.split("/")[0] for k in _kinds(_render(hpa_only, tmp_path))]
    assert "HorizontalPodAutoscaler" in kinds


def test_image_digest_wins_over_tag(tmp_path: Path) -> None:
    digest = "sha256:" + "a" * 64
    values = {
        "images": {"airflow": {"repository": "r.example/airflow", "tag": "3.3.2", "digest": digest}}
    }
    result = _render(values, tmp_path)
    images = {
        c["image"]
        for o in result.objects
        if o.get("kind") == "Deployment"
        for c in o["spec"]["template"]["spec"]["containers"]
        if "airflow" in c["image"]
    }
    assert f"r.example/airflow@{digest}" in images, images
