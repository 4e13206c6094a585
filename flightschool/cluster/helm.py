"""Helm, from the toolchain: render a chart with values, install it into the lab cluster,
and find or fetch the official Airflow chart. The project never ships the official chart:
`flightschool chart fetch` pulls it from its official repository into the cache, or a
local directory or .tgz is named with --chart / FLIGHTSCHOOL_AIRFLOW_CHART."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flightschool.cluster import toolchain
from flightschool.core import safeyaml, settings
from flightschool.core.errors import EnvironmentProblem
from flightschool.core.paths import cache_dir
from flightschool.core.proc import ToolError, run

AIRFLOW_CHART_REPO = "https://airflow.apache.org"
AIRFLOW_CHART_VERSION = "1.22.0"
CHART_ENV = "FLIGHTSCHOOL_AIRFLOW_CHART"
TIMEOUT = 120.0


class HelmError(EnvironmentProblem, RuntimeError):
    pass


class ChartUnavailable(HelmError):
    pass


@dataclass(frozen=True)
class Rendered:
    objects: list[dict[str, Any]]
    error: str = ""
    schema_errors: tuple[str, ...] = ()


def helm_binary() -> Path:
    tc = toolchain.find()
    if tc is None:
        raise HelmError("helm is not available: run `flightschool cluster toolchain` first")
    return tc.path("helm")


def _env() -> dict[str, str]:
    base = cache_dir() / "helm"
    return {
        "HELM_CACHE_HOME": str(base / "cache"),
        "HELM_CONFIG_HOME": str(base / "config"),
        "HELM_DATA_HOME": str(base / "data"),
        "HOME": str(base),
    }


def _helm(args: list[str], timeout: float = TIMEOUT) -> tuple[int, str, str]:
    try:
        result = run([helm_binary(), *args], timeout=timeout, env=_env())
    except ToolError as exc:
        raise HelmError(str(exc)) from exc
    return result.returncode, result.stdout, result.stderr


def cached_airflow_chart() -> Path:
    return cache_dir() / "charts" / f"airflow-{AIRFLOW_CHART_VERSION}.tgz"


def airflow_chart(explicit: Path | None = None) -> Path:
    """The official chart: --chart, then FLIGHTSCHOOL_AIRFLOW_CHART, then the cache."""
    override = explicit or settings.current().airflow_chart
    if override is not None:
        if not (override.is_dir() and (override / "Chart.yaml").is_file()) and not (
            override.is_file() and override.name.endswith((".tgz", ".tar.gz"))
        ):
            raise ChartUnavailable(
                f"{override} is not a chart (a directory with Chart.yaml, or a .tgz)"
            )
        return override
    cached = cached_airflow_chart()
    if cached.is_file():
        return cached
    raise ChartUnavailable(
        f"the official Airflow chart {AIRFLOW_CHART_VERSION} is not here: run "
        f"`flightschool chart fetch` on a machine that reaches {AIRFLOW_CHART_REPO}, or set "
        f"{CHART_ENV} to a chart directory or .tgz"
    )


def fetch_airflow_chart(source: Path | None = None) -> Path:
    """Pull the pinned chart from the official repository (or copy a local .tgz/directory
    given as `source`) into the cache."""
    target = cached_airflow_chart()
    target.parent.mkdir(parents=True, exist_ok=True)
    if source is not None:
        chart = airflow_chart(source)
        if chart.is_file():
            target.write_bytes(chart.read_bytes())
            return target
        code, out, err = _helm(["package", str(chart), "--destination", str(target.parent)])
        if code != 0:
            raise HelmError(f"helm package failed: {err.strip() or out.strip()}")
        Path(out.strip().rsplit(" ", 1)[-1]).replace(target)
        return target
    code, out, err = _helm(
        [
            "pull",
            "airflow",
            "--repo",
            AIRFLOW_CHART_REPO,
            "--version",
            AIRFLOW_CHART_VERSION,
            "--destination",
            str(target.parent),
        ]
    )
    if code != 0:
        raise HelmError(
            f"could not fetch the Airflow chart {AIRFLOW_CHART_VERSION} from "
            f"{AIRFLOW_CHART_REPO}: {err.strip() or out.strip()}"
        )
    return target


# A whole chart's output: far more than one hand-written file, still bounded.
RENDERED_LIMITS = safeyaml.Limits(max_bytes=50_000_000, max_documents=5000)
_SCHEMA_LINE = re.compile(r"^\s*-\s*(.+)$")


def render(chart: Path, release: str, namespace: str, values: Path) -> Rendered:
    """`helm template`: the objects, or why the chart refused the values."""
    code, out, err = _helm(
        ["template", release, str(chart), "--namespace", namespace, "--values", str(values)]
    )
    if code != 0:
        message = err.strip() or out.strip()
        schema = tuple(
            m.group(1).strip().replace("at '': ", "top level: ")
            for line in message.splitlines()
            if "schema" in message and (m := _SCHEMA_LINE.match(line))
        )
        return Rendered([], message.splitlines()[0] if message else f"helm exited {code}", schema)
    try:
        documents = safeyaml.load_all(out, RENDERED_LIMITS)
    except safeyaml.YAMLSyntaxError as exc:
        return Rendered([], f"the rendered chart is refused (line {exc.line}): {exc.message}")
    objects = [d for _line, d in documents if isinstance(d, dict) and d.get("kind")]
    return Rendered(objects)


def install(
    chart: Path, release: str, namespace: str, values: Path, kubeconfig: Path, timeout: float
) -> str:
    """`helm upgrade --install` into the lab namespace; returns "" or the error."""
    code, out, err = _helm(
        [
            "upgrade",
            "--install",
            release,
            str(chart),
            "--namespace",
            namespace,
            "--values",
            str(values),
            "--kubeconfig",
            str(kubeconfig),
            "--timeout",
            f"{int(timeout)}s",
        ],
        timeout=timeout + 30,
    )
    return "" if code == 0 else (err.strip() or out.strip() or f"helm exited {code}")
