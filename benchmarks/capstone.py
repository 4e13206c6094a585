"""The capstone lab (11-airflow-on-kind) on a kind cluster with real containers.

- the first check of the solution, end to end (DAG import, chart render, docker build, image
  load onto every node, helm install, Airflow Ready, the DAG triggered and run, every check);
- the capstone DAG run: triggered through Airflow's REST API on the installed release until it
  ends (three KubernetesExecutor worker pods and a KubernetesPodOperator pod); the median of
  --runs runs; target <= 120 s. Airflow's own start and end dates are shown beside it.

Needs Docker, a kind cluster with the kit's images (`flightschool cluster up --backend kind`,
or FLIGHTSCHOOL_KIND_TEST_CLUSTER naming a running one) and the official chart
(FLIGHTSCHOOL_AIRFLOW_CHART or `flightschool chart fetch`).
Run: .venv/bin/python benchmarks/capstone.py [--runs N] [--cluster NAME] [--installed]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import report
from flightschool.cluster.kind import KindCluster
from flightschool.content.catalog import load_catalog
from flightschool.core.paths import project_root
from flightschool.grading import session
from flightschool.grading.airflow_api import FINISHED, AirflowApi, wait_for

LAB = "11-airflow-on-kind"


def _airflow_seconds(run: dict[str, object]) -> float:
    start, end = run.get("start_date"), run.get("end_date")
    if not (isinstance(start, str) and isinstance(end, str)):
        return float("nan")
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--cluster", default=os.environ.get("FLIGHTSCHOOL_KIND_TEST_CLUSTER", "flightschool")
    )
    parser.add_argument(
        "--installed",
        action="store_true",
        help="time runs on the release already installed in the lab namespace (skip the check)",
    )
    args = parser.parse_args()
    lab = load_catalog(project_root()).labs[LAB]
    cluster = KindCluster(args.cluster)
    status = cluster.status()
    if not status.healthy:
        print(f"the kind cluster {args.cluster!r} is not ready: {'; '.join(status.problems)}")
        return 2
    kube = cluster.client()
    ok = True
    if args.installed:
        names = session.namespace_map(lab, cluster)
    else:
        names = session.prepare(lab, cluster, kube)
        files = Path(tempfile.mkdtemp(prefix="fs-bench-capstone-")) / "solution"
        shutil.copytree(lab.solution, files)
        started = time.monotonic()
        graded = session.check(lab, cluster, files, on_output=lambda line: print(f"  {line}"))
        ok = report("first check of the solution, end to end", time.monotonic() - started, None)
        if not graded.passed:
            print(f"the solution did not pass: {graded.as_json()}")
            return 1
    spec = lab.spec.deploy
    assert spec is not None
    api = AirflowApi(kube, names[lab.spec.namespace_names()[0]], spec.api_service, spec.api_port)
    api.login()
    seconds, airflow_seconds = [], []
    for n in range(args.runs):
        run_id = f"flightschool-bench-{int(time.time())}-{n}"
        began = time.monotonic()
        api.trigger(spec.dag_id, run_id)
        ended = wait_for(
            lambda run_id=run_id: api.run(spec.dag_id, run_id).get("state") in FINISHED,
            spec.run_timeout,
            1,
        )
        seconds.append(time.monotonic() - began)
        final = api.run(spec.dag_id, run_id)
        airflow_seconds.append(_airflow_seconds(final))
        print(f"  run {run_id}: {final.get('state')} in {seconds[-1]:.1f} s")
        if not ended or final.get("state") != "success":
            ok = False
    ok &= report("capstone DAG run, trigger to end (median)", statistics.median(seconds), 120)
    report(
        "  the same runs, Airflow's start to end date (median)",
        statistics.median(airflow_seconds),
        None,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
