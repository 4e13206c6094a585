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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flightschool.cluster import outcomes
from flightschool.cluster.kube import Kube, KubeError, PodWatch


class OutcomeWatcher:
    def __init__(self, kube: Kube, logs_dir: Path, unpullable: frozenset[str]) -> None:
        self.kube = kube
        self.logs_dir = logs_dir
        self.unpullable = unpullable
        self.watch = PodWatch(kube)

    def handle(self, kind: str, pod: dict[str, Any]) -> None:
        if kind not in ("ADDED", "MODIFIED"):
            return
        meta = pod.get("metadata") or {}
        if outcomes.OUTCOME in (meta.get("labels") or {}) or meta.get("deletionTimestamp"):
            return
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
