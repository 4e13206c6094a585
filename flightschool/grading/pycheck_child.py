"""Runs INSIDE a sandboxed child process, never in the app: the `check_*` functions of a
lab's checks.py, one after another, each under its own time limit, against a read-only
view served from a JSON snapshot the grader took. The child has no cluster credentials
and no network; the view holds only the kinds each check declares in lab.yaml (`reads`).
Started by `flightschool.grading.pychecks`.

One record per check goes back on the private channel (never stdout, which checks.py
shares), each with the run's nonce. A check that overruns its limit is reported as such by
a watchdog thread, which then ends the process: the grader starts a new child for the
checks after it. A check that holds the interpreter so the watchdog cannot run is ended by
the sandbox's own deadline instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import IO, Any

from flightschool.core.channel import open_channel
from flightschool.grading.queries import ObjectQueries

MESSAGE_LIMIT = 2000
TIMED_OUT = 3  # the exit status after a watchdog stopped a check


class NotInSnapshot(LookupError):
    """The check asked for something the grader did not list for it."""


class SnapshotView(ObjectQueries):
    """The part of the grader's ClusterView a check may use (`get`, `objects`, `events`,
    `real_namespace`, `default_namespace`, `artifacts.files`), served from the snapshot.
    Each call returns fresh copies: a check that edits what it got changes nothing else."""

    def __init__(self, snapshot: Mapping[str, Any], reads: list[str]) -> None:
        self.default_namespace = str(snapshot["default_namespace"])
        self._namespaces: dict[str, str] = dict(snapshot["namespaces"])
        self._reads = set(reads)
        self._lists: dict[tuple[str, str, str | None], str] = {
            (e["apiVersion"], e["kind"], e["namespace"]): json.dumps(e["items"])
            for e in snapshot["lists"]
        }
        files = snapshot.get("files")
        self.artifacts = SimpleNamespace(files=Path(files) if files else None)

    def real_namespace(self, name: str | None) -> str:
        lab_name = name or self.default_namespace
        return self._namespaces.get(lab_name, lab_name)

    def _items(self, api_version: str, kind: str, namespace: str | None) -> list[dict[str, Any]]:
        if f"{api_version}/{kind}" not in self._reads:
            raise NotInSnapshot(
                f"checks.py asked for {api_version}/{kind}, which this check does not list "
                "in its `reads` in lab.yaml"
            )
        ns = self.real_namespace(namespace)
        raw = self._lists.get((api_version, kind, ns)) or self._lists.get((api_version, kind, None))
        if raw is None:
            raise NotInSnapshot(
                f"checks.py asked for {kind} in namespace {ns}: only the lab's own "
                "namespaces are listed for a check"
            )
        items: list[dict[str, Any]] = json.loads(raw)
        return items

    def _no_cluster(self, *_: Any, **__: Any) -> Any:
        raise NotInSnapshot(
            "checks.py runs without a connection to the cluster: it can read the objects "
            "listed for it (`reads` in lab.yaml), not logs, access reviews or dry runs"
        )

    logs = can_i = dry_run_create = _no_cluster


class _Checks:
    """checks.py, imported once (its error, if any, kept and reported for every check)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._module: ModuleType | None = None
        self._error: BaseException | None = None

    def function(self, name: str) -> Callable[[Any], Any]:
        if self._module is None and self._error is None:
            try:
                spec = importlib.util.spec_from_file_location("flightschool_lab_checks", self.path)
                if spec is None or spec.loader is None:
                    raise ImportError(f"cannot load {self.path.name}")
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                self._module = module
            except BaseException as exc:  # a broken checks.py fails its checks, nothing more
                self._error = exc
        if self._error is not None:
            raise RuntimeError(
                f"{self.path.name} does not load: {type(self._error).__name__}: {self._error}"
            )
        fn = getattr(self._module, name, None)
        if not callable(fn):
            raise RuntimeError(f"{self.path.name} has no function {name}")
        return fn  # type: ignore[no-any-return]


def _short(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def outcome(fn: Callable[[Any], Any], view: SnapshotView) -> dict[str, str]:
    """What a check function's result means: None or True passes; a string or False fails
    (the string says why); an AssertionError's text is the reason; any other error is the
    check's own failure."""
    try:
        result = fn(view)
    except AssertionError as exc:
        return {"outcome": "fail", "text": _short(str(exc))}
    except BaseException as exc:  # SystemExit included: the check failed, the run goes on
        return {"outcome": "error", "text": _short(f"{type(exc).__name__}: {exc}")}
    if result is None or result is True:
        return {"outcome": "pass", "text": ""}
    if isinstance(result, str):
        return {"outcome": "fail", "text": _short(result)}
    return {"outcome": "fail", "text": ""}


def run_checks(snapshot: Mapping[str, Any], channel: IO[bytes], nonce: str) -> None:
    checks = _Checks(Path(snapshot["checks_py"]))
    lock = threading.Lock()

    def send(check_id: str, record: dict[str, str]) -> None:
        channel.write(json.dumps({"nonce": nonce, "id": check_id, **record}).encode() + b"\n")
        channel.flush()

    for check in snapshot["checks"]:
        finished = threading.Event()

        def expire(check_id: str = check["id"], done: threading.Event = finished) -> None:
            with lock:
                if done.is_set():
                    return
                send(check_id, {"outcome": "timeout", "text": ""})
                os._exit(TIMED_OUT)

        watchdog = threading.Timer(float(check["timeout"]), expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            fn = checks.function(check["function"])
        except RuntimeError as exc:
            record = {"outcome": "error", "text": _short(str(exc))}
        else:
            record = outcome(fn, SnapshotView(snapshot, check["reads"]))
        with lock:
            finished.set()
            watchdog.cancel()
            send(check["id"], record)


def main(argv: list[str]) -> int:
    channel, nonce = open_channel()
    snapshot = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    sys.dont_write_bytecode = True
    run_checks(snapshot, channel, nonce)
    channel.close()
    sys.stdout.flush()
    os._exit(0)  # threads a check left running do not keep the process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
