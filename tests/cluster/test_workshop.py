"""Workshop isolation on the real API server: each learner's lab namespaces, identity and
files are their own. The refusals asserted here come from the API server's RBAC (403), not
from Flight School; and two instructors resetting one learner's lab at once both succeed
without losing anything."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube, KubeError, wait_until
from flightschool.cluster.namespaces import OWNER_LABEL
from flightschool.content.labs import Lab, load_lab
from flightschool.core.paths import project_root
from flightschool.grading import session
from flightschool.grading.submit import SubmissionError
from flightschool.progress.db import make_engine
from flightschool.progress.store import ProgressStore
from flightschool.progress.workshop import Workshops
from flightschool.ui.pages.instructor import reset_lab
from tests.cluster_fixtures import pod
from tests.postgres import postgres_server

pytestmark = pytest.mark.cluster


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "ws"))
    return load_lab(project_root() / "labs" / "01-first-pod")


@pytest.fixture
def pair(embedded: EmbeddedCluster, kube: Kube, lab: Lab) -> Iterator[tuple[str, str]]:
    """Two learners with lab 01 started, each under their own id."""
    ids = (f"ada{uuid.uuid4().hex[:5]}", f"bob{uuid.uuid4().hex[:5]}")
    for learner in ids:
        session.start(lab, embedded, learner=learner)
    yield ids
    for learner in ids:
        for name in session.namespace_map(lab, embedded, learner).values():
            kube.delete("v1", "Namespace", name, grace_seconds=0)


def _forbidden(call: object) -> KubeError:
    with pytest.raises(KubeError) as refused:
        call()  # type: ignore[operator]
    assert refused.value.status == 403, refused.value
    return refused.value


def test_each_learner_gets_their_own_namespaces_identity_and_files(
    embedded: EmbeddedCluster, kube: Kube, lab: Lab, pair: tuple[str, str], tmp_path: Path
) -> None:
    ada, bob = pair
    ada_ns = session.namespace_map(lab, embedded, ada)["lab-first-pod"]
    bob_ns = session.namespace_map(lab, embedded, bob)["lab-first-pod"]
    assert (ada_ns, bob_ns) == (f"lab-{ada}-first-pod", f"lab-{bob}-first-pod")
    for learner, name in ((ada, ada_ns), (bob, bob_ns)):
        labels = kube.get("v1", "Namespace", name)["metadata"]["labels"]  # type: ignore[index]
        assert labels[OWNER_LABEL] == learner
    assert session.workspace(lab, ada) == tmp_path / "ws" / ada / "01-first-pod"
    assert (session.workspace(lab, ada) / "pod.yaml").is_file()
    # Ada's solution passes; Bob's starter is graded on its own, in his namespace.
    assert session.check(lab, embedded, lab.solution, learner=ada).passed
    assert not session.check(lab, embedded, lab.starter, learner=bob).passed
    assert kube.get("v1", "Pod", "extract", ada_ns) is not None
    assert kube.get("rbac.authorization.k8s.io/v1", "RoleBinding", "flightschool-learner", bob_ns)


def test_a_learners_token_cannot_touch_another_learner_or_the_cluster(
    embedded: EmbeddedCluster, kube: Kube, lab: Lab, pair: tuple[str, str]
) -> None:
    ada, bob = pair
    bob_ns = session.namespace_map(lab, embedded, bob)["lab-first-pod"]
    # Ada's own kubeconfig (a real ServiceAccount token, as kubectl and her DAGs get it).
    as_ada = Kube(session.learner_access(lab, embedded, learner=ada).kubeconfig)
    _forbidden(lambda: as_ada.create(pod("intruder"), bob_ns))
    _forbidden(lambda: as_ada.list_objects("v1", "Pod", bob_ns))
    _forbidden(lambda: as_ada.delete("v1", "Namespace", bob_ns))
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": f"mine-{uuid.uuid4().hex[:6]}"},
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
    }
    _forbidden(lambda: as_ada.create(role))
    assert kube.get("v1", "Pod", "intruder", bob_ns) is None
    assert kube.namespace_exists(bob_ns)


def test_a_submission_into_another_learners_namespace_is_refused(
    embedded: EmbeddedCluster,
    kube: Kube,
    lab: Lab,
    pair: tuple[str, str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ada, bob = pair
    bob_ns = session.namespace_map(lab, embedded, bob)["lab-first-pod"]
    folder = tmp_path / "attack"
    folder.mkdir()
    body = yaml.safe_load((lab.solution / "pod.yaml").read_text())
    body["metadata"]["namespace"] = bob_ns
    (folder / "pod.yaml").write_text(yaml.safe_dump(body))
    with pytest.raises(SubmissionError) as refused:
        session.check(lab, embedded, folder, learner=ada)
    assert f"namespace {bob_ns} is outside this lab" in str(refused.value.errors[0])
    assert kube.get("v1", "Pod", "extract", bob_ns) is None
    assert any(bob_ns in r.getMessage() and "refused" in r.getMessage() for r in caplog.records)


def test_a_cluster_scoped_submission_is_refused_by_the_api_server(
    embedded: EmbeddedCluster,
    kube: Kube,
    pair: tuple[str, str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A lab that (wrongly) allowed a cluster-scoped kind: Flight School lets it through,
    and the API server refuses it because the learner's identity cannot create it."""
    ada, _ = pair
    folder = tmp_path / "loose" / "01-first-pod"
    shutil.copytree(project_root() / "labs" / "01-first-pod", folder)
    spec = folder / "lab.yaml"
    spec.write_text(
        spec.read_text().replace("allowed_kinds: [Pod]", "allowed_kinds: [Pod, ClusterRole]")
    )
    loose = load_lab(folder)
    name = f"escalate-{uuid.uuid4().hex[:6]}"
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "role.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {"name": name},
                "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
            }
        )
    )
    with pytest.raises(SubmissionError) as refused:
        session.check(loose, embedded, submission, learner=ada)
    message = str(refused.value.errors[0])
    assert "forbidden" in message.lower() and name in message
    assert kube.get("rbac.authorization.k8s.io/v1", "ClusterRole", name) is None
    [logged] = [
        r.getMessage() for r in caplog.records if "refused by the API server" in r.getMessage()
    ]
    assert f"system:serviceaccount:lab-{ada}-first-pod:flightschool-learner" in logged


def test_two_instructors_resetting_one_learner_at_once_lose_nothing(
    embedded: EmbeddedCluster, kube: Kube, lab: Lab, pair: tuple[str, str]
) -> None:
    ada, _ = pair
    ada_ns = session.namespace_map(lab, embedded, ada)["lab-first-pod"]
    mine = session.workspace(lab, ada) / "pod.yaml"
    mine.write_text(mine.read_text() + "# ada's own edit\n")
    with postgres_server() as url:
        store = ProgressStore(make_engine(url))
        store.ensure_profile(ada)
        store.record_lab(ada, lab.id, score=3, max_score=10, passed=False, checks=[])
        session.check(lab, embedded, lab.solution, learner=ada)
        errors: list[BaseException] = []
        kept: list[Path | None] = []
        start = threading.Barrier(2)

        def reset(by: str) -> None:
            try:
                start.wait()
                # Each instructor's app process has its own store (own connections).
                own = ProgressStore(make_engine(url))
                kept.append(reset_lab(own, lab, embedded, ada, by=by, restore_files=True))
                own.engine.dispose()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=reset, args=(who,)) for who in ("ines", "ivan")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        events = Workshops(store).audit_events("lab-reset")
        assert sorted(e["actor"] for e in events) == ["ines", "ivan"]
        assert store.best_lab_scores(ada)[lab.id] == (3.0, 10.0)  # the record is kept
        store.engine.dispose()
    # Ada's edit survives in one of the set-aside folders; the workspace is the starter.
    saved = [p / "pod.yaml" for p in kept if p is not None]
    assert any("# ada's own edit" in p.read_text() for p in saved)
    assert mine.read_text() == (lab.starter / "pod.yaml").read_text()
    assert kube.get("v1", "Pod", "extract", ada_ns) is None  # the namespace starts over
    assert kube.namespace_exists(ada_ns)


def test_two_learners_each_get_their_own_volume_and_a_reset_keeps_the_other(
    embedded: EmbeddedCluster, kube: Kube
) -> None:
    """Lab 07's setup holds a PersistentVolume (cluster-scoped): each learner's claim binds
    their own copy, and one learner's reset leaves the other's bound."""
    lab = load_lab(project_root() / "labs" / "07-kpo-dag")
    ada, bob = f"pv-a{uuid.uuid4().hex[:4]}", f"pv-b{uuid.uuid4().hex[:4]}"

    def bound(learner: str) -> str | None:
        namespace = session.namespace_map(lab, embedded, learner)["lab-kpo-dag"]
        claim = kube.get("v1", "PersistentVolumeClaim", "data-pvc", namespace) or {}
        if (claim.get("status") or {}).get("phase") != "Bound":
            return None
        return str(claim["spec"]["volumeName"])

    try:
        for learner in (ada, bob):
            session.prepare(lab, embedded, learner=learner)
        assert wait_until(lambda: bound(ada) and bound(bob), 30, 0.2)
        assert (bound(ada), bound(bob)) == (f"{ada}-lab-kpo-dag-data", f"{bob}-lab-kpo-dag-data")
        session.prepare(lab, embedded, learner=ada)
        assert bound(bob) == f"{bob}-lab-kpo-dag-data"
        assert wait_until(lambda: bound(ada), 30, 0.2)
    finally:
        for learner in (ada, bob):
            for name in session.namespace_map(lab, embedded, learner).values():
                kube.delete("v1", "Namespace", name, grace_seconds=0)
            kube.delete("v1", "PersistentVolume", f"{learner}-lab-kpo-dag-data", grace_seconds=0)
