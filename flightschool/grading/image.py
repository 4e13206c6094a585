"""The image step of a files lab on real containers: build the learner's Dockerfile, put the
image on the cluster's nodes, run it as a pod, and the `image` check that reads the outcome.

Builds use the host's network (`docker build --network host`): an air-gapped kit's engine gives
containers no network of their own, and a learner's `apt-get` or `pip install` must reach what
the host reaches (a mirror, a proxy, PyPI). Behind a TLS-inspecting proxy the kit's Airflow image
trusts the host's locally added certificate authorities (cluster/trust.py), so those steps work
in a build FROM it too. A failed build names the Dockerfile line of the step that failed and
shows that step's last output lines; the learner's folder is only read.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flightschool.cluster.kube import Kube, KubeError, wait_until
from flightschool.content.labs import ImageCheck, Lab
from flightschool.core.proc import ToolError, run
from flightschool.grading.artifacts import ImageOutcome
from flightschool.grading.dockerfile import parse
from flightschool.grading.view import ClusterView

BUILD_TIMEOUT = 1200.0
POD_TIMEOUT = 240.0
POD_NAME = "image-check"
Outcome = tuple[bool, str]
LoadImage = Callable[[str], str]  # image tag -> the node that now has it
_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")


def image_tag(lab: Lab, files: Path, dockerfile: str) -> str:
    """A tag per lab and Dockerfile content, so two learners' images never share a name."""
    digest = hashlib.sha256((files / dockerfile).read_bytes()).hexdigest()[:12]
    return f"flightschool-lab/{lab.id}:{digest}"


def failed_step(dockerfile: Path, output: str, error: str) -> str:
    """Where a legacy `docker build` stopped: its last `Step n/m` is the n-th instruction of
    the Dockerfile (global ARGs included), named with its line and the step's last lines."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if _STEP.match(line.strip())]
    if not starts:
        return f"docker build failed before its first step: {error.strip()[-400:]}"
    last = starts[-1]
    found = _STEP.match(lines[last].strip())
    assert found is not None
    number, total = int(found.group(1)), int(found.group(2))
    # the builder counts instructions only; the parser also lists comment lines
    instructions = [i for i in parse(dockerfile) if i.name != "COMMENT"]
    where = (
        f"line {instructions[number - 1].line}"
        if 0 < number <= len(instructions)
        else f"step {number}"
    )
    tail = [line for line in lines[last + 1 :] if line.strip() and not line.startswith(" ---> ")]
    shown = "\n".join([*tail[-6:], *error.strip().splitlines()[-3:]])
    return (
        f"{where} of {dockerfile.name} failed (build step {number} of {total}: "
        f"{found.group(3)[:80]}):\n{shown}"
    )


def build(
    files: Path,
    dockerfile_name: str,
    tag: str,
    on_line: Callable[[str], None] | None = None,
    timeout: float = BUILD_TIMEOUT,
) -> str:
    """`docker build` of the learner's folder as `tag`: "" when it built, else what went
    wrong (the failing step with its Dockerfile line). The one build of every lab that
    builds an image (lab 10's image step, the capstone's deploy step)."""
    say = on_line or (lambda _line: None)
    dockerfile = files / dockerfile_name
    docker = shutil.which("docker")
    if not dockerfile.is_file():
        return f"{dockerfile_name} is missing from your files"
    if docker is None:
        return "docker is not installed: building the image needs Docker"
    say(f"building {dockerfile_name} as {tag}")
    # --force-rm: a step that fails leaves no stopped container behind on the engine
    args = [docker, "build", "--force-rm", "--network", "host", "-f", str(dockerfile), "-t", tag]
    try:
        built = run([*args, str(files)], timeout=timeout, env={"DOCKER_BUILDKIT": "0"})
    except ToolError as exc:
        return f"docker build did not finish: {exc}"
    if not built.ok:
        return failed_step(dockerfile, built.stdout, built.stderr)
    return ""


def run_step(
    lab: Lab,
    check: ImageCheck,
    kube: Kube,
    namespace: str,
    files: Path,
    load_image: LoadImage,
    on_line: Callable[[str], None] | None = None,
) -> ImageOutcome:
    say = on_line or (lambda _line: None)
    started = time.monotonic()
    outcome = ImageOutcome()
    if not (files / check.file).is_file():
        outcome.build_error = f"{check.file} is missing from your files"
        return outcome
    outcome.tag = image_tag(lab, files, check.file)
    outcome.build_error = build(files, check.file, outcome.tag, say)
    if outcome.build_error:
        return outcome
    say(f"built in {time.monotonic() - started:.0f} s; loading it onto the nodes")
    try:
        node = load_image(outcome.tag)
        outcome.phase, outcome.log = _run_pod(kube, namespace, outcome.tag, check.command, node)
    except (KubeError, ToolError, RuntimeError) as exc:
        outcome.run_error = str(exc)
    outcome.seconds = round(time.monotonic() - started, 1)
    say(f"pod {POD_NAME}: {outcome.phase or 'not run'} ({outcome.seconds:g} s)")
    return outcome


def _run_pod(
    kube: Kube, namespace: str, tag: str, command: list[str], node: str
) -> tuple[str, str]:
    if kube.delete("v1", "Pod", POD_NAME, namespace, grace_seconds=0):
        wait_until(lambda: kube.get("v1", "Pod", POD_NAME, namespace) is None, 60, 0.5)
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": POD_NAME, "labels": {"app.kubernetes.io/name": POD_NAME}},
        "spec": {
            "restartPolicy": "Never",
            "nodeName": node,  # the node the image was loaded onto
            "containers": [
                {
                    "name": "image",
                    "image": tag,
                    "imagePullPolicy": "Never",  # loaded onto the nodes, never pulled
                    "command": command,
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "256Mi"},
                        "limits": {"memory": "1Gi"},
                    },
                }
            ],
        },
    }
    kube.create(pod, namespace)

    def finished() -> str | None:
        found = kube.get("v1", "Pod", POD_NAME, namespace) or {}
        phase = (found.get("status") or {}).get("phase")
        return phase if phase in ("Succeeded", "Failed") else None

    phase = wait_until(finished, POD_TIMEOUT, 1.0)
    if phase is None:
        found = kube.get("v1", "Pod", POD_NAME, namespace) or {}
        status = found.get("status") or {}
        waiting = [
            (cs.get("state") or {}).get("waiting") or {}
            for cs in status.get("containerStatuses") or []
        ]
        why = "; ".join(f"{w.get('reason')}: {w.get('message', '')}" for w in waiting if w)
        return f"{status.get('phase', 'Pending')} after {POD_TIMEOUT:.0f} s {why}".strip(), ""
    try:
        log = str(kube.raw("GET", f"/api/v1/namespaces/{namespace}/pods/{POD_NAME}/log"))
    except KubeError as exc:
        log = f"(no log: {exc})"
    return phase, log


def check_image(check: ImageCheck, view: ClusterView, _lab: Path) -> Outcome:
    outcome = view.artifacts.image
    if outcome is None:
        return False, f"{check.message} (the image was not built: this needs real containers)"
    if outcome.build_error:
        return False, f"{check.message} ({outcome.build_error})"
    if outcome.run_error:
        return False, f"{check.message} (built, but not run: {outcome.run_error})"
    tail = "\n".join(outcome.log.strip().splitlines()[-8:])
    if outcome.phase != "Succeeded":
        return False, f"{check.message} (the pod from your image ended {outcome.phase}: {tail})"
    if check.output and not re.search(check.output, outcome.log):
        return False, (
            f"{check.message} (the pod's output does not contain /{check.output}/; "
            f"it printed: {tail or 'nothing'})"
        )
    return True, ""
