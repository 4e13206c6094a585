"""`docker build` of a learner's Dockerfile, with a failure told as the learner needs it:
the step that failed, its line in the Dockerfile and the last lines of its output. Used by
the labs that really build an image (the capstone; lab 10 on kind can share it).

Both builders are read: the legacy one says `Step 3/5 : RUN ...` (the third instruction,
whose line we look up), BuildKit names `Dockerfile:7` itself."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dockerfile_parse import DockerfileParser

from flightschool.core.errors import EnvironmentProblem
from flightschool.core.proc import ToolError, run

BUILD_TIMEOUT = 900.0
_LEGACY_STEP = re.compile(r"^Step (\d+)/\d+ : (.*)$")
_BUILDKIT_LINE = re.compile(r"^(?:\S*/)?Dockerfile:(\d+)$")
_BUILDKIT_ERROR = re.compile(r"^ERROR:? (?:failed to solve: )?(.*)$")


class DockerMissing(EnvironmentProblem, RuntimeError):
    """No docker CLI or no running engine: not the learner's fault (exit 2)."""


@dataclass(frozen=True)
class BuildResult:
    tag: str
    ok: bool
    seconds: float
    error: str = ""  # "Dockerfile:7: RUN pip install x: <why>" when the build failed
    line: int = 0  # the failing instruction's line (0: unknown or none)
    log_tail: tuple[str, ...] = ()


def docker_binary() -> str:
    docker = shutil.which("docker")
    if docker is None:
        raise DockerMissing(
            "docker is not installed: install Docker (https://docs.docker.com/engine/install/) "
            "to build images; the embedded backend needs no Docker but cannot run them"
        )
    return docker


def instruction_lines(dockerfile: Path) -> list[tuple[int, str]]:
    """Each instruction's first line (1-based) and text, in order, as a builder counts them."""
    with tempfile.TemporaryDirectory() as tmp:
        parser = DockerfileParser(path=tmp)
        parser.content = dockerfile.read_text(encoding="utf-8")
        return [
            (int(i["startline"]) + 1, f"{i['instruction']} {i['value']}".strip())
            for i in parser.structure
            if i["instruction"] != "COMMENT"
        ]


def failure(output: str, dockerfile: Path) -> tuple[int, str]:
    """The failing instruction's line and a one-line reason, read from a build's output."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    line, what = 0, ""
    for text in lines:
        step = _LEGACY_STEP.match(text)
        if step:
            number, what = int(step.group(1)), step.group(2).strip()
            known = instruction_lines(dockerfile) if dockerfile.is_file() else []
            line = known[number - 1][0] if 0 < number <= len(known) else 0
        located = _BUILDKIT_LINE.match(text.strip())
        if located:
            line = int(located.group(1))
            known = instruction_lines(dockerfile) if dockerfile.is_file() else []
            what = next((t for n, t in known if n == line), what)
    reason = next(
        (m.group(1) for t in reversed(lines) if (m := _BUILDKIT_ERROR.match(t.strip()))), ""
    )
    if not reason and lines:
        reason = lines[-1]
    where = f"{dockerfile.name}:{line}: " if line else f"{dockerfile.name}: "
    step_text = what.splitlines()[0][:120] if what else ""
    return line, f"{where}{step_text + ': ' if step_text else ''}{reason}"


def build(
    context: Path,
    tag: str,
    dockerfile: str = "Dockerfile",
    timeout: float = BUILD_TIMEOUT,
    on_line: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build `context` into `tag`. A failed build is a result (the learner's to fix), a
    missing Docker an exception (the machine's)."""
    docker = docker_binary()
    say = on_line or (lambda _line: None)
    path = context / dockerfile
    if not path.is_file():
        return BuildResult(tag, False, 0.0, f"{dockerfile} is missing from your files")
    try:
        if not run([docker, "info", "--format", "{{.ServerVersion}}"], timeout=20).ok:
            raise DockerMissing(
                "the Docker engine is not running: start it (`sudo systemctl start docker`, "
                "or Docker Desktop), then check again"
            )
    except ToolError as exc:
        raise DockerMissing(f"docker could not be run: {exc}") from exc
    say(f"Building your image {tag} from {dockerfile} (docker build)…")
    started = time.monotonic()
    try:
        result = run(
            [docker, "build", "--file", path, "--tag", tag, context],
            timeout=timeout,
        )
    except ToolError as exc:
        return BuildResult(tag, False, time.monotonic() - started, f"docker build: {exc}")
    seconds = time.monotonic() - started
    output = (result.stdout or "") + "\n" + (result.stderr or "")
    tail = tuple(line for line in output.splitlines() if line.strip())[-15:]
    if result.ok:
        say(f"Built {tag} ({seconds:.0f} s)")
        return BuildResult(tag, True, seconds, log_tail=tail)
    line, error = failure(output, path)
    return BuildResult(tag, False, seconds, error, line, tail)
