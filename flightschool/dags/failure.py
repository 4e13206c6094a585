"""Why a DAG run failed, learner's part first: in the output of `airflow dags test`, the
last traceback's deepest frame inside the learner's file, with its source line, and the
exception it ended with. Airflow's own frames stay available but are not the headline."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')
_EXCEPTION = re.compile(r"^\s*(?:[\w.]+\.)?\w*(?:Error|Exception|Exit|Interrupt|Warning)\b.*")
_NOISE = re.compile(r"^\S+Z \[\w+\s*\] |^\[\w+\] ")


@dataclass(frozen=True)
class Failure:
    frame: str = ""  # "pipeline.py:12, in make_pod"
    source: str = ""  # the learner's line of code there
    error: str = ""  # "ValueError: ..."
    traceback: list[str] = field(default_factory=list)  # the whole last traceback


def _clean(line: str) -> str:
    return _NOISE.sub("", line).rstrip()


def find(output: Sequence[str], learner_file: str) -> Failure:
    """The failure in `output` (lines of a run), judged against the learner's file name
    (its base name, as the frames name the copy Airflow loaded). Empty when no traceback."""
    lines = [_clean(line) for line in output]
    starts = [i for i, line in enumerate(lines) if "Traceback (most recent call last)" in line]
    if not starts:
        return Failure()
    block: list[str] = []
    for line in lines[starts[-1] :]:
        if block and not line.strip():
            break
        block.append(line)
    error = next(
        (line.strip() for line in reversed(block) if _EXCEPTION.match(line)),
        block[-1].strip() if len(block) > 1 else "",
    )
    base = learner_file.rsplit("/", 1)[-1]
    frame, source = "", ""
    for i, line in enumerate(block):
        match = _FRAME.match(line)
        if match and match["path"].rsplit("/", 1)[-1] == base:
            frame = f"{base}:{match['line']}, in {match['func'].strip()}"
            following = block[i + 1] if i + 1 < len(block) else ""
            source = "" if _FRAME.match(following) else following.strip()
    return Failure(frame, source, error, block)
