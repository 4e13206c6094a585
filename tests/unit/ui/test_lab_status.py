"""The lab page's shared cluster status: a healthy answer serves every session for a few
seconds; an unhealthy one is asked again at once (the learner is about to start it)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from flightschool.cluster.backend import Backend, Status
from flightschool.ui.pages import lab


class CountingBackend:
    name = "embedded"

    def __init__(self, healthy: bool) -> None:
        self.healthy = healthy
        self.asked = 0

    def status(self) -> Status:
        self.asked += 1
        return Status("embedded", "t", exists=True, healthy=self.healthy)


def _as_backend(fake: Any) -> Backend:
    return cast(Backend, fake)


def test_a_healthy_status_is_shared_until_it_is_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(lab.time, "monotonic", lambda: clock[0])
    backend = CountingBackend(healthy=True)
    assert lab._status(_as_backend(backend)).healthy
    assert lab._status(_as_backend(backend)).healthy
    assert backend.asked == 1
    clock[0] += lab.HEALTHY_FOR_SECONDS + 0.1
    lab._status(_as_backend(backend))
    assert backend.asked == 2


def test_an_unhealthy_status_is_never_reused() -> None:
    backend = CountingBackend(healthy=False)
    assert not lab._status(_as_backend(backend)).healthy
    assert not lab._status(_as_backend(backend)).healthy
    assert backend.asked == 2


def test_a_cluster_that_went_down_is_not_reported_healthy_past_the_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [500.0]
    monkeypatch.setattr(lab.time, "monotonic", lambda: clock[0])
    backend = CountingBackend(healthy=True)
    lab._status(_as_backend(backend))
    backend.healthy = False
    clock[0] += lab.HEALTHY_FOR_SECONDS + 0.1
    assert not lab._status(_as_backend(backend)).healthy
    assert not lab._status(_as_backend(backend)).healthy
    assert backend.asked == 3
