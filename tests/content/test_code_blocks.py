"""Proof that the course's code is right for the installed versions.

Every lesson code block tagged with a verifiable kind is exercised here; a block flagged
`mistake` must FAIL the same check, so the course's "wrong" examples are really wrong.
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
import tempfile
import uuid
from functools import cache
from pathlib import Path

import pytest
import yaml

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube, KubeError
from flightschool.content.catalog import load_catalog
from flightschool.content.lessons import CodeBlock
from flightschool.content.models import QUESTION_TYPES
from flightschool.core.paths import project_root
from flightschool.core.proc import run
from flightschool.dags.home import airflow_env
from flightschool.dags.inspect import FileSummary, summarise

CATALOG = load_catalog(project_root())
BLOCKS = [b for lesson in CATALOG.lessons.values() for b in lesson.code_blocks]


def blocks(kind: str, flag: str = "") -> list[CodeBlock]:
    return [
        b
        for b in BLOCKS
        if b.kind == kind
        and (not flag or flag in b.flags)
        and (
            flag
            or not {"k8s", "airflow-cfg", "airflow-env", "helm-values", "illustration"} & b.flags
        )
    ]


def ident(block: CodeBlock) -> str:
    return f"{block.lesson_id}:{block.line}" + ("-mistake" if "mistake" in block.flags else "")


# ------------------------------------------------------------------ python
PYTHON = blocks("python")


@cache
def python_summaries() -> dict[str, FileSummary]:
    folder = Path(tempfile.mkdtemp(prefix="fs-blocks-"))
    paths = []
    for block in PYTHON:
        path = folder / f"{block.lesson_id.replace('-', '_')}_{block.line}.py"
        path.write_text(block.code, encoding="utf-8")
        paths.append(path)
    return {ident(b): s for b, s in zip(PYTHON, summarise(paths, timeout=600), strict=True)}


def python_verdict(block: CodeBlock) -> tuple[bool, str]:
    summary = python_summaries()[ident(block)]
    if summary.import_errors:
        return False, "; ".join(f"line {e['line']}: {e['message']}" for e in summary.import_errors)
    broken = {t: d["pod_error"] for t, d in summary.tasks().items() if "pod_error" in d}
    if broken:
        return False, f"pods do not build: {broken}"
    if not summary.dags:  # not a DAG file: it must run as a script
        with tempfile.TemporaryDirectory() as home:
            result = run(
                [sys.executable, summary.file],
                timeout=300,
                env=airflow_env(Path(home)),
                inherit_env=False,
            )
        if not result.ok:
            return (
                False,
                f"script exited {result.returncode}: {(result.stderr or result.stdout)[-400:]}",
            )
    return True, ""


@pytest.mark.parametrize("block", PYTHON, ids=ident)
def test_python_block(block: CodeBlock) -> None:
    ok, why = python_verdict(block)
    if "mistake" in block.flags:
        assert not ok, "this block is marked as a mistake but imports, builds and runs cleanly"
    else:
        assert ok, why


# ------------------------------------------------------------------ airflow.cfg and environment
@cache
def airflow_options() -> set[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as home:
        result = run(
            [str(Path(sys.executable).parent / "airflow"), "config", "list", "--defaults"],
            timeout=300,
            env=airflow_env(Path(home)),
            inherit_env=False,
            check=True,
        )
    known: set[tuple[str, str]] = set()
    section = ""
    for line in result.stdout.splitlines():
        if m := re.match(r"^\[(.+)\]$", line.strip()):
            section = m.group(1)
        elif m := re.match(r"^#?\s*([a-z0-9_]+)\s*=", line):
            known.add((section, m.group(1)))
    assert len(known) > 300, "could not read Airflow's configuration reference"
    return known


def unknown_cfg_options(block: CodeBlock) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(block.code)
    known = airflow_options()
    sections = {s for s, _ in known}
    missing = [f"[{s}]" for s in parser.sections() if s not in sections]
    missing += [
        f"[{s}] {k}"
        for s in parser.sections()
        if s in sections
        for k in parser[s]
        if (s, k) not in known
    ]
    return missing


def unknown_env_options(block: CodeBlock) -> list[str]:
    names = re.findall(r"\bAIRFLOW__([A-Z0-9_]+?)__([A-Z0-9_]+)\b", block.code)
    assert names, "an airflow-env block must set at least one AIRFLOW__SECTION__KEY"
    known = airflow_options()
    return [f"AIRFLOW__{s}__{k}" for s, k in names if (s.lower(), k.lower()) not in known]


@pytest.mark.parametrize("block", blocks("ini", "airflow-cfg"), ids=ident)
def test_airflow_cfg_block(block: CodeBlock) -> None:
    missing = unknown_cfg_options(block)
    if "mistake" in block.flags:
        assert missing, "marked as a mistake, but every option exists"
    else:
        assert not missing, f"options that do not exist in the installed Airflow: {missing}"


@pytest.mark.parametrize("block", blocks("bash", "airflow-env"), ids=ident)
def test_airflow_env_block(block: CodeBlock) -> None:
    missing = unknown_env_options(block)
    if "mistake" in block.flags:
        assert missing
    else:
        assert not missing, f"variables naming options that do not exist: {missing}"


# ------------------------------------------------------------------ Kubernetes manifests
@pytest.mark.cluster
@pytest.mark.parametrize("block", blocks("yaml", "k8s"), ids=ident)
def test_kubernetes_block_dry_run(block: CodeBlock, embedded: EmbeddedCluster, kube: Kube) -> None:
    namespace = f"proof-{uuid.uuid4().hex[:6]}"
    embedded.reset_namespace(namespace)
    refusals = []
    for doc in (d for d in yaml.safe_load_all(block.code) if d):
        if doc.get("kind") == "Namespace":
            continue  # creating namespaces is shown, not needed for the proof
        try:
            kube.apply(doc, namespace, dry_run=True)
        except KubeError as exc:
            refusals.append(f"{doc.get('kind')} {doc.get('metadata', {}).get('name')}: {exc}")
    kube.delete("v1", "Namespace", namespace, grace_seconds=0)
    if "mistake" in block.flags:
        assert refusals, "marked as a mistake, but the API server accepted every object"
    else:
        assert not refusals, refusals


# ------------------------------------------------------------------ Helm values
@pytest.mark.parametrize("block", blocks("yaml", "helm-values"), ids=ident)
def test_helm_values_block(block: CodeBlock, tmp_path: Path) -> None:
    """Correct values render with the official chart (schema included). A mistake block may
    be wrong in meaning rather than in schema, so only its YAML is required to parse."""
    from flightschool.cluster.helm import ChartUnavailable, airflow_chart, render

    values = tmp_path / "values.yaml"
    values.write_text(block.code)
    yaml.safe_load(block.code)
    if "mistake" in block.flags:
        return
    try:
        chart = airflow_chart()
    except ChartUnavailable as exc:
        pytest.skip(str(exc))
    rendered = render(chart, "airflow", "airflow", values)
    assert not rendered.error, (rendered.error, rendered.schema_errors)


# ------------------------------------------------------------------ older tutorials' wrong forms
WRONG_FORMS = [
    "schedule_interval",
    "worker_container_image",
    "airflowImage",
    "is_delete_operator_pod",
    "airflow.executors.kubernetes_executor",
    "valueFrom=",
    "workers.autoscaling",
    "airflow.apache.org/helm",
]


def _kpo_resources_kwarg(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return "resources=" in code
    return any(
        isinstance(n, ast.Call)
        and getattr(n.func, "id", getattr(n.func, "attr", "")) == "KubernetesPodOperator"
        and any(k.arg == "resources" for k in n.keywords)
        for n in ast.walk(tree)
    )


@pytest.mark.parametrize("lesson", list(CATALOG.lessons.values()), ids=lambda lesson: lesson.id)
def test_wrong_forms_appear_only_in_mistake_blocks(lesson: object) -> None:
    text = lesson.path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    for block in lesson.code_blocks:  # type: ignore[attr-defined]
        if "mistake" in block.flags:
            text = text.replace(block.code, "")
    found = [form for form in WRONG_FORMS if form in text]
    kpo = [
        b.line
        for b in lesson.code_blocks
        if b.kind == "python"
        and "mistake" not in b.flags  # type: ignore[attr-defined]
        and _kpo_resources_kwarg(b.code)
    ]
    assert not found and not kpo, f"older tutorials' mistakes outside mistake blocks: {found} {kpo}"


def test_course_size_and_shape() -> None:
    questions = [
        q for loaded in CATALOG.banks.values() for q in loaded.bank.questions
    ]  # quiz banks only
    assert CATALOG.errors == [] or all("lab '" in e.message for e in CATALOG.errors), CATALOG.errors
    assert len(CATALOG.lessons) >= 11
    assert len(questions) >= 150
    assert {q.type for q in questions} >= set(QUESTION_TYPES) - {"interview"}
    assert sum(q.type == "spot_mistake" for q in questions) >= 24
    for lesson in CATALOG.lessons.values():
        titles = [s.title for s in lesson.sections]
        assert "Key takeaways" in titles and "In the interview" in titles, lesson.id
        assert CATALOG.banks_for_lesson(lesson.id), f"{lesson.id} has no quiz"
