"""How many API requests one "Check my work" makes, and how many of them come before the
first check runs (health probes, identity, submission), for labs 01-06 on the embedded
cluster. Requests are counted at the one place that talks to the API (cluster/kube.py).

Run: .venv/bin/python benchmarks/check_requests.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import MANIFEST_LABS
from flightschool.cluster import kube as kube_module
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.content.catalog import load_catalog
from flightschool.core.paths import project_root
from flightschool.grading import session
from flightschool.grading.report import CheckResult

LABS = MANIFEST_LABS


class Counting:
    """Wraps Kube.raw and Kube.stream to count requests by method and path shape."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self._raw = kube_module.Kube.raw
        self._stream = kube_module.Kube.stream

    def __enter__(self) -> Counting:
        counting = self

        def raw(self: Any, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
            counting.calls.append(f"{method} {path}")
            return counting._raw(self, method, path, *args, **kwargs)

        def stream(self: Any, path: str, *args: Any, **kwargs: Any) -> Any:
            counting.calls.append(f"WATCH {path}")
            return counting._stream(self, path, *args, **kwargs)

        kube_module.Kube.raw = raw  # type: ignore[method-assign]
        kube_module.Kube.stream = stream  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        kube_module.Kube.raw = self._raw  # type: ignore[method-assign]
        kube_module.Kube.stream = self._stream  # type: ignore[method-assign]


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="fs-bench-requests-"))
    os.environ["FLIGHTSCHOOL_DATA_DIR"] = str(tmp / "data")
    os.environ["FLIGHTSCHOOL_WORKSPACE"] = str(tmp / "ws")
    cluster = EmbeddedCluster("bench-requests")
    cluster.up(progress=lambda _m: None)
    try:
        catalog = load_catalog(project_root())
        print(f"{'lab':<28} {'before 1st check':>16} {'total':>6}  probes before the first check")
        for lab_id in LABS:
            lab = catalog.labs[lab_id]
            session.start(lab, cluster, fresh_workspace=True)
            time.sleep(1)
            first: list[int] = []
            with Counting() as counting:

                def on_result(
                    _result: CheckResult,
                    calls: list[str] = counting.calls,
                    first: list[int] = first,
                ) -> None:
                    if not first:
                        first.append(len(calls))

                session.check(lab, cluster, lab.solution, progress=on_result)
            before = counting.calls[: first[0]] if first else counting.calls
            shapes = Counter(
                c
                for c in before
                if c.startswith("GET /")
                and (
                    "readyz" in c
                    or "version" in c
                    or "nodes" in c
                    or "customresourcedefinitions" in c
                )
            )
            print(
                f"{lab_id:<28} {len(before):>16} {len(counting.calls):>6}  "
                + ", ".join(f"{k} x{v}" for k, v in shapes.items())
            )
    finally:
        cluster.down(purge=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
