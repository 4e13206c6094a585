# The pipeline on Airflow 3 and the cncf.kubernetes provider 10.x.
from datetime import datetime

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk import dag
from kubernetes.client import models as k8s

NAMESPACE = "lab-kpo-dag"


@dag(
    dag_id="k8s_pod_operator",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
)
def k8s_dag():
    simple_pod = KubernetesPodOperator(
        task_id="simple_pod",
        name="simple-pod",
        namespace=NAMESPACE,
        image="python:3.12-slim",
        cmds=["python", "-c"],
        arguments=['print("Hello from Pod")'],
        get_logs=True,
    )

    resource_pod = KubernetesPodOperator(
        task_id="resource_pod",
        name="resource-pod",
        namespace=NAMESPACE,
        image="python:3.12-slim",
        cmds=["python", "-c"],
        arguments=['print("processing")'],
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "1", "memory": "2Gi"},
            limits={"cpu": "2", "memory": "4G"},
        ),
        env_vars=[
            k8s.V1EnvVar(name="DATABASE_URL", value="postgresql://warehouse:5432/analytics"),
            k8s.V1EnvVar(
                name="API_KEY",
                value_from=k8s.V1EnvVarSource(
                    secret_key_ref=k8s.V1SecretKeySelector(name="api-secret", key="key")
                ),
            ),
        ],
        get_logs=True,
    )

    volume_pod = KubernetesPodOperator(
        task_id="volume_pod",
        name="volume-pod",
        namespace=NAMESPACE,
        image="python:3.12-slim",
        cmds=["python", "-c"],
        arguments=['print("writing /data/report.csv")'],
        volume_mounts=[k8s.V1VolumeMount(name="data-volume", mount_path="/data")],
        volumes=[
            k8s.V1Volume(
                name="data-volume",
                persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(
                    claim_name="data-pvc"
                ),
            )
        ],
        get_logs=True,
    )

    simple_pod >> resource_pod >> volume_pod


k8s_dag()
