"""The capstone pipeline: two Python tasks, each in its own KubernetesExecutor worker pod,
then a KubernetesPodOperator task that starts one more pod from a plain Python image."""

from datetime import datetime

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk import dag, task
from kubernetes.client import models as k8s

NAMESPACE = "lab-airflow-kind"


@dag(dag_id="capstone", start_date=datetime(2024, 1, 1), schedule=None, catchup=False)
def capstone():
    @task
    def extract() -> list[int]:
        return [3, 4, 5]

    @task
    def transform(values: list[int]) -> int:
        return sum(v * v for v in values)

    report = KubernetesPodOperator(
        task_id="report",
        name="report",
        namespace=NAMESPACE,
        image="python:3.12-slim",
        image_pull_policy="IfNotPresent",
        cmds=["python", "-c"],
        arguments=["print('report ready')"],
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "50m", "memory": "64Mi"}, limits={"memory": "128Mi"}
        ),
        get_logs=True,
    )

    transform(extract()) >> report


capstone()
