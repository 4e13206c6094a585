"""Airflow lab speed on a running embedded cluster, measured side by side in one run.

- lab 07 graded end to end (`flightschool lab check 07-kpo-dag --dir solution --json`: DAG
  import, argument facts, `airflow dags test` with three pods on the cluster), process start
  included; target <= 60 s;
- lab 08 graded the same way (config and template loaded by Airflow, generate-dag-yaml,
  worker pods created and scheduled); target <= 20 s;
- a DAG import summary (the sandboxed child importing lab 07's solution); target <= 5 s.

Runs alternate between the three measurements so machine noise hits each alike.
Run: .venv/bin/python benchmarks/airflow_labs.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import report, timed
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.core.paths import project_root
from flightschool.core.proc import run
from flightschool.dags.home import template_db
from flightschool.dags.inspect import summarise

CLI = [sys.executable, "-m", "flightschool.cli"]
TARGETS = {"07-kpo-dag": 60.0, "08-executor-pod-template": 20.0}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    tmp = Path(tempfile.mkdtemp(prefix="fs-bench-airflow-"))
    os.environ["FLIGHTSCHOOL_DATA_DIR"] = str(tmp / "data")
    cluster = EmbeddedCluster("bench-airflow")
    cluster.up(progress=lambda _m: None)
    template_db()  # made once per Airflow version, like on a learner's machine
    env = {"FLIGHTSCHOOL_DATA_DIR": str(tmp / "data"), "FLIGHTSCHOOL_CLUSTER_NAME": cluster.cluster}
    samples: dict[str, list[float]] = {name: [] for name in [*TARGETS, "import summary"]}
    ok = True
    try:
        for lab_id in TARGETS:
            run([*CLI, "lab", "start", lab_id], timeout=120, env=env, check=True)
        dag = project_root() / "labs" / "07-kpo-dag" / "solution" / "pipeline.py"
        for _ in range(runs):
            for lab_id in TARGETS:
                solution = project_root() / "labs" / lab_id / "solution"
                args = [*CLI, "lab", "check", lab_id, "--dir", str(solution), "--json"]
                result: dict[str, object] = {}

                def grade(args: list[str] = args, result: dict[str, object] = result) -> None:
                    done = run(args, timeout=300, env=env)
                    result.update(json.loads(done.stdout))

                samples[lab_id].append(timed(grade))
                if not result.get("passed"):
                    print(f"{lab_id}: the solution did not pass: {result}")
                    ok = False
            samples["import summary"].append(timed(lambda: summarise([dag])))
        for lab_id, target in TARGETS.items():
            ok &= report(
                f"lab {lab_id} graded end to end (median)",
                statistics.median(samples[lab_id]),
                target,
            )
        ok &= report(
            "DAG import summary, lab 07 solution (median)",
            statistics.median(samples["import summary"]),
            5.0,
        )
        for name, values in samples.items():
            print(f"  {name}: " + ", ".join(f"{v:.2f}" for v in values))
    finally:
        cluster.down(purge=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
