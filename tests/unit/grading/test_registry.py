"""Every check type, through the one registry, against an in-memory cluster: a pass and
the near misses that must fail, each in milliseconds (python checks start a sandboxed child)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from flightschool.cluster.kube import KubeError
from flightschool.content.labs import CHECK_TYPES, Check
from flightschool.dags.config import ConfigFacts
from flightschool.dags.inspect import FileSummary
from flightschool.grading.artifacts import AirflowOutcome, Artifacts, DeployOutcome, HelmOutcome
from flightschool.grading.registry import REGISTRY, evaluate
from flightschool.grading.view import ClusterView
from tests.unit.grading.fake_cluster import FakeCluster

NS = "lab-x"
_CHECK: TypeAdapter[Check] = TypeAdapter(Check)


def check(kind: str, **fields: Any) -> Check:
    return _CHECK.validate_python(
        {"id": "c", "title": "the check", "message": "fix it", "type": kind, **fields}
    )


def obj(
    kind: str, name: str, *, api: str = "v1", ns: str | None = NS, **body: Any
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, **body.pop("metadata", {})}
    if ns:
        meta["namespace"] = ns
    return {"apiVersion": api, "kind": kind, "metadata": meta, **body}


def grade(
    c: Check,
    cluster: FakeCluster | None = None,
    artifacts: Artifacts | None = None,
    lab: Path = Path(),
) -> tuple[bool, str]:
    view = ClusterView(cluster or FakeCluster(), {NS: NS}, NS, artifacts)
    return evaluate(c, view, lab)


def test_the_registry_has_one_row_per_lab_yaml_type() -> None:
    assert sorted(REGISTRY) == sorted(CHECK_TYPES)
    assert all(
        REGISTRY[name].schema.__name__.lower().startswith(name.split("_")[0]) for name in REGISTRY
    )


POD = obj("Pod", "web", spec={"restartPolicy": "Never", "containers": [{"name": "app"}]})


def test_expect_matches_and_says_what_differs() -> None:
    cluster = FakeCluster([POD])
    ref = {"apiVersion": "v1", "kind": "Pod", "name": "web"}
    assert grade(
        check("expect", object=ref, match={"spec": {"restartPolicy": "Never"}}), cluster
    ) == (True, "")
    passed, message = grade(
        check("expect", object=ref, match={"spec": {"restartPolicy": "Always"}}), cluster
    )
    assert not passed and "expected 'Always', found 'Never'" in message
    passed, message = grade(check("expect", object={**ref, "name": "db"}), cluster)
    assert not passed and f"no Pod db found in namespace {NS}" in message


def test_expect_counts_by_label_and_reads_quota_aliases() -> None:
    pods = [obj("Pod", f"p{i}", metadata={"labels": {"app": "a"}}) for i in range(3)]
    by_label = {"apiVersion": "v1", "kind": "Pod", "labels": {"app": "a"}}
    assert grade(check("expect", object=by_label, count=3), FakeCluster(pods))[0]
    passed, message = grade(check("expect", object=by_label, count=2), FakeCluster(pods))
    assert not passed and "expected 2 matching, found 3" in message
    quota = obj("ResourceQuota", "q", spec={"hard": {"cpu": "2"}})
    ref = {"apiVersion": "v1", "kind": "ResourceQuota", "name": "q"}
    assert grade(
        check("expect", object=ref, match={"spec": {"hard": {"requests.cpu": "2"}}}),
        FakeCluster([quota]),
    )[0]


def test_expect_defaulted_refuses_a_value_the_submission_wrote() -> None:
    limits = {"f:spec": {"f:containers": {'k:{"name":"app"}': {"f:resources": {"f:limits": {}}}}}}
    written = obj(
        "Pod", "web", metadata={"managedFields": [{"manager": "kubectl", "fieldsV1": limits}]}
    )
    defaulted = obj(
        "Pod",
        "web",
        metadata={"managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]},
    )
    c = check(
        "expect",
        object={"apiVersion": "v1", "kind": "Pod", "name": "web"},
        defaulted=["spec.containers[].resources.limits"],
    )
    passed, message = grade(c, FakeCluster([written]))
    assert not passed and "written by the submission" in message
    assert grade(c, FakeCluster([defaulted])) == (True, "")


def test_absent_names_what_is_left() -> None:
    c = check("absent", object={"apiVersion": "v1", "kind": "Pod", "name": "web"})
    assert grade(c, FakeCluster()) == (True, "")
    passed, message = grade(c, FakeCluster([POD]))
    assert not passed and "still present: web" in message


def refuse(reason: str) -> Callable[[dict[str, Any]], None]:
    def admission(manifest: dict[str, Any]) -> None:
        raise KubeError(reason, 403)

    return admission


def test_rejected_needs_the_refusal_for_the_right_reason() -> None:
    c = check("rejected", manifest=POD, reason="exceeded quota")
    assert grade(c, FakeCluster(admission=refuse("pods is forbidden: exceeded quota: q")))[0]
    passed, message = grade(c, FakeCluster(admission=refuse("violates PodSecurity")))
    assert not passed and "refused, but for another reason" in message
    passed, message = grade(c, FakeCluster())
    assert not passed and "accepted it" in message


SA = f"system:serviceaccount:{NS}:reader"


def test_can_i_checks_what_is_allowed_and_what_must_be_refused() -> None:
    c = check(
        "can_i",
        subject={"serviceaccount": f"{NS}/reader"},
        verbs=["get", "list"],
        resource="pods",
        namespace=NS,
        denied=[
            {"verbs": ["delete"], "resource": "pods"},
            {"verbs": ["get"], "resource": "secrets"},
        ],
    )
    least = {(SA, "get", "pods", "", NS), (SA, "list", "pods", "", NS)}
    assert grade(c, FakeCluster(allowed=least)) == (True, "")
    passed, message = grade(c, FakeCluster(allowed=least | {(SA, "get", "secrets", "", NS)}))
    assert not passed and "is allowed to get secrets in lab-x" in message
    passed, message = grade(c, FakeCluster(allowed={(SA, "get", "pods", "", NS)}))
    assert not passed and "is not allowed to list pods" in message


def test_scheduled_reads_the_node_or_the_schedulers_reason() -> None:
    node = obj("Node", "gpu-1", ns=None, metadata={"labels": {"pool": "gpu"}})
    placed = obj("Pod", "train", spec={"nodeName": "gpu-1"})
    on_gpu = check(
        "scheduled",
        pod={"apiVersion": "v1", "kind": "Pod", "name": "train"},
        node_labels={"pool": "gpu"},
    )
    assert grade(on_gpu, FakeCluster([node, placed])) == (True, "")
    elsewhere = obj("Node", "gpu-1", ns=None, metadata={"labels": {"pool": "cpu"}})
    passed, message = grade(on_gpu, FakeCluster([elsewhere, placed]))
    assert not passed and "whose labels differ" in message
    pending = obj(
        "Pod",
        "train",
        status={
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "message": "0/3 nodes: untolerated taint",
                }
            ]
        },
    )
    waits = check(
        "scheduled",
        pod={"apiVersion": "v1", "kind": "Pod", "name": "train"},
        pending_reason="taint",
    )
    assert grade(waits, FakeCluster([pending])) == (True, "")
    passed, message = grade(on_gpu, FakeCluster([pending]))
    assert not passed and "not scheduled: 0/3 nodes: untolerated taint" in message


def test_python_runs_the_labs_function_on_a_snapshot(tmp_path: Path) -> None:
    (tmp_path / "checks.py").write_text(
        "def check_web(view):\n    return view.get('v1', 'Pod', 'web') is not None or 'no web pod'\n"
    )
    c = check("python", function="check_web", reads=["v1/Pod"])
    assert grade(c, FakeCluster([POD]), lab=tmp_path) == (True, "")
    assert grade(c, FakeCluster(), lab=tmp_path) == (False, "fix it (no web pod)")


def test_dag_needs_the_airflow_step_and_its_task() -> None:
    c = check("dag", task="extract", operator="KubernetesPodOperator")
    passed, message = grade(c, artifacts=Artifacts())
    assert not passed and "the lab's Airflow step did not run" in message
    summary = FileSummary(
        file="dag.py",
        dags=[
            {
                "dag_id": "etl",
                "tasks": [{"task_id": "extract", "operator": "PythonOperator", "downstream": []}],
            }
        ],
    )
    out = Artifacts(airflow=AirflowOutcome(dag_id="etl", summary=summary))
    passed, message = grade(c, artifacts=out)
    assert not passed and "extract is a PythonOperator, not a KubernetesPodOperator" in message
    summary.dags[0]["tasks"][0]["operator"] = "KubernetesPodOperator"
    assert grade(c, artifacts=out) == (True, "")


def test_airflow_config_reads_what_airflow_loaded() -> None:
    c = check("airflow_config", options={"core.executor": "KubernetesExecutor"})
    loaded = ConfigFacts(options={"core.executor": "KubernetesExecutor"}, unknown=[])
    assert grade(c, artifacts=Artifacts(airflow=AirflowOutcome(config=loaded))) == (True, "")
    local = ConfigFacts(options={"core.executor": "LocalExecutor"}, unknown=[])
    passed, message = grade(c, artifacts=Artifacts(airflow=AirflowOutcome(config=local)))
    assert not passed and "core.executor is 'LocalExecutor'" in message
    broken = AirflowOutcome(config_error="airflow.cfg line 3: no section header")
    assert grade(c, artifacts=Artifacts(airflow=broken)) == (
        False,
        "fix it (airflow.cfg line 3: no section header)",
    )


def test_helm_matches_the_rendered_objects() -> None:
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "air-scheduler"}
    c = check("helm", object=ref, match={"spec": {"replicas": 2}})
    rendered = obj("Deployment", "air-scheduler", api="apps/v1", spec={"replicas": 2})
    assert grade(c, artifacts=Artifacts(helm=HelmOutcome(objects=[rendered]))) == (True, "")
    rendered["spec"]["replicas"] = 1
    passed, message = grade(c, artifacts=Artifacts(helm=HelmOutcome(objects=[rendered])))
    assert not passed and "expected 2, found 1" in message
    refused = HelmOutcome(schema_errors=["executor: value must be one of ..."])
    passed, message = grade(c, artifacts=Artifacts(helm=refused))
    assert not passed and "schema refused your values" in message
    passed, message = grade(c, artifacts=Artifacts())
    assert not passed and "the chart step did not run" in message


@pytest.mark.parametrize(
    ("user_line", "passes"),
    [("USER airflow", True), ("USER 50000", True), ("USER root", False)],
)
def test_dockerfile_rules_read_the_parsed_file(
    tmp_path: Path, user_line: str, passes: bool
) -> None:
    (tmp_path / "Dockerfile").write_text(
        f"FROM apache/airflow:3.1.0\nUSER root\nRUN apt-get update\n{user_line}\n"
    )
    c = check("dockerfile", rule="runs-as-airflow")
    assert grade(c, artifacts=Artifacts(files=tmp_path))[0] is passes


RAN = DeployOutcome(
    dag_id="capstone",
    run_id="flightschool-1",
    run_state="success",
    task_states={"extract": "success", "report": "success"},
)


def test_airflow_run_reads_the_run_and_each_task_instance() -> None:
    run = check("airflow_run", run_state="success")
    tasks = check("airflow_run", task_states={"report": "success"}, all_tasks="success")
    assert grade(run, artifacts=Artifacts(deploy=RAN)) == (True, "")
    assert grade(tasks, artifacts=Artifacts(deploy=RAN)) == (True, "")
    failed = DeployOutcome(
        dag_id="capstone",
        run_id="flightschool-1",
        run_state="failed",
        task_states={"extract": "upstream_failed", "report": "success"},
    )
    passed, message = grade(run, artifacts=Artifacts(deploy=failed))
    assert not passed and "the run flightschool-1 is failed" in message
    passed, message = grade(tasks, artifacts=Artifacts(deploy=failed))
    assert not passed and "extract is upstream_failed" in message
    missing = check("airflow_run", task_states={"load": "success"})
    passed, message = grade(missing, artifacts=Artifacts(deploy=RAN))
    assert not passed and "load is missing" in message


def test_airflow_run_says_where_the_deploy_stopped() -> None:
    c = check("airflow_run", run_state="success")
    stopped = DeployOutcome(stopped="your image did not build: Dockerfile:3: RUN false: exit 1")
    passed, message = grade(c, artifacts=Artifacts(deploy=stopped))
    assert not passed and "Dockerfile:3: RUN false" in message
    passed, message = grade(c, artifacts=Artifacts())
    assert not passed and "the deploy step did not run" in message


def task_pod(
    task: str,
    *,
    made_by: str = "kubernetes_executor",
    phase: str = "Succeeded",
    run_id: str = "flightschool-1",
    try_number: str = "1",
    cpu: str = "100m",
) -> dict[str, Any]:
    labels = {
        made_by: "True",
        "dag_id": "capstone",
        "task_id": task,
        "run_id": run_id,
        "try_number": try_number,
        "component": "worker",
    }
    return obj(
        "Pod",
        f"{task}-{run_id}-{try_number}",
        metadata={"labels": labels},
        spec={"containers": [{"name": "base", "resources": {"requests": {"cpu": cpu}}}]},
        status={"phase": phase},
    )


def test_task_pods_finds_each_tasks_pod_of_the_run() -> None:
    resources = {
        "spec": {"containers": [{"name": "base", "resources": {"requests": {"cpu": "0.1"}}}]}
    }
    c = check("task_pods", made_by="executor", tasks=["extract", "report"], match=resources)
    pods = [task_pod("extract"), task_pod("report")]
    assert grade(c, FakeCluster(pods), Artifacts(deploy=RAN)) == (True, "")
    # a later try of the same task is the one that counts
    retried = [task_pod("extract", phase="Failed"), task_pod("extract", try_number="2"), pods[1]]
    assert grade(c, FakeCluster(retried), Artifacts(deploy=RAN)) == (True, "")


@pytest.mark.parametrize(
    ("pods", "says"),
    [
        ([task_pod("extract")], "no pod from the executor for task report"),
        (
            [task_pod("extract"), task_pod("report", run_id="flightschool-0")],
            "for task report in run",
        ),
        (
            [task_pod("extract"), task_pod("report", made_by="kubernetes_pod_operator")],
            "no pod from",
        ),
        ([task_pod("extract"), task_pod("report", phase="Failed")], "is Failed"),
        ([task_pod("extract"), task_pod("report", cpu="200m")], "expected '0.1', found '200m'"),
    ],
)
def test_task_pods_near_misses_name_the_task(pods: list[dict[str, Any]], says: str) -> None:
    resources = {
        "spec": {"containers": [{"name": "base", "resources": {"requests": {"cpu": "0.1"}}}]}
    }
    c = check("task_pods", made_by="executor", tasks=["extract", "report"], match=resources)
    passed, message = grade(c, FakeCluster(pods), Artifacts(deploy=RAN))
    assert not passed and says in message, message


def test_task_pods_needs_a_run() -> None:
    c = check("task_pods", made_by="pod_operator", tasks=["report"])
    stopped = DeployOutcome(stopped="Airflow did not become Ready: pod airflow-scheduler-0: ...")
    passed, message = grade(c, FakeCluster([task_pod("report")]), Artifacts(deploy=stopped))
    assert not passed and "did not become Ready" in message
