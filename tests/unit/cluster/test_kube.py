from __future__ import annotations

import pytest

from flightschool.cluster.kube import KubeError, ResourceType, api_base, segment


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("web", "/api/v1/namespaces/lab/pods/web"),
        ("../../nodes/x", "/api/v1/namespaces/lab/pods/..%2F..%2Fnodes%2Fx"),
        ("a?watch=1", "/api/v1/namespaces/lab/pods/a%3Fwatch%3D1"),
        ("system:admin", "/api/v1/namespaces/lab/pods/system%3Aadmin"),
        ("50%", "/api/v1/namespaces/lab/pods/50%25"),
    ],
)
def test_names_stay_one_path_segment(name: str, expected: str) -> None:
    pods = ResourceType("v1", "Pod", "pods", namespaced=True)
    assert pods.path("lab", name) == expected


def test_namespaces_are_escaped_too() -> None:
    roles = ResourceType("rbac.authorization.k8s.io/v1", "Role", "roles", namespaced=True)
    assert roles.path("a/b", "r") == "/apis/rbac.authorization.k8s.io/v1/namespaces/a%2Fb/roles/r"
    assert segment("#") == "%23"


@pytest.mark.parametrize("bad", ["../v1", "apps/v1/../../x", "apps/v1?x=1", "", "v1beta1/../x"])
def test_api_versions_outside_the_api_are_refused(bad: str) -> None:
    with pytest.raises(KubeError, match="not of the form group/version"):
        api_base(bad)


def test_real_api_versions_pass() -> None:
    assert api_base("v1") == "/api/v1"
    assert api_base("apps/v1") == "/apis/apps/v1"
    assert api_base("autoscaling/v2beta2") == "/apis/autoscaling/v2beta2"
    assert api_base("policy.k8s.io/v1alpha1") == "/apis/policy.k8s.io/v1alpha1"
