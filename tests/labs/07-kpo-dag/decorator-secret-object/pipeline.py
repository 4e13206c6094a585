# The provider's Secret helper for the environment variable, chain() for the order.
from datetime import datetime

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.secret import Secret
from airflow.sdk import chain, dag
from kubernetes.client import models as k8s


@dag(dag_id="k8s_pod_operator", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def pipeline():
    common = {"namespace": "lab-kpo-dag", "image": "python:3.12-slim", "get_logs": True}
    first = KubernetesPodOperator(
        task_id="simple_pod", cmds=["python"], arguments=["-c", "print(1)"], **common
    )
    second = KubernetesPodOperator(
        task_id="resource_pod",
        cmds=["python", "-c", "print(2)"],
        container_resources=k8s.V1ResourceRequirements(
            limits={"cpu": "2", "memory": "4Gi"}, requests={"cpu": "1", "memory": "2Gi"}
        ),
        secrets=[Secret("env", "API_KEY", "api-secret", "key")],
        **common,
    )
    third = KubernetesPodOperator(
        task_id="volume_pod",
        cmds=["python", "-c", "print(3)"],
        volumes=[
            k8s.V1Volume(
                name="reports",
                persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(
                    claim_name="data-pvc"
                ),
            ),
            k8s.V1Volume(name="scratch", empty_dir=k8s.V1EmptyDirVolumeSource()),
        ],
        volume_mounts=[
            k8s.V1VolumeMount(name="scratch", mount_path="/tmp/work"),
            k8s.V1VolumeMount(name="reports", mount_path="/data"),
        ],
        **common,
    )
    chain(first, second, third)


pipeline()
