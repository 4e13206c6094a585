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


DEFAULT_DENY = "default-deny-all"
ALLOW_DNS = "allow-dns"
KUBE_SYSTEM = {"kubernetes.io/metadata.name": "kube-system"}


def selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A label selector as Kubernetes evaluates it: matchLabels and matchExpressions (In,
    NotIn, Exists, DoesNotExist) must all hold; an empty selector selects everything."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if (
            (op == "In" and labels.get(key) not in values)
            or (op == "NotIn" and key in labels and labels[key] in values)
            or (op == "Exists" and key not in labels)
            or (op == "DoesNotExist" and key in labels)
        ):
            return False
    return True


def _selects_every_pod(selector: dict[str, Any] | None) -> bool:
    selector = selector or {}
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def _named(view: Any, name: str) -> dict[str, Any] | None:
    return view.get("networking.k8s.io/v1", "NetworkPolicy", name)


def check_default_deny(view: Any) -> str | None:
    policy = _named(view, DEFAULT_DENY)
    if policy is None:
        return f"no NetworkPolicy named {DEFAULT_DENY} found"
    spec = policy.get("spec") or {}
    if not _selects_every_pod(spec.get("podSelector")):
        return f"{DEFAULT_DENY} does not select every pod"
    if not {"Ingress", "Egress"} <= set(spec.get("policyTypes") or []):
        return f"{DEFAULT_DENY} does not cover both directions"
    if spec.get("ingress") or spec.get("egress"):
        return f"{DEFAULT_DENY} has rules, so it allows something"
    return None


def _is_kube_system(peer: dict[str, Any]) -> bool:
    """Only kube-system: a namespace selector that picks it and no other namespace."""
    if "namespaceSelector" not in peer or peer.get("ipBlock"):
        return False
    ns = peer.get("namespaceSelector") or {}
    if not selects(ns, KUBE_SYSTEM):
        return False
    names = (ns.get("matchLabels") or {}).get("kubernetes.io/metadata.name")
    pinned = names == "kube-system" or any(
        e.get("key") == "kubernetes.io/metadata.name"
        and e.get("operator") == "In"
        and e.get("values") == ["kube-system"]
        for e in ns.get("matchExpressions") or []
    )
    return pinned


def _egress_allowed(spec: dict[str, Any]) -> tuple[set[tuple[str, str]], str]:
    """(protocol, port) pairs a policy's egress rules open towards kube-system, or a
    problem when a rule opens more than that."""
    allowed: set[tuple[str, str]] = set()
    for rule in spec.get("egress") or []:
        ports = rule.get("ports") or []
        peers = rule.get("to") or []
        if not ports or not peers:
            return allowed, "has an egress rule open to every port or destination"
        if not all(_is_kube_system(p) for p in peers):
            return allowed, "allows egress to something other than kube-system"
        for port in ports:
            if port.get("endPort") not in (None, port.get("port")):
                return allowed, "opens a range of ports"
            allowed.add((str(port.get("protocol") or "TCP"), str(port.get("port"))))
    return allowed, ""


def check_allow_dns(view: Any) -> str | None:
    policy = _named(view, ALLOW_DNS)
    if policy is None:
        return f"no NetworkPolicy named {ALLOW_DNS} found"
    spec = policy.get("spec") or {}
    if not selects(spec.get("podSelector"), WORKER_LABELS):
        return f"{ALLOW_DNS} does not select the task-worker pods"
    if "Egress" not in (spec.get("policyTypes") or []):
        return f"{ALLOW_DNS} is not an Egress policy"
    allowed, problem = _egress_allowed(spec)
    if problem:
        return f"{ALLOW_DNS} {problem}"
    if not {("UDP", "53"), ("TCP", "53")} <= allowed or any(p != "53" for _, p in allowed):
        shown = ", ".join(f"{pr}/{po}" for pr, po in sorted(allowed)) or "nothing"
        return f"{ALLOW_DNS} must allow port 53 on both UDP and TCP, and nothing else (it allows {shown})"
    for other in view.objects("networking.k8s.io/v1", "NetworkPolicy"):
        name = other["metadata"]["name"]
        ospec = other.get("spec") or {}
        if name == ALLOW_DNS or not selects(ospec.get("podSelector"), WORKER_LABELS):
            continue
        _ports, problem = _egress_allowed(ospec)
        extra = _ports - {("UDP", "53"), ("TCP", "53")}
        if problem or extra:
            return f"{name} opens more egress for the task-worker than DNS"
    return None
