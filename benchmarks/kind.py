"""The kind backend with the local image kit: how long a cluster takes, what it costs.

- `cluster up --backend kind` on a throwaway cluster (5 nodes from cluster/kind.yaml, the
  kit's node image): the create phase (kind create, every node Ready, pools shaped), then
  loading the kit's workload images onto the nodes; median of --runs, each cluster deleted;
- a warm `up` of the same cluster (images already on the nodes: nothing is loaded again);
- a forced load of the workload images (docker save + ctr import on every node);
- a warm `flightschool images build` (everything cached);
- memory of the node containers (docker stats) and the engine's disk use (docker system df).

Each run starts with the machine at rest (dirty pages synced, CPUs idle): the previous
run's deleted cluster otherwise keeps the disk busy into the next create.

Needs Docker and the kit (`flightschool images build`); on a shared engine run
`eval "$(bash scripts/docker.sh env)"` first. Run: .venv/bin/python benchmarks/kind.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import at_rest, report, timed
from flightschool.cluster import images
from flightschool.cluster.kind import KindCluster
from flightschool.core.proc import run


def create_and_load(cluster: KindCluster) -> tuple[float, float]:
    """(create, load) seconds of one `up`: create ends when every node is Ready."""
    marks: dict[str, float] = {}
    started = time.perf_counter()

    def progress(line: str) -> None:
        if "nodes Ready" in line:
            marks["ready"] = time.perf_counter()

    status = cluster.up(progress=progress)
    ended = time.perf_counter()
    if not status.healthy:
        raise SystemExit(f"cluster unhealthy: {status.problems}")
    ready = marks.get("ready", ended)
    return ready - started, ended - ready


def node_memory(name: str) -> list[str]:
    result = run(
        ["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}"], timeout=120
    )
    return [line for line in result.stdout.splitlines() if line.startswith(f"{name}-")]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    os.environ["FLIGHTSCHOOL_DATA_DIR"] = tempfile.mkdtemp(prefix="fs-bench-kind-")
    if images.local_node_image() is None:
        raise SystemExit("the kit's node image is not built: run `flightschool images build`")
    name = f"fs-bench-{os.getpid()}"
    creates, loads = [], []
    ok = True
    memory: list[str] = []
    warm_up = forced_load = 0.0
    for i in range(runs):
        cluster = KindCluster(name)
        waited = at_rest()
        try:
            create, load = create_and_load(cluster)
            creates.append(create)
            loads.append(load)
            print(
                f"run {i + 1}: create {create:.1f} s, load {load:.1f} s "
                f"(started after {waited:.0f} s of waiting for the machine to rest)",
                flush=True,
            )
            if i == 0:
                warm_up = timed(lambda c=cluster: c.up(progress=lambda _line: None))
                forced_load = timed(lambda: images.load(name, lambda _line: None))
                time.sleep(20)  # let the nodes come to rest before reading their memory
                memory = node_memory(name)
        finally:
            cluster.down(purge=True)
    build_warm = timed(lambda: images.build(progress=lambda _line: None))

    print("create samples (s):", [round(x, 1) for x in creates])
    print("load samples (s):  ", [round(x, 1) for x in loads])
    ok &= report(
        "kind create with local images, to all nodes Ready (median)",
        statistics.median(creates),
        60.0,
    )
    report("first load of the workload images in `up` (median)", statistics.median(loads), None)
    ok &= report(
        "`cluster up` create + load (median)",
        statistics.median(c + lo for c, lo in zip(creates, loads, strict=True)),
        None,
    )
    ok &= report("warm `cluster up` (images already on the nodes)", warm_up, 15.0)
    report("forced load of the workload images, every node", forced_load, None)
    ok &= report("`images build` warm", build_warm, 10.0)
    print("memory of the node containers (docker stats, after a 20 s rest):")
    for line in memory:
        print("  ", line)
    print("disk (docker system df):")
    print(run(["docker", "system", "df"], timeout=120).stdout.rstrip())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
