"""What the bounded YAML loader costs: the whole course loaded (`load_catalog`) with the
checks on (what ships) and with a plain, unchecked SafeLoader in their place (as before
the checks), side by side; then every YAML file of the course parsed both ways. CPU time of the
process, runs interleaved, so other work on the machine hits neither side.

Run: .venv/bin/python benchmarks/content_load.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from flightschool.content.catalog import load_catalog
from flightschool.core import safeyaml
from flightschool.core.paths import project_root


def _plain_compose_all(text: str, *_args: Any, **_kwargs: Any) -> list[yaml.Node]:
    return [n for n in yaml.compose_all(text, Loader=yaml.SafeLoader) if n is not None]


def _plain_read(path: Path, *_args: Any, **_kwargs: Any) -> str:
    return path.read_text(encoding="utf-8")


@contextmanager
def unchecked() -> Iterator[None]:
    """The loader as it was: no size, depth, alias or expansion checks."""
    saved = safeyaml.compose_all, safeyaml.read_text
    safeyaml.compose_all, safeyaml.read_text = _plain_compose_all, _plain_read  # type: ignore[assignment]
    try:
        yield
    finally:
        safeyaml.compose_all, safeyaml.read_text = saved  # type: ignore[assignment]


def cpu_timed(fn: Callable[[], object]) -> float:
    """CPU time of this process: other work on a shared machine does not count."""
    started = time.process_time()
    fn()
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    root = project_root()
    files = sorted(
        p
        for folder in ("quizzes", "interviews", "exams", "labs", "cluster")
        for p in (root / folder).rglob("*.yaml")
    )
    texts = [p.read_text(encoding="utf-8") for p in files]
    catalog = load_catalog(root)
    assert not catalog.errors, catalog.errors
    rows = []
    for name, fn in (
        ("load_catalog (whole course)", lambda: load_catalog(root)),
        (f"parse {len(files)} YAML files", lambda: [safeyaml.load_all(t) for t in texts]),
    ):
        fn()  # warm imports and caches once for both
        before_all, after_all = [], []
        for _ in range(runs):  # interleaved, so a busy moment hits both sides alike
            with unchecked():
                before_all.append(cpu_timed(fn))
            after_all.append(cpu_timed(fn))
        before, after = statistics.median(before_all), statistics.median(after_all)
        rows.append((name, before, after, before_all, after_all))
    print(
        f"median CPU, {runs} runs       {'before (unchecked)':>20} {'after (bounded)':>16} {'cost':>8}"
    )
    for name, before, after, before_all, after_all in rows:
        cost = (after - before) / before * 100
        print(f"{name:<28} {before * 1000:17.1f} ms {after * 1000:13.1f} ms {cost:+7.1f}%")
        print(f"  samples before: {', '.join(f'{s * 1000:.1f}' for s in before_all)} ms")
        print(f"  samples after:  {', '.join(f'{s * 1000:.1f}' for s in after_all)} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
