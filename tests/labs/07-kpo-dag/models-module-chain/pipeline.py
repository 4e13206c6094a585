# Classes from kubernetes.client.models, numbers for CPUs, dependencies written upstream.
import pendulum
from airflow.providers.cncf.kubernetes.operators import pod
from airflow.sdk import DAG
from kubernetes.client import models

dag = DAG(
    dag_id="k8s_pod_operator",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
)

volume_pod = pod.KubernetesPodOperator(
    dag=dag,
    task_id="volume_pod",
    namespace="lab-kpo-dag",
    image="python:3.12-slim",
    cmds=["python", "-c", "print('volume')"],
    volume_mounts=[models.V1VolumeMount(name="d", mount_path="/data", read_only=False)],
    volumes=[
        models.V1Volume(
            name="d",
            persistent_volume_claim=models.V1PersistentVolumeClaimVolumeSource(
                claim_name="data-pvc", read_only=False
            ),
        )
    ],
)
resource_pod = pod.KubernetesPodOperator(
    dag=dag,
    task_id="resource_pod",
    namespace="lab-kpo-dag",
    image="python:3.12-slim",
    cmds=["python", "-c", "print('resources')"],
    container_resources=models.V1ResourceRequirements(
        requests={"cpu": 1, "memory": "2Gi"}, limits={"cpu": 2, "memory": "4Gi"}
    ),
    env_vars=[
        models.V1EnvVar(
            name="API_KEY",
            value_from=models.V1EnvVarSource(
                secret_key_ref=models.V1SecretKeySelector(name="api-secret", key="key")
            ),
        )
    ],
)
simple_pod = pod.KubernetesPodOperator(
    dag=dag,
    task_id="simple_pod",
    namespace="lab-kpo-dag",
    image="python:3.12-slim",
    cmds=["python", "-c", "print('simple')"],
)
volume_pod << resource_pod << simple_pod
