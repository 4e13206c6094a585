"""Grading speed on a running embedded cluster.

- `flightschool lab check ID --json` for labs 01-06, process start included (median), and
  the same lab graded in this process (`grade()` alone, median);
- lab 02 graded for 50 learner namespaces at once, as in a workshop (one wall-clock time).

Run: .venv/bin/python benchmarks/grading.py [--runs N] [--labs 03 04 ...] [--no-workshop]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import os

from benchmarks.common import MANIFEST_LABS, report, timed
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube
from flightschool.content.catalog import load_catalog
from flightschool.core.paths import project_root
from flightschool.core.proc import run
from flightschool.grading import session
from flightschool.grading.runner import grade
from flightschool.grading.submit import submit

WORKSHOP = 50


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--labs", nargs="*", default=None, help="lab id prefixes (01, 03...)")
    parser.add_argument("--no-workshop", action="store_true", help="skip the 50-namespace run")
    args = parser.parse_args()
    runs = args.runs
    tmp = Path(tempfile.mkdtemp(prefix="fs-bench-grading-"))
    os.environ["FLIGHTSCHOOL_DATA_DIR"] = str(tmp / "data")
    cluster = EmbeddedCluster("bench-grading")
    cluster.up(progress=lambda _m: None)
    ok = True
    try:
        catalog = load_catalog(project_root())
        env = {
            "FLIGHTSCHOOL_DATA_DIR": str(tmp / "data"),
            "FLIGHTSCHOOL_CLUSTER_NAME": cluster.cluster,
        }
        for lab_id in MANIFEST_LABS:
            if args.labs is not None and not lab_id.startswith(tuple(args.labs)):
                continue
            lab = catalog.labs.get(lab_id)
            if lab is None:
                print(f"{lab_id}: not in the catalog, skipped")
                continue
            names = session.prepare(lab, cluster)
            session.solve(lab, cluster)
            time.sleep(3)  # let run-to-completion pods finish, as a learner's would
            kube = Kube(cluster.kubeconfig())
            graded = [grade(lab, kube, names) for _ in range(runs)]
            if not all(r.passed for r in graded):
                print(f"{lab_id}: the solution did not pass: {graded[-1].as_json()}")
                ok = False
            in_process = [
                timed(lambda lab=lab, kube=kube, names=names: grade(lab, kube, names))
                for _ in range(runs)
            ]
            ok &= report(f"grade {lab_id} in process (median)", statistics.median(in_process), 1.0)
            samples = [
                timed(
                    lambda lid=lab_id: run(
                        [sys.executable, "-m", "flightschool.cli", "lab", "check", lid, "--json"],
                        timeout=60,
                        env=env,
                    )
                )
                for _ in range(runs)
            ]
            ok &= report(
                f"lab check {lab_id} --json, process start included (median)",
                statistics.median(samples),
                1.0,
            )
        if args.no_workshop:
            return 0 if ok else 1
        lab = catalog.labs.get("02-requests-limits-quotas") or catalog.labs["01-first-pod"]
        kube = Kube(cluster.kubeconfig())
        learners = [
            {n: f"w{i:02d}-{n}" for n in lab.spec.namespace_names()} for i in range(WORKSHOP)
        ]
        for names in learners:
            for spec in lab.spec.namespaces:
                cluster.reset_namespace(names[spec.name], spec.labels)
            submit(lab, kube, lab.solution, names)
        time.sleep(3)

        def grade_one(names: dict[str, str]) -> bool:
            return grade(lab, Kube(cluster.kubeconfig()), names).passed

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(grade_one, learners))
        elapsed = time.perf_counter() - started
        print(f"{sum(results)}/{WORKSHOP} learner namespaces passed {lab.id}")
        ok &= report(
            f"grade {lab.id} for {WORKSHOP} namespaces concurrently (wall clock)", elapsed, 10.0
        )
    finally:
        cluster.down(purge=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
