"""Small helpers shared by the benchmark scripts: timing, medians, a printed table."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

# The labs whose submissions are manifests applied to the cluster (the others grade files).
MANIFEST_LABS = (
    "01-first-pod",
    "02-requests-limits-quotas",
    "03-scheduling-gpu",
    "04-multi-tenancy",
    "05-pod-security",
    "06-troubleshooting",
)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def median_of(runs: int, fn: Callable[[], object]) -> tuple[float, list[float]]:
    samples = [timed(fn) for _ in range(runs)]
    return statistics.median(samples), samples


def report(name: str, value: float, target: float | None, unit: str = "s") -> bool:
    ok = target is None or value <= target
    goal = f"(target <= {target:g} {unit})" if target is not None else ""
    print(f"{name:<58} {value:8.3f} {unit} {goal} {'OK' if ok else 'MISSED'}")
    return ok


def _cpu_times() -> tuple[int, int]:
    """(idle + iowait, total) jiffies of all CPUs, from /proc/stat."""
    first = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0]
    fields = [int(x) for x in first.split()[1:]]
    return fields[3] + fields[4], sum(fields)


def at_rest(idle_share: float = 0.85, window: float = 3.0, limit: float = 180.0) -> float:
    """Wait until the machine is at rest: dirty pages written out and the CPUs idle for
    `window` seconds (a deleted kind cluster keeps the disk and the engine busy for a while
    after `kind delete` returns). Returns the seconds waited."""
    started = time.monotonic()
    os.sync()
    while time.monotonic() - started < limit:
        idle0, total0 = _cpu_times()
        time.sleep(window)
        idle1, total1 = _cpu_times()
        if (idle1 - idle0) / max(1, total1 - total0) >= idle_share:
            break
    return time.monotonic() - started
