"""The `dockerfile` check: rules about a custom Airflow image, read with a Dockerfile
parser (ARG values substituted, continuation lines joined). Each rule says what it wants
and why, and names the line that breaks it."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dockerfile_parse import DockerfileParser

from flightschool.content.labs import DockerfileCheck
from flightschool.grading.view import ClusterView

Outcome = tuple[bool, str]
_PIP_INSTALL = re.compile(r"\b(?:uv\s+)?pip\s+install\b")
_AIRFLOW_PIN = re.compile(r"""apache-airflow(?:\[[\w,]+\])?==["']?[\w.${}-]+""")


@dataclass(frozen=True)
class Instruction:
    line: int
    name: str
    value: str
    user: str  # the user this instruction runs as


def parse(path: Path) -> list[Instruction]:
    with tempfile.TemporaryDirectory() as tmp:
        parser = DockerfileParser(path=tmp)
        parser.content = path.read_text(encoding="utf-8")
        structure = parser.structure
    out, user = [], "airflow"  # the official image's default user
    args: dict[str, str] = {}
    for item in structure:
        name, value = item["instruction"], item["value"]
        if name == "FROM":
            user = "airflow"
        if name == "ARG" and "=" in value:  # a default; a bare ARG keeps the global one
            key, _, default = value.partition("=")
            args[key.strip()] = default.strip().strip("\"'")
        value = _substitute(value, args)
        if name == "USER":
            user = value.split(":")[0].strip()
        out.append(Instruction(item["startline"] + 1, name, value, user))
    return out


def _substitute(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), value)


def _base(instructions: list[Instruction], check: DockerfileCheck) -> str:
    froms = [i for i in instructions if i.name == "FROM"]
    if not froms:
        return "there is no FROM line"
    final = froms[-1]
    image = final.value.split()[0]
    repository, _, tag = image.partition("@")[0].rpartition(":")
    if not repository or "/" in tag:
        repository, tag = image.partition("@")[0], ""
    if repository != check.repository:
        return f"line {final.line}: the image starts FROM {repository}, expected {check.repository}"
    if not tag or tag == "latest":
        return (
            f"line {final.line}: {image} is not pinned; name an exact Airflow version "
            f"(e.g. {check.repository}:3.x.y) so rebuilds give the same image"
        )
    if "$" in tag:
        return f"line {final.line}: the tag {tag} uses an ARG without a default value"
    if not re.search(check.tag, tag):
        return f"line {final.line}: the tag {tag} does not match {check.tag}"
    return ""


def _installs(instructions: list[Instruction]) -> list[Instruction]:
    return [i for i in instructions if i.name == "RUN" and _PIP_INSTALL.search(i.value)]


def _airflow_pinned(instructions: list[Instruction], _check: DockerfileCheck) -> str:
    installs = _installs(instructions)
    if not installs:
        return "no RUN line installs your requirements with pip"
    for i in installs:
        if not _AIRFLOW_PIN.search(i.value):
            return (
                f"line {i.line}: pip may upgrade or downgrade Airflow while installing your "
                "packages; install them together with a pinned apache-airflow==<the image's "
                'version> (for example "apache-airflow==${AIRFLOW_VERSION}")'
            )
    return ""


def _requirements_copied(instructions: list[Instruction], _check: DockerfileCheck) -> str:
    copied = [i for i in instructions if i.name in ("COPY", "ADD") and "requirements" in i.value]
    installs = [i for i in _installs(instructions) if re.search(r"\s-r\s|--requirement", i.value)]
    if not installs:
        return "no pip install reads a requirements file (-r requirements.txt)"
    if not copied or copied[0].line > installs[0].line:
        return f"line {installs[0].line}: requirements.txt must be copied into the image (COPY) before pip reads it"
    return ""


def _runs_as_airflow(instructions: list[Instruction], _check: DockerfileCheck) -> str:
    for i in _installs(instructions):
        if i.user != "airflow":
            return (
                f"line {i.line}: pip runs as {i.user}; the official image installs Python "
                "packages as the airflow user (add `USER airflow` before it)"
            )
    users = [i for i in instructions if i.name == "USER"]
    if users and users[-1].user in ("root", "0"):
        return f"line {users[-1].line}: the image ends as root; switch back with `USER airflow`"
    return ""


RULES: dict[str, Callable[[list[Instruction], DockerfileCheck], str]] = {
    "base-image-pinned": _base,
    "airflow-pinned-on-install": _airflow_pinned,
    "requirements-copied": _requirements_copied,
    "runs-as-airflow": _runs_as_airflow,
}


def check_dockerfile(check: DockerfileCheck, view: ClusterView, _lab: Path) -> Outcome:
    files = view.artifacts.files
    path = files / check.file if files else None
    if path is None or not path.is_file():
        return False, f"{check.message} ({check.file} is missing from your files)"
    problem = RULES[check.rule](parse(path), check)
    return (False, f"{check.message} ({problem})") if problem else (True, "")
