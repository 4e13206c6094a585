"""Airflow's REST API through the Kubernetes service proxy: the token from /auth/token goes
back as Airflow's cookie (the API server keeps the Authorization header for itself), a DAG
not parsed yet is None, and a refusal names the call. A recording stand-in for the one Kube
method answers as the API server's proxy would."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from flightschool.cluster.kube import KubeError
from flightschool.grading.airflow_api import AirflowApi, AirflowApiError, wait_for

PROXY = "/api/v1/namespaces/lab-x/services/http:airflow-api-server:8080/proxy"


class Proxy:
    def __init__(self, answers: dict[tuple[str, str], Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, Any, Mapping[str, str] | None]] = []

    def raw(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        self.calls.append((method, path, body, headers))
        answer = self.answers.get((method, path.removeprefix(PROXY)))
        if isinstance(answer, KubeError):
            raise answer
        if answer is None:
            raise KubeError("the server could not find the requested resource", 404)
        return answer


def test_the_token_goes_back_as_airflows_cookie() -> None:
    proxy = Proxy(
        {
            ("POST", "/auth/token"): {"access_token": "jwt-1"},
            ("GET", "/api/v2/dags/capstone"): {"dag_id": "capstone", "is_paused": True},
        }
    )
    api = AirflowApi(proxy, "lab-x")
    api.login()
    assert api.dag("capstone") == {"dag_id": "capstone", "is_paused": True}
    login, dag = proxy.calls
    assert login[1] == PROXY + "/auth/token" and login[2] == {
        "username": "admin",
        "password": "admin",
    }
    assert login[3] is None
    assert dag[3] == {"Cookie": "_token=jwt-1"}


def test_a_dag_not_parsed_yet_is_none_and_a_refusal_names_the_call() -> None:
    proxy = Proxy({("POST", "/api/v2/dags/capstone/dagRuns"): KubeError("Forbidden", 403)})
    api = AirflowApi(proxy, "lab-x")
    assert api.dag("capstone") is None
    with pytest.raises(AirflowApiError, match="POST /api/v2/dags/capstone/dagRuns: Forbidden"):
        api.trigger("capstone", "flightschool-1")


def test_a_login_without_a_token_is_refused() -> None:
    api = AirflowApi(Proxy({("POST", "/auth/token"): {"detail": "Invalid credentials"}}), "lab-x")
    with pytest.raises(AirflowApiError, match="gave no access_token"):
        api.login()


def test_run_and_task_states_are_read_from_the_run() -> None:
    run = "/api/v2/dags/capstone/dagRuns/flightschool-1"
    proxy = Proxy(
        {
            ("GET", run): {"state": "success"},
            ("GET", run + "/taskInstances"): {
                "task_instances": [
                    {"task_id": "extract", "state": "success"},
                    {"task_id": "report", "state": None},
                ]
            },
        }
    )
    api = AirflowApi(proxy, "lab-x")
    assert api.run("capstone", "flightschool-1")["state"] == "success"
    assert api.task_states("capstone", "flightschool-1") == {"extract": "success", "report": "none"}


def test_wait_for_gives_up_after_its_timeout() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 1
        return now[0]

    assert wait_for(lambda: None, 3, interval=0, clock=clock) is None
    assert wait_for(lambda: "ready", 3, interval=0, clock=clock) == "ready"
