"""Runs INSIDE a child process, never in the app: `airflow dags test` for one DAG file.
Started by `flightschool.dags.run`.

On the embedded cluster, pod logs come from kwok, whose follow streams never end (its
runtime stub reports every container as running). The provider follows logs with a
five-minute read timeout and only then looks at the container again, so with
FLIGHTSCHOOL_SIMULATED_LOGS=1 the read timeout is cut to two seconds: the provider's own
loop then sees the finished container and moves on, exactly as it does after a timeout
on a real cluster.
"""

from __future__ import annotations

import os
import sys
from typing import Any

SIMULATED_LOGS_READ_TIMEOUT = 2


def _short_log_reads() -> None:
    from airflow.providers.cncf.kubernetes.utils.pod_manager import PodManager

    original = PodManager.read_pod_logs

    def read_pod_logs(self: Any, *args: Any, **kwargs: Any) -> Any:
        timeout = kwargs.get("_request_timeout")
        if isinstance(timeout, tuple) and kwargs.get("follow", True):
            kwargs["_request_timeout"] = (timeout[0], SIMULATED_LOGS_READ_TIMEOUT)
        return original(self, *args, **kwargs)

    PodManager.read_pod_logs = read_pod_logs  # type: ignore[method-assign]


def main(dag_id: str, dag_file: str) -> None:
    if os.environ.get("FLIGHTSCHOOL_SIMULATED_LOGS") == "1":
        _short_log_reads()
    from airflow.__main__ import main as airflow_main

    sys.argv = ["airflow", "dags", "test", dag_id, "--dagfile-path", dag_file]
    airflow_main()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
