"""The Airflow step of a lab (import the learner's DAG; run it on the lab cluster with
`airflow dags test`, recording the pods it creates; or create the executor's worker pods
from generate-dag-yaml) and the `dag` and `airflow_config` checks that read its outcome."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flightschool.cluster.identity import LearnerAccess
from flightschool.cluster.kube import Kube, KubeError, wait_until
from flightschool.content.labs import AirflowConfigCheck, DagCheck, Lab, dependency_pairs
from flightschool.core import safeyaml
from flightschool.dags.config import (
    AirflowConfigError,
    ConfigFacts,
    generate_worker_pods,
    load_config,
)
from flightschool.dags.home import AirflowHomeError, lab_home
from flightschool.dags.inspect import DagImportError, summarise
from flightschool.dags.run import test_dag
from flightschool.grading.artifacts import AirflowOutcome
from flightschool.grading.assertions import match
from flightschool.grading.view import ClusterView

Outcome = tuple[bool, str]
WORKER_LABEL = "kubernetes_executor=True"


class PodRecorder:
    """Watches a namespace while a DAG runs and keeps each new pod as first seen (the spec
    the operator created), in creation order: the operator deletes its pods afterwards.
    It also keeps the last phase it saw of each: the API server's view, which the learner's
    code cannot forge the way it can forge the run's own database."""

    def __init__(self, kube: Kube, namespace: str, selector: str) -> None:
        self.kube, self.namespace, self.selector = kube, namespace, selector
        self.pods: dict[str, dict[str, Any]] = {}
        self.phases: dict[str, str] = {}
        self._stop = threading.Event()
        self._before = {
            p["metadata"]["name"] for p in kube.list_objects("v1", "Pod", namespace, selector)
        }
        self._thread = threading.Thread(target=self._watch, daemon=True, name="pod-recorder")

    def __enter__(self) -> PodRecorder:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        path = f"/api/v1/namespaces/{self.namespace}/pods"
        while not self._stop.is_set():
            query = [("watch", "1"), ("labelSelector", self.selector), ("timeoutSeconds", "1")]
            try:
                for event in self.kube.stream(path, query, timeout=5):
                    pod = event.get("object") or {}
                    name = (pod.get("metadata") or {}).get("name")
                    new = name and name not in self._before
                    if event.get("type") in ("ADDED", "MODIFIED") and new:
                        self.pods.setdefault(str(name), pod)
                    if new and name in self.pods:
                        phase = (pod.get("status") or {}).get("phase")
                        if phase:
                            self.phases[str(name)] = str(phase)
            except KubeError:
                time.sleep(0.2)

    def in_order(self) -> list[dict[str, Any]]:
        return sorted(
            self.pods.values(),
            key=lambda p: (p["metadata"].get("creationTimestamp", ""), p["metadata"]["name"]),
        )


def run_step(
    lab: Lab,
    kube: Kube,
    namespaces: Mapping[str, str],
    files: Path,
    *,
    simulated: bool,
    on_line: Callable[[str], None] | None = None,
    learner: LearnerAccess,
) -> AirflowOutcome:
    """Import the learner's DAG, then run it or make its worker pods. Whatever the learner's
    files do on the cluster, they do as the learner (`learner`), never as the grader."""
    step = lab.spec.airflow
    assert step is not None
    out = AirflowOutcome(dag_id=step.dag_id)
    say = on_line or (lambda _line: None)
    dag_file = files / step.dag_file
    try:
        home = lab_home(lab.id)
    except AirflowHomeError as exc:
        out.import_error = str(exc)
        return out
    if step.config:
        config = files / step.config
        template = files / step.pod_template if step.pod_template else None
        if not config.is_file():
            out.config_error = f"{step.config} is missing from your files"
        elif template is not None and not template.is_file():
            out.config_error = f"{step.pod_template} is missing from your files"
        elif template is not None and (refused := safeyaml.problem(template)):
            out.config_error = refused
        else:
            say("Loading your configuration with Airflow…")
            try:
                out.config = load_config(home, config, _wanted_options(lab), template)
            except AirflowConfigError as exc:
                out.config_error = str(exc)
    if not dag_file.is_file():
        out.import_error = f"{step.dag_file} is missing from your files"
        return out
    say(f"Importing {step.dag_file} with Airflow…")
    try:
        out.summary = summarise([dag_file])[0]
    except DagImportError as exc:
        out.import_error = str(exc)
        return out
    for note in out.summary.notes:
        say(note)
    if not out.summary.ok or step.dag_id not in {d["dag_id"] for d in out.summary.dags}:
        return out
    default = namespaces[lab.spec.namespace_names()[0]]
    if step.action == "test":
        say(f"Running `airflow dags test {step.dag_id}` on the lab cluster…")
        with PodRecorder(kube, default, f"dag_id={step.dag_id}") as recorder:
            out.run = test_dag(
                dag_file,
                step.dag_id,
                home,
                kubeconfig=learner.kubeconfig,
                simulated_logs=simulated,
                on_line=on_line,
                timeout=step.timeout,
            )
            time.sleep(0.3)  # the last pod's events reach the watch
        out.pods, out.pod_phases = recorder.in_order(), dict(recorder.phases)
        for note in out.run.notes:
            say(note)
    elif step.action == "generate-yaml":
        cfg = files / step.config if step.config else None
        if cfg is not None and not cfg.is_file():
            out.worker_error = f"no worker pods: {step.config} is missing from your files"
            return out
        say("Generating the executor's worker pods (airflow kubernetes generate-dag-yaml)…")
        template = files / step.pod_template if step.pod_template else None
        worker = generate_worker_pods(
            home,
            dag_file,
            step.dag_id,
            config=cfg,
            pod_template=template if template and template.is_file() else None,
        )
        out.worker_pods, out.worker_error = worker.pods, worker.error
        _create_worker_pods(learner.client, default, out)
    return out


def _wanted_options(lab: Lab) -> list[str]:
    return sorted(
        {o for c in lab.spec.checks if isinstance(c, AirflowConfigCheck) for o in c.options}
    )


def _create_worker_pods(kube: Kube, namespace: str, out: AirflowOutcome) -> None:
    """Create the generated pods in the lab namespace (admission and the scheduler decide
    for real), replacing the ones an earlier check created."""
    for old in kube.list_objects("v1", "Pod", namespace, WORKER_LABEL):
        kube.delete("v1", "Pod", old["metadata"]["name"], namespace, grace_seconds=0)
    wait_until(lambda: not kube.list_objects("v1", "Pod", namespace, WORKER_LABEL), 20, 0.1)
    for pod in out.worker_pods:
        body = {**pod, "metadata": {**pod.get("metadata", {}), "namespace": namespace}}
        name = body["metadata"].get("name", "?")
        try:
            kube.create(body, namespace)
        except KubeError as exc:
            out.refused[name] = str(exc)


# ------------------------------------------------------------------------------ checks


_NO_STEP = "the lab's Airflow step did not run: no files were submitted"


def _import_problem(out: AirflowOutcome, dag_id: str) -> str:
    if out.import_error:
        return out.import_error
    if out.summary is None:
        return "the DAG was not imported"
    if out.summary.import_errors:
        e = out.summary.import_errors[0]
        return f"the DAG file does not import: {Path(e['file']).name}:{e['line']}: {e['message']}"
    found = [d["dag_id"] for d in out.summary.dags]
    if dag_id not in found:
        return f"no DAG with id {dag_id!r} (found: {', '.join(found) or 'none'})"
    return ""


def check_dag(check: DagCheck, view: ClusterView, lab: Path) -> Outcome:
    out = view.artifacts.airflow
    if out is None:
        return False, f"{check.message} ({_NO_STEP})"
    problem = _import_problem(out, out.dag_id)
    if problem or out.summary is None:
        return False, f"{check.message} ({problem})"
    dag = next(d for d in out.summary.dags if d["dag_id"] == out.dag_id)
    tasks = {t["task_id"]: t for t in dag["tasks"]}
    problems: list[str] = []
    if check.task:
        task = tasks.get(check.task)
        if task is None:
            return False, f"{check.message} (no task {check.task!r}; tasks: {', '.join(tasks)})"
        if check.operator and task["operator"] != check.operator:
            problems.append(f"{check.task} is a {task['operator']}, not a {check.operator}")
        if check.facts:
            problems += _mismatches(check.facts, task.get("kpo"), f"{check.task} arguments")
        if check.pod:
            if "pod" not in task:
                problems.append(
                    f"the pod for {check.task} could not be built: {task.get('pod_error', 'not a KubernetesPodOperator')}"
                )
            else:
                problems += _mismatches(check.pod, task["pod"], f"{check.task}'s pod")
    for chain in check.dependencies:
        for first, then in dependency_pairs(chain):
            if first not in tasks or then not in tasks:
                missing = first if first not in tasks else then
                problems.append(f"no task {missing!r}")
            elif then not in tasks[first]["downstream"]:
                problems.append(f"{then} does not run right after {first}")
    if check.needs_run:
        problems += _run_problems(check, out)
    if check.needs_worker_pods:
        problems += _worker_problems(check, out)
    if problems:
        return False, f"{check.message} ({'; '.join(problems[:4])})"
    return True, ""


def _mismatches(expected: dict[str, Any], found: Any, what: str) -> list[str]:
    if found is None:
        return [f"{what}: not a KubernetesPodOperator"]
    return [f"{what}: {m}" for m in match(expected, found)[:3]]


def _run_problems(check: DagCheck, out: AirflowOutcome) -> list[str]:
    run = out.run
    if run is None:
        return ["the DAG was not run"]
    problems = [run.error] if run.error else []
    if check.run_state and run.state != check.run_state:
        problems.append(
            f"the run ended {run.state or 'without a state'}, expected {check.run_state}"
        )
    for task, state in check.task_states.items():
        if run.tasks.get(task) != state:
            problems.append(f"task {task} is {run.tasks.get(task) or 'not run'}, expected {state}")
    problems += _unconfirmed(check, out)
    if check.pods:
        pods = out.pods
        if len(pods) < len(check.pods):
            problems.append(f"the run created {len(pods)} pod(s), expected {len(check.pods)}")
        for i, (expected, pod) in enumerate(zip(check.pods, pods, strict=False), 1):
            name = pod["metadata"]["name"]
            problems += [f"pod {i} ({name}): {m}" for m in match(expected, pod)[:2]]
    return problems


def _unconfirmed(check: DagCheck, out: AirflowOutcome) -> list[str]:
    """Successes the run's database claims but the grader did not see. That database is
    written by the run itself (learner code can forge it), so a task's success earns points
    only when the grader's own watch saw its KubernetesPodOperator pod succeed."""
    run = out.run
    if run is None:
        return []
    claimed = [t for t, s in check.task_states.items() if s == "success" and run.tasks.get(t) == s]
    if check.run_state == "success" and run.state == "success" and out.summary is not None:
        dag = next((d for d in out.summary.dags if d["dag_id"] == out.dag_id), None)
        claimed += [
            t["task_id"] for t in (dag or {}).get("tasks", []) if t["task_id"] not in claimed
        ]
    kpo = {
        task
        for task, facts in (out.summary.tasks() if out.summary else {}).items()
        if "kpo" in facts
    }
    succeeded = {
        ((p["metadata"].get("labels") or {}).get("task_id"))
        for p in out.pods
        if out.pod_phases.get(p["metadata"]["name"]) == "Succeeded"
    }
    problems = []
    for task in claimed:
        if task not in kpo:
            problems.append(
                f"the outcome of task {task} could not be confirmed: only a "
                "KubernetesPodOperator task's pod is seen by the grader"
            )
        elif task not in succeeded:
            problems.append(
                f"the outcome of task {task} could not be confirmed: the run says success, "
                "but the grader saw no pod of that task succeed"
            )
    return problems


def _worker_problems(check: DagCheck, out: AirflowOutcome) -> list[str]:
    if out.worker_error:
        return [out.worker_error]
    if not out.worker_pods:
        return ["no worker pods were generated"]
    problems = []
    if check.worker_pods:
        for pod in out.worker_pods:
            task = (pod.get("metadata", {}).get("labels") or {}).get("task_id", "?")
            problems += [f"worker pod for {task}: {m}" for m in match(check.worker_pods, pod)[:2]]
    if check.admitted is not None and bool(out.refused) == check.admitted:
        if out.refused:
            name, why = next(iter(out.refused.items()))
            problems.append(f"the API server refused {name}: {why}")
        else:
            problems.append("the API server accepted the worker pods")
    return problems


def _as_written(value: str, _facts: ConfigFacts) -> str:
    return value


def executor_paths(value: str, facts: ConfigFacts) -> str:
    """`[core] executor` as the classes Airflow loads: a comma-separated list whose items
    are a short name (`KubernetesExecutor`), a module path, or `alias:name-or-path` (the
    alias only names it). Short names become Airflow's own module path for them."""
    items = (item.strip().split(":", 1)[-1].strip() for item in value.split(","))
    return ",".join(facts.executors.get(item, item) for item in items if item)


# Options with more than one spelling of the same setting: both the expected value and
# the learner's are brought to one form before they are compared.
OPTION_FORMS: dict[str, Callable[[str, ConfigFacts], str]] = {"core.executor": executor_paths}


def check_airflow_config(check: AirflowConfigCheck, view: ClusterView, lab: Path) -> Outcome:
    out = view.artifacts.airflow
    if out is None:
        return False, f"{check.message} ({_NO_STEP})"
    if out.config_error or out.config is None:
        return False, f"{check.message} ({out.config_error or 'no configuration was loaded'})"
    facts = out.config
    problems = []
    for option, expected in check.options.items():
        found = facts.options.get(option)
        same = OPTION_FORMS.get(option, _as_written)
        if found is None or match(same(expected, facts), same(found, facts)):
            problems.append(f"{option} is {found!r}, expected {expected!r}")
    if check.known_options and facts.unknown:
        problems += [f"line {u['line']}: {u['option']}: {u['why']}" for u in facts.unknown[:4]]
    if check.pod_template:
        if facts.template is None:
            problems.append(f"the pod template did not load: {facts.template_error}")
        else:
            problems += [
                f"pod template: {m}" for m in match(check.pod_template, facts.template)[:3]
            ]
    if problems:
        return False, f"{check.message} ({'; '.join(problems[:4])})"
    return True, ""
