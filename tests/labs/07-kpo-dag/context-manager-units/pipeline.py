# A context-manager DAG, the client's classes imported by name, quantities in other units
# and a volume named differently from the reference.
import datetime as dt

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk import DAG
from kubernetes.client import (
    V1EnvVar,
    V1EnvVarSource,
    V1PersistentVolumeClaimVolumeSource,
    V1ResourceRequirements,
    V1SecretKeySelector,
    V1Volume,
    V1VolumeMount,
)

with DAG(
    "k8s_pod_operator",
    start_date=dt.datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
):
    simple = KubernetesPodOperator(
        task_id="simple_pod",
        namespace="lab-kpo-dag",
        image="python:3.12-slim",
        cmds=["python", "-c", 'print("Hello from Pod")'],
    )
    resources = KubernetesPodOperator(
        task_id="resource_pod",
        namespace="lab-kpo-dag",
        image="docker.io/library/python:3.12-slim",
        cmds=["python", "-c", 'print("processing")'],
        container_resources=V1ResourceRequirements(
            requests={"memory": "2048Mi", "cpu": "1000m"},
            limits={"memory": "4096Mi", "cpu": "2000m"},
        ),
        env_vars=[
            V1EnvVar(
                name="API_KEY",
                value_from=V1EnvVarSource(
                    secret_key_ref=V1SecretKeySelector(key="key", name="api-secret")
                ),
            )
        ],
    )
    volume = KubernetesPodOperator(
        task_id="volume_pod",
        namespace="lab-kpo-dag",
        image="python:3.12-slim",
        cmds=["python", "-c", 'print("writing /data/report.csv")'],
        volumes=[
            V1Volume(
                name="pvc",
                persistent_volume_claim=V1PersistentVolumeClaimVolumeSource(claim_name="data-pvc"),
            )
        ],
        volume_mounts=[V1VolumeMount(mount_path="/data", name="pvc")],
    )
    simple >> resources >> volume
