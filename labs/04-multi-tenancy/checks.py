"""Python checks for lab 04."""

from __future__ import annotations

from typing import Any

_LAUNCHERS = {"lab-team-a": "team-a-launcher", "lab-team-b": "team-b-launcher"}


def check_service_accounts(view: Any) -> str | None:
    missing = [
        f"{name} in {view.real_namespace(ns)}"
        for ns, name in _LAUNCHERS.items()
        if view.get("v1", "ServiceAccount", name, ns) is None
    ]
    if missing:
        return "missing: " + ", ".join(missing)
    return None
