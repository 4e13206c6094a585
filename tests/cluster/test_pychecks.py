"""A lab's checks.py on the real embedded cluster: it reads the lab's objects through the
snapshot the grader took, and gets nothing of the cluster's admin kubeconfig, the folder of
its keys, or the API server itself."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube
from flightschool.content.labs import PythonCheck
from flightschool.core import sandbox
from flightschool.grading.pychecks import run_python_checks
from flightschool.grading.view import ClusterView
from tests.cluster_fixtures import pod

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        bool(sandbox.bwrap_problem()), reason=f"no bubblewrap here: {sandbox.bwrap_problem()}"
    ),
]

CHECKS = """
import os, socket
from pathlib import Path

def check_sees_the_lab(view):
    assert view.get("v1", "Pod", "web") is not None, "no pod web"
    assert any(n["metadata"]["name"] == "gpu-1" for n in view.objects("v1", "Node")), "no gpu-1"

def check_snoops(view):
    found = []
    try:
        found.append("read the kubeconfig: " + Path({kubeconfig!r}).read_text()[:20])
    except OSError:
        pass
    try:
        socket.create_connection(({host!r}, {port}), timeout=2).close()
        found.append("reached the API server")
    except OSError:
        pass
    found += [k for k in os.environ if "KUBE" in k or k.startswith("FLIGHTSCHOOL")]
    files = [name for _root, _dirs, names in os.walk({folder!r}) for name in names]
    if files:
        found.append(f"found {{len(files)}} files beside the kubeconfig: {{files[:5]}}")
    return "; ".join(found) or None
"""


@pytest.mark.parametrize("sandboxed", [True, False], ids=["bwrap", "no-bwrap-control"])
def test_checks_read_the_snapshot_and_nothing_of_the_grader(
    embedded: EmbeddedCluster,
    kube: Kube,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sandboxed: bool,
) -> None:
    """The control run without bubblewrap proves the snooping check would find them."""
    if not sandboxed:
        monkeypatch.setenv("FLIGHTSCHOOL_SANDBOX", "off")
    sandbox.bwrap_problem.cache_clear()
    kube.create(pod("web"), namespace)
    admin = embedded.kubeconfig()
    host, port = sandbox.api_endpoint(admin)
    lab = tmp_path / "lab"
    lab.mkdir()
    source = CHECKS.format(folder=str(admin.parent), kubeconfig=str(admin), host=host, port=port)
    (lab / "checks.py").write_text(textwrap.dedent(source))
    checks = [
        PythonCheck(
            id=name.removeprefix("check_").replace("_", "-"),
            title=name,
            type="python",
            function=name,
            message=f"fix {name}",
            reads=["v1/Pod", "v1/Node"],
        )
        for name in ("check_sees_the_lab", "check_snoops")
    ]
    view = ClusterView(kube, {"lab-x": namespace}, "lab-x")
    try:
        outcomes = run_python_checks(checks, view, lab)
    finally:
        sandbox.bwrap_problem.cache_clear()
    assert outcomes["sees-the-lab"] == (True, "")
    if sandboxed:
        assert outcomes["snoops"] == (True, ""), outcomes
    else:
        message = outcomes["snoops"][1]
        for seen in ("read the kubeconfig", "reached the API server", "beside the kubeconfig"):
            assert seen in message
