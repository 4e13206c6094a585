"""Workshop load on the embedded cluster and a real PostgreSQL, beside personal mode.

- N signed-in learners (default 50) at once, each doing lab 02 as the app does it: sign in
  with their join link, start the lab (their own namespaces and ServiceAccount), submit and
  check as themselves, record the attempt, then one kubectl-style request with their own
  token (the console's identity). Check time median and p95, errors, lost attempts.
- The same check in personal mode, one learner, for comparison (median and p95).
- M learner namespaces (default 200) graded concurrently (one wall-clock time).

Driven in-process through the engine the pages call (threads, one per learner), not over
Streamlit's websocket: page render time under 50 live sessions is not measured here.

Run: .venv/bin/python benchmarks/workshop.py [--learners 50] [--graded 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import report, timed
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube
from flightschool.content.catalog import load_catalog
from flightschool.core.paths import project_root
from flightschool.grading import session
from flightschool.grading.runner import grade
from flightschool.progress.db import make_engine
from flightschool.progress.store import ProgressStore
from flightschool.progress.workshop import Workshops
from tests.postgres import postgres_server

LAB = "02-requests-limits-quotas"


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--graded", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="personal-mode checks")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fs-bench-workshop-"))
    os.environ["FLIGHTSCHOOL_DATA_DIR"] = str(tmp / "data")
    os.environ["FLIGHTSCHOOL_WORKSPACE"] = str(tmp / "ws")
    # The embedded pool as a workshop gets it (settings: one copy per 10 learners or so).
    os.environ.setdefault("FLIGHTSCHOOL_NODE_POOL_COPIES", str(max(1, -(-args.learners // 10))))
    cluster = EmbeddedCluster("bench-workshop")
    ok = True
    try:
        cluster.up(progress=lambda _m: None)
        with postgres_server() as url:
            ok &= _run(cluster, url, args)
    finally:
        cluster.down(purge=True)
    return 0 if ok else 1


def _run(cluster: EmbeddedCluster, url: str, args: argparse.Namespace) -> bool:
    lab = load_catalog(project_root()).labs[LAB]
    ok = True
    # Personal mode: one learner, no prefix.
    session.start(lab, cluster, fresh_workspace=True)
    personal = [timed(lambda: session.check(lab, cluster, lab.solution)) for _ in range(args.runs)]
    report(f"personal: check {LAB} (median)", statistics.median(personal), None)
    report(f"personal: check {LAB} (p95)", p95(personal), None)

    store = ProgressStore(make_engine(url))
    shop = Workshops(store)
    links = [link for link in shop.create("bench", args.learners, timedelta(hours=2))[1:]]
    checks: list[float] = []
    errors: list[str] = []

    def learner_session(token: str) -> None:
        try:
            who = shop.sign_in(token)
            session.start(lab, cluster, learner=who.learner)
            started = time.perf_counter()
            result = session.check(lab, cluster, lab.solution, learner=who.learner)
            checks.append(time.perf_counter() - started)
            store.record_lab(
                who.learner,
                lab.id,
                score=result.score,
                max_score=result.max_score,
                passed=result.passed,
                checks=result.rows(),
            )
            own = Kube(session.learner_access(lab, cluster, learner=who.learner).kubeconfig)
            namespace = session.namespace_map(lab, cluster, who.learner)[
                lab.spec.namespaces[0].name
            ]
            own.list_objects("v1", "Pod", namespace)  # what a console `kubectl get pods` does
            if not result.passed:
                failing = [f"{c.id}: {c.message[:120]}" for c in result.checks if not c.passed]
                errors.append(f"{who.learner}: the solution did not pass ({'; '.join(failing)})")
        except Exception as exc:  # every failure counted, none hidden
            errors.append(f"{type(exc).__name__}: {exc}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.learners) as pool:
        list(pool.map(learner_session, [link.token for link in links]))
    wall = time.perf_counter() - started
    recorded = sum(len(store.best_lab_scores(link.learner)) for link in links)
    ok &= report(f"workshop: {args.learners} learners, sign-in to console (wall)", wall, 60.0)
    if checks:
        report(f"workshop: check {LAB} (median)", statistics.median(checks), None)
        ok &= report(f"workshop: check {LAB} (p95)", p95(checks), 5.0)
    ok &= report("workshop: errors", float(len(errors)), 0.0, unit="")
    ok &= report("workshop: lost attempts", float(args.learners - recorded), 0.0, unit="")
    for line in errors[:5]:
        print("  ", line)

    # Many learners' namespaces graded at once (lab 01: one namespace each).
    first = load_catalog(project_root()).labs["01-first-pod"]
    graded = [f"g{i:03d}" for i in range(args.graded)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda who: (
                    session.solve(first, cluster, learner=who)
                    if session.prepare(first, cluster, learner=who)
                    else None
                ),
                graded,
            )
        )
    time.sleep(3)
    kube = cluster.client()

    def grade_one(who: str) -> bool:
        return grade(first, kube, session.namespace_map(first, cluster, who)).passed

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        passed = list(pool.map(grade_one, graded))
    elapsed = time.perf_counter() - started
    print(f"{sum(passed)}/{len(graded)} learner namespaces passed {first.id}")
    ok &= report(f"grade {len(graded)} learner namespaces (wall)", elapsed, 10.0)
    store.engine.dispose()
    return ok


if __name__ == "__main__":
    sys.exit(main())
