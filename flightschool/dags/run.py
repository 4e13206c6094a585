"""`airflow dags test` for a learner's DAG against the lab cluster: in the sandbox
(core/sandbox.py) whose only network is a forwarder to the API server of the kubeconfig it
is given, its output streamed line by line, and the run's outcome read from the lab's own
metadata database afterwards. That database is written by the run itself, so learner code
can forge it: what earns points is cross-checked with the pods the grader saw
(grading/airflow.py)."""

from __future__ import annotations

import re
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flightschool.core.proc import ToolError
from flightschool.core.sandbox import (
    Limits,
    Policy,
    SandboxUnavailable,
    api_endpoint,
    local_kubeconfig,
    run_sandboxed,
    stop_reason,
)
from flightschool.dags.home import DB_NAME, airflow_env

RUN_TIMEOUT = 180.0
MEMORY_LIMIT = 3 * 1024**3
OUTPUT_KEPT = 400
_TASK_EVENT = re.compile(r"\[DAG TEST\] (starting|end task) task_id=(\S+)")


@dataclass
class DagRunResult:
    dag_id: str
    returncode: int
    state: str | None
    tasks: dict[str, str | None]
    seconds: float
    output: list[str] = field(default_factory=list)
    error: str = ""
    notes: list[str] = field(default_factory=list)  # what the sandbox could not isolate

    @property
    def succeeded(self) -> bool:
        return self.state == "success"


def task_states(home: Path, dag_id: str) -> tuple[str | None, dict[str, str | None]]:
    """The newest run of the DAG in the lab's database: its state and each task's state.
    Safe to call while the run is going on (read-only, short timeout)."""
    db = home / DB_NAME
    if not db.exists():
        return None, {}
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1.0) as conn:
            row = conn.execute(
                "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1",
                (dag_id,),
            ).fetchone()
            if row is None:
                return None, {}
            tasks = conn.execute(
                "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
                (dag_id, row[0]),
            ).fetchall()
    except sqlite3.Error:
        return None, {}  # busy or not migrated yet: the caller asks again later
    return row[1], {task: state for task, state in tasks}


def _in_run_order(states: dict[str, str | None], started: list[str]) -> dict[str, str | None]:
    """Tasks in the order they started, then the ones that have not started yet."""
    first = {t: states[t] for t in started if t in states}
    return {**first, **{t: s for t, s in states.items() if t not in first}}


def test_dag(
    dag_file: Path,
    dag_id: str,
    home: Path,
    *,
    kubeconfig: Path,
    simulated_logs: bool,
    on_line: Callable[[str], None] | None = None,
    on_task: Callable[[dict[str, str | None]], None] | None = None,
    timeout: float = RUN_TIMEOUT,
) -> DagRunResult:
    """Run the DAG once with `airflow dags test` (tasks run one after another in the
    child). `on_line` gets every output line; `on_task` gets every task's state each time
    a task starts or ends."""
    dag_file = dag_file.resolve()
    output: deque[str] = deque(maxlen=OUTPUT_KEPT)
    run_order: list[str] = []

    def line(text: str) -> None:
        output.append(text)
        if on_line:
            on_line(text)
        event = _TASK_EVENT.search(text)
        if event and on_task:
            task = event.group(2)
            if task not in run_order:
                run_order.append(task)
            states = task_states(home, dag_id)[1]
            if event.group(1) == "starting" and states.get(task) != "success":
                states[task] = "running"
            on_task(_in_run_order(states, run_order))

    try:
        endpoint: tuple[str, int] | None = api_endpoint(kubeconfig)
        kubeconfig = local_kubeconfig(kubeconfig, home)
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        endpoint = None  # no usable kubeconfig: the run gets no network at all
    env = airflow_env(home, dags_folder=dag_file.parent, kubeconfig=kubeconfig)
    if simulated_logs:
        env["FLIGHTSCHOOL_SIMULATED_LOGS"] = "1"
    limits = Limits(timeout=timeout, memory=MEMORY_LIMIT, cpu=int(timeout) + 5)
    readable = [dag_file.parent] + ([kubeconfig] if kubeconfig.exists() else [])
    policy = Policy(readable=tuple(readable), writable=(home,), api_server=endpoint, limits=limits)
    started = time.monotonic()
    error, notes = "", []
    try:
        done = run_sandboxed(
            [sys.executable, "-m", "flightschool.dags.testrun", dag_id, str(dag_file)],
            policy,
            env=env,
            cwd=home,
            on_line=line,
        )
        code, notes = done.returncode, done.notes
        if why := stop_reason(done, limits):
            error = f"the DAG run was stopped: {why}"
    except (ToolError, SandboxUnavailable) as exc:
        code, error = -1, f"the DAG run could not start: {exc}"
    state, tasks = task_states(home, dag_id)
    tasks = _in_run_order(tasks, run_order)
    if not error and code != 0 and not tasks:
        tail = " | ".join(t for t in list(output)[-3:] if t.strip())
        error = f"`airflow dags test` exited with {code}: {tail}"
    return DagRunResult(
        dag_id,
        code,
        state,
        tasks,
        round(time.monotonic() - started, 2),
        list(output),
        error,
        notes,
    )
