"""A lab's checks.py runs in the sandbox (core/sandbox.py), never in the app process: a
check that hangs is stopped at its own time limit and cannot stall other learners, and
the code never holds the grader's credentials.

The grader lists, with its own identity, the kinds each check declares (`reads` in
lab.yaml) in every lab namespace (cluster-scoped kinds once), writes them with the check
list to a JSON file, and starts one child for all the python checks of a grading pass
(`pycheck_child.py`): the child gets that file read-only, the lab folder, the learner's
files if any, and nothing else - no kubeconfig, no network, no data folder. Results come
back on the private channel with a per-run nonce. When a check overruns its limit the
child ends; a new one runs the checks after it.
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flightschool.content.labs import PythonCheck
from flightschool.core.proc import ToolError
from flightschool.core.sandbox import (
    NONCE_ENV,
    Limits,
    Policy,
    Sandboxed,
    SandboxUnavailable,
    run_sandboxed,
    stop_reason,
)
from flightschool.grading.view import ClusterView

Outcome = tuple[bool, str]
STARTUP = 10.0  # seconds a child may take to start, beyond its checks' own limits
MEMORY_LIMIT = 1024**3
OUTPUT_LIMIT = 1024**2


def job(checks: Sequence[PythonCheck], view: ClusterView, lab: Path) -> dict[str, Any]:
    """What the child needs, as JSON: the checks, and the objects of every kind they read,
    listed now with the grader's identity (through `view`, so every check of the pass
    sees the same snapshot)."""
    lists: list[dict[str, Any]] = []
    for read in sorted({r for c in checks for r in c.reads}):
        api_version, kind = read.rsplit("/", 1)
        seen: set[str | None] = set()
        for lab_namespace in view.lab_namespaces:
            namespace, items = view.listing(api_version, kind, lab_namespace)
            if namespace not in seen:
                seen.add(namespace)
                lists.append(
                    {
                        "apiVersion": api_version,
                        "kind": kind,
                        "namespace": namespace,
                        "items": items,
                    }
                )
    files = view.artifacts.files
    return {
        "checks_py": str((lab / "checks.py").resolve()),
        "checks": [
            {"id": c.id, "function": c.function, "timeout": c.timeout, "reads": list(c.reads)}
            for c in checks
        ],
        "namespaces": {n: view.real_namespace(n) for n in view.lab_namespaces},
        "default_namespace": view.default_namespace,
        "lists": lists,
        "files": str(files.resolve()) if files else None,
    }


def run_python_checks(
    checks: Sequence[PythonCheck], view: ClusterView, lab: Path
) -> dict[str, Outcome]:
    """Each check's (passed, message), the message as the runner words every failure."""
    if not checks:
        return {}
    data = job(checks, view, lab)
    by_id = {c.id: c for c in checks}
    outcomes: dict[str, Outcome] = {}
    pending = list(checks)
    with tempfile.TemporaryDirectory(prefix="fs-checks-") as tmp:
        while pending:
            records, problem = _run_child(pending, data, lab, Path(tmp))
            for check_id, record in records.items():
                outcomes[check_id] = _worded(by_id[check_id], record)
            rest = [c for c in pending if c.id not in records]
            if not rest:
                break
            if problem.fatal:  # no child can run these: say so for each
                for check in rest:
                    outcomes[check.id] = (False, f"{check.message} ({problem(check)})")
                break
            if records and list(records.values())[-1]["outcome"] == "timeout":
                pending = rest  # the watchdog ended that child: the rest get a new one
                continue
            stuck, pending = rest[0], rest[1:]
            outcomes[stuck.id] = (False, f"{stuck.message} ({problem(stuck)})")
    return outcomes


def _worded(check: PythonCheck, record: Mapping[str, str]) -> Outcome:
    text = record.get("text", "")
    match record.get("outcome"):
        case "pass":
            return True, ""
        case "fail":
            return False, f"{check.message} ({text})" if text else check.message
        case "timeout":
            return False, f"{check.message} (the check did not finish within {check.timeout:g} s)"
        case _:
            return False, f"{check.message} (the check itself failed: {text})"


class _Problem:
    """Why a check got no record from the child, worded for that check."""

    def __init__(self, result: Sandboxed | None, limits: Limits, error: str = "") -> None:
        self.result, self.limits, self.error = result, limits, error

    @property
    def fatal(self) -> bool:
        """No child can run the checks (no sandbox here, or its channel was not trusted)."""
        return bool(self.error)

    def __call__(self, check: PythonCheck) -> str:
        if self.error:
            return f"the check could not be run: {self.error}"
        assert self.result is not None
        why = stop_reason(self.result, self.limits)
        if self.result.stopped == "time":
            return f"the check did not finish within {check.timeout:g} s"
        if why:
            return f"the check was stopped: {why}"
        tail = " | ".join(t.strip() for t in self.result.lines[-3:] if t.strip())
        return f"the check process ended early (exit {self.result.returncode}){': ' + tail if tail else ''}"


def _run_child(
    checks: list[PythonCheck], data: dict[str, Any], lab: Path, tmp: Path
) -> tuple[dict[str, dict[str, str]], _Problem]:
    """Run `checks` in one sandboxed child: the records it sent, by check id, and what to
    say for the first check without one."""
    nonce = secrets.token_hex(16)
    path = tmp / "job.json"
    ids = [c.id for c in checks]
    path.write_text(
        json.dumps({**data, "checks": [c for c in data["checks"] if c["id"] in ids]}),
        encoding="utf-8",
    )
    budget = sum(c.timeout for c in checks) + STARTUP
    limits = Limits(
        timeout=budget,
        memory=MEMORY_LIMIT,
        cpu=int(budget) + 1,
        output=OUTPUT_LIMIT,
        keep_lines=20,
    )
    readable = [tmp, lab.resolve()]
    if data.get("files"):
        readable.append(Path(data["files"]))
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        NONCE_ENV: nonce,
    }
    try:
        result = run_sandboxed(
            [sys.executable, "-m", "flightschool.grading.pycheck_child", str(path)],
            Policy(readable=tuple(readable), limits=limits),
            env=env,
            cwd=tmp,
            channel=True,
        )
    except (ToolError, SandboxUnavailable, OSError) as exc:
        return {}, _Problem(None, limits, str(exc))
    records = _verified(result.channel, nonce, ids)
    if records is None:
        return {}, _Problem(
            None, limits, "its results could not be confirmed (something else wrote on its channel)"
        )
    return records, _Problem(result, limits)


def _verified(channel: bytes, nonce: str, ids: list[str]) -> dict[str, dict[str, str]] | None:
    """The child's records, in the order of `ids`, each carrying this run's nonce; None if
    anything else is on the channel."""
    records: dict[str, dict[str, str]] = {}
    for raw, expected in zip(channel.splitlines(), ids, strict=False):
        try:
            record = json.loads(raw)
        except ValueError:
            return None
        if (
            not isinstance(record, dict)
            or record.get("nonce") != nonce
            or record.get("id") != expected
        ):
            return None
        records[expected] = {"outcome": str(record.get("outcome")), "text": str(record.get("text"))}
    if len(channel.splitlines()) > len(ids):
        return None
    return records


class PythonChecks:
    """The python checks of one grading pass: run together, in one child, when the first
    of them comes up (the sandbox's start is paid once per pass); a check asked again (a
    retry with a fresh snapshot) runs alone."""

    def __init__(self, checks: Sequence[PythonCheck], lab: Path) -> None:
        self._waiting = list(checks)
        self._lab = lab
        self._ready: dict[str, Outcome] = {}

    def outcome(self, check: PythonCheck, view: ClusterView) -> Outcome:
        if check.id in self._ready:
            return self._ready.pop(check.id)
        if any(c.id == check.id for c in self._waiting):
            start = next(i for i, c in enumerate(self._waiting) if c.id == check.id)
            group, self._waiting = self._waiting[start:], self._waiting[:start]
            self._ready.update(run_python_checks(group, view, self._lab))
            return self._ready.pop(check.id)
        return run_python_checks([check], view, self._lab)[check.id]
