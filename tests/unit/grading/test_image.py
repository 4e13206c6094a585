"""A failed `docker build` is told with the failing step's Dockerfile line: the legacy
builder's `Step n/m` is the n-th instruction (a global ARG counts). The output is what the
builder prints, so no Docker is needed here."""

from __future__ import annotations

from pathlib import Path

from flightschool.grading import image

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
Traceback: nothing to see
"""
ERROR = (
    "The command '/bin/sh -c python -c     'import sys; sys.exit(3)'' returned a non-zero code: 3\n"
)


def test_the_failing_step_is_named_with_its_line(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    message = image.failed_step(dockerfile, LEGACY, ERROR)
    assert message.startswith("line 5 of Dockerfile failed (build step 4 of 4: RUN python -c")
    assert "Traceback: nothing to see" in message and "non-zero code: 3" in message


def test_a_failure_before_any_step_says_so(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    message = image.failed_step(dockerfile, "", "unable to prepare context: path not found")
    assert message == (
        "docker build failed before its first step: unable to prepare context: path not found"
    )


def test_a_missing_dockerfile_is_the_learners_to_fix(tmp_path: Path) -> None:
    assert image.build(tmp_path, "Dockerfile", "x/y:1") == "Dockerfile is missing from your files"
