"""Every lab, on the real embedded cluster: the starter fails exactly the checks lab.yaml
names, the reference solution passes every check, and a reset leaves the namespace clean.
Files labs (DAGs, executor config, Dockerfile, chart values) are graded from their folders;
a chart lab without the official chart here skips with the reason the learner would see.
Then the corpus (tests/lab_corpus.py): submissions written differently from the reference
must pass every check, near misses must fail exactly the checks they name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flightschool.cluster import identity
from flightschool.cluster.backend import Backend
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.helm import ChartUnavailable
from flightschool.cluster.kube import Kube
from flightschool.content.catalog import load_catalog
from flightschool.content.labs import Lab
from flightschool.core.paths import project_root
from flightschool.grading import session
from flightschool.grading.helm import chart_path
from flightschool.grading.report import Report
from flightschool.grading.runner import grade
from flightschool.grading.submit import SubmissionError, read_files, submit
from tests.charts import proof_chart
from tests.lab_corpus import Case, load_cases

pytestmark = pytest.mark.cluster

# Labs that run on the embedded cluster; the ones needing real containers (the capstone)
# are proven on kind (tests/cluster/test_kind_capstone.py).
LABS = sorted(
    (lab for lab in load_catalog(project_root()).labs.values() if "embedded" in lab.spec.backends),
    key=lambda lab: lab.id,
)
CASES = [(lab, case) for lab in LABS for case in load_cases(lab.id)]


@pytest.fixture(autouse=True)
def _official_chart(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """A chart lab renders with the official chart: the learner's, or the test copy (never
    skipped in CI, see tests/charts.py)."""
    lab = request.node.callspec.params.get("lab") if hasattr(request.node, "callspec") else None
    if isinstance(lab, Lab) and lab.spec.chart is not None:
        try:
            chart_path(lab)
        except ChartUnavailable:
            monkeypatch.setenv("FLIGHTSCHOOL_AIRFLOW_CHART", str(proof_chart()))


def _attempt(
    lab: Lab,
    kube: Kube,
    names: dict[str, str],
    folder: Path,
    backend: Backend | None = None,
    on_output: Callable[[str], None] | None = None,
) -> Report:
    """Submit as the learner does: with the learner's own, least-privilege identity. On a
    `backend` whose containers really run (kind), files labs run for real and the checks
    that need real containers are graded too."""
    real = list(names.values())
    learner = identity.access(kube, identity.LearnerIdentity(real[0], tuple(real)))
    if lab.spec.submission == "files":
        return grade(
            lab,
            kube,
            names,
            "practice",
            files=folder,
            learner=learner,
            simulated=backend is None or backend.simulated,
            load_image=None if backend is None else session.image_loader(backend),
            on_output=on_output,
        )
    submit(lab, learner.client, folder, names)
    return grade(lab, kube, names, "practice", simulated=backend is None or backend.simulated)


def expected_failures(lab: Lab, report: Report) -> list[str]:
    """starter_fails, less the checks this cluster does not grade (real containers only)."""
    graded = {c.id for c in report.checks}
    return sorted(set(lab.spec.starter_fails) & graded)


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_starter_fails_then_solution_passes_then_reset_is_clean(
    lab: Lab, embedded: EmbeddedCluster, kube: Kube
) -> None:
    names = session.prepare(lab, embedded, kube)
    starter = _attempt(lab, kube, names, lab.starter)
    failed = sorted(c.id for c in starter.checks if not c.passed)
    assert failed == expected_failures(lab, starter), {
        c.id: c.message for c in starter.checks if not c.passed
    }
    assert 0 <= starter.score < starter.max_score

    session.prepare(lab, embedded, kube)
    solved = _attempt(lab, kube, names, lab.solution)
    assert solved.passed, {c.id: c.message for c in solved.checks if not c.passed}
    graded = lab.spec.checks_for(real_containers=False)
    assert solved.score == solved.max_score == sum(c.points for c in graded)

    session.prepare(lab, embedded, kube)
    for ns in names.values():
        assert _learners_pods(lab, kube, ns) == []


def _learners_pods(lab: Lab, kube: Kube, namespace: str) -> list[str]:
    """The pods in a namespace but those of the lab's own setup (lab 09's database and DAG
    repository come back with every reset)."""
    setup = read_files([lab.folder / s for s in lab.spec.setup])
    workloads = {d.body["metadata"]["name"] for d in setup if d.body["kind"] == "Deployment"}
    return [
        p["metadata"]["name"]
        for p in kube.list_objects("v1", "Pod", namespace)
        if not any(p["metadata"]["name"].startswith(f"{w}-") for w in workloads)
    ]


@pytest.mark.parametrize(
    ("lab", "case"), CASES, ids=[f"{lab.id}/{case.name}" for lab, case in CASES]
)
def test_corpus_case_grades_as_expected(
    lab: Lab, case: Case, embedded: EmbeddedCluster, kube: Kube, tmp_path: Path
) -> None:
    names = session.prepare(lab, embedded, kube)
    folder = case.materialise(lab, tmp_path)
    try:
        report = _attempt(lab, kube, names, folder)
    except SubmissionError as exc:  # admission refused part of it: grade what got in
        assert not case.correct, f"a correct variant was refused: {exc}"
        report = grade(lab, kube, names, "practice")
    failed = {c.id: c.message for c in report.checks if not c.passed}
    if case.correct:
        assert not failed, f"a correct variant was rejected: {failed}"
    else:
        assert sorted(failed) == list(case.fails), (
            f"{case.why}: expected to fail exactly {list(case.fails)}, failed {failed}"
        )
