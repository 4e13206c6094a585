from __future__ import annotations

from pathlib import Path

import pytest

from flightschool.content.catalog import load_catalog
from flightschool.core.paths import project_root
from flightschool.grading.submit import SubmissionError, apply_documents, read_folder


class NoKube:
    def apply(self, body: object) -> None:
        raise AssertionError("nothing may be applied when the submission is refused")


def lab01():  # type: ignore[no-untyped-def]
    return load_catalog(project_root()).labs["01-first-pod"]


def test_each_bad_document_is_named_by_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\n---\nkind: Pod\nmetadata: {name: x}\n---\n- a list\n"
    )
    (tmp_path / "b.yml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [\n")
    with pytest.raises(SubmissionError) as caught:
        read_folder(tmp_path)
    assert [f"{e.path.name}:{e.line}: {e.message}" for e in caught.value.errors] == [
        "a.yaml:5: missing apiVersion",
        "a.yaml:8: a manifest must be a mapping with apiVersion, kind and metadata",
        "b.yml:5: invalid YAML: expected the node content, but found '<stream end>'",
    ]


def test_other_namespaces_and_kinds_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: kube-system}\n---\n"
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: admin}\n"
    )
    with pytest.raises(SubmissionError) as caught:
        apply_documents(lab01(), NoKube(), read_folder(tmp_path))  # type: ignore[arg-type]
    messages = [e.message for e in caught.value.errors]
    assert "namespace kube-system is outside this lab (use lab-first-pod)" in messages
    assert "ClusterRoleBinding is not part of this lab (allowed: Pod)" in messages


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match="no manifests"):
        read_folder(tmp_path)
