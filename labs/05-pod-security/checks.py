"""Python checks for lab 05: the worker's effective security context, and the network
policies. Pod-level settings count for every container unless a container overrides them."""

from __future__ import annotations

from typing import Any

WORKER = "task-worker"
WORKER_LABELS = {"app": "task-worker"}


def _template(view: Any) -> dict[str, Any]:
    deployment = view.get("apps/v1", "Deployment", WORKER)
    assert deployment is not None, f"no Deployment {WORKER} found"
    return ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}


def _containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]


def _effective(spec: dict[str, Any], container: dict[str, Any], field: str) -> Any:
    """The container's value for a field that may also be set for the whole pod."""
    own = (container.get("securityContext") or {}).get(field)
    return own if own is not None else (spec.get("securityContext") or {}).get(field)


def check_run_as_non_root(view: Any) -> str | None:
    spec = _template(view)
    bad = [c["name"] for c in _containers(spec) if _effective(spec, c, "runAsNonRoot") is not True]
    if bad:
        return f"runAsNonRoot is not true for: {', '.join(bad)}"
    root = [c["name"] for c in _containers(spec) if _effective(spec, c, "runAsUser") == 0]
    if root:
        return f"runAsUser is 0 (root) for: {', '.join(root)}"
    return None


def check_no_privilege_escalation(view: Any) -> str | None:
    spec = _template(view)
    bad = [
        c["name"]
        for c in _containers(spec)
        if (c.get("securityContext") or {}).get("allowPrivilegeEscalation") is not False
    ]
    if bad:
        return f"allowPrivilegeEscalation is not false for: {', '.join(bad)}"
    return None


def check_drop_all_capabilities(view: Any) -> str | None:
    spec = _template(view)
    bad = []
    for c in _containers(spec):
        caps = (c.get("securityContext") or {}).get("capabilities") or {}
        added = [a for a in caps.get("add") or [] if a != "NET_BIND_SERVICE"]
        if "ALL" not in (caps.get("drop") or []) or added:
            bad.append(c["name"])
    if bad:
        return f"capabilities.drop must contain ALL (and add nothing but NET_BIND_SERVICE) for: {', '.join(bad)}"
    return None


def check_seccomp_runtime_default(view: Any) -> str | None:
    spec = _template(view)
    bad = []
    for c in _containers(spec):
        profile = _effective(spec, c, "seccompProfile") or {}
        if profile.get("type") not in ("RuntimeDefault", "Localhost"):
            bad.append(c["name"])
    if bad:
        return f"seccompProfile.type is not RuntimeDefault for: {', '.join(bad)}"
    return None


def _selects_worker(policy: dict[str, Any]) -> bool:
    selector = (policy.get("spec") or {}).get("podSelector") or {}
    if selector.get("matchExpressions"):
        return False  # keep it simple: an empty selector or matchLabels
    wanted = selector.get("matchLabels") or {}
    return all(WORKER_LABELS.get(k) == v for k, v in wanted.items())


def check_default_deny(view: Any) -> str | None:
    for policy in view.objects("networking.k8s.io/v1", "NetworkPolicy"):
        spec = policy.get("spec") or {}
        selector = spec.get("podSelector") or {}
        types = set(spec.get("policyTypes") or [])
        if (
            not selector.get("matchLabels")
            and not selector.get("matchExpressions")
            and {"Ingress", "Egress"} <= types
            and not spec.get("ingress")
            and not spec.get("egress")
        ):
            return None
    return (
        "no NetworkPolicy selects every pod (podSelector {}) with policyTypes Ingress and "
        "Egress and no rules"
    )


def _is_kube_system(peer: dict[str, Any]) -> bool:
    labels = (peer.get("namespaceSelector") or {}).get("matchLabels") or {}
    return labels.get("kubernetes.io/metadata.name") == "kube-system"


def check_allow_dns(view: Any) -> str | None:
    problems = []
    for policy in view.objects("networking.k8s.io/v1", "NetworkPolicy"):
        name = policy["metadata"]["name"]
        spec = policy.get("spec") or {}
        if "Egress" not in (spec.get("policyTypes") or []) or not spec.get("egress"):
            continue
        if not _selects_worker(policy):
            problems.append(f"{name} does not select the task-worker pods")
            continue
        allowed: set[tuple[str, str]] = set()
        for rule in spec["egress"]:
            ports = rule.get("ports") or []
            peers = rule.get("to") or []
            if not ports or not peers:
                problems.append(f"{name} has an egress rule open to every port or destination")
                break
            if not all(_is_kube_system(p) for p in peers):
                problems.append(f"{name} allows egress to something other than kube-system")
                break
            for port in ports:
                allowed.add((str(port.get("protocol") or "TCP"), str(port.get("port"))))
        else:
            if {("UDP", "53"), ("TCP", "53")} <= allowed and all(p == "53" for _, p in allowed):
                return None
            problems.append(
                f"{name} must allow port 53 on both UDP and TCP, and nothing else "
                f"(it allows {', '.join(f'{pr}/{po}' for pr, po in sorted(allowed)) or 'nothing'})"
            )
    return "; ".join(problems) or "no Egress NetworkPolicy with DNS rules found"
