"""Grading a lab: every check runs against one snapshot, with its own time limit, and any
error in a check becomes that check's failure, never a crash that hides the others."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flightschool.cluster.kube import Kube, KubeError
from flightschool.content.labs import Check, Lab
from flightschool.grading.checks import run_check
from flightschool.grading.report import CheckResult, Report
from flightschool.grading.view import ClusterView

_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="check")


def grade(
    lab: Lab,
    kube: Kube,
    namespaces: Mapping[str, str] | None = None,
    visibility: str = "practice",
    progress: Callable[[CheckResult], None] | None = None,
) -> Report:
    """Run the lab's checks visible in `visibility` (practice or exam)."""
    names = namespaces or {n: n for n in lab.spec.namespace_names()}
    default = lab.spec.namespace_names()[0]
    view = ClusterView(kube, names, default)
    results = []
    for check in lab.spec.checks:
        if check.visibility not in (visibility, "both"):
            continue
        result = _run_one(check, view, lab, kube, names, default)
        if progress:
            progress(result)
        results.append(result)
    return Report(lab.id, results)


def _run_one(
    check: Check, view: ClusterView, lab: Lab, kube: Kube, names: Mapping[str, str], default: str
) -> CheckResult:
    started = time.monotonic()
    deadline = started + check.wait
    while True:
        passed, message = _attempt(check, view, lab)
        if passed or time.monotonic() >= deadline:
            break
        time.sleep(0.25)
        view = ClusterView(kube, names, default)  # a fresh snapshot for the retry
    return CheckResult(
        id=check.id,
        title=check.title,
        passed=passed,
        points=check.points if passed else 0.0,
        max_points=check.points,
        message=message,
        hint=check.hint,
        concept=check.concept,
        seconds=round(time.monotonic() - started, 3),
    )


def _attempt(check: Check, view: ClusterView, lab: Lab) -> tuple[bool, str]:
    future = _POOL.submit(run_check, check, view, lab.folder)
    try:
        return future.result(timeout=check.timeout)
    except FutureTimeout:
        return False, f"{check.message} (the check did not finish within {check.timeout:g} s)"
    except KubeError as exc:
        return False, f"{check.message} (the cluster said: {exc})"
    except Exception as exc:
        return False, f"{check.message} (the check itself failed: {type(exc).__name__}: {exc})"
