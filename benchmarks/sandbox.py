"""What the sandbox costs and what it stops, measured in one run.

- DAG import of lab 07's solution (`flightschool.dags.inspect.summarise`) with bubblewrap
  and with the limits-only fallback (FLIGHTSCHOOL_SANDBOX=off), alternating, median of N;
- every attack in tests/fixtures/attacks tried once: refused cleanly (a clear message, the
  data untouched, nothing left running) or lost.

Run: .venv/bin/python benchmarks/sandbox.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flightschool.core import sandbox
from flightschool.dags.config import AirflowConfigError, load_config
from flightschool.dags.home import lab_home
from flightschool.dags.inspect import DagImportError, summarise

ROOT = Path(__file__).resolve().parents[1]
ATTACKS = ROOT / "tests" / "fixtures" / "attacks"
SOLUTION = ROOT / "labs" / "07-kpo-dag" / "solution" / "pipeline.py"


def _with_sandbox(on: bool, fn: Callable[[], object]) -> float:
    if on:
        os.environ.pop("FLIGHTSCHOOL_SANDBOX", None)
    else:
        os.environ["FLIGHTSCHOOL_SANDBOX"] = "off"
    sandbox.bwrap_problem.cache_clear()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _sleepers() -> bool:
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"987.654" in (proc / "cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def attacks(folder: Path) -> list[tuple[str, bool, str]]:
    """(attack, refused cleanly, what happened) for each fixture."""
    data = Path(os.environ["FLIGHTSCHOOL_DATA_DIR"])
    progress = data / "progress.db"
    progress.write_text("learner answers")
    out: list[tuple[str, bool, str]] = []

    def dag(name: str) -> Path:
        target = folder / name.removesuffix(".py") / name
        target.parent.mkdir()
        shutil.copy(ATTACKS / name, target)
        return target

    def attempt(name: str, check: Callable[[str], bool], path: Path) -> None:
        try:
            [summary] = summarise([path], timeout=30)
            what = summary.import_errors[0]["message"] if summary.import_errors else "imported"
        except DagImportError as exc:
            what = str(exc)
        out.append((name, check(what), what[:90]))

    read = dag("read_data.py")
    (read.parent / "target.txt").write_text(f"{progress} 22")
    attempt(
        "read/write the progress database, connect out",
        lambda w: "read failed" in w and "connect failed" in w and "owned" not in w,
        read,
    )
    attempt("fork without end", lambda w: "more than" in w, dag("fork_bomb.py"))
    attempt("setsid sleeper", lambda w: not _sleepers(), dag("setsid_sleeper.py"))
    huge = dag("huge_file.py")
    attempt("huge file", lambda w: "File too large" in w or "Read-only" in w, huge)
    attempt("forged summary", lambda w: "could not be confirmed" in w, dag("forged_summary.py"))
    for cfg in ("secret_cmd.cfg", "secret_backend.cfg"):
        try:
            load_config(lab_home("bench-attack"), ATTACKS / cfg, [], None)
            out.append((cfg, False, "loaded"))
        except AirflowConfigError as exc:
            out.append((cfg, "not allowed" in str(exc), str(exc)[:90]))
    if progress.read_text() != "learner answers":
        out.append(("progress database intact", False, "it was changed"))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="fs-bench-") as tmp:
        os.environ["FLIGHTSCHOOL_DATA_DIR"] = str(Path(tmp) / "data")
        (Path(tmp) / "data").mkdir()
        summarise([SOLUTION])  # warm caches
        timings: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(runs):
            for on in (True, False):
                timings[on].append(_with_sandbox(on, lambda: summarise([SOLUTION])))
        os.environ.pop("FLIGHTSCHOOL_SANDBOX", None)
        sandbox.bwrap_problem.cache_clear()
        isolated = not sandbox.bwrap_problem()
        print(f"DAG import of lab 07's solution, median of {runs}:")
        print(
            f"  bubblewrap sandbox ({'used' if isolated else 'NOT available'}): "
            f"{statistics.median(timings[True]):.3f} s"
        )
        print(
            f"  limits only (FLIGHTSCHOOL_SANDBOX=off):  {statistics.median(timings[False]):.3f} s"
        )
        results = attacks(Path(tmp))
    print(
        f"\nAttacks tried: {len(results)}, refused cleanly: "
        f"{sum(ok for _, ok, _ in results)}, lost: {sum(not ok for _, ok, _ in results)}"
    )
    for name, ok, what in results:
        print(f"  {'refused' if ok else 'LOST   '}  {name}: {what}")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
