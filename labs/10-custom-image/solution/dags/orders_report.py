"""The DAG this image carries (`COPY dags/` in the Dockerfile): a report that needs pandas,
which the image adds next to Airflow."""

from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime(2026, 1, 1), catchup=False)
def orders_report() -> None:
    @task
    def total() -> int:
        import pandas as pd

        return int(pd.Series([120, 80, 40]).sum())

    total()


orders_report()
