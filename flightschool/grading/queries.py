"""The questions a check asks of a cluster view (`objects` by label, `get` by name,
`events`), answered the same way whether the objects come from the live API (the grader's
ClusterView) or from a snapshot (a checks.py child). A view only says how it lists a kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ObjectQueries:
    def _items(self, api_version: str, kind: str, namespace: str | None) -> list[dict[str, Any]]:
        """Every object of the kind in the (lab) namespace; cluster-scoped kinds ignore it."""
        raise NotImplementedError

    def objects(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """Objects of a kind in a lab namespace (cluster-scoped kinds ignore the namespace)."""
        items = self._items(api_version, kind, namespace)
        if labels:
            items = [
                o
                for o in items
                if all((o["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())
            ]
        return items

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        return next(
            (
                o
                for o in self.objects(api_version, kind, namespace)
                if o["metadata"]["name"] == name
            ),
            None,
        )

    def events(
        self, namespace: str | None = None, involved: str | None = None
    ) -> list[dict[str, Any]]:
        items = self.objects("v1", "Event", namespace)
        if involved:
            items = [e for e in items if (e.get("involvedObject") or {}).get("name") == involved]
        return sorted(items, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "")
