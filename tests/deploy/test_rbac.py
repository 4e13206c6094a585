"""The chart's RBAC on the real API server: the app's ServiceAccount, holding only what
`helm template` renders (the manager ClusterRole, the lab ClusterRole it binds in each lab
namespace it makes, and the admission policy), starts and grades every lab the kubeconfig
backend serves without real containers, and is refused everywhere else - by RBAC (403) or the policy (422)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.external import ExternalCluster
from flightschool.cluster.kube import Kube, KubeError, wait_until
from flightschool.cluster.namespaces import APP_BINDING, MANAGED_LABEL
from flightschool.content.labs import Lab, load_lab
from flightschool.core.paths import project_root
from flightschool.grading import session
from tests.deploy.chart import DATABASE, render

pytestmark = pytest.mark.cluster

KUBECONFIG_LABS = sorted(
    p.parent.name
    for p in (project_root() / "labs").glob("*/lab.yaml")
    # the kubeconfig labs that need no real containers: the embedded API server can run them
    if {"kubeconfig", "embedded"} <= set(load_lab(p.parent).spec.backends)
)
CLUSTER_KINDS = ("ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy",
                 "ValidatingAdmissionPolicyBinding")  # fmt: skip


def _app_kubeconfig(kube: Kube, namespace: str, account: str, path: Path) -> Path:
    """A kubeconfig holding a token of the app's ServiceAccount, as the pod would have."""
    review = kube.raw(
        "POST",
        f"/api/v1/namespaces/{namespace}/serviceaccounts/{account}/token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
    )
    cluster: dict[str, Any] = {"server": kube.endpoint.server}
    if kube.endpoint.ca_file:
        ca = Path(kube.endpoint.ca_file).read_bytes()
        cluster["certificate-authority-data"] = base64.b64encode(ca).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "app", "user": {"token": review["status"]["token"]}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "app"}}],
        "current-context": "c",
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def release(
    embedded: EmbeddedCluster, kube: Kube, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, list[dict[str, Any]]]]:
    """The chart's ServiceAccount, roles and policy applied in a namespace of its own
    (unlabelled, like any namespace a chart is installed into)."""
    tmp = tmp_path_factory.mktemp("chart-rbac")
    name = f"fs{uuid.uuid4().hex[:6]}"
    namespace = f"{name}-release"
    docs = [
        d
        for d in render(tmp, DATABASE, release=name, namespace=namespace)
        if d["kind"] in ("ServiceAccount", *CLUSTER_KINDS)
    ]
    kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    try:
        for doc in docs:
            kube.apply(doc, namespace)
        account = next(d for d in docs if d["kind"] == "ServiceAccount")["metadata"]["name"]
        yield name, _app_kubeconfig(kube, namespace, account, tmp / "app.kubeconfig"), docs
    finally:
        for doc in docs:
            if doc["kind"] in CLUSTER_KINDS:
                kube.delete(doc["apiVersion"], doc["kind"], doc["metadata"]["name"])
        kube.delete("v1", "Namespace", namespace, grace_seconds=0)


@pytest.fixture
def app(
    release: tuple[str, Path, list[dict[str, Any]]],
    kube: Kube,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[ExternalCluster]:
    """The kubeconfig backend as the chart's pod runs it, with the app's token."""
    name, config, _docs = release
    env = next(d for d in render(tmp_path, DATABASE, release=name) if d["kind"] == "Deployment")
    settings = {
        e["name"]: e["value"]
        for e in env["spec"]["template"]["spec"]["containers"][0]["env"]
        if "value" in e and e["name"] in ("FLIGHTSCHOOL_BACKEND", "FLIGHTSCHOOL_NAMESPACE_ROLE")
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("FLIGHTSCHOOL_KUBECONFIG", str(config))
    monkeypatch.setenv("FLIGHTSCHOOL_NAMESPACE_PREFIX", f"{name}-")
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "ws"))
    backend = ExternalCluster()
    yield backend
    for ns in kube.list_objects("v1", "Namespace", None, f"{MANAGED_LABEL}=true"):
        if ns["metadata"]["name"].startswith(f"{name}-lab-"):
            kube.delete("v1", "Namespace", ns["metadata"]["name"], grace_seconds=0)


@pytest.mark.parametrize("lab_id", KUBECONFIG_LABS)
def test_the_app_starts_resets_and_grades_each_lab_with_the_charts_rights(
    app: ExternalCluster, kube: Kube, lab_id: str
) -> None:
    status = app.status()
    assert status.healthy, status.problems
    lab: Lab = load_lab(project_root() / "labs" / lab_id)
    learner = f"ada{uuid.uuid4().hex[:4]}"
    session.start(lab, app, learner=learner)
    names = session.namespace_map(lab, app, learner)
    for namespace in names.values():
        binding = kube.get("rbac.authorization.k8s.io/v1", "RoleBinding", APP_BINDING, namespace)
        assert binding is not None and binding["roleRef"]["name"].endswith("-lab")
    report = session.check(lab, app, lab.solution, learner=learner)
    assert report.passed, [(c.id, c.message) for c in report.checks if not c.passed]
    # a reset wipes the namespaces but keeps the app's access to them
    session.start(lab, app, learner=learner)
    assert not session.check(lab, app, lab.starter, learner=learner).passed


def _refused(call: Any, status: int, words: str = "") -> KubeError:
    with pytest.raises(KubeError) as refused:
        call()
    assert refused.value.status == status, refused.value
    assert words in str(refused.value)
    return refused.value


def test_outside_lab_namespaces_the_app_is_refused_by_the_api_server(
    release: tuple[str, Path, list[dict[str, Any]]], kube: Kube
) -> None:
    name, config, docs = release
    as_app = Kube(config)
    lab_role = next(d for d in docs if d["metadata"]["name"].endswith("-lab"))["metadata"]["name"]
    # RBAC: nothing to read or write outside its namespaces, nothing cluster-wide
    _refused(lambda: as_app.list_objects("v1", "Secret", "kube-system"), 403)
    _refused(lambda: as_app.list_objects("v1", "Pod", f"{name}-release"), 403)
    _refused(
        lambda: as_app.create(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": f"{name}-escalate"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": "cluster-admin",
                },
                "subjects": [{"kind": "ServiceAccount", "name": "x", "namespace": "default"}],
            }
        ),
        403,
    )
    # the admission policy: no unlabelled namespace, no relabelling someone else's ...
    unlabelled = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"{name}-x"}}
    words = "only namespaces labelled lab.flightschool.io/managed=true"
    assert wait_until(lambda: _denied(as_app, unlabelled, words), 20, 0.2), "policy not active"
    _refused(
        lambda: as_app.raw(
            "PATCH",
            "/api/v1/namespaces/default",
            {"metadata": {"labels": {MANAGED_LABEL: "true"}}},
            content_type="application/merge-patch+json",
        ),
        422,
        words,
    )
    # ... and no binding of the lab role outside a lab namespace (RBAC alone would allow it)
    escalation = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "mine", "namespace": "kube-system"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": lab_role},
        "subjects": [{"kind": "User", "name": "system:anonymous"}],
    }  # fmt: skip
    _refused(lambda: as_app.create(escalation), 422, "writes only inside lab namespaces")
    assert kube.get("v1", "Namespace", f"{name}-x") is None


def _denied(as_app: Kube, body: dict[str, Any], words: str) -> bool:
    try:
        as_app.create(body)
    except KubeError as exc:
        return exc.status == 422 and words in str(exc)
    as_app.delete("v1", "Namespace", body["metadata"]["name"])
    return False


def test_status_names_what_credentials_without_the_charts_rights_lack(
    release: tuple[str, Path, list[dict[str, Any]]], kube: Kube, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, app_config, _docs = release
    namespace = f"{name}-release"
    kube.apply({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "nobody", "namespace": namespace}})  # fmt: skip
    config = _app_kubeconfig(kube, namespace, "nobody", app_config.with_name("nobody.kubeconfig"))
    monkeypatch.setenv("FLIGHTSCHOOL_BACKEND", "kubeconfig")
    monkeypatch.setenv("FLIGHTSCHOOL_KUBECONFIG", str(config))
    monkeypatch.setenv("FLIGHTSCHOOL_NAMESPACE_PREFIX", f"{name}-")
    monkeypatch.setenv("FLIGHTSCHOOL_NAMESPACE_ROLE", f"{name}-flightschool-lab")
    status = ExternalCluster().status()
    assert not status.healthy
    assert status.problems == [
        "missing permissions in learner namespaces: create namespaces, create rolebindings, "
        f"bind clusterroles {name}-flightschool-lab"
    ]
