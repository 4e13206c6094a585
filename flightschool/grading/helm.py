"""The chart step of a lab (render the chart with the learner's values; optionally install
it into the lab namespace and wait for its pods to become Ready) and the `helm` check that
reads its outcome."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flightschool.cluster import readiness
from flightschool.cluster.helm import ChartUnavailable, HelmError, airflow_chart, render
from flightschool.cluster.helm import install as install_release
from flightschool.cluster.kube import Kube, KubeError
from flightschool.content.labs import HelmCheck, Lab
from flightschool.core import safeyaml
from flightschool.grading.artifacts import HelmOutcome
from flightschool.grading.assertions import match
from flightschool.grading.view import ClusterView

Outcome = tuple[bool, str]


def chart_path(lab: Lab) -> Path:
    """The lab's chart: the official Airflow chart, or a chart folder inside the lab."""
    assert lab.spec.chart is not None
    source = lab.spec.chart.source
    return airflow_chart() if source == "airflow" else lab.folder / source


def run_step(
    lab: Lab,
    namespaces: Mapping[str, str],
    files: Path,
    on_line: Callable[[str], None] | None = None,
    *,
    learner_kubeconfig: Path,
    kube: Kube | None = None,
    wanted_ready: list[str] | None = None,
    install: bool | None = None,
) -> HelmOutcome:
    """Render the chart with the learner's values; install it (as the learner, so the
    release can only create what the learner could) when the lab says so (`install`
    overrides: the deploy step renders first and installs later itself); then wait for the
    pods of `wanted_ready` components to become Ready (the checks with `ready` read it)."""
    spec = lab.spec.chart
    assert spec is not None
    say = on_line or (lambda _line: None)
    out = HelmOutcome()
    values = files / spec.values
    if not values.is_file():
        out.error = f"{spec.values} is missing from your files"
        return out
    try:
        safeyaml.load_file(values)
    except safeyaml.YAMLSyntaxError as exc:
        out.error = f"{spec.values}:{exc.line}: {exc.message}"
        return out
    try:
        chart = chart_path(lab)
    except ChartUnavailable as exc:
        out.unavailable = str(exc)
        return out
    namespace = namespaces[lab.spec.namespace_names()[0]]
    say(f"Rendering the chart with {spec.values} (helm template)…")
    try:
        rendered = render(chart, spec.release, namespace, values)
    except HelmError as exc:
        out.error = str(exc)
        return out
    out.objects, out.error, out.schema_errors = (
        rendered.objects,
        rendered.error,
        list(rendered.schema_errors),
    )
    if (spec.install if install is None else install) and not out.error:
        say(f"Installing release {spec.release} into {namespace} (helm upgrade --install)…")
        try:
            out.install_error = install_release(
                chart, spec.release, namespace, values, learner_kubeconfig, spec.timeout
            )
        except HelmError as exc:
            out.install_error = str(exc)
        out.installed = not out.install_error
        if out.install_error and kube is not None:
            out.install_error += _pods_in_trouble(kube, namespace, spec.release)
    if out.installed and wanted_ready and kube is not None:
        say(f"Waiting for the pods of {', '.join(wanted_ready)} to become Ready…")
        try:
            states = readiness.wait_ready(
                kube, namespace, spec.release, wanted_ready, spec.ready_timeout, say
            )
        except KubeError as exc:
            out.ready = {c: f"the cluster said: {exc}" for c in wanted_ready}
        else:
            out.ready = {c: s.describe() if s else "" for c, s in states.items()}
    return out


def _pods_in_trouble(kube: Kube, namespace: str, release: str) -> str:
    """Why a failed install's pods (its hook jobs' too) did not come up, for its message."""
    try:
        pods = kube.list_objects("v1", "Pod", namespace, label_selector=f"release={release}")
        states = [readiness.pod_state(kube, p) for p in pods]
    except KubeError:
        return ""
    trouble = [s.describe() for s in states if not s.ready and s.reason != "Completed"]
    return "; " + "; ".join(trouble[:3]) if trouble else ""


def _embedded(obj: dict[str, Any], path: list[str]) -> Any:
    """The YAML document held in a string field (None when absent or not YAML)."""
    value: Any = obj
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return safeyaml.load(value)
    except safeyaml.YAMLSyntaxError:
        return None


def check_helm(check: HelmCheck, view: ClusterView, _lab: Path) -> Outcome:
    out = view.artifacts.helm
    if out is None:
        return False, f"{check.message} (the chart step did not run: no files were submitted)"
    if out.unavailable:
        return False, f"{check.message} ({out.unavailable})"
    if out.schema_errors:
        details = "; ".join(out.schema_errors[:4])
        return False, f"{check.message} (the chart's schema refused your values: {details})"
    if out.error:
        return False, f"{check.message} ({out.error})"
    if check.installed and not out.installed:
        return False, f"{check.message} ({out.install_error or 'the release was not installed'})"
    if check.ready:
        why = [
            f"{c}: {out.ready.get(c, 'not waited for')}"
            for c in check.ready
            if out.ready.get(c, "-")
        ]
        if why:
            return False, f"{check.message} (not Ready: {'; '.join(why)})"
    if check.object is None:
        return True, ""
    ref = check.object
    objects = [
        o
        for o in out.objects
        if o.get("kind") == ref.kind
        and o.get("apiVersion") == ref.apiVersion
        and (ref.name is None or o.get("metadata", {}).get("name") == ref.name)
    ]
    if check.installed:  # the live object, as the cluster holds it
        live = view.get(ref.apiVersion, ref.kind, ref.name) if ref.name else None
        objects = [live] if live else []
    what = f"{ref.kind} {ref.name or ''}".strip()
    if not check.present:
        if objects:
            return False, f"{check.message} (the chart still makes {what})"
        return True, ""
    if not objects:
        return False, f"{check.message} (the chart made no {what})"
    if check.yaml_field:
        objects = [_embedded(o, check.yaml_field) for o in objects]
    closest = min((match(check.match, o, check.lists) for o in objects), key=len)
    if not closest:
        return True, ""
    return False, f"{check.message} ({'; '.join(str(m) for m in closest[:3])})"
