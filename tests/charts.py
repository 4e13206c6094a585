"""The official chart the content proofs render with. Flight School never ships it: a chart
named by FLIGHTSCHOOL_AIRFLOW_CHART or fetched into the cache wins, else the test copy kept
next to the project (../shared/charts). Without any, the proofs skip with the reason, or fail
where FLIGHTSCHOOL_REQUIRE_CHART=1 says a chart must be there."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from flightschool.cluster.helm import ChartUnavailable, airflow_chart
from flightschool.core.paths import project_root

# Tests accept the pinned 1.22.0 or the 1.21.0 test copy; their schemas agree on every key
# the lessons use.
TEST_CHARTS = ("airflow-1.22.0.tgz", "airflow-1.21.0.tgz")


@cache
def _find() -> Path | str:
    try:
        return airflow_chart()
    except ChartUnavailable as exc:
        shared = project_root().parent / "shared" / "charts"
        found = [shared / name for name in TEST_CHARTS if (shared / name).is_file()]
        return found[0] if found else str(exc)


def proof_chart() -> Path:
    chart = _find()
    if isinstance(chart, Path):
        return chart
    if os.environ.get("FLIGHTSCHOOL_REQUIRE_CHART") == "1":
        pytest.fail(f"a chart is required here (FLIGHTSCHOOL_REQUIRE_CHART=1): {chart}")
    pytest.skip(chart)
