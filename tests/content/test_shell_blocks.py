"""Proof that the course's shell commands work: every `bash cluster`, `bash airflow` and
`console cluster` block in a lesson runs, in bash with `-e -o pipefail`, against the
embedded lab cluster (kubectl and helm from the toolchain, the admin kubeconfig) and the
installed Airflow (a migrated metadata database, the lesson's DAGs in its DAG folder).
What the commands name (a namespace, a pod, a DAG) is set up first, and what they print is
checked where it says something. A `console` block's `$` lines are run one by one and their
output compared with the output the lesson shows."""

from __future__ import annotations

import json
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from flightschool.cluster import toolchain
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube
from flightschool.content.lessons import CodeBlock
from flightschool.core.proc import Result, run
from flightschool.dags.home import DB_NAME, airflow_env, template_db
from tests.charts import proof_chart
from tests.content.test_code_blocks import CATALOG, blocks, ident

pytestmark = pytest.mark.cluster

SHELL = [*blocks("bash", "cluster"), *blocks("bash", "airflow"), *blocks("console", "cluster")]
SHELL = list({ident(b): b for b in SHELL}.values())  # a block with both flags runs once

Check = Callable[[str, Kube], list[str]]


@dataclass(frozen=True)
class Setup:
    """What a block needs before it runs, found by a phrase in the block."""

    lesson: str
    contains: str
    manifests: str = ""  # YAML applied first (namespaces included)
    lesson_objects: tuple[str, ...] = ()  # Kind/name of objects the lesson's k8s blocks define
    lesson_dags: bool = False  # the lesson's Python blocks go into the DAG folder
    dags: dict[str, str] = field(default_factory=dict)  # more DAG files
    # file name -> "chart" | "values" | "python-mistake" (the lesson's first wrong DAG)
    files: dict[str, str] = field(default_factory=dict)
    ready: Callable[[Kube], bool] = lambda _kube: True  # waited for after the manifests
    check: Check = lambda _out, _kube: []


MY_DAG = """
import pendulum
from airflow.sdk import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"))
def my_dag():
    @task
    def extract():
        return 1

    @task
    def load(n):
        return n

    load(extract())


my_dag()
"""

FAILING_TASK_POD = """
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: v1
kind: Pod
metadata:
  name: load-events-x7k2p9
  namespace: team-a
  annotations:
    lab.flightschool.io/outcome: crashloop
    lab.flightschool.io/logs: "KeyError: 'event_ts'"
spec:
  containers:
    - name: base
      image: apache/airflow:3.3.2
"""

OOM_TASK_POD = """
apiVersion: v1
kind: Namespace
metadata: {name: airflow-tasks}
---
apiVersion: v1
kind: Pod
metadata:
  name: join-events-x7k2p
  namespace: airflow-tasks
  annotations: {lab.flightschool.io/memory-peak: 6Gi}
spec:
  restartPolicy: Never
  containers:
    - name: base
      image: apache/airflow:3.3.2
      resources: {requests: {cpu: "1", memory: 4Gi}, limits: {memory: 4Gi}}
"""

AIRFLOW_PODS = """
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: v1
kind: Pod
metadata:
  name: my-dag-extract-done
  namespace: team-a
  labels: {dag_id: my_dag, task_id: extract, try_number: "1", airflow_version: 3.3.2}
spec:
  restartPolicy: Never
  containers: [{name: base, image: apache/airflow:3.3.2}]
"""


def _container(kube: Kube, namespace: str, pod: str) -> dict[str, Any]:
    found = kube.get("v1", "Pod", pod, namespace) or {}
    statuses = found.get("status", {}).get("containerStatuses") or [{}]
    return dict(statuses[0])


def _restarted(kube: Kube) -> bool:
    return int(_container(kube, "team-a", "load-events-x7k2p9").get("restartCount", 0)) >= 1


def _oom_killed(kube: Kube) -> bool:
    state = _container(kube, "airflow-tasks", "join-events-x7k2p").get("state", {})
    return bool(state.get("terminated", {}).get("reason") == "OOMKilled")


def _yml_for(dag_id: str, tasks: set[str]) -> Check:
    def check(out: str, _kube: Kube) -> list[str]:
        files = [w for w in out.split() if w.endswith(".yml")]
        missing = [t for t in tasks if not any(f.startswith(f"{dag_id}_{t}_") for f in files)]
        return [f"no pod YAML for {dag_id}.{t}" for t in missing]

    return check


def _logs_and_describe(out: str, _kube: Kube) -> list[str]:
    wanted = ["BackOff", "CrashLoopBackOff", "Restart Count", "KeyError: 'event_ts'"]
    return [f"the output never says {w!r}" for w in wanted if w not in out]


def _airflow_pods_left(out: str, kube: Kube) -> list[str]:
    # a pod that finished a moment ago is younger than --min-completed-minutes: it stays
    left = kube.get("v1", "Pod", "my-dag-extract-done", "team-a")
    return [] if left else ["cleanup-pods deleted a pod younger than --min-completed-minutes"]


def _says(*phrases: str) -> Check:
    def check(out: str, _kube: Kube) -> list[str]:
        return [f"the output never says {p!r}" for p in phrases if p not in out]

    return check


SETUPS = [
    Setup(
        "03-kubernetes-executor",
        "generate-dag-yaml",
        lesson_dags=True,
        check=_yml_for("ke_pod_override", {"light", "heavy"}),
    ),
    Setup(
        "05-helm-chart",
        "helm lint",
        files={"airflow-1.22.0.tgz": "chart", "values.yaml": "values"},
    ),
    Setup(
        "05-helm-chart",
        "helm upgrade --install",
        files={"airflow-1.22.0.tgz": "chart", "values.yaml": "values"},
    ),
    Setup(
        "07-resources-and-quotas",
        "join-events-x7k2p",
        manifests=OOM_TASK_POD,
        lesson_objects=("ResourceQuota/airflow-tasks-compute",),
        ready=_oom_killed,
    ),
    Setup(
        "10-observability-and-troubleshooting",
        "load-events-x7k2p9",
        manifests=FAILING_TASK_POD,
        ready=_restarted,
        check=_logs_and_describe,
    ),
    Setup(
        "10-observability-and-troubleshooting",
        "cleanup-pods",
        manifests=AIRFLOW_PODS,
        dags={"my_dag.py": MY_DAG},
        check=lambda out, kube: [
            *_yml_for("my_dag", {"extract", "load"})(out, kube),
            *_airflow_pods_left(out, kube),
        ],
    ),
]


def _slow_parse_reported(out: str, _kube: Kube) -> list[str]:
    """`dags report -o json` names the lesson's slow file and a parse of 3 s or more."""
    rows = [json.loads(ln) for ln in out.splitlines() if ln.startswith("[")]
    found = [r for row in rows for r in row if "slow_top_level" in r.get("dags", [])]
    if not found:
        return ["the report never lists the DAG slow_top_level"]
    h, m, s = found[0]["duration"].split(":")
    seconds = int(h) * 3600 + int(m) * 60 + float(s)
    return [] if seconds >= 3 else [f"a parse of {seconds} s, not the 3 s the lesson shows"]


SETUPS += [
    Setup(
        "12-upgrades-and-the-metadata-database",
        "ruff check",
        files={"nightly_export.py": "python-mistake"},
        check=lambda out, kube: [
            *_says("AIR301", "AIR302", "AIR311", "AIR312", "days_ago")(out, kube),
            # the lesson says no linter reads the Jinja template that still uses it
            *(["ruff reported execution_date"] if "execution_date" in out else []),
        ],
    ),
    Setup(
        "12-upgrades-and-the-metadata-database",
        "airflow config lint",
        check=_says(
            "`dag_dir_list_interval` configuration parameter moved from `scheduler` section "
            "to `dag_processor` section as `refresh_interval`",
            "`workers` configuration parameter moved from `webserver` section to `api` section",
        ),
    ),
    Setup(
        "13-execution-api-and-security",
        "jwt_expiration_time",
        check=lambda out, _kube: (
            []
            if out.split() == ["600", "600.0", "5", "3"]
            else [f"expected the defaults 600, 600.0, 5, 3; got {out.split()}"]
        ),
    ),
    Setup(
        "14-scale-tuning",
        "airflow dags report",
        lesson_dags=True,
        check=_slow_parse_reported,
    ),
    Setup(
        "15-observability-on-kubernetes",
        "worker_log_server_port",
        check=lambda out, _kube: (
            [] if out.split() == ["8793", "8794"] else [f"expected 8793 8794, got {out.split()}"]
        ),
    ),
    Setup(
        "12-upgrades-and-the-metadata-database",
        "db clean",
        check=_says(
            "Performing dry run for table dag_run", "Performing dry run for table task_instance"
        ),
    ),
]


def setup_for(block: CodeBlock) -> Setup:
    found = [s for s in SETUPS if s.lesson == block.lesson_id and s.contains in block.code]
    assert len(found) == 1, f"{ident(block)} needs exactly one Setup in this file, found {found}"
    return found[0]


def lesson_objects(lesson_id: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
    docs = [
        d
        for b in CATALOG.lessons[lesson_id].code_blocks
        if "k8s" in b.flags and "mistake" not in b.flags
        for d in yaml.safe_load_all(b.code)
        if d
    ]
    found = [d for d in docs if f"{d['kind']}/{d['metadata']['name']}" in names]
    assert len(found) == len(names), f"the lesson defines {names}, found {len(found)}"
    return found


@pytest.fixture
def workdir(tmp_path: Path, embedded: EmbeddedCluster) -> Iterator[tuple[Path, dict[str, str]]]:
    """A working folder, an Airflow home with a migrated database, and the environment the
    commands run in: only the toolchain, the venv and the system on PATH."""
    tc = toolchain.find()
    assert tc is not None, "the lab toolchain is missing: run `flightschool cluster toolchain`"
    home = tmp_path / "airflow-home"
    (home / "dags").mkdir(parents=True)
    shutil.copyfile(template_db(), home / DB_NAME)
    env = airflow_env(home, dags_folder=home / "dags", kubeconfig=embedded.kubeconfig())
    env["PATH"] = f"{tc.path('kubectl').parent}:{Path(sys.executable).parent}:/usr/bin:/bin"
    env["AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER"] = "False"
    env["AIRFLOW__CORE__EXECUTOR"] = "KubernetesExecutor"
    for name in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"):
        env[name] = str(tmp_path / "helm" / name.lower())
    work = tmp_path / "work"
    work.mkdir()
    yield work, env


def prepare(block: CodeBlock, setup: Setup, work: Path, env: dict[str, str], kube: Kube) -> None:
    docs = [d for d in yaml.safe_load_all(setup.manifests) if d]
    for doc in [*docs, *lesson_objects(setup.lesson, setup.lesson_objects)]:
        namespace = doc["metadata"].get("namespace") or docs_namespace(docs)
        kube.apply(doc, None if doc["kind"] == "Namespace" else namespace)
    deadline = time.monotonic() + 120
    while not setup.ready(kube):
        assert time.monotonic() < deadline, f"the setup of {ident(block)} never became ready"
        time.sleep(1)
    dags = Path(env["AIRFLOW__CORE__DAGS_FOLDER"])
    if setup.lesson_dags:
        lesson = CATALOG.lessons[setup.lesson]
        for b in lesson.code_blocks:
            if b.kind == "python" and "mistake" not in b.flags and "@dag" in b.code:
                (dags / f"{lesson.id.replace('-', '_')}_{b.line}.py").write_text(b.code)
    for name, code in setup.dags.items():
        (dags / name).write_text(code)
    for name, what in setup.files.items():
        if what == "chart":
            shutil.copyfile(proof_chart(), work / name)
        elif what == "python-mistake":
            wrong = [
                b
                for b in CATALOG.lessons[setup.lesson].code_blocks
                if b.kind == "python" and "mistake" in b.flags
            ]
            (work / name).write_text(wrong[0].code)
        else:  # the lesson's first values block (its production one needs KEDA installed)
            values = [
                b
                for b in CATALOG.lessons[setup.lesson].code_blocks
                if "helm-values" in b.flags and "mistake" not in b.flags
            ]
            (work / name).write_text(values[0].code)
    for path in {p for p in block.code.split() if p.startswith("/tmp/")}:
        shutil.rmtree(
            Path("/", *Path(path).parts[1:3]), ignore_errors=True
        )  # output of a run before


def docs_namespace(docs: list[dict[str, Any]]) -> str:
    names = [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"]
    assert names, "a setup must create the namespace its objects live in"
    return str(names[0])


def bash(script: str, work: Path, env: dict[str, str]) -> Result:
    path = work / f"block-{uuid.uuid4().hex[:6]}.sh"
    path.write_text(script, encoding="utf-8")
    return run(
        ["bash", "-e", "-o", "pipefail", str(path)],
        cwd=work,
        env=env,
        inherit_env=False,
        timeout=600,
    )


def console_steps(code: str) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    return steps


def compare_output(shown: list[str], real: str) -> list[str]:
    """The lesson's sample output against the real one: JSON by its keys and by every value
    that is not a time; other lines by their first word (a field or resource name) and,
    in a table, by their last column (a limit such as Hard) when the first word matches."""
    lines = [ln for ln in real.splitlines() if ln.strip()]
    problems = []
    for want in (ln for ln in shown if ln.strip()):
        if want.lstrip().startswith("{"):
            got = json.loads(lines[0]) if lines and lines[0].startswith("{") else {}
            expected = json.loads(want)
            if set(got) != set(expected):
                problems.append(f"JSON keys {sorted(got)} != shown {sorted(expected)}")
            problems += [
                f"{k}: shown {v!r}, got {got.get(k)!r}"
                for k, v in expected.items()
                if not k.endswith("At") and got.get(k) != v
            ]
            continue
        first = want.split()[0]
        same = [ln for ln in lines if ln.split()[0] == first]
        if not same:
            problems.append(f"no output line starts with {first!r}")
        elif first not in ("Name:", "Namespace:", "Resource", "--------") and (
            same[0].split()[-1] != want.split()[-1]
        ):
            problems.append(f"{first}: shown {want.split()[-1]!r}, got {same[0].split()[-1]!r}")
    return problems


@pytest.mark.parametrize("block", SHELL, ids=ident)
def test_shell_block(block: CodeBlock, workdir: tuple[Path, dict[str, str]], kube: Kube) -> None:
    work, env = workdir
    setup = setup_for(block)
    prepare(block, setup, work, env, kube)
    if block.kind == "console":
        problems, output = [], ""
        for command, shown in console_steps(block.code):
            result = bash(command, work, env)
            assert result.ok, f"`{command}` failed: {result.stderr[-800:]}"
            output += result.stdout
            problems += [f"`{command}`: {p}" for p in compare_output(shown, result.stdout)]
    else:
        result = bash(block.code, work, env)
        assert result.ok, f"exited {result.returncode}: {(result.stderr or result.stdout)[-1500:]}"
        problems, output = [], result.stdout
    problems += setup.check(output, kube)
    assert not problems, problems


def test_every_setup_is_used() -> None:
    """A setup whose block was retagged or rewritten must not linger unnoticed."""
    unused = [
        s
        for s in SETUPS
        if not any(s.lesson == b.lesson_id and s.contains in b.code for b in SHELL)
    ]
    assert not unused, unused
