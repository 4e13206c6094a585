"""Where a failed `docker build` stopped, named by its Dockerfile line."""

from __future__ import annotations

from pathlib import Path

from flightschool.grading.image import build, failed_step

DOCKERFILE = """\
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}

USER root
RUN apt-get update && apt-get install -y --no-install-recommends \\
    gcc \\
    && rm -rf /var/lib/apt/lists/*
USER airflow
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r /requirements.txt
"""

# What the legacy builder printed (stdout) and said last (stderr) when the pip step failed.
OUTPUT = """\
Sending build context to Docker daemon  5.12kB
Step 1/6 : ARG AIRFLOW_VERSION=3.3.2
Step 2/6 : FROM apache/airflow:${AIRFLOW_VERSION}
 ---> 162db3c7646c
Step 3/6 : USER root
 ---> Using cache
Step 4/6 : RUN apt-get update && apt-get install -y --no-install-recommends     gcc
 ---> Using cache
Step 5/6 : USER airflow
 ---> Using cache
Step 6/6 : RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r /requirements.txt
 ---> Running in 0dfecf8f649a
ERROR: Could not open requirements file: [Errno 2] No such file or directory: '/requirements.txt'
"""
ERROR = "The command '/bin/sh -c pip install ...' returned a non-zero code: 1\n"


def test_the_failing_step_is_named_by_its_line_with_its_output(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    message = failed_step(dockerfile, OUTPUT, ERROR)
    assert message.startswith("line 9 of Dockerfile failed (build step 6 of 6: RUN pip install")
    assert "No such file or directory: '/requirements.txt'" in message
    assert "returned a non-zero code: 1" in message
    assert "Using cache" not in message


def test_a_failed_base_image_pull_points_at_the_from_line(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM apache/airflow:latest\nUSER root\n")
    output = "Sending build context to Docker daemon  2kB\nStep 1/2 : FROM apache/airflow:latest\n"
    error = "Error response from daemon: pull access denied for apache/airflow\n"
    message = failed_step(dockerfile, output, error)
    assert message.startswith("line 1 of Dockerfile failed (build step 1 of 2: FROM")
    assert "pull access denied" in message


def test_a_build_that_never_started_says_so(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM x\n")
    message = failed_step(dockerfile, "", "unable to prepare context: path not found\n")
    assert message.startswith("docker build failed before its first step")
    assert "unable to prepare context" in message


def test_a_comment_line_does_not_shift_the_failing_steps_line(tmp_path: Path) -> None:
    """The builder counts instructions; the parser also lists comment lines."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "# the capstone image\nFROM apache/airflow:3.3.2\nCOPY dags/ /opt/airflow/dags/\n"
        "RUN python -c 'import sys; sys.exit(3)'\n"
    )
    output = (
        "Step 1/3 : FROM apache/airflow:3.3.2\nStep 2/3 : COPY dags/ /opt/airflow/dags/\n"
        "Step 3/3 : RUN python -c 'import sys; sys.exit(3)'\n"
    )
    message = failed_step(dockerfile, output, "returned a non-zero code: 3\n")
    assert message.startswith("line 4 of Dockerfile failed (build step 3 of 3: RUN python")


def test_a_missing_dockerfile_is_the_learners_to_fix(tmp_path: Path) -> None:
    assert build(tmp_path, "Dockerfile", "x/y:1") == "Dockerfile is missing from your files"
