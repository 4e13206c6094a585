"""The deploy step of a lab that runs Airflow for real (the capstone), and the two check
types that read it. The step: render the chart with the learner's values (a refused values
file stops here, quickly), build the learner's image, load it into the kind cluster,
install the chart as the learner, wait for Airflow's pods to be Ready (or say which pod is
not, and why), then trigger the lab's DAG through Airflow's own API and wait for the run.
Each stage that fails stops the ones after it and is named; nothing of the learner's
files is touched."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flightschool.cluster.helm import HelmError, install
from flightschool.cluster.kube import Kube, KubeError
from flightschool.cluster.readiness import STUCK, PodState, pod_state
from flightschool.content.labs import AirflowRunCheck, Lab, TaskPodsCheck
from flightschool.grading import helm, image
from flightschool.grading.airflow_api import FINISHED, AirflowApi, AirflowApiError, wait_for
from flightschool.grading.artifacts import DeployOutcome, HelmOutcome
from flightschool.grading.assertions import match
from flightschool.grading.view import ClusterView

Outcome = tuple[bool, str]
ImageLoader = Callable[[str], object]
_WORKLOADS = (("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"))


def run_step(
    lab: Lab,
    kube: Kube,
    namespaces: Mapping[str, str],
    files: Path,
    on_line: Callable[[str], None] | None = None,
    *,
    learner_kubeconfig: Path,
    load_image: ImageLoader | None = None,
    failing_before_install: Callable[[HelmOutcome], list[str]] | None = None,
) -> tuple[HelmOutcome, DeployOutcome]:
    """`failing_before_install`: the titles of the lab's checks on the rendered values and
    the DAG that fail. Any at all stops the step before the image build: an install and a
    run take minutes, and could not pass with values the lab already refuses."""
    spec, chart = lab.spec.deploy, lab.spec.chart
    assert spec is not None and chart is not None
    say = on_line or (lambda _line: None)
    out = DeployOutcome(image=spec.image, dag_id=spec.dag_id)
    rendered = helm.run_step(
        lab, namespaces, files, say, learner_kubeconfig=learner_kubeconfig, install=False
    )
    if rendered.unavailable or rendered.error or rendered.schema_errors:
        out.stopped = "the chart did not render with your values, so nothing was deployed"
        return rendered, out
    failing = failing_before_install(rendered) if failing_before_install else []
    if failing:
        out.stopped = "nothing was built or installed, as these fail first: " + "; ".join(failing)
        say(f"Stopped before the build: {len(failing)} check(s) on your values or DAG fail.")
        return rendered, out
    out.build_error = image.build(files, spec.dockerfile, spec.image, say, spec.build_timeout)
    if out.build_error:
        out.stopped = f"your image did not build: {out.build_error}"
        return rendered, out
    if load_image is not None:
        say(f"Loading {spec.image} into the cluster's nodes…")
        try:
            load_image(spec.image)
        except Exception as exc:  # the loader's own errors say what to do
            out.load_error = str(exc)
            out.stopped = f"your image could not be loaded into the cluster: {exc}"
            return rendered, out
    namespace = namespaces[lab.spec.namespace_names()[0]]
    say(f"Installing release {chart.release} into {namespace} (helm upgrade --install)…")
    try:
        rendered.install_error = install(
            helm.chart_path(lab),
            chart.release,
            namespace,
            files / chart.values,
            learner_kubeconfig,
            chart.timeout,
        )
    except HelmError as exc:
        rendered.install_error = str(exc)
    rendered.installed = not rendered.install_error
    if not rendered.installed:
        out.stopped = f"the release did not install: {rendered.install_error}"
        out.not_ready = not_ready(kube, namespace)
        return rendered, out
    say("Waiting for Airflow's pods to be Ready…")
    if not wait_for(lambda: _all_ready(kube, namespace), spec.ready_timeout, 3):
        out.not_ready = not_ready(kube, namespace) or "Airflow's pods did not become Ready"
        out.stopped = f"Airflow did not become Ready: {out.not_ready}"
        return rendered, out
    _run_dag(
        AirflowApi(kube, namespace, spec.api_service, spec.api_port),
        spec.dag_id,
        out,
        spec.run_timeout,
        say,
    )
    if out.run_id and not out.api_error:
        _task_pods_finish(kube, namespace, out.run_id, say)
    return rendered, out


def _task_pods_finish(kube: Kube, namespace: str, run_id: str, say: Callable[[str], None]) -> None:
    """Airflow marks a task done before its worker pod's container has exited: the pods are
    graded once they have finished too (a pod still running after a minute is graded as it is)."""

    def running() -> list[str]:
        try:
            pods = kube.list_objects("v1", "Pod", namespace, label_selector=f"run_id={run_id}")
        except KubeError:
            return []  # grading reads the pods again and reports what it finds
        return [
            p["metadata"]["name"]
            for p in pods
            if (p.get("status") or {}).get("phase") in ("Pending", "Running")
        ]

    if running():
        say("Waiting for the run's pods to finish…")
        wait_for(lambda: not running(), 60.0, 2)


def _run_dag(
    api: AirflowApi, dag_id: str, out: DeployOutcome, timeout: float, say: Callable[[str], None]
) -> None:
    deadline = time.monotonic() + timeout
    try:
        if not wait_for(_logged_in(api), min(60.0, timeout), 3):
            raise AirflowApiError("the API server's token endpoint did not answer within 60 s")
        say(f"Waiting for the DAG processor to parse {dag_id}…")
        if not wait_for(_quietly(lambda: api.dag(dag_id)), max(deadline - time.monotonic(), 1), 3):
            errors = api.import_errors()
            raise AirflowApiError(
                f"Airflow has no DAG {dag_id!r}: is it in your image's dags folder? "
                + (f"Import errors: {'; '.join(errors[:2])}" if errors else "No import errors.")
            )
        api.unpause(dag_id)
        out.run_id = f"flightschool-{int(time.time())}"
        say(f"Triggering {dag_id} (run {out.run_id}) through Airflow's API…")
        started = time.monotonic()
        api.trigger(dag_id, out.run_id)
        finished = wait_for(
            _quietly(lambda: api.run(dag_id, out.run_id).get("state") in FINISHED),
            max(deadline - time.monotonic(), 1),
            3,
        )
        out.run_seconds = time.monotonic() - started
        out.run_state = str(api.run(dag_id, out.run_id).get("state") or "")
        out.task_states = api.task_states(dag_id, out.run_id)
        say(f"The run ended {out.run_state} after {out.run_seconds:.0f} s")
        if not finished:
            out.api_error = f"the run had not finished after {timeout:.0f} s ({out.run_state})"
    except AirflowApiError as exc:
        out.api_error = str(exc)
    if out.api_error:
        out.stopped = out.api_error


def _quietly(poll: Callable[[], Any]) -> Callable[[], Any]:
    """A poll that treats a refused call as "not yet" (the API server restarting after an
    upgrade answers 503 for a moment); the deadline still ends the wait."""

    def attempt() -> Any:
        try:
            return poll()
        except AirflowApiError:
            return None

    return attempt


def _logged_in(api: AirflowApi) -> Callable[[], bool]:
    def attempt() -> bool:
        try:
            api.login()
        except AirflowApiError:
            return False
        return True

    return attempt


def _waiting_workloads(kube: Kube, namespace: str) -> list[str]:
    """The Deployments and StatefulSets of the namespace without all their replicas Ready
    (cheap: what the wait polls)."""
    return [
        w["metadata"]["name"]
        for api, kind in _WORKLOADS
        for w in kube.list_objects(api, kind, namespace)
        if (w.get("status") or {}).get("readyReplicas", 0)
        < (w.get("spec") or {}).get("replicas", 1)
    ]


def _all_ready(kube: Kube, namespace: str) -> bool:
    try:
        return not _waiting_workloads(kube, namespace)
    except KubeError:
        return False


def not_ready(kube: Kube, namespace: str) -> str:
    """'' when every Deployment and StatefulSet in the namespace has its replicas Ready;
    else the pod that holds one back and why, as the chart lab says it (readiness.pod_state:
    the image it cannot pull, a crash with its last log lines, the scheduler's message, a
    failing probe), a pod stuck for good first."""
    try:
        waiting = _waiting_workloads(kube, namespace)
        if not waiting:
            return ""
        pods = kube.list_objects("v1", "Pod", namespace)
    except KubeError as exc:
        return f"the cluster said: {exc}"
    states = [
        pod_state(kube, pod)
        for pod in pods
        if (pod.get("status") or {}).get("phase") != "Succeeded"
        and not pod["metadata"].get("deletionTimestamp")
    ]
    explained = [s for s in states if not s.ready and s.detail != "starting"]
    if not explained:
        return f"not Ready yet: {', '.join(waiting)}"
    return min(explained, key=_cause_first).describe()


def _cause_first(state: PodState) -> int:
    """The cause before its effects: a pod stuck for good (0), then one that crashed or
    cannot be placed (1), then one waiting in an init container or on its probe (2)."""
    if state.reason in STUCK:
        return 0
    return 2 if state.reason in ("Init", "NotReady") else 1


def pod_problem(pod: dict[str, Any]) -> str:
    """Why a task pod is not in the phase a check wants, from the recorded pod alone (a
    check reads the cluster's record, not the live cluster): '' when it is starting or
    has finished."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded",):
        return ""
    for cs in [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]:
        waiting = (cs.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") and waiting["reason"] not in (
            "ContainerCreating",
            "PodInitializing",
        ):
            image = f" (image {cs.get('image')})" if "Image" in waiting["reason"] else ""
            return (
                f"{cs.get('name')} {waiting['reason']}{image}: {waiting.get('message', '')}".strip(
                    ": "
                )
            )
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
            return f"Pending: {cond.get('message', cond.get('reason', ''))}"
    return ""


def _outcome(view: ClusterView, message: str) -> tuple[DeployOutcome | None, str]:
    out = view.artifacts.deploy
    if out is None:
        return None, f"{message} (the deploy step did not run: no files were submitted)"
    if not out.ran:
        return None, f"{message} ({out.stopped or 'the DAG was not triggered'})"
    return out, ""


def check_airflow_run(check: AirflowRunCheck, view: ClusterView, _lab: Path) -> Outcome:
    out, why = _outcome(view, check.message)
    if out is None:
        return False, why
    if out.api_error and not out.run_state:
        return False, f"{check.message} ({out.api_error})"
    if check.run_state and out.run_state != check.run_state:
        return False, f"{check.message} (the run {out.run_id} is {out.run_state or 'unknown'})"
    wrong = [
        f"{task} is {out.task_states.get(task, 'missing')}"
        for task, state in check.task_states.items()
        if out.task_states.get(task) != state
    ]
    if check.all_tasks:
        if not out.task_states:
            wrong.append("the run has no task instances")
        wrong += [
            f"{task} is {state}"
            for task, state in sorted(out.task_states.items())
            if state != check.all_tasks and task not in check.task_states
        ]
    if wrong:
        return False, f"{check.message} ({'; '.join(wrong[:4])})"
    return True, ""


_MADE_BY = {"executor": "kubernetes_executor", "pod_operator": "kubernetes_pod_operator"}


def check_task_pods(check: TaskPodsCheck, view: ClusterView, _lab: Path) -> Outcome:
    out, why = _outcome(view, check.message)
    if out is None:
        return False, why
    labels = {_MADE_BY[check.made_by]: "True", "run_id": out.run_id}
    if out.dag_id:
        labels["dag_id"] = out.dag_id
    pods = view.objects("v1", "Pod", labels=labels)
    problems = []
    for task in check.tasks:
        mine = [p for p in pods if (p["metadata"].get("labels") or {}).get("task_id") == task]
        if not mine:
            who = "the executor" if check.made_by == "executor" else "a KubernetesPodOperator"
            problems.append(f"no pod from {who} for task {task} in run {out.run_id}")
            continue
        pod = max(
            mine, key=lambda p: int((p["metadata"].get("labels") or {}).get("try_number", "0") or 0)
        )
        phase = (pod.get("status") or {}).get("phase")
        if check.phase and phase != check.phase:
            reason = pod_problem(pod) or phase or "no phase"
            problems.append(f"{task}'s pod {pod['metadata']['name']} is {phase} ({reason})")
            continue
        missed = match(check.match, pod, check.lists)
        if missed:
            problems.append(f"{task}'s pod {pod['metadata']['name']}: {missed[0]}")
    if problems:
        return False, f"{check.message} ({'; '.join(problems[:3])})"
    return True, ""
