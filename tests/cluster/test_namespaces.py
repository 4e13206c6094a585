"""Namespaces Flight School creates carry ownership labels; resets and purges select by
those labels, never by a name prefix, and a reset copes with any amount of objects."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from flightschool.cluster.backend import ClusterError
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.external import ExternalCluster
from flightschool.cluster.kube import Kube
from flightschool.cluster.namespaces import MANAGED_LABEL, OWNER_LABEL, reset_namespace

pytestmark = pytest.mark.cluster


@pytest.fixture
def cleanup(kube: Kube) -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        kube.delete("v1", "Namespace", name, grace_seconds=0)


def _plain_namespace(kube: Kube, name: str) -> None:
    kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def test_created_namespaces_carry_the_owner(
    kube: Kube, cleanup: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_LEARNER", "ada")
    name = f"lab-own-{uuid.uuid4().hex[:6]}"
    cleanup.append(name)
    reset_namespace(kube, name, {"lab.flightschool.io/lab": "01-first-pod"})
    labels = kube.get("v1", "Namespace", name)["metadata"]["labels"]  # type: ignore[index]
    assert labels[MANAGED_LABEL] == "true"
    assert labels[OWNER_LABEL] == "ada"
    assert labels["lab.flightschool.io/lab"] == "01-first-pod"


def test_someone_elses_namespace_is_never_wiped(
    kube: Kube, cleanup: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"lab-theirs-{uuid.uuid4().hex[:6]}"
    cleanup.append(name)
    _plain_namespace(kube, name)
    kube.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "precious"}}, name)
    with pytest.raises(ClusterError, match="did not create it"):
        reset_namespace(kube, name)
    assert kube.get("v1", "ConfigMap", "precious", name) is not None
    monkeypatch.setenv("FLIGHTSCHOOL_LEARNER", "ada")
    mine = f"lab-ada-{uuid.uuid4().hex[:6]}"
    cleanup.append(mine)
    reset_namespace(kube, mine)
    monkeypatch.setenv("FLIGHTSCHOOL_LEARNER", "bob")
    with pytest.raises(ClusterError, match="belongs to learner 'ada'"):
        reset_namespace(kube, mine)


def _shared_cluster(
    embedded: EmbeddedCluster, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> ExternalCluster:
    monkeypatch.setenv("FLIGHTSCHOOL_KUBECONFIG", str(embedded.kubeconfig()))
    monkeypatch.setenv("FLIGHTSCHOOL_NAMESPACE_PREFIX", prefix)
    return ExternalCluster()


def test_purge_on_a_shared_cluster_selects_by_label_not_prefix(
    kube: Kube, embedded: EmbeddedCluster, cleanup: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"fs-{uuid.uuid4().hex[:4]}-"
    monkeypatch.setenv("FLIGHTSCHOOL_LEARNER", "carol")
    shared = _shared_cluster(embedded, monkeypatch, prefix)
    mine = shared.lab_namespace("lab-first-pod")
    shared.reset_namespace("lab-first-pod")
    lookalike = f"{prefix}lab-not-mine"  # same prefix, made by someone else
    _plain_namespace(kube, lookalike)
    cleanup += [mine, lookalike]
    shared.down(purge=True)
    gone = kube.get("v1", "Namespace", mine)
    assert gone is None or gone["metadata"].get("deletionTimestamp")
    survivor = kube.get("v1", "Namespace", lookalike)
    assert survivor is not None and not survivor["metadata"].get("deletionTimestamp")


def test_an_empty_prefix_is_refused_on_a_shared_cluster(
    kube: Kube, embedded: EmbeddedCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = _shared_cluster(embedded, monkeypatch, "")
    before = {n["metadata"]["name"] for n in kube.list_objects("v1", "Namespace")}
    with pytest.raises(ClusterError, match="FLIGHTSCHOOL_NAMESPACE_PREFIX is empty"):
        shared.down(purge=True)
    with pytest.raises(ClusterError, match="FLIGHTSCHOOL_NAMESPACE_PREFIX is empty"):
        shared.lab_namespace("lab-first-pod")
    after = {n["metadata"]["name"] for n in kube.list_objects("v1", "Namespace")}
    assert before <= after


def test_reset_after_a_huge_submission(kube: Kube, cleanup: list[str], tmp_path: Path) -> None:
    name = f"lab-big-{uuid.uuid4().hex[:6]}"
    cleanup.append(name)
    reset_namespace(kube, name)
    for i in range(300):
        kube.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"cm-{i}"},
                "data": {"k": "v"},
            },
            name,
        )
    for i in range(20):
        kube.create(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": f"s-{i}"},
                "stringData": {"k": "v"},
            },
            name,
        )
    reset_namespace(kube, name)
    left = [o["metadata"]["name"] for o in kube.list_objects("v1", "ConfigMap", name)]
    assert left == ["kube-root-ca.crt"]
    assert kube.list_objects("v1", "Secret", name) == []


def test_a_reset_that_cannot_finish_says_what_is_left(kube: Kube, cleanup: list[str]) -> None:
    name = f"lab-stuck-{uuid.uuid4().hex[:6]}"
    cleanup.append(name)
    reset_namespace(kube, name)
    held = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "held", "finalizers": ["example.com/hold"]},
    }
    kube.create(held, name)
    try:
        with pytest.raises(ClusterError, match=r"not empty after 1 s; still there: ConfigMap/held"):
            reset_namespace(kube, name, timeout=1)
    finally:
        kube.raw(
            "PATCH",
            f"/api/v1/namespaces/{name}/configmaps/held",
            {"metadata": {"finalizers": None}},
            content_type="application/merge-patch+json",
        )
