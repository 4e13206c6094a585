"""Airflow 3's own REST API (/api/v2), reached through the Kubernetes API's service proxy,
so grading needs no port-forward and no address on the nodes. Authentication is Airflow's:
a JWT from the API server's token endpoint (POST /auth/token), sent back as the `_token`
cookie, because the Kubernetes API server consumes the Authorization header itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flightschool.cluster.kube import KubeError
from flightschool.core.errors import EnvironmentProblem
from flightschool.grading.view import Requester

COOKIE = "_token"  # Airflow's JWT cookie (airflow.api_fastapi.auth.managers.base_auth_manager)
FINISHED = ("success", "failed")


class AirflowApiError(EnvironmentProblem, RuntimeError):
    """Airflow's API refused or did not answer; the message says which call and why."""


class AirflowApi:
    def __init__(
        self,
        kube: Requester,
        namespace: str,
        service: str = "airflow-api-server",
        port: int = 8080,
        username: str = "admin",
        password: str = "admin",
    ) -> None:
        self.kube = kube
        self.base = (
            f"/api/v1/namespaces/{quote(namespace)}/services/http:{quote(service)}:{port}/proxy"
        )
        self.username, self.password = username, password
        self._token = ""

    def _call(self, method: str, path: str, body: Any = None, missing: Any = ...) -> Any:
        """One call; `missing` is returned for a 404 instead of raising."""
        headers = {"Cookie": f"{COOKIE}={self._token}"} if self._token else None
        try:
            return self.kube.raw(method, self.base + path, body, timeout=30, headers=headers)
        except KubeError as exc:
            if exc.status == 404 and missing is not ...:
                return missing
            raise AirflowApiError(f"{method} {path}: {exc}") from exc

    def login(self) -> None:
        """A token from the API server's token endpoint (the auth manager decides who)."""
        answer = self._call(
            "POST", "/auth/token", {"username": self.username, "password": self.password}
        )
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not token:
            raise AirflowApiError(f"POST /auth/token gave no access_token: {str(answer)[:200]}")
        self._token = str(token)

    def dag(self, dag_id: str) -> dict[str, Any] | None:
        """The DAG as Airflow knows it, or None while the DAG processor has not parsed it."""
        found = self._call("GET", f"/api/v2/dags/{quote(dag_id)}", missing=None)
        return found if isinstance(found, dict) else None

    def import_errors(self) -> list[str]:
        answer = self._call("GET", "/api/v2/importErrors")
        errors = (answer or {}).get("import_errors") or [] if isinstance(answer, dict) else []
        return [
            f"{e.get('filename')}: {str(e.get('stack_trace', '')).strip()[-300:]}" for e in errors
        ]

    def unpause(self, dag_id: str) -> None:
        self._call("PATCH", f"/api/v2/dags/{quote(dag_id)}", {"is_paused": False})

    def trigger(self, dag_id: str, run_id: str) -> dict[str, Any]:
        answer = self._call(
            "POST",
            f"/api/v2/dags/{quote(dag_id)}/dagRuns",
            {"dag_run_id": run_id, "logical_date": None},
        )
        return answer if isinstance(answer, dict) else {}

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        answer = self._call("GET", f"/api/v2/dags/{quote(dag_id)}/dagRuns/{quote(run_id)}")
        return answer if isinstance(answer, dict) else {}

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        answer = self._call(
            "GET", f"/api/v2/dags/{quote(dag_id)}/dagRuns/{quote(run_id)}/taskInstances"
        )
        items = (answer or {}).get("task_instances") or [] if isinstance(answer, dict) else []
        return {str(t.get("task_id")): str(t.get("state") or "none") for t in items}


def wait_for(
    poll: Callable[[], Any],
    timeout: float,
    interval: float = 3.0,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """The first truthy value of `poll` within `timeout`, else None."""
    deadline = clock() + timeout
    while True:
        value = poll()
        if value:
            return value
        if clock() >= deadline:
            return None
        time.sleep(interval)
