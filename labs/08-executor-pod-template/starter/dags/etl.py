# A small DAG to generate worker pods for. You do not need to change it.
from datetime import datetime

from airflow.sdk import dag, task


@dag(dag_id="executor_etl", start_date=datetime(2025, 1, 1), schedule=None, catchup=False)
def executor_etl():
    @task
    def extract() -> list[int]:
        return [1, 2, 3]

    @task
    def load(rows: list[int]) -> None:
        print(f"loaded {len(rows)} rows")

    load(extract())


executor_etl()
