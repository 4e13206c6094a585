"""The outcome watcher: a small process beside the embedded cluster.

It labels every new pod with the outcome decided in `outcomes.py` (the kwok stages act on
that label) and gives each pod a log file served through kwok's Logs API, so
`kubectl logs` of a completed pod returns its simulated output.
Run as: python -m flightschool.cluster.watcher --kubeconfig K --logs-dir D
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flightschool.cluster import outcomes
from flightschool.cluster.kube import Kube, KubeError, PodWatch

WORKERS = 8  # pods labelled at once


class OutcomeWatcher:
    """Labels pods from the watch on a few threads: one at a time, a busy API server
    (fifty learners submitting at once, a second a write) left pods Pending, unlabelled,
    in a queue behind each other. A pod is handed to one worker at a time; an event for
    a pod already in hand is dropped (the label, once written, ends the work)."""

    def __init__(self, kube: Kube, logs_dir: Path, unpullable: frozenset[str]) -> None:
        self.kube = kube
        self.logs_dir = logs_dir
        self.unpullable = unpullable
        self.watch = PodWatch(kube)
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="label")
        self._in_hand: set[str] = set()
        self._guard = threading.Lock()

    def handle(self, kind: str, pod: dict[str, Any]) -> None:
        """Called for each watch event: the work goes to a worker thread."""
        if not self._needs_label(kind, pod):
            return
        uid = str((pod.get("metadata") or {}).get("uid"))
        with self._guard:
            if uid in self._in_hand:
                return
            self._in_hand.add(uid)
        self._pool.submit(self._label_then_release, pod, uid)

    def _label_then_release(self, pod: dict[str, Any], uid: str) -> None:
        try:
            self.label(pod)
        except Exception as exc:  # a worker must never die silently
            print(f"cannot handle a pod: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        finally:
            with self._guard:
                self._in_hand.discard(uid)

    @staticmethod
    def _needs_label(kind: str, pod: dict[str, Any]) -> bool:
        if kind not in ("ADDED", "MODIFIED"):
            return False
        meta = pod.get("metadata") or {}
        return not (outcomes.OUTCOME in (meta.get("labels") or {}) or meta.get("deletionTimestamp"))

    def label(self, pod: dict[str, Any]) -> None:
        """Decide the pod's fate, label it, and write its simulated logs."""
        meta = pod.get("metadata") or {}
        outcome, why = outcomes.decide(pod, self.unpullable)
        where = f"{meta.get('namespace')}/{meta.get('name')}"
        try:
            self.watch.merge_labels(pod, {outcomes.OUTCOME: outcome})  # first: the pod's fate
        except KubeError as exc:
            if exc.status != 404:  # a pod deleted meanwhile needs nothing
                print(f"cannot label {where}: {exc}", file=sys.stderr, flush=True)
            return
        try:
            self._write_logs(pod, outcome, why)
        except (KubeError, OSError) as exc:
            print(f"cannot write simulated logs for {where}: {exc}", file=sys.stderr, flush=True)

    def _write_logs(self, pod: dict[str, Any], outcome: str, why: str) -> None:
        meta = pod["metadata"]
        annotations = meta.get("annotations") or {}
        custom = annotations.get(outcomes.LOGS)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        entries = []
        for c in (pod.get("spec") or {}).get("containers") or []:
            command = (
                " ".join([*(c.get("command") or []), *(c.get("args") or [])])
                or "(image entrypoint)"
            )
            lines = (
                custom.splitlines()
                if custom
                else [
                    f"[simulated] container {c.get('name')} from image {c.get('image')}",
                    f"[simulated] command: {command}",
                    f"[simulated] outcome: {outcome} ({why})",
                ]
            )
            path = self.logs_dir / f"{meta['namespace']}_{meta['name']}_{c.get('name')}.log"
            path.write_text(
                "".join(f"{stamp} stdout F {line}\n" for line in lines), encoding="utf-8"
            )
            # the same file answers `kubectl logs --previous`: a simulated restart
            # repeats the same run
            entries.append(
                {
                    "containers": [c.get("name")],
                    "logsFile": str(path),
                    "previousLogsFile": str(path),
                }
            )
        if entries:
            self.kube.apply(
                {
                    "apiVersion": "kwok.x-k8s.io/v1alpha1",
                    "kind": "Logs",
                    "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
                    "spec": {"logs": entries},
                }
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kubeconfig", type=Path, required=True)
    parser.add_argument("--logs-dir", type=Path, required=True)
    parser.add_argument("--unpullable", type=Path, default=None)
    args = parser.parse_args(argv)
    args.logs_dir.mkdir(parents=True, exist_ok=True)
    watcher = OutcomeWatcher(
        Kube(args.kubeconfig), args.logs_dir, outcomes.unpullable_images(args.unpullable)
    )

    def stop(*_: object) -> None:
        watcher.watch.stopped = True
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("outcome watcher started", flush=True)
    watcher.watch.run(watcher.handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
