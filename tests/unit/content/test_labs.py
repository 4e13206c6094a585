from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flightschool.content.errors import ContentLoadError
from flightschool.content.labs import load_lab
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("target", "content", "says"),
    [
        ("README.md", b"# Lab\n\nText\n\xff\xfe", "README.md:4: the file is not UTF-8"),
        ("lab.yaml", b"id: 01-first-pod\ntitle: !!python/name:os.system\n", "lab.yaml:2: the tag"),
        ("lab.yaml", b"id: 01-first-pod\ntitle: &t [*t]\n", "lab.yaml:2: a recursive alias"),
        ("checks.py", b"def check_x(:\n", "checks.py:1: invalid syntax"),
        ("checks.py", b"def check_x(): pass\n\x00\xff", "checks.py:2: the file is not UTF-8"),
    ],
)
def test_a_broken_lab_file_is_named_with_its_line(
    tmp_path: Path, target: str, content: bytes, says: str
) -> None:
    folder = tmp_path / "01-first-pod"
    shutil.copytree(ROOT / "labs" / "01-first-pod", folder)
    (folder / target).write_bytes(content)
    with pytest.raises(ContentLoadError) as caught:
        load_lab(folder)
    assert any(says in str(e) for e in caught.value.errors), caught.value.errors


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("backends: [kind, kubeconfig]", "backends: [embedded, kind]"), "leave `embedded` out"),
        (("  install: true\n", "  install: false\n"), "give `chart:` with `install: true`"),
        (
            ("  image: capstone/airflow-dags:1.0", "  image: capstone/airflow-dags"),
            "should match pattern",
        ),
        (("    run_state: success\n", "    run_state: null\n"), "say what to check"),
        (("    made_by: pod_operator", "    made_by: operator"), "made_by"),
    ],
)
def test_the_capstone_deploy_block_and_check_types_are_validated(
    tmp_path: Path, change: tuple[str, str], says: str
) -> None:
    folder = tmp_path / "11-airflow-on-kind"
    shutil.copytree(ROOT / "labs" / "11-airflow-on-kind", folder)
    path = folder / "lab.yaml"
    old, new = change
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ContentLoadError) as caught:
        load_lab(folder)
    assert any(says in str(e) for e in caught.value.errors), caught.value.errors
    assert all("lab.yaml:" in str(e) for e in caught.value.errors)


def test_the_capstone_loads() -> None:
    lab = load_lab(ROOT / "labs" / "11-airflow-on-kind")
    assert lab.spec.deploy is not None and "embedded" not in lab.spec.backends
    assert {c.type for c in lab.spec.checks} >= {"airflow_run", "task_pods", "helm", "dag"}
