"""Grading a lab: the cluster settles once (grading/settle.py), then every check runs against
one snapshot, with its own time limit, and any
error in a check becomes that check's failure, never a crash that hides the others. The
python checks (a lab's checks.py) run in the sandbox, in one child per pass, whose limits
the child and the sandbox enforce (grading/pychecks.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from pathlib import Path

from flightschool.cluster.identity import LearnerAccess
from flightschool.cluster.kube import ClusterUnreachable, Kube, KubeError
from flightschool.content.labs import Check, HelmCheck, ImageCheck, Lab, PythonCheck
from flightschool.grading import airflow, deploy, helm, image
from flightschool.grading.artifacts import Artifacts, HelmOutcome, ImageOutcome
from flightschool.grading.pychecks import PythonChecks
from flightschool.grading.registry import evaluate
from flightschool.grading.report import CheckResult, Report
from flightschool.grading.settle import settle, watched_for
from flightschool.grading.view import ClusterReader, ClusterView

_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="check")


def grade(
    lab: Lab,
    kube: ClusterReader,
    namespaces: Mapping[str, str] | None = None,
    visibility: str = "practice",
    progress: Callable[[CheckResult], None] | None = None,
    *,
    files: Path | None = None,
    simulated: bool = True,
    on_output: Callable[[str], None] | None = None,
    learner: LearnerAccess | None = None,
    load_image: image.LoadImage | None = None,
    load_everywhere: deploy.ImageLoader | None = None,
) -> Report:
    """Run the lab's checks visible in `visibility` (practice or exam). For a files lab,
    `files` is the learner's folder: the lab's Airflow, chart, image or deploy step runs on
    it first (`on_output` gets its progress lines; `simulated`: pods do not really run, and
    checks that need real containers are left out), acting on the cluster as `learner`, the
    learner's own least-privilege identity. `load_image` puts a built image on a node (for one
    pod), `load_everywhere` on every node (the capstone's Airflow runs anywhere)."""
    names = namespaces or {n: n for n in lab.spec.namespace_names()}
    default = lab.spec.namespace_names()[0]
    checks = [
        c
        for c in lab.spec.checks_for(real_containers=not simulated)
        if c.visibility in (visibility, "both")
    ]
    results = []
    try:
        artifacts = _prepare(
            lab, kube, names, checks, files, simulated, on_output, learner, load_everywhere
        )
        images = [c for c in checks if isinstance(c, ImageCheck)]
        if images and files is not None:
            artifacts.image = _image_step(lab, kube, names, images[0], files, load_image, on_output)
        waits = [c.wait for c in checks if c.wait]
        if waits:  # the longest wait, stretched up to their sum while the cluster moves
            settle(kube, names.values(), max(waits), ceiling=sum(waits), kinds=_watched(lab))
        view = ClusterView(kube, names, default, artifacts)
        python = PythonChecks([c for c in checks if isinstance(c, PythonCheck)], lab.folder)
        for check in checks:
            result = _run_one(check, view, lab, python)
            if progress:
                progress(result)
            results.append(result)
    except ClusterUnreachable as exc:
        raise ClusterUnreachable(
            f"the lab cluster stopped during grading ({len(results)} of {len(checks)} checks "
            f"ran): {exc}. Start it with `flightschool cluster up`, then check again."
        ) from exc
    return Report(lab.id, results)


def _watched(lab: Lab) -> tuple[tuple[str, str], ...]:
    """What a submission can set moving: a manifests lab without setup objects makes only
    its allowed kinds (and what their controllers make); anything else, every kind."""
    if lab.spec.submission == "manifests" and not lab.spec.setup:
        return watched_for(lab.spec.allowed_kinds)
    return watched_for(None)


def _prepare(
    lab: Lab,
    kube: ClusterReader,
    names: Mapping[str, str],
    checks: list[Check],
    files: Path | None,
    simulated: bool,
    on_output: Callable[[str], None] | None,
    learner: LearnerAccess | None,
    load_image: deploy.ImageLoader | None = None,
) -> Artifacts:
    """The steps that must happen before the checks look: import or run the DAG, render or
    install the chart. Only for the check types that read them."""
    artifacts = Artifacts(files=files)
    if files is None:
        return artifacts
    steps = {c.step for c in checks}
    run_airflow = bool(lab.spec.airflow) and "airflow" in steps
    run_deploy = bool(lab.spec.deploy) and "deploy" in steps
    # the deploy step renders and installs the chart itself, after building the image
    run_chart = bool(lab.spec.chart) and ("chart" in steps or run_deploy)
    if not (run_airflow or run_chart):
        return artifacts
    if learner is None:
        raise ValueError(f"grading {lab.id} runs the learner's files: their kubeconfig is needed")
    if not isinstance(kube, Kube):
        raise TypeError(f"grading {lab.id} runs Airflow or the chart: the real client is needed")
    if run_airflow:
        artifacts.airflow = airflow.run_step(
            lab,
            kube,
            names,
            files,
            simulated=simulated,
            on_line=on_output,
            learner=learner,
        )
    if run_deploy:
        default = lab.spec.namespace_names()[0]
        early = [c for c in checks if c.step == "airflow" or _reads_rendered_values(c)]

        def failing_before_install(rendered: HelmOutcome) -> list[str]:
            view = ClusterView(kube, names, default, replace(artifacts, helm=rendered))
            nothing = PythonChecks([], lab.folder)
            return [c.title for c in early if not _attempt(c, view, lab, nothing)[0]]

        artifacts.helm, artifacts.deploy = deploy.run_step(
            lab,
            kube,
            names,
            files,
            on_output,
            learner_kubeconfig=learner.kubeconfig,
            load_image=load_image,
            failing_before_install=failing_before_install,
        )
    elif run_chart:
        artifacts.helm = helm.run_step(
            lab,
            names,
            files,
            on_line=on_output,
            learner_kubeconfig=learner.kubeconfig,
            kube=kube,
            wanted_ready=[n for c in checks if isinstance(c, HelmCheck) for n in c.ready],
        )
    return artifacts


def _reads_rendered_values(check: Check) -> bool:
    """A chart check decided by the rendered values alone, before any install."""
    return isinstance(check, HelmCheck) and not check.installed


def _image_step(
    lab: Lab,
    kube: ClusterReader,
    names: Mapping[str, str],
    check: ImageCheck,
    files: Path,
    load_image: image.LoadImage | None,
    on_output: Callable[[str], None] | None,
) -> ImageOutcome:
    if load_image is None or not isinstance(kube, Kube):
        raise ValueError(f"grading {lab.id} builds an image: a backend that loads it is needed")
    namespace = names[lab.spec.namespace_names()[0]]
    return image.run_step(lab, check, kube, namespace, files, load_image, on_output)


def _run_one(check: Check, view: ClusterView, lab: Lab, python: PythonChecks) -> CheckResult:
    started = time.monotonic()
    passed, message = _attempt(check, view, lab, python)
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


def _attempt(check: Check, view: ClusterView, lab: Lab, python: PythonChecks) -> tuple[bool, str]:
    if isinstance(check, PythonCheck):  # batched in the sandbox, limited in that process
        try:
            return python.outcome(check, view)
        except KubeError as exc:
            return False, f"{check.message} (the cluster said: {exc})"
        except Exception as exc:
            return False, f"{check.message} (the check itself failed: {type(exc).__name__}: {exc})"
    future = _POOL.submit(evaluate, check, view, lab.folder)
    try:
        return future.result(timeout=check.timeout)
    except FutureTimeout:
        return False, f"{check.message} (the check did not finish within {check.timeout:g} s)"
    except ClusterUnreachable:
        raise  # not the learner's fault: grade() says the cluster stopped
    except KubeError as exc:
        return False, f"{check.message} (the cluster said: {exc})"
    except Exception as exc:
        return False, f"{check.message} (the check itself failed: {type(exc).__name__}: {exc})"
