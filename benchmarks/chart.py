"""Lab 09 on kind: the official chart installed with the lab's solution values until every
Airflow pod (scheduler, API server, DAG processor, triggerer) is Ready; target <= 240 s.

Each run starts from a fresh lab namespace (the lab's PostgreSQL and DAG repository set up
and Ready first, timed apart), then times `helm upgrade --install` (its migration hook
included) to the last Airflow pod Ready. After the last run it reports the memory of the
release's pods (working set, from each kubelet's summary) and the lab's own pods.
Needs a kind cluster with the kit's images (`flightschool cluster up --backend kind`).
Run: .venv/bin/python benchmarks/chart.py [--runs N] [--cluster NAME] [--chart PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import report
from flightschool.cluster import identity, readiness
from flightschool.cluster.helm import install
from flightschool.cluster.kind import KindCluster
from flightschool.cluster.kube import Kube
from flightschool.content.catalog import load_catalog
from flightschool.core.paths import project_root
from flightschool.grading import session

AIRFLOW = ("scheduler", "api-server", "dag-processor", "triggerer")
TARGET = 240.0


def _setup_ready(kube: Kube, namespace: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pods = kube.list_objects("v1", "Pod", namespace)
        wanted = [p for p in pods if p["metadata"]["name"].startswith(("metadata-db-", "dags-"))]
        if len(wanted) >= 2 and all(readiness.pod_state(kube, p).ready for p in wanted):
            return
        time.sleep(1)
    raise SystemExit("the lab's PostgreSQL and DAG repository did not become Ready")


def _memory(kube: Kube, namespace: str) -> dict[str, float]:
    """MiB of working set per pod of the namespace, from every node's kubelet summary."""
    found: dict[str, float] = {}
    for node in kube.nodes():
        summary: Any = kube.raw(
            "GET", f"/api/v1/nodes/{node['metadata']['name']}/proxy/stats/summary"
        )
        for pod in summary.get("pods", []):
            ref = pod.get("podRef", {})
            if ref.get("namespace") == namespace:
                working = (pod.get("memory") or {}).get("workingSetBytes") or 0
                found[ref["name"]] = working / 2**20
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--cluster", default=os.environ.get("FLIGHTSCHOOL_KIND_TEST_CLUSTER", "fs-kind-test")
    )
    parser.add_argument(
        "--chart",
        type=Path,
        default=project_root().parent / "shared" / "charts" / "airflow-1.21.0.tgz",
    )
    args = parser.parse_args()
    lab = load_catalog(project_root()).labs["09-helm-values"]
    cluster = KindCluster(args.cluster)
    kube = Kube(cluster.kubeconfig())
    setups: list[float] = []
    installs: list[float] = []
    namespace = ""
    for n in range(1, args.runs + 1):
        started = time.monotonic()
        names = session.prepare(lab, cluster, kube)
        namespace = names["lab-helm"]
        _setup_ready(kube, namespace)
        setups.append(time.monotonic() - started)
        learner = identity.access(kube, identity.LearnerIdentity(namespace, (namespace,)))
        started = time.monotonic()
        error = install(
            args.chart, "airflow", namespace, lab.solution / "values.yaml", learner.kubeconfig, 600
        )
        if error:
            print(f"run {n}: install failed: {error}")
            return 1
        states = readiness.wait_ready(kube, namespace, "airflow", AIRFLOW, 600)
        seconds = time.monotonic() - started
        unready = [s.describe() for s in states.values() if s]
        if unready:
            print(f"run {n}: not Ready after {seconds:.0f} s: {'; '.join(unready)}")
            return 1
        installs.append(seconds)
        print(f"run {n}: setup {setups[-1]:.1f} s, install to Ready {seconds:.1f} s")
    ok = report("lab setup (PostgreSQL, DAG repository) Ready", statistics.median(setups), None)
    ok &= report(
        f"chart install to all Airflow pods Ready (median of {len(installs)})",
        statistics.median(installs),
        TARGET,
    )
    memory = _memory(kube, namespace)
    release = {p: m for p, m in memory.items() if p.startswith("airflow-")}
    for pod, mib in sorted(memory.items()):
        print(f"  {pod:<56} {mib:8.1f} MiB")
    report("memory of the release's pods (working set)", sum(release.values()), None, "MiB")
    report(
        "memory of the lab's own pods", sum(memory.values()) - sum(release.values()), None, "MiB"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
