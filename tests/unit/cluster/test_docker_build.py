"""A failed `docker build` is told with the failing step's Dockerfile line, for both
builders' output (no Docker needed: the output is what the builders print)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flightschool.cluster import docker_build

DOCKERFILE = (
    "# the capstone image\n"
    "ARG AIRFLOW_VERSION=3.3.2\n"
    "FROM apache/airflow:${AIRFLOW_VERSION}\n"
    "COPY dags/ /opt/airflow/dags/\n"
    "RUN python -c \\\n"
    "    'import sys; sys.exit(3)'\n"
)

LEGACY = """Sending build context to Docker daemon  3.072kB
Step 1/4 : ARG AIRFLOW_VERSION=3.3.2
Step 2/4 : FROM apache/airflow:${AIRFLOW_VERSION}
 ---> 1670d0f34f84
Step 3/4 : COPY dags/ /opt/airflow/dags/
 ---> 9f9825ba2f9a
Step 4/4 : RUN python -c     'import sys; sys.exit(3)'
 ---> Running in d76bc4217917
The command '/bin/sh -c python -c     'import sys; sys.exit(3)'' returned a non-zero code: 3
"""

BUILDKIT = """#7 [3/3] RUN python -c     'import sys; sys.exit(3)'
#7 ERROR: process "/bin/sh -c python -c     'import sys; sys.exit(3)'" did not complete successfully: exit code: 3
------
Dockerfile:5
--------------------
   4 |     COPY dags/ /opt/airflow/dags/
   5 | >>> RUN python -c \\
   6 | >>>     'import sys; sys.exit(3)'
--------------------
ERROR: failed to solve: process "/bin/sh -c python -c     'import sys; sys.exit(3)'" did not complete successfully: exit code: 3
"""


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text(DOCKERFILE)
    return path


def test_instructions_are_counted_as_the_builder_counts_them(dockerfile: Path) -> None:
    lines = docker_build.instruction_lines(dockerfile)
    assert [n for n, _ in lines] == [2, 3, 4, 5]
    assert lines[3][1].startswith("RUN python -c")


@pytest.mark.parametrize(
    ("output", "says"),
    [
        (LEGACY, "Dockerfile:5: RUN python -c"),
        (BUILDKIT, "Dockerfile:5: RUN python -c"),
    ],
)
def test_the_failing_step_is_named_with_its_line(dockerfile: Path, output: str, says: str) -> None:
    line, message = docker_build.failure(output, dockerfile)
    assert line == 5
    assert message.startswith(says), message
    assert "non-zero code: 3" in message or "exit code: 3" in message


def test_a_failure_before_any_step_keeps_the_last_line(dockerfile: Path) -> None:
    line, message = docker_build.failure("unable to prepare context: path not found\n", dockerfile)
    assert line == 0
    assert message == "Dockerfile: unable to prepare context: path not found"


def test_a_missing_dockerfile_is_the_learners_to_fix(tmp_path: Path) -> None:
    if docker_build.shutil.which("docker") is None:
        with pytest.raises(docker_build.DockerMissing, match="docker is not installed"):
            docker_build.build(tmp_path, "x/y:1")
        return
    result = docker_build.build(tmp_path, "x/y:1")
    assert not result.ok and result.error == "Dockerfile is missing from your files"
