"""The outcome watcher labels pods on several threads: a slow API server (a busy
workshop) no longer leaves pods waiting unlabelled in a line behind each other."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from flightschool.cluster.outcomes import OUTCOME
from flightschool.cluster.watcher import WORKERS, OutcomeWatcher


class SlowApi:
    """Answers every write after `delay` seconds and records what was labelled."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.labelled: list[str] = []
        self.lock = threading.Lock()

    def raw(self, method: str, path: str, body: Any = None, **_: Any) -> Any:
        time.sleep(self.delay)
        if method == "PATCH":
            with self.lock:
                self.labelled.append(path.rsplit("/", 1)[-1])
        return {}

    def apply(self, manifest: dict[str, Any]) -> dict[str, Any]:
        return manifest


def _pod(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "lab",
            "uid": f"uid-{name}",
            "labels": labels or {},
        },
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "python"}]},
    }


def test_pods_are_labelled_at_once_not_one_after_another(tmp_path: Path) -> None:
    api = SlowApi(0.3)
    watcher = OutcomeWatcher(api, tmp_path, frozenset())  # type: ignore[arg-type]
    started = time.monotonic()
    for n in range(WORKERS):
        watcher.handle("ADDED", _pod(f"p{n}"))
        watcher.handle("MODIFIED", _pod(f"p{n}"))  # the same pod again: not labelled twice
    watcher.handle("MODIFIED", _pod("done", {OUTCOME: "complete"}))  # already has its fate
    watcher.handle("DELETED", _pod("gone"))
    watcher._pool.shutdown(wait=True)
    elapsed = time.monotonic() - started
    assert sorted(api.labelled) == sorted(f"p{n}" for n in range(WORKERS))
    assert elapsed < 0.3 * WORKERS / 2  # one at a time it would take 0.3 s per pod
    assert len(list(tmp_path.glob("*.log"))) == WORKERS
