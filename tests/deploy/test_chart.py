"""The Helm chart as rendered: `helm lint`, and what a workshop relies on in `helm
template`'s output (replicas, sticky sessions, the database Secret, probes on Streamlit's
health endpoint, the sandbox's needs) and the RBAC rules, exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.deploy.chart import CHART, DATABASE, helm_run, one, render

HEALTH = {"path": "/_stcore/health", "port": "http"}
# The manager ClusterRole, bound cluster-wide: every rule is explained in templates/rbac.yaml.
MANAGER_RULES = [
    {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "create", "patch", "delete"]},
    {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"], "verbs": ["create"]},
    {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"],
     "resourceNames": ["ws-flightschool-lab"]},
    {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]},
    {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]},
]  # fmt: skip


def _container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    pod = one(docs, "Deployment")["spec"]["template"]["spec"]
    containers: list[dict[str, Any]] = pod["containers"]
    assert len(containers) == 1
    return containers[0]


def _env(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in _container(docs)["env"]}


def test_helm_lint_passes_and_a_missing_database_is_named(tmp_path: Path) -> None:
    linted = helm_run(tmp_path, "lint", DATABASE, "--strict", str(CHART))
    assert linted.ok, linted.stdout + linted.stderr
    refused = helm_run(tmp_path, "template", {}, "ws", str(CHART))
    assert not refused.ok
    assert "set database.existingSecret" in refused.stderr


def test_replicas_workshop_settings_and_the_database_secret(tmp_path: Path) -> None:
    docs = render(
        tmp_path,
        {**DATABASE, "replicaCount": 5, "workshop": {"publicUrl": "https://fs.example.org"}},
    )
    assert one(docs, "Deployment")["spec"]["replicas"] == 5
    env = _env(docs)
    assert env["FLIGHTSCHOOL_MODE"] == "workshop"
    assert env["FLIGHTSCHOOL_BACKEND"] == "kubeconfig"
    assert env["FLIGHTSCHOOL_ADDRESS"] == "0.0.0.0"
    assert env["FLIGHTSCHOOL_PUBLIC_URL"] == "https://fs.example.org"
    assert env["FLIGHTSCHOOL_NAMESPACE_PREFIX"] == "fs-"
    assert env["FLIGHTSCHOOL_NAMESPACE_ROLE"] == "ws-flightschool-lab"
    secret = one(docs, "Secret")
    assert env["FLIGHTSCHOOL_DATABASE_URL"] == {
        "secretKeyRef": {"name": secret["metadata"]["name"], "key": "url"}
    }
    assert secret["stringData"] == {"url": DATABASE["database"]["url"]}


def test_an_existing_secret_is_referenced_and_none_is_made(tmp_path: Path) -> None:
    docs = render(tmp_path, {"database": {"existingSecret": "pg-url", "secretKey": "dsn"}})
    assert not [d for d in docs if d["kind"] == "Secret"]
    assert _env(docs)["FLIGHTSCHOOL_DATABASE_URL"] == {
        "secretKeyRef": {"name": "pg-url", "key": "dsn"}
    }


def test_sessions_are_sticky_at_the_service_and_optionally_at_the_ingress(
    tmp_path: Path,
) -> None:
    docs = render(tmp_path, DATABASE)
    service = one(docs, "Service")["spec"]
    assert service["sessionAffinity"] == "ClientIP"
    assert service["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"] == 10800
    assert not [d for d in docs if d["kind"] == "Ingress"]

    ingress = {"enabled": True, "host": "fs.example.org", "className": "nginx"}
    docs = render(tmp_path, {**DATABASE, "ingress": ingress})
    annotations = one(docs, "Ingress")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert annotations["nginx.ingress.kubernetes.io/affinity-mode"] == "persistent"
    rule = one(docs, "Ingress")["spec"]["rules"][0]
    assert rule["host"] == "fs.example.org"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": one(docs, "Service")["metadata"]["name"], "port": {"name": "http"}}

    plain = render(tmp_path, {**DATABASE, "ingress": {**ingress, "cookieAffinity": False}})
    assert (
        "nginx.ingress.kubernetes.io/affinity"
        not in one(plain, "Ingress")["metadata"]["annotations"]
    )


def test_probes_watch_streamlits_health_endpoint(tmp_path: Path) -> None:
    container = _container(render(tmp_path, DATABASE))
    assert container["ports"] == [{"name": "http", "containerPort": 8501}]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == HEALTH, probe
    assert container["resources"]["requests"] == {"cpu": "500m", "memory": "1Gi"}


def test_the_manager_role_holds_exactly_the_rules_it_needs(tmp_path: Path) -> None:
    docs = render(tmp_path, DATABASE)
    manager = one(docs, "ClusterRole", "ws-flightschool-manager")
    assert manager["rules"] == MANAGER_RULES
    binding = one(docs, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == "ws-flightschool-manager"
    account = one(docs, "ServiceAccount")["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account, "namespace": "workshop"}
    ]
    assert one(docs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == account
    # the lab role is bound by the app inside each lab namespace, never here
    lab = one(docs, "ClusterRole", "ws-flightschool-lab")
    assert lab["rules"] == [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
    assert [
        d["roleRef"]["name"] for d in docs if d["kind"] in ("RoleBinding", "ClusterRoleBinding")
    ] == ["ws-flightschool-manager"]


def test_the_admission_policy_applies_to_the_apps_own_account_only(tmp_path: Path) -> None:
    docs = render(tmp_path, DATABASE)
    policy = one(docs, "ValidatingAdmissionPolicy")
    (condition,) = policy["spec"]["matchConditions"]
    assert condition["expression"] == (
        'request.userInfo.username == "system:serviceaccount:workshop:ws-flightschool"'
    )
    assert policy["spec"]["failurePolicy"] == "Fail"
    binding = one(docs, "ValidatingAdmissionPolicyBinding")
    assert binding["spec"] == {
        "policyName": policy["metadata"]["name"],
        "validationActions": ["Deny"],
    }
    off = render(tmp_path, {**DATABASE, "rbac": {"admissionPolicy": False}})
    assert not [d for d in off if "AdmissionPolicy" in d["kind"]]
    none = render(tmp_path, {**DATABASE, "rbac": {"create": False}})
    assert not [d for d in none if d["kind"].startswith(("ClusterRole", "Validating"))]
    assert "FLIGHTSCHOOL_NAMESPACE_ROLE" not in _env(none)


def test_the_pod_runs_as_the_images_user_with_what_bubblewrap_needs(tmp_path: Path) -> None:
    docs = render(tmp_path, DATABASE)
    pod = one(docs, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001  # deploy/Dockerfile's USER
    assert pod["hostUsers"] is False
    security = _container(docs)["securityContext"]
    assert security["procMount"] == "Unmasked"
    assert security["seccompProfile"] == {"type": "Unconfined"}
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["allowPrivilegeEscalation"] is False

    privileged = render(tmp_path, {**DATABASE, "sandbox": {"privileged": True}})
    pod = one(privileged, "Deployment")["spec"]["template"]["spec"]
    assert "hostUsers" not in pod
    security = _container(privileged)["securityContext"]
    assert security["privileged"] is True and "procMount" not in security


@pytest.mark.parametrize(
    ("persistence", "volume"),
    [
        ({}, {"name": "data", "emptyDir": {}}),
        ({"enabled": True}, {"name": "data", "persistentVolumeClaim": {"claimName": "ws-flightschool-data"}}),
        ({"enabled": True, "existingClaim": "shared"}, {"name": "data", "persistentVolumeClaim": {"claimName": "shared"}}),
    ],
)  # fmt: skip
def test_learner_data_lives_on_the_volume_chosen(
    tmp_path: Path, persistence: dict[str, Any], volume: dict[str, Any]
) -> None:
    docs = render(tmp_path, {**DATABASE, "persistence": persistence})
    pod = one(docs, "Deployment")["spec"]["template"]["spec"]
    assert pod["volumes"][0] == volume
    mounts = {m["name"]: m["mountPath"] for m in _container(docs)["volumeMounts"]}
    assert mounts["data"] == "/var/lib/flightschool"
    claims = [d for d in docs if d["kind"] == "PersistentVolumeClaim"]
    assert len(claims) == (1 if persistence == {"enabled": True} else 0)
