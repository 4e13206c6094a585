"""Proofs for the course's claims about how KubernetesExecutor merges a worker pod (lesson 03,
quiz 03, interviews): run the installed provider's own merge (`PodGenerator.construct_pod`, the
code path the executor and `generate-dag-yaml` use) and check each rule the lessons state."""

from __future__ import annotations

from airflow.providers.cncf.kubernetes.pod_generator import PodGenerator
from kubernetes.client import models as k8s

ARGS = ["python", "-m", "airflow.sdk.execution_time.execute_workload", "--json-string", "{}"]


def _template() -> k8s.V1Pod:
    return k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name="placeholder", labels={"team": "data", "tier": "batch"}),
        spec=k8s.V1PodSpec(
            restart_policy="Never",
            containers=[
                k8s.V1Container(
                    name="worker",
                    image="registry.example.com/airflow:3.3.2",
                    command=["airflow", "celery", "worker"],
                    env=[k8s.V1EnvVar(name="FROM_TEMPLATE", value="1")],
                    resources=k8s.V1ResourceRequirements(
                        requests={"cpu": "500m", "memory": "1Gi"}, limits={"memory": "1Gi"}
                    ),
                )
            ],
            init_containers=[
                k8s.V1Container(
                    name="fetch",
                    image="busybox:1.36",
                    env=[k8s.V1EnvVar(name="A", value="template")],
                )
            ],
            tolerations=[k8s.V1Toleration(key="batch", operator="Exists")],
            node_selector={"pool": "batch"},
            volumes=[k8s.V1Volume(name="tmpl", empty_dir=k8s.V1EmptyDirVolumeSource())],
        ),
    )


def _override() -> k8s.V1Pod:
    return k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(labels={"tier": "gpu"}),
        spec=k8s.V1PodSpec(
            containers=[
                k8s.V1Container(
                    name="base",
                    env=[k8s.V1EnvVar(name="FROM_OVERRIDE", value="1")],
                    resources=k8s.V1ResourceRequirements(requests={"memory": "8Gi"}),
                )
            ],
            init_containers=[
                k8s.V1Container(name="fetch", env=[k8s.V1EnvVar(name="B", value="override")]),
                k8s.V1Container(name="extra", image="busybox:1.36"),
            ],
            tolerations=[k8s.V1Toleration(key="gpu", operator="Exists")],
            volumes=[k8s.V1Volume(name="ovr", empty_dir=k8s.V1EmptyDirVolumeSource())],
        ),
    )


def _merged(override: k8s.V1Pod | None = None) -> k8s.V1Pod:
    return PodGenerator.construct_pod(
        dag_id="d",
        task_id="t",
        pod_id="d-t-abc",
        try_number=1,
        kube_image="registry.example.com/airflow:3.3.2",
        date=None,
        args=ARGS,
        pod_override_object=override,
        base_worker_pod=_template(),
        namespace="airflow",
        scheduler_job_id="1",
        run_id="manual__1",
    )


def test_template_container_is_renamed_base_and_its_command_survives() -> None:
    container = _merged().spec.containers[0]
    assert container.name == "base"
    assert container.command == ["airflow", "celery", "worker"]
    assert container.args == ARGS
    assert len(_merged().spec.containers) == 1


def test_override_appends_env_and_volumes() -> None:
    pod = _merged(_override())
    names = [e.name for e in pod.spec.containers[0].env]
    assert "FROM_TEMPLATE" in names and "FROM_OVERRIDE" in names
    assert {v.name for v in pod.spec.volumes} == {"tmpl", "ovr"}


def test_override_replaces_resources_tolerations_and_keeps_unset_fields() -> None:
    pod = _merged(_override())
    resources = pod.spec.containers[0].resources
    assert resources.requests == {"memory": "8Gi"}
    assert resources.limits is None  # the template's limit is gone: set limits again
    assert [t.key for t in pod.spec.tolerations] == ["gpu"]
    assert pod.spec.node_selector == {"pool": "batch"}  # not set in the override: kept


def test_labels_merge_key_by_key() -> None:
    labels = _merged(_override()).metadata.labels
    assert labels["team"] == "data" and labels["tier"] == "gpu"
    assert labels["dag_id"] == "d" and labels["task_id"] == "t" and labels["try_number"] == "1"


def test_init_containers_merge_by_name() -> None:
    init = _merged(_override()).spec.init_containers
    assert [c.name for c in init] == ["fetch", "extra"]
    assert [e.name for e in init[0].env] == ["A", "B"]
    assert init[0].image == "busybox:1.36"


def test_containers_merge_by_position_not_name() -> None:
    override = k8s.V1Pod(
        spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="sidecar", image="busybox:1.36")])
    )
    containers = _merged(override).spec.containers
    assert [c.name for c in containers] == ["sidecar"]  # merged into containers[0], not added
    assert containers[0].args == ARGS


def test_worker_pod_marks_itself_and_runs_execute_workload() -> None:
    container = _merged().spec.containers[0]
    env = {e.name: e.value for e in container.env}
    assert env["AIRFLOW_IS_K8S_EXECUTOR_POD"] == "True"
    assert "airflow.sdk.execution_time.execute_workload" in container.args
