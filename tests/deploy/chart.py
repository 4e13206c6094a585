"""Render the project's Helm chart (deploy/flightschool) with the toolchain's helm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from flightschool.cluster import toolchain
from flightschool.core.proc import Result, run
from tests.conftest import ROOT

CHART = ROOT / "deploy" / "flightschool"
DATABASE = {"database": {"url": "postgresql+psycopg://fs:secret@db.example.org/flightschool"}}


def helm() -> Path:
    found = toolchain.find()
    assert found is not None, "the toolchain is not built; `make toolchain` builds helm"
    return found.path("helm")


def values_file(folder: Path, values: dict[str, Any]) -> Path:
    path = folder / f"values-{len(list(folder.glob('values-*')))}.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    return path


def helm_run(folder: Path, verb: str, values: dict[str, Any], *args: str) -> Result:
    return run(
        [helm(), verb, *args, "-f", values_file(folder, values)],
        timeout=120,
        env={"HELM_CACHE_HOME": str(folder / "helm-cache"), "HELM_CONFIG_HOME": str(folder)},
    )


def render(
    folder: Path, values: dict[str, Any], release: str = "ws", namespace: str = "workshop"
) -> list[dict[str, Any]]:
    result = helm_run(folder, "template", values, release, str(CHART), "-n", namespace)
    assert result.ok, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def one(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [
        d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"{kind} {name or ''}: {len(found)} rendered"
    return found[0]
