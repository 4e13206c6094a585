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
from flightschool.cluster.helm import Rendered, render
from flightschool.cluster.kube import Kube, KubeError
from flightschool.content.catalog import load_catalog
from flightschool.content.labs import DockerfileCheck
from flightschool.content.lessons import CodeBlock
from flightschool.content.models import QUESTION_TYPES
from flightschool.content.stats import PROOF_FLAGS, UNVERIFIED, stats
from flightschool.core.paths import project_root
from flightschool.core.proc import run
from flightschool.dags.home import airflow_env
from flightschool.dags.inspect import FileSummary, summarise
from flightschool.grading.dockerfile import RULES
from flightschool.grading.dockerfile import parse as parse_dockerfile
from tests.charts import proof_chart

CATALOG = load_catalog(project_root())
BLOCKS = [b for lesson in CATALOG.lessons.values() for b in lesson.code_blocks]


def blocks(kind: str, flag: str = "") -> list[CodeBlock]:
    """The blocks one proof covers: by kind and proof flag (no flag: the kind's plain
    blocks). `unverified` blocks are shown, not proven, and stats count them so."""
    return [
        b
        for b in BLOCKS
        if b.kind == kind
        and UNVERIFIED not in b.flags
        and (flag in b.flags if flag else not set(PROOF_FLAGS) & b.flags)
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
def rendered(code: str, tmp_path: Path) -> Rendered:
    values = tmp_path / "values.yaml"
    values.write_text(code, encoding="utf-8")
    return render(proof_chart(), "airflow", "airflow", values)


@pytest.mark.parametrize("block", blocks("yaml", "helm-values"), ids=ident)
def test_helm_values_block(block: CodeBlock, tmp_path: Path) -> None:
    """Correct values render with the official chart (schema included); a mistake block is
    one the chart refuses."""
    assert isinstance(yaml.safe_load(block.code), dict)
    result = rendered(block.code, tmp_path)
    if "mistake" in block.flags:
        assert result.error, "marked as a mistake, but the chart renders these values"
    else:
        assert not result.error, (result.error, result.schema_errors)


def _same_shape(shown: object, real: object, path: str) -> list[str]:
    """Where the shown object differs from the rendered one: a missing field or another
    value. A KEDA query is compared by its divisor, since the chart adds queue filters."""
    if isinstance(shown, dict):
        if not isinstance(real, dict):
            return [f"{path}: not a mapping in the chart's object"]
        return [
            problem
            for key, value in shown.items()
            for problem in (
                _same_shape(value, real[key], f"{path}.{key}")
                if key in real
                else [f"{path}.{key}: the chart renders no such field"]
            )
        ]
    if isinstance(shown, list):
        if not isinstance(real, list) or len(real) < len(shown):
            return [f"{path}: the chart's list is shorter"]
        return [p for i, v in enumerate(shown) for p in _same_shape(v, real[i], f"{path}[{i}]")]
    if path.endswith(".query"):
        divisor = re.compile(r"/\s*(\d+)\)")
        ours, theirs = divisor.search(str(shown)), divisor.search(str(real))
        same = bool(ours and theirs and ours.group(1) == theirs.group(1))
        return [] if same else [f"{path}: divides by another worker_concurrency than the chart"]
    return [] if str(shown) == str(real) else [f"{path}: shown {shown!r}, chart renders {real!r}"]


def _values_for(block: CodeBlock) -> CodeBlock:
    """The lesson's Helm values an illustration is drawn from: the nearest correct block."""
    lesson = CATALOG.lessons[block.lesson_id]
    values = [
        b for b in lesson.code_blocks if "helm-values" in b.flags and "mistake" not in b.flags
    ]
    assert values, "an illustration needs a Helm values block in its lesson to be drawn from"
    return min(values, key=lambda b: abs(b.line - block.line))


@pytest.mark.parametrize("block", blocks("yaml", "illustration"), ids=ident)
def test_illustration_is_what_the_chart_renders(block: CodeBlock, tmp_path: Path) -> None:
    """An object the lesson shows for reading (a KEDA ScaledObject: a custom resource the lab
    cluster has no definition for) must be the one the chart renders for the lesson's values:
    every field it shows exists there, with the same value."""
    shown = yaml.safe_load(block.code)
    result = rendered(_values_for(block).code, tmp_path)
    assert not result.error, result.error
    real = [
        o
        for o in result.objects
        if o.get("kind") == shown.get("kind")
        and o.get("metadata", {}).get("name") == shown.get("metadata", {}).get("name")
    ]
    assert real, f"the chart renders no {shown.get('kind')} {shown.get('metadata', {}).get('name')}"
    assert not _same_shape(shown, real[0], "$"), _same_shape(shown, real[0], "$")


# ------------------------------------------------------------------ Dockerfiles and requirements
def dockerfile_problems(code: str, tmp_path: Path) -> list[str]:
    """The custom-image rules of lab 10 (pinned 3.x base, Airflow pinned on every pip install,
    pip as the airflow user; a requirements file copied before pip reads it)."""
    path = tmp_path / "Dockerfile"
    path.write_text(code, encoding="utf-8")
    instructions = parse_dockerfile(path)
    assert instructions, "no Dockerfile instruction could be parsed"
    rules = [r for r in RULES if r != "requirements-copied" or re.search(r"\s-r\s", code)]
    problems = []
    for rule in rules:
        check = DockerfileCheck(
            id=rule,
            title=rule,
            type="dockerfile",
            rule=rule,
            message=rule,  # type: ignore[arg-type]
        )
        problem = RULES[rule](instructions, check)
        if problem:
            problems.append(f"{rule}: {problem}")
    return problems


@pytest.mark.parametrize("block", blocks("dockerfile"), ids=ident)
def test_dockerfile_block(block: CodeBlock, tmp_path: Path) -> None:
    problems = dockerfile_problems(block.code, tmp_path)
    if "mistake" in block.flags:
        assert problems, "marked as a mistake, but every custom-image rule passes"
    else:
        assert not problems, problems


@pytest.mark.parametrize("block", blocks("text", "requirements"), ids=ident)
def test_requirements_block(block: CodeBlock) -> None:
    """A requirements file that names apache-airflow must pin the installed version; the
    course's wrong example reinstalls another one."""
    from importlib.metadata import version

    from packaging.requirements import Requirement

    reqs = [Requirement(line) for line in block.code.splitlines() if line.strip()]
    airflow = [r for r in reqs if r.name == "apache-airflow"]
    wrong = [str(r) for r in airflow if not r.specifier.contains(version("apache-airflow"))]
    if "mistake" in block.flags:
        assert wrong, "marked as a mistake, but it pins the installed Airflow (or none)"
    else:
        assert not wrong, f"pins another Airflow than the installed one: {wrong}"


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
    assert len(CATALOG.lessons) >= 15
    assert len(questions) >= 250
    assert {q.type for q in questions} >= set(QUESTION_TYPES) - {"interview"}
    assert sum(q.type == "spot_mistake" for q in questions) >= 36
    for lesson in CATALOG.lessons.values():
        bank = [q for b in CATALOG.banks_for_lesson(lesson.id) for q in b.bank.questions]
        if lesson.id >= "12":  # the senior lessons: a full quiz with mistakes to spot
            assert len(bank) >= 15, lesson.id
            assert sum(q.type == "spot_mistake" for q in bank) >= 3, lesson.id
        titles = [s.title for s in lesson.sections]
        assert "Key takeaways" in titles and "In the interview" in titles, lesson.id
        assert CATALOG.banks_for_lesson(lesson.id), f"{lesson.id} has no quiz"


def test_every_block_is_proven_or_says_why_not() -> None:
    """A block no test runs must be tagged `unverified` and say why on its first line, so
    `content stats` counts it out instead of a new block slipping in unproven."""
    not_verified = stats(CATALOG)["code_blocks"]["not_verified"]
    silent = [
        b for b in not_verified if "unverified" not in b["kind"] or b["why"] == "no reason given"
    ]
    assert not silent, silent


def test_every_block_is_verified() -> None:
    """The course promises that every code block it shows is proven: `content stats` must
    report verified == total, so an `unverified` block (or a kind no test runs) fails CI."""
    counts = stats(CATALOG)["code_blocks"]
    assert counts["verified"] == counts["total"], counts["not_verified"]
