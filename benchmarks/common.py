"""Small helpers shared by the benchmark scripts: timing, medians, a printed table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

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
