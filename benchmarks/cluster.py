"""Embedded cluster speed and memory, measured side by side with a bare kwokctl cluster.

- cold `flightschool cluster up` (toolchain cached), process start included, until every
  node is Ready and the default ServiceAccount exists;
- the same end state reached by hand with bare kwokctl (same config and stages, the same
  nodes applied with kubectl), alternated run by run with the above;
- warm `up` (healthy cluster reused), `reset_namespace`, resident memory of the processes;
- the cold toolchain build time recorded when the toolchain was built.

Memory is the sum of each process's proportional set size (PSS): a page that n processes
share counts 1/n in each, so pages the control plane's processes share (they run one
executable) count once. The sum of resident set sizes counts them in every process; it is
printed too.

Run: .venv/bin/python benchmarks/cluster.py [--runs N] [--bare-toolchain DIR]
(DIR: another toolchain folder for the bare kwokctl runs, e.g. one with separate binaries)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from benchmarks.common import at_rest, report, timed
from flightschool.cluster import nodes, toolchain
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.core.proc import run


def ours(name: str) -> float:
    env = {"FLIGHTSCHOOL_CLUSTER_NAME": name}
    elapsed = timed(
        lambda: run(
            [sys.executable, "-m", "flightschool.cli", "cluster", "up"],
            timeout=300,
            env=env,
            check=True,
        )
    )
    return elapsed


def bare(
    name: str, workdir: Path, config: BareConfig, stage_args: list[str], nodes_file: Path
) -> tuple[float, float]:
    """Seconds to the same end state, and the memory (PSS, MB) of its processes."""
    bin_dir = config.bin_dir
    env = {"KWOK_WORKDIR": str(workdir), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    kubeconfig = workdir / "clusters" / name / "kubeconfig.yaml"
    written = config.write(workdir.parent / f"{name}-kwokctl.yaml", kubeconfig.parent / "pki")
    config_args = ["-c", str(written), *stage_args]
    kubectl = [str(bin_dir / "kubectl"), "--kubeconfig", str(kubeconfig)]

    def go() -> None:
        run(
            [
                bin_dir / "kwokctl",
                *config_args,
                "create",
                "cluster",
                "--name",
                name,
                "--kubeconfig",
                "",
                "--wait",
                "2m",
            ],
            timeout=300,
            env=env,
            check=True,
        )
        run([*kubectl, "create", "-f", nodes_file], timeout=60, check=True)
        run(
            [*kubectl, "wait", "--for=condition=Ready", "node", "--all", "--timeout=120s"],
            timeout=130,
            check=True,
        )
        deadline = time.monotonic() + 120
        while not run(
            [*kubectl, "get", "serviceaccount", "default", "-n", "default"], timeout=30
        ).ok:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: no default ServiceAccount after 2 minutes")
            time.sleep(0.1)

    elapsed = timed(go)
    time.sleep(3)  # as long as ours settles before its memory is read
    pids = [
        int(f.read_text().strip()) for f in (workdir / "clusters" / name / "pids").glob("*.pid")
    ]
    kb = sum(memory_kb(pid)["Pss"] for pid in pids)
    run([bin_dir / "kwokctl", "delete", "cluster", "--name", name], timeout=120, env=env)
    return elapsed, kb / 1024


@dataclass(frozen=True)
class BareConfig:
    """Our kwokctl configuration with every binary taken from `bin_dir`; the certificate
    paths in it (the controller manager's and the scheduler's) point at each bare
    cluster's own certificates, which kwokctl makes."""

    text: str
    pki: str  # our cluster's certificate folder, as the text names it
    bin_dir: Path

    @classmethod
    def from_ours(cls, ours: Path, pki: Path, bin_dir: Path) -> BareConfig:
        documents = list(yaml.safe_load_all(ours.read_text()))
        options = documents[0]["options"]
        for key, value in options.items():
            if key.endswith("Binary"):
                options[key] = str(bin_dir / Path(value).name)
        return cls(yaml.safe_dump_all(documents, sort_keys=False), str(pki), bin_dir)

    def write(self, path: Path, pki: Path) -> Path:
        path.write_text(self.text.replace(self.pki, str(pki)))
        return path


def memory_kb(pid: int) -> dict[str, int]:
    """Rss, and Pss with its parts: Pss_Anon (heaps, stacks), Pss_File (the binary's pages)."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("Rss", "Pss", "Pss_Anon", "Pss_File"):
            out[key] = int(value.split()[0])
    return out


def pss_mb(components: list[dict[str, object]]) -> float:
    """Sum of PSS, printed per process with its parts and its RSS."""
    total = rss = 0
    for component in components:
        kb = memory_kb(int(str(component["pid"])))
        total += kb["Pss"]
        rss += kb["Rss"]
        print(
            f"  {component['name']:<25} {kb['Pss'] / 1024:6.0f} MB"
            f"  (anon {kb['Pss_Anon'] / 1024:4.0f}, file {kb['Pss_File'] / 1024:4.0f};"
            f" RSS {kb['Rss'] / 1024:4.0f})"
        )
    print(f"  sum of RSS (shared pages counted in every process): {rss / 1024:.0f} MB")
    return total / 1024


def load() -> str:
    return (
        "load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
        + f" on {os.cpu_count()} CPUs"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bare-toolchain", type=Path, help="binaries for the bare runs")
    args = parser.parse_args()
    runs = args.runs
    tmp = Path(tempfile.mkdtemp(prefix="fs-bench-cluster-"))
    os.environ["FLIGHTSCHOOL_DATA_DIR"] = str(tmp / "data")
    tc = toolchain.ensure()
    bare_bin = args.bare_toolchain or tc.bin_dir
    if bare_bin is None:
        print("the toolchain has no folder of its own: pass --bare-toolchain")
        return 2
    print("bare kwokctl runs use", bare_bin)
    ok = True
    print("start:", load())

    # One of ours first, to write the kwokctl config the bare runs reuse. It stops before
    # the cold runs: a cluster running the same executable shares its pages with the bare
    # clusters' processes, which would halve their memory figure.
    first = EmbeddedCluster("bench-config")
    first.up(progress=lambda _m: None)
    config = BareConfig.from_ours(first.state / "kwokctl.yaml", first.cluster_dir / "pki", bare_bin)
    first.down(purge=True)
    stage_args: list[str] = []
    for stage in [
        *toolchain.default_stage_files(tc),
        *sorted((Path(__file__).parents[1] / "cluster" / "stages").glob("*.yaml")),
    ]:
        stage_args += ["-c", str(stage)]
    nodes_file = tmp / "nodes.yaml"
    nodes_file.write_text(yaml.safe_dump_all(nodes.node_manifests(nodes.load_pools())))

    ours_s, bare_s, bare_mb = [], [], []
    for i in range(runs):
        name = f"bench-{i}"
        at_rest(window=2.0)  # each start on an idle machine: the last cluster's exit settles
        ours_s.append(ours(name))
        EmbeddedCluster(name).down(purge=True)
        at_rest(window=2.0)
        seconds, mb = bare(f"bare-{i}", tmp / "bare", config, stage_args, nodes_file)
        bare_s.append(seconds)
        bare_mb.append(mb)
    ours_med, bare_med = statistics.median(ours_s), statistics.median(bare_s)
    print(
        "cold up samples (s):   ours",
        [round(x, 2) for x in ours_s],
        " bare",
        [round(x, 2) for x in bare_s],
    )
    ok &= report("cold `cluster up` to nodes Ready + default SA (median)", ours_med, 3.0)
    report("bare kwokctl, same config, same end state (median)", bare_med, None)
    ok &= report("ratio ours / bare", ours_med / bare_med, 1.15, unit="x")

    warmup = EmbeddedCluster("bench-warmup")  # warm runs, resets and memory: alone again
    at_rest(window=2.0)
    warmup.up(progress=lambda _m: None)
    warm = statistics.median(
        timed(
            lambda: run(
                [sys.executable, "-m", "flightschool.cli", "cluster", "up"],
                timeout=60,
                env={"FLIGHTSCHOOL_CLUSTER_NAME": "bench-warmup"},
                check=True,
            )
        )
        for _ in range(runs)
    )
    ok &= report("warm `cluster up` (healthy cluster reused, median)", warm, 1.0)

    resets = []
    for i in range(runs):
        resets.append(timed(lambda: warmup.reset_namespace("lab-bench")))
        run(
            [
                tc.path("kubectl"),
                "--kubeconfig",
                warmup.kubeconfig(),
                "-n",
                "lab-bench",
                "create",
                "deployment",
                f"web{i}",
                "--image",
                "nginx:1.27",
                "--replicas",
                "3",
            ],
            timeout=30,
            check=True,
        )
        time.sleep(1)
    ok &= report(
        "reset_namespace with a running Deployment (median)", statistics.median(resets), 2.0
    )

    print("after the cold runs:", load())
    alive = [c for c in warmup.status().components if c["alive"]]
    ours_mb = pss_mb(alive)
    ok &= report("memory of the cluster's processes (sum of PSS)", ours_mb, 400, unit="MB")
    bare_median_mb = statistics.median(bare_mb)
    report("bare kwokctl's processes (median of its runs)", bare_median_mb, None, unit="MB")
    report("memory ratio ours / bare", ours_mb / bare_median_mb, None, unit="x")
    warmup.down(purge=True)

    manifest = (tc.bin_dir or Path()).parent / "bin" / "manifest.json"
    if manifest.exists():
        report(
            "cold toolchain build (recorded when built)",
            json.loads(manifest.read_text())["seconds"],
            None,
        )
    else:
        print("cold toolchain build time: no manifest (toolchain supplied from outside)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
