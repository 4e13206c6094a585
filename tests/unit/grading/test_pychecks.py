"""A lab's checks.py in the sandbox: a hung check is stopped at its limit and the others
still run, errors become that check's failure, the view holds only the declared kinds of
the lab's namespaces, and the code cannot reach the grader's credentials or data."""

from __future__ import annotations

import socket
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flightschool.content.labs import PythonCheck
from flightschool.core import sandbox
from flightschool.core.paths import data_dir
from flightschool.grading import pychecks
from flightschool.grading.pychecks import PythonChecks, run_python_checks
from flightschool.grading.view import ClusterView
from tests.unit.grading.fake_cluster import FakeCluster

needs_bwrap = pytest.mark.skipif(
    bool(sandbox.bwrap_problem()), reason=f"no bubblewrap here: {sandbox.bwrap_problem()}"
)
NAMES = {"lab-a": "w01-lab-a", "lab-b": "w01-lab-b"}


def obj(kind: str, name: str, namespace: str | None = None, **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": labels}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": "v1", "kind": kind, "metadata": meta}


def lab_with(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / "lab"  # beside the data folder, never holding it
    folder.mkdir()
    (folder / "checks.py").write_text(textwrap.dedent(source))
    return folder


def check(
    function: str, reads: list[str] | None = None, *, cid: str = "", **extra: Any
) -> PythonCheck:
    return PythonCheck(
        id=cid or function.removeprefix("check_").replace("_", "-"),
        title=f"runs {function}",
        type="python",
        function=function,
        message=f"fix {function}",
        reads=reads if reads is not None else ["v1/Pod"],
        **extra,
    )


def view(objects: list[dict[str, Any]] | None = None) -> ClusterView:
    return ClusterView(FakeCluster(objects or []), NAMES, "lab-a")


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The sandboxed children started (their command lines), by wrapping the real call."""
    started: list[list[str]] = []
    real = pychecks.run_sandboxed

    def counting(argv: Any, policy: Any, **kwargs: Any) -> Any:
        started.append(list(argv))
        return real(argv, policy, **kwargs)

    monkeypatch.setattr(pychecks, "run_sandboxed", counting)
    return started


def test_a_hung_check_is_stopped_at_its_limit_and_the_others_still_run(
    tmp_path: Path, children: list[list[str]]
) -> None:
    lab = lab_with(
        tmp_path,
        """
        def check_before(view):
            return None

        def check_hangs(view):
            while True:
                try:
                    while True:
                        pass
                except BaseException:  # not even this keeps it running past its limit
                    pass

        def check_after(view):
            return "the reason"

        def check_last(view):
            return True
        """,
    )
    checks = [
        check("check_before"),
        check("check_hangs", timeout=1),
        check("check_after"),
        check("check_last"),
    ]
    started = time.monotonic()
    outcomes = run_python_checks(checks, view(), lab)
    took = time.monotonic() - started
    assert outcomes == {
        "before": (True, ""),
        "hangs": (False, "fix check_hangs (the check did not finish within 1 s)"),
        "after": (False, "fix check_after (the reason)"),
        "last": (True, ""),
    }
    assert took < 1 + 6, f"took {took:.1f} s"
    assert len(children) == 2  # the checks after the hung one ran in a new child


def test_a_check_holding_the_interpreter_is_ended_by_the_sandbox_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sum() over an endless iterator never gives the watchdog thread a turn: the
    sandbox's own deadline (the checks' limits plus the start-up allowance) ends it."""
    monkeypatch.setattr(pychecks, "STARTUP", 1.0)
    lab = lab_with(
        tmp_path,
        """
        import itertools

        def check_holds(view):
            return sum(itertools.count())

        def check_fine(view):
            return None
        """,
    )
    started = time.monotonic()
    outcomes = run_python_checks(
        [check("check_holds", timeout=1), check("check_fine", timeout=1)], view(), lab
    )
    assert outcomes == {
        "holds": (False, "fix check_holds (the check did not finish within 1 s)"),
        "fine": (True, ""),
    }
    assert time.monotonic() - started < 3 + 2 + 6  # deadline, SIGTERM grace, the rerun


def test_errors_become_that_checks_failure(tmp_path: Path) -> None:
    lab = lab_with(
        tmp_path,
        """
        import sys

        def check_divides(view):
            return 1 / 0

        def check_asserts(view):
            assert view.get("v1", "Pod", "p") is not None, "no pod p"

        def check_exits(view):
            sys.exit(3)

        def check_false(view):
            return False
        """,
    )
    names = ["check_divides", "check_asserts", "check_exits", "check_false", "check_missing"]
    outcomes = run_python_checks([check(n) for n in names], view(), lab)
    assert outcomes == {
        "divides": (
            False,
            "fix check_divides (the check itself failed: ZeroDivisionError: division by zero)",
        ),
        "asserts": (False, "fix check_asserts (no pod p)"),
        "exits": (False, "fix check_exits (the check itself failed: SystemExit: 3)"),
        "false": (False, "fix check_false"),
        "missing": (
            False,
            "fix check_missing (the check itself failed: checks.py has no function check_missing)",
        ),
    }


def test_a_checks_py_that_does_not_load_fails_each_check_once(
    tmp_path: Path, children: list[list[str]]
) -> None:
    lab = lab_with(tmp_path, "def check_one(view)\n    return None\n")
    outcomes = run_python_checks([check("check_one"), check("check_two")], view(), lab)
    for passed, message in outcomes.values():
        assert not passed
        assert "checks.py does not load: SyntaxError" in message
    assert len(children) == 1


def test_the_view_serves_the_declared_kinds_of_the_lab_namespaces(tmp_path: Path) -> None:
    objects = [
        obj("Pod", "p", "w01-lab-a", app="web"),
        obj("Pod", "q", "w01-lab-a", app="db"),
        obj("Pod", "r", "w01-lab-b", app="web"),
        obj("Pod", "kube-dns", "kube-system"),
        obj("Node", "gpu-1", None, gpu="true"),
        obj("Secret", "s", "w01-lab-a"),
    ]
    lab = lab_with(
        tmp_path,
        """
        def check_reads(view):
            assert view.default_namespace == "lab-a"
            assert view.real_namespace("lab-b") == "w01-lab-b"
            assert view.real_namespace(None) == "w01-lab-a"
            web = [p["metadata"]["name"] for p in view.objects("v1", "Pod", labels={"app": "web"})]
            assert web == ["p"], web
            assert view.get("v1", "Pod", "r", "lab-b") is not None
            assert view.get("v1", "Pod", "r") is None
            assert [n["metadata"]["name"] for n in view.objects("v1", "Node", "lab-b")] == ["gpu-1"]
            view.objects("v1", "Pod")[0]["metadata"]["name"] = "edited"
            assert view.get("v1", "Pod", "p") is not None, "edits reach the snapshot"

        def check_undeclared(view):
            view.objects("v1", "Secret")

        def check_elsewhere(view):
            view.objects("v1", "Pod", "kube-system")

        def check_logs(view):
            view.logs("p")
        """,
    )
    outcomes = run_python_checks(
        [
            check("check_reads", ["v1/Pod", "v1/Node"]),
            check("check_undeclared"),
            check("check_elsewhere"),
            check("check_logs"),
        ],
        view(objects),
        lab,
    )
    assert outcomes["reads"] == (True, "")
    assert "v1/Secret, which this check does not list in its `reads`" in outcomes["undeclared"][1]
    assert "Pod in namespace kube-system: only the lab's own" in outcomes["elsewhere"][1]
    assert "without a connection to the cluster" in outcomes["logs"][1]


def test_a_pass_runs_its_python_checks_in_one_child_and_a_retry_alone(
    tmp_path: Path, children: list[list[str]]
) -> None:
    lab = lab_with(tmp_path, "def check_a(view):\n    return None\n")
    first, second, third = (check("check_a", cid=i) for i in ("x", "y", "z"))
    batch = PythonChecks([first, second, third], lab)
    snapshot = view()
    assert batch.outcome(first, snapshot) == (True, "")
    assert batch.outcome(second, snapshot) == (True, "")
    assert len(children) == 1
    assert batch.outcome(second, view()) == (True, "")  # asked again: a fresh run
    assert len(children) == 2


@pytest.fixture
def listener() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


SNOOP = """
import os, socket
from pathlib import Path

def check_snoops(view):
    found = []
    for path in {paths!r}:
        try:
            found.append(f"read {{path}}: " + Path(path).read_text()[:20])
        except OSError:
            pass
    for folder, _dirs, files in os.walk({data!r}):  # hidden folders leave empty mount points
        found += [f"found {{folder}}/{{name}}" for name in files]
    found += [f"env {{k}}" for k in os.environ if "KUBE" in k or k.startswith("FLIGHTSCHOOL")]
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
        found.append("connected")
    except OSError:
        pass
    return "; ".join(found) or None
"""


@pytest.mark.parametrize("sandboxed", [True, False], ids=["bwrap", "no-bwrap-control"])
def test_a_check_gets_nothing_of_the_admin_kubeconfig_or_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listener: int, sandboxed: bool
) -> None:
    """With bubblewrap the check sees no kubeconfig, data, grader environment or network;
    the control run without it proves the check would have found them."""
    if sandboxed and sandbox.bwrap_problem():
        pytest.skip(f"no bubblewrap here: {sandbox.bwrap_problem()}")
    admin = data_dir() / "kwok" / "kubeconfig"
    admin.parent.mkdir(parents=True)
    admin.write_text("admin credentials")
    (data_dir() / "progress.db").write_text("learner answers")
    monkeypatch.setenv("KUBECONFIG", str(admin))
    if not sandboxed:
        monkeypatch.setenv("FLIGHTSCHOOL_SANDBOX", "off")
    sandbox.bwrap_problem.cache_clear()
    try:
        paths = [
            str(admin),
            str(data_dir() / "progress.db"),
            str(Path("~/.kube/config").expanduser()),
        ]
        lab = lab_with(tmp_path, SNOOP.format(paths=paths, data=str(data_dir()), port=listener))
        outcome = run_python_checks([check("check_snoops")], view(), lab)["snoops"]
    finally:
        sandbox.bwrap_problem.cache_clear()
    if sandboxed:
        assert outcome == (True, ""), outcome
    else:
        assert not outcome[0]
        for seen in ("admin credentials", "learner answers", "progress.db", "connected"):
            assert seen in outcome[1]


def test_a_read_that_is_not_api_version_and_kind_is_refused_clearly() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="'Pod' is not apiVersion/Kind"):
        check("check_a", ["v1/Pod", "Pod"])
    assert check("check_a", ["networking.k8s.io/v1/NetworkPolicy", "batch/v1/Job"]).reads
