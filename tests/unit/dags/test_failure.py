"""A failed DAG run leads with the learner's own frame and the exception."""

from __future__ import annotations

from flightschool.dags.failure import find

RUN = [
    "2026-11-29T10:00:00.000000Z [info     ] Filling up the DagBag",
    "Traceback (most recent call last):",
    '  File "/opt/venv/lib/python3.11/site-packages/airflow/cli/commands/dag_command.py", line 50, in dag_test',
    "    dag.test()",
    '  File "/home/me/workspace/07-kpo-dag/pipeline.py", line 12, in <module>',
    "    make_pod(__init__=1)",
    '  File "/home/me/workspace/07-kpo-dag/pipeline.py", line 30, in make_pod',
    "    raise ValueError(f'bad {name}')",
    '  File "/opt/venv/lib/python3.11/site-packages/airflow/models/baseoperator.py", line 9, in __init__',
    "    check(kw)",
    "TypeError: KubernetesPodOperator.__init__() got an unexpected keyword argument 'imag'",
    "",
    "[info] Run finished",
]


def test_the_learners_deepest_frame_and_the_exception_come_first() -> None:
    found = find(RUN, "pipeline.py")
    assert found.frame == "pipeline.py:30, in make_pod"
    assert found.source == "raise ValueError(f'bad {name}')"
    assert found.error.startswith("TypeError: KubernetesPodOperator.__init__()")
    assert found.traceback[0] == "Traceback (most recent call last):"
    assert found.traceback[-1] == found.error
    assert "[info] Run finished" not in found.traceback


def test_only_the_last_traceback_counts() -> None:
    first = [
        "Traceback (most recent call last):",
        '  File "/x/pipeline.py", line 1, in a',
        "    a()",
        "KeyError: 'x'",
        "",
    ]
    found = find(first + RUN, "dags/pipeline.py")
    assert found.frame == "pipeline.py:30, in make_pod"


def test_no_traceback_no_failure_to_show() -> None:
    assert find(["[info] all good"], "pipeline.py").frame == ""
    assert find([], "pipeline.py").traceback == []


def test_a_traceback_without_the_learners_file_still_names_the_error() -> None:
    found = find([*RUN[1:4], "RuntimeError: no executor"], "pipeline.py")
    assert (found.frame, found.error) == ("", "RuntimeError: no executor")
