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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "apiVersion: v1\nkind: Pod\nmetadata: 5\n",
            "metadata must be a mapping, not the number 5",
        ),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: [1]}\n", "metadata.name must be a name"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: a/b}\n", "metadata.name must be a name"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: {}}\n", "metadata.namespace"),
        ("apiVersion: v1\nkind: [Pod]\nmetadata: {name: p}\n", "kind must be a string, not a list"),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: !!python/name:os.system }\n",
            "!!python/name:os.system is not allowed",
        ),
        ("apiVersion: v1\nkind: Pod\nmetadata: &m {name: p, labels: *m}\n", "a recursive alias"),
    ],
)
def test_wrong_types_are_refused_with_the_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "pod.yaml").write_text("# a comment\n" + text)
    with pytest.raises(SubmissionError) as caught:
        read_folder(tmp_path)
    [error] = caught.value.errors
    assert error.path.name == "pod.yaml"
    assert error.line == 2 or "alias" in message or "python" in message
    assert message in error.message


def test_a_submission_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    for i in range(6):
        (tmp_path / f"f{i}.yaml").write_bytes(b"# " + b"x" * 999_000 + b"\n")
    with pytest.raises(SubmissionError, match="at most 5,000,000"):
        read_folder(tmp_path)


def test_a_binary_manifest_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_bytes(b"apiVersion: v1\nkind: Pod\n\x89PNG\x00\xff")
    with pytest.raises(SubmissionError) as caught:
        read_folder(tmp_path)
    assert str(caught.value.errors[0]).endswith(
        "pod.yaml:3: the file is not UTF-8 text (binary content or another encoding)"
    )
