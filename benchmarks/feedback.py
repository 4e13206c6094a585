"""Click to report: how long "Check my work" takes on the manifest labs (01-06), from the
submission to the full report, for each lab's starter, its solution and partial solutions
(the corpus's near misses, tests/labs/<lab>/), on the embedded cluster. Each attempt starts
from a reset lab; the reset is not timed. Prints per lab the median and p95, the time to the
first streamed result, and the targets: p95 <= 2 s for everything, median <= 1 s for
solutions.

Run: .venv/bin/python benchmarks/feedback.py [--runs 3] [--labs 01-first-pod,...] [--partials 4]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import MANIFEST_LABS
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.content.catalog import load_catalog
from flightschool.content.labs import Lab
from flightschool.core.paths import project_root
from flightschool.grading import session
from flightschool.grading.report import CheckResult
from flightschool.grading.submit import SubmissionError
from tests.lab_corpus import load_cases

LABS = MANIFEST_LABS


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def attempt(lab: Lab, cluster: EmbeddedCluster, folder: Path) -> tuple[float, float, float]:
    """(seconds to the full report, seconds to the first result, score)."""
    session.prepare(lab, cluster)
    first: list[float] = []
    started = time.perf_counter()

    def on_result(_result: CheckResult) -> None:
        if not first:
            first.append(time.perf_counter() - started)

    try:
        report = session.check(lab, cluster, folder, progress=on_result)
        score = report.score
    except SubmissionError:
        score = 0.0  # refused by admission: the page shows why at once
    total = time.perf_counter() - started
    return total, first[0] if first else total, score


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--labs", default=",".join(LABS))
    parser.add_argument("--partials", type=int, default=4, help="near misses per lab")
    parser.add_argument("--json", type=Path, help="also write the samples here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fs-bench-feedback-"))
    os.environ["FLIGHTSCHOOL_DATA_DIR"] = str(tmp / "data")
    os.environ["FLIGHTSCHOOL_WORKSPACE"] = str(tmp / "ws")
    cluster = EmbeddedCluster("bench-feedback")
    cluster.up(progress=lambda _m: None)
    catalog = load_catalog(project_root())
    samples: dict[str, dict[str, list[float]]] = {}
    print(f"{'lab / kind':<40} {'median':>7} {'p95':>7} {'first':>7}  n")
    try:
        for lab_id in args.labs.split(","):
            lab = catalog.labs[lab_id]
            session.start(lab, cluster, fresh_workspace=True)
            folders = {"starter": [lab.starter], "solution": [lab.solution]}
            near = [c for c in load_cases(lab_id) if not c.correct][: args.partials]
            folders["partial"] = [c.materialise(lab, tmp / "cases") for c in near]
            for kind, paths in folders.items():
                totals: list[float] = []
                firsts: list[float] = []
                for path in paths:
                    for _ in range(args.runs):
                        total, first, _score = attempt(lab, cluster, path)
                        totals.append(total)
                        firsts.append(first)
                samples.setdefault(kind, {}).setdefault(lab_id, []).extend(totals)
                print(
                    f"{lab_id + ' ' + kind:<40} {statistics.median(totals):7.2f} "
                    f"{p95(totals):7.2f} {statistics.median(firsts):7.2f}  {len(totals)}"
                )
    finally:
        cluster.down(purge=True)
    every = [s for by_lab in samples.values() for lab in by_lab.values() for s in lab]
    solutions = [s for lab in samples.get("solution", {}).values() for s in lab]
    worst = p95(every)
    best = statistics.median(solutions)
    print(f"\nall attempts: p95 {worst:.2f} s (target <= 2 s) {'OK' if worst <= 2 else 'MISSED'}")
    print(f"solutions: median {best:.2f} s (target <= 1 s) {'OK' if best <= 1 else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps(samples, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
