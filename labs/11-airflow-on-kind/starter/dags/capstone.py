"""The capstone pipeline: two Python tasks, then one task in a pod of its own."""

from datetime import datetime

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk import dag, task


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
        image="python:3.12",
        cmds=["python", "-c"],
        arguments=["print('report ready')"],
        get_logs=True,
    )

    transform(extract()) >> report


capstone()
