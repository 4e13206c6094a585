"""The learner's identity: everything learner-driven acts as a ServiceAccount that the API
server confines to the lab's namespaces. The refusals asserted here come from the real
API server's RBAC, not from Flight School."""

from __future__ import annotations

import stat
import uuid
from collections.abc import Iterator

import pytest

from flightschool.cluster import identity
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube, KubeError, wait_until
from tests.cluster_fixtures import pod

pytestmark = pytest.mark.cluster


@pytest.fixture
def lab_namespaces(kube: Kube, embedded: EmbeddedCluster) -> Iterator[list[str]]:
    names = [f"lab-id-{uuid.uuid4().hex[:6]}-a", f"lab-id-{uuid.uuid4().hex[:6]}-b"]
    for name in names:
        embedded.reset_namespace(name)
    yield names
    for name in names:
        kube.delete("v1", "Namespace", name, grace_seconds=0)


def _refused(call: object) -> KubeError:
    with pytest.raises(KubeError) as refused:
        call()  # type: ignore[operator]
    assert refused.value.status == 403, refused.value
    return refused.value


def test_the_learner_acts_inside_the_lab_namespaces(kube: Kube, lab_namespaces: list[str]) -> None:
    who = identity.grant(kube, lab_namespaces)
    learner = who.client(kube)
    for namespace in lab_namespaces:
        created = learner.create(pod(f"p-{namespace[-1]}"), namespace)
        assert created["metadata"]["namespace"] == namespace
    learner.apply(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "reader", "namespace": lab_namespaces[0]},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
        }
    )


def test_the_learner_cannot_reach_outside_the_lab(kube: Kube, lab_namespaces: list[str]) -> None:
    learner = identity.grant(kube, lab_namespaces).client(kube)
    cluster_admin_for_everyone = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": f"escalate-{uuid.uuid4().hex[:6]}"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "cluster-admin",
        },
        "subjects": [
            {
                "kind": "Group",
                "name": "system:authenticated",
                "apiGroup": "rbac.authorization.k8s.io",
            }
        ],
    }
    _refused(lambda: learner.create(cluster_admin_for_everyone))
    privileged = pod("root-on-the-node", hostPID=True)
    _refused(lambda: learner.create(privileged, "kube-system"))
    _refused(lambda: learner.create(pod("elsewhere"), "default"))
    webhook = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": f"steal-{uuid.uuid4().hex[:6]}"},
        "webhooks": [],
    }
    _refused(lambda: learner.create(webhook))
    _refused(
        lambda: learner.create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab-mine"}}
        )
    )
    _refused(lambda: learner.list_objects("v1", "Secret", "kube-system"))
    _refused(lambda: learner.list_objects("v1", "Node"))
    # a RoleBinding to cluster-admin inside the lab grants nothing beyond the lab
    learner.apply(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "admin-here", "namespace": lab_namespaces[0]},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "cluster-admin",
            },
            "subjects": [
                {"kind": "ServiceAccount", "name": identity.LEARNER, "namespace": lab_namespaces[0]}
            ],
        }
    )
    _refused(lambda: learner.create(pod("still-elsewhere"), "default"))


def test_the_learner_of_one_lab_cannot_touch_another_lab(
    kube: Kube, lab_namespaces: list[str], embedded: EmbeddedCluster
) -> None:
    other = f"lab-id-{uuid.uuid4().hex[:6]}-other"
    embedded.reset_namespace(other)
    try:
        mine = identity.grant(kube, lab_namespaces[:1]).client(kube)
        identity.grant(kube, [other])
        _refused(lambda: mine.create(pod("intruder"), other))
        _refused(lambda: mine.list_objects("v1", "Pod", other))
    finally:
        kube.delete("v1", "Namespace", other, grace_seconds=0)


def test_child_processes_get_a_token_kubeconfig_never_the_admin_one(
    kube: Kube, lab_namespaces: list[str], embedded: EmbeddedCluster
) -> None:
    who = identity.grant(kube, lab_namespaces)
    access = identity.access(kube, who)
    assert stat.S_IMODE(access.kubeconfig.stat().st_mode) == 0o600
    assert stat.S_IMODE(access.kubeconfig.parent.stat().st_mode) == 0o700
    text = access.kubeconfig.read_text()
    assert "client-key" not in text and "client-certificate" not in text
    assert str(embedded.kubeconfig()) not in text
    as_file = Kube(access.kubeconfig)
    assert as_file.list_objects("v1", "Pod", lab_namespaces[0]) == []
    _refused(lambda: as_file.list_objects("v1", "Pod", "kube-system"))


def test_a_reset_retires_the_old_token(
    kube: Kube, lab_namespaces: list[str], embedded: EmbeddedCluster
) -> None:
    who = identity.grant(kube, lab_namespaces)
    old = Kube(identity.access(kube, who).kubeconfig)
    assert old.list_objects("v1", "Pod", lab_namespaces[0]) == []
    embedded.reset_namespace(lab_namespaces[0])  # wipes the ServiceAccount
    identity.grant(kube, lab_namespaces)  # a new ServiceAccount: a new uid

    def refused() -> int:
        try:
            old.list_objects("v1", "Pod", lab_namespaces[0])
        except KubeError as exc:
            return exc.status
        return 0

    # the API server caches a good token's authentication for up to ten seconds
    assert wait_until(lambda: refused() == 401, 15, 0.5), "the old token still works"


def test_graders_do_not_see_the_identity_objects(kube: Kube, lab_namespaces: list[str]) -> None:
    from flightschool.grading.view import ClusterView

    identity.grant(kube, lab_namespaces)
    view = ClusterView(kube, {n: n for n in lab_namespaces}, lab_namespaces[0])
    for kind in ("Role", "RoleBinding"):
        assert view.objects("rbac.authorization.k8s.io/v1", kind) == []
    accounts = [o["metadata"]["name"] for o in view.objects("v1", "ServiceAccount")]
    assert identity.LEARNER not in accounts
    assert "default" in accounts
