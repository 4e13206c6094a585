"""The lab corpus is well formed: every lab it covers has at least four correct variants
(one for the capstone, whose every correct variant is an install, listed last) and six near
misses, every case folder exists, and every check a near miss names is a real check of that
lab (the cluster contract tests then grade them)."""

from __future__ import annotations

import pytest

from flightschool.content.catalog import load_catalog
from flightschool.core.paths import project_root
from tests.lab_corpus import corpus_labs, load_cases

LABS = load_catalog(project_root()).labs
REQUIRED = [
    "01-first-pod",
    "02-requests-limits-quotas",
    "03-scheduling-gpu",
    "04-multi-tenancy",
    "05-pod-security",
    "06-troubleshooting",
    "07-kpo-dag",
    "08-executor-pod-template",
    "09-helm-values",
    "10-custom-image",
]


def test_every_required_lab_has_a_corpus() -> None:
    assert set(REQUIRED) <= set(corpus_labs())


@pytest.mark.parametrize("lab_id", corpus_labs())
def test_corpus_is_well_formed(lab_id: str) -> None:
    lab = LABS[lab_id]
    cases = load_cases(lab_id)
    ids = {c.id for c in lab.spec.checks}
    installs = lab.spec.chart is not None and lab.spec.chart.install and lab.spec.deploy
    if installs:  # every correct variant is a chart install and a DAG run on kind
        assert sum(c.correct for c in cases) >= 1, "at least one correct variant"
        assert cases[-1].correct, "the correct variants last: near misses expect no release"
    else:
        assert sum(c.correct for c in cases) >= 4, "at least four correct variants"
    assert sum(not c.correct for c in cases) >= 6, "at least six near misses"
    names = [c.name for c in cases]
    assert len(set(names)) == len(names), "case names are unique"
    for case in cases:
        assert case.folder.is_dir(), f"{case.folder} is missing"
        assert any(case.folder.iterdir()), f"{case.folder} is empty"
        assert set(case.fails) <= ids, f"{case.name}: unknown checks {set(case.fails) - ids}"
        assert case.base in (None, "solution", "starter"), case.base
        if not case.correct:
            assert case.why, f"{case.name}: say what the near miss gets wrong"
