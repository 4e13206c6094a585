# The operator under another name, shared arguments in default_args, set_downstream.
from datetime import datetime

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as KPO
from airflow.sdk import dag
from kubernetes.client import models as k8s

DEFAULTS = {"namespace": "lab-kpo-dag", "image": "python:3.12-slim", "cmds": ["python", "-c"]}


@dag(
    dag_id="k8s_pod_operator",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    default_args=DEFAULTS,
)
def k8s_dag():
    simple_pod = KPO(task_id="simple_pod", arguments=["print('hello')"])
    resource_pod = KPO(
        task_id="resource_pod",
        arguments=["print('processing')"],
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "1", "memory": "2Gi"}, limits={"cpu": "2", "memory": "4Gi"}
        ),
        env_vars=[
            k8s.V1EnvVar(name="MODE", value="batch"),
            k8s.V1EnvVar(
                name="API_KEY",
                value_from=k8s.V1EnvVarSource(
                    secret_key_ref=k8s.V1SecretKeySelector(
                        name="api-secret", key="key", optional=False
                    )
                ),
            ),
        ],
    )
    volume_pod = KPO(
        task_id="volume_pod",
        arguments=["print('volume')"],
        volumes=[
            k8s.V1Volume(
                name="data",
                persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(
                    claim_name="data-pvc"
                ),
            )
        ],
        volume_mounts=[k8s.V1VolumeMount(name="data", mount_path="/data")],
    )
    simple_pod.set_downstream(resource_pod)
    resource_pod.set_downstream(volume_pod)


k8s_dag()
