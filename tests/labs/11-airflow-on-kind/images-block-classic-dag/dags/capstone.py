"""The capstone pipeline written the classic way: a `with DAG` block, tasks wired with
`>>`, the pod operator's settings as literals and its finish action as the enum."""

import pendulum
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.utils.pod_manager import OnFinishAction
from airflow.sdk import DAG, task


@task(task_id="extract")
def numbers() -> list[int]:
    return [1, 2, 3]


@task(task_id="transform")
def squares(values: list[int]) -> int:
    return sum(n**2 for n in values)


with DAG(
    dag_id="capstone",
    schedule=None,
    start_date=pendulum.datetime(2025, 6, 1, tz="UTC"),
    catchup=False,
    tags=["lab"],
):
    report = KubernetesPodOperator(
        task_id="report",
        namespace="lab-airflow-kind",
        image="python:3.12-slim",
        image_pull_policy="IfNotPresent",
        cmds=["python"],
        arguments=["-c", "print('squares reported')"],
        on_finish_action=OnFinishAction.KEEP_POD,
    )
    squares(numbers()) >> report
