"""The `dockerfile` check: rules about a custom Airflow image, read with a Dockerfile
parser (continuation lines joined, ARG values substituted with Docker's scoping: an ARG
declared before FROM reaches only the FROM lines unless the stage declares it again).
Each rule says what it wants and why, and names the line that breaks it.

One fact may be written several ways and each counts: the airflow user by name or by its
UID 50000, with or without a group (`USER 50000:0`); `${AIRFLOW_VERSION}` left to the
official image's own environment variable of that name, which holds its Airflow version."""

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
_AIRFLOW_PIN = re.compile(r"""apache-airflow(?:\[[\w,-]+\])?==["']?([\w.${}-]+)""")
AIRFLOW_UID = "50000"
_IMAGE_VERSION = "${AIRFLOW_VERSION}"  # left unresolved: the base image's own ENV


@dataclass(frozen=True)
class Instruction:
    line: int
    name: str
    value: str
    user: str  # the user this instruction runs as: "airflow", "root" or as written


def user_name(value: str) -> str:
    """The user a USER line selects, by name: the UID 50000 is airflow, 0 is root, and a
    group after the colon does not change who runs."""
    user = value.split(":")[0].strip()
    return {AIRFLOW_UID: "airflow", "0": "root"}.get(user, user)


def parse(path: Path) -> list[Instruction]:
    with tempfile.TemporaryDirectory() as tmp:
        parser = DockerfileParser(path=tmp)
        parser.content = path.read_text(encoding="utf-8")
        structure = parser.structure
    out, user = [], "airflow"  # the official image's default user
    global_args: dict[str, str] = {}
    scope: dict[str, str] = global_args  # before the first FROM: the global ARGs
    for item in structure:
        name, value = item["instruction"], item["value"]
        if name == "FROM":
            value = _substitute(value, global_args)
            user, scope = "airflow", {}
        elif name == "ARG":
            key, eq, default = value.partition("=")
            key = key.strip()
            if eq:
                scope[key] = _substitute(default.strip().strip("\"'"), scope)
            elif key in global_args:  # a bare ARG in a stage brings the global one in
                scope[key] = global_args[key]
        elif name == "ENV":
            scope.update(_env_pairs(_substitute(value, scope)))
        else:
            value = _substitute(value, scope)
        if name == "USER":
            user = user_name(value)
        out.append(Instruction(item["startline"] + 1, name, value, user))
    return out


def _env_pairs(value: str) -> dict[str, str]:
    if "=" not in value.split()[0]:  # the old form: ENV KEY value
        key, _, rest = value.partition(" ")
        return {key: rest.strip().strip("\"'")}
    pairs = re.findall(r"""(\w+)=("[^"]*"|'[^']*'|\S*)""", value)
    return {k: v.strip("\"'") for k, v in pairs}


def _substitute(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), value)


def _base_image(instructions: list[Instruction]) -> tuple[Instruction | None, str, str]:
    """The final stage's FROM line, its repository (Docker Hub prefix removed) and tag."""
    froms = [i for i in instructions if i.name == "FROM"]
    if not froms:
        return None, "", ""
    final = froms[-1]
    words = [w for w in final.value.split() if not w.startswith("--")]
    image = words[0] if words else ""
    repository, _, tag = image.partition("@")[0].rpartition(":")
    if not repository or "/" in tag:
        repository, tag = image.partition("@")[0], ""
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/"):
        repository = repository.removeprefix(prefix)
    return final, repository, tag


def _base(instructions: list[Instruction], check: DockerfileCheck) -> str:
    final, repository, tag = _base_image(instructions)
    if final is None:
        return "there is no FROM line"
    image = final.value.split()[0]
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
    _final, _repository, tag = _base_image(instructions)
    base_version = re.match(r"\d+\.\d+\.\d+", tag)
    for i in installs:
        pin = _AIRFLOW_PIN.search(i.value)
        if not pin:
            return (
                f"line {i.line}: pip may upgrade or downgrade Airflow while installing your "
                "packages; install them together with a pinned apache-airflow==<the image's "
                'version> (for example "apache-airflow==${AIRFLOW_VERSION}")'
            )
        version = pin.group(1).strip("\"'")
        if version in (_IMAGE_VERSION, "$AIRFLOW_VERSION"):
            continue  # the official image's ENV AIRFLOW_VERSION: its own version
        if "$" in version:
            return f"line {i.line}: the pin {version} uses an ARG this stage does not declare"
        if base_version and version != base_version.group(0):
            return (
                f"line {i.line}: the pin apache-airflow=={version} is not the base image's "
                "Airflow version, so pip would replace the image's Airflow; pin the same "
                "version the FROM line names"
            )
    return ""


_REQUIREMENT = re.compile(r"(?:\s-r\s*|--requirement[=\s]\s*)[\"']?([^\s\"']+)")


def _brings_in(instruction: Instruction, file: str) -> bool:
    """Does a COPY/ADD (or a RUN's bind mount) make `file` available to the build?"""
    if instruction.name in ("COPY", "ADD"):
        words = [w for w in instruction.value.split() if not w.startswith("--")]
        if instruction.value.lstrip().startswith("["):  # the JSON form
            words = re.findall(r'"([^"]*)"', instruction.value)
        sources, dest = words[:-1], (words[-1] if words else "")
        return any(
            Path(src).name == Path(file).name
            or src in (".", "./")  # the whole build context
            or (src.endswith("/") and Path(dest) == Path(file).parent)
            for src in sources
        )
    for mount in re.findall(r"--mount=(\S+)", instruction.value):
        options = dict(part.partition("=")[::2] for part in mount.split(","))
        source = options.get("source") or options.get("src") or ""
        target = options.get("target") or options.get("dst") or options.get("destination")
        if options.get("type") == "bind" and (
            target == file or (Path(source).name == Path(file).name and not target)
        ):
            return True
    return False


def _requirements_copied(instructions: list[Instruction], _check: DockerfileCheck) -> str:
    installs = [i for i in _installs(instructions) if _REQUIREMENT.search(i.value)]
    if not installs:
        return "no pip install reads a requirements file (-r requirements.txt)"
    for install in installs:
        found = _REQUIREMENT.search(install.value)
        file = found.group(1) if found else "requirements.txt"
        before = [i for i in instructions if i.line <= install.line]
        if not any(_brings_in(i, file) for i in before):
            return (
                f"line {install.line}: {Path(file).name} must be copied into the image (COPY) before "
                "pip reads it"
            )
    return ""


def _runs_as_airflow(instructions: list[Instruction], _check: DockerfileCheck) -> str:
    for i in _installs(instructions):
        if i.user != "airflow":
            return (
                f"line {i.line}: pip runs as {i.user}; the official image installs Python "
                "packages as the airflow user (add `USER airflow` before it)"
            )
    users = [i for i in instructions if i.name == "USER"]
    if users and users[-1].user != "airflow":
        return (
            f"line {users[-1].line}: the image ends as {users[-1].user}; switch back with "
            "`USER airflow`"
        )
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
