"""How long scoring one interview answer takes: a 2,000-word answer (model answers of the
whole bank, stitched together) scored against every question, plus the bad inputs (a
50,000-character paste, non-English text, an empty answer). Median and p95 per scoring, in
wall time (what a learner waits) and in CPU time of this process (what other work on a shared
machine does not inflate); the target is <= 200 ms for the 2,000-word answer, on both.

Run: .venv/bin/python benchmarks/interview_scoring.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collections.abc import Callable

from benchmarks.common import report
from flightschool.content.catalog import load_catalog
from flightschool.content.models import Interview
from flightschool.core.paths import project_root
from flightschool.interview.rubric import score_answer

TARGET_SECONDS = 0.200


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def words(text: str, count: int) -> str:
    """The first `count` words of the text, repeated as needed, keeping its sentences."""
    pieces = text.split()
    while len(pieces) < count:
        pieces += pieces
    return " ".join(pieces[:count])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="scorings per question and input")
    runs = parser.parse_args().runs
    catalog = load_catalog(project_root())
    questions = [
        q for t in catalog.interviews.values() for q in t.bank.questions if isinstance(q, Interview)
    ]
    bank = "\n\n".join(q.model_answer for q in questions)
    inputs = {
        "2,000-word answer": words(bank, 2000),
        "50,000-character paste": (bank * 3)[:50_000],
        "non-English (2,000 words)": words(
            "Der Speicher des Containers überschreitet sein Limit und wird beendet. "
            "La CPU est limitée par le quota, la mémoire provoque un arrêt du processus. ",
            2000,
        ),
        "empty": "",
    }
    ok = True
    print(f"{len(questions)} questions x {runs} runs per input")
    for name, answer in inputs.items():
        score_answer(questions[0], answer, questions)  # warm the regex caches
        samples = [
            timed(lambda q=q, a=answer: score_answer(q, a, questions))
            for q in questions
            for _ in range(runs)
        ]
        target = TARGET_SECONDS * 1000 if name.startswith("2,000") else None
        print(f"{name} ({len(answer.split()):,} words, {len(answer):,} characters)")
        for clock, index in (("wall", 0), ("cpu", 1)):
            ordered = sorted(sample[index] * 1000 for sample in samples)
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
            ok &= report(f"  median ({clock})", statistics.median(ordered), target, "ms")
            ok &= report(f"  p95 ({clock})", p95, target, "ms")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
