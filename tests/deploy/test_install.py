"""The image and the chart on real containers: `make image`'s script builds the image, it is
loaded into the kind cluster, and the chart is installed with two replicas against an
external PostgreSQL (the image kit's postgres:15 in a pod of its own). The app serves
its health endpoint, and a learner signs in with a join link in Chromium and starts lab 01:
its namespace is made by the app's pod with the chart's rights, in the cluster it runs in."""

from __future__ import annotations

import os
import signal
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from flightschool.cluster import images
from flightschool.cluster.kind import KindCluster
from flightschool.cluster.kube import Kube, wait_until
from flightschool.cluster.namespaces import APP_BINDING, MANAGED_LABEL
from flightschool.cluster.readiness import pod_state
from flightschool.core.proc import Result, pid_alive, run, spawn
from tests.browser.conftest import browser, free_port, screenshot
from tests.conftest import ROOT
from tests.deploy.chart import CHART, helm, values_file

# building the image and loading it into every node takes minutes on a busy machine
pytestmark = [pytest.mark.kind, pytest.mark.timeout(3600)]
__all__ = ["browser"]  # the Chromium fixture, shared with the browser tests

TAG = "flightschool/app:kind-test"
POSTGRES = "postgres:15"  # the kit's, loaded into the nodes with the other workload images


class Forward:
    """`kubectl port-forward` to the app's Service, started again when it has exited.

    port-forward ends for good when one forwarded stream fails (a browser dropping its
    websocket is enough), so each test makes sure it runs before it uses the URL."""

    def __init__(self, kubeconfig: Path, namespace: str, service: str, port: int, log: Path):
        self.args = [_kubectl(), "--kubeconfig", kubeconfig, "-n", namespace, "port-forward",
                     f"svc/{service}", f"{port}:80"]  # fmt: skip
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.pid: int | None = None
        self.starts = 0

    def ensure(self) -> str:
        if self.pid is None or not pid_alive(self.pid):
            if self.pid is not None:
                os.waitpid(self.pid, os.WNOHANG)  # reap the exited one
            self.pid = spawn(self.args, log_file=self.log)
            self.starts += 1
        assert wait_until(lambda: _health(self.url) == "ok", 60, 0.5), self.log.read_text()
        return self.url

    def stop(self) -> None:
        if self.pid is not None and pid_alive(self.pid):
            os.killpg(self.pid, signal.SIGTERM)


@dataclass(frozen=True)
class Release:
    name: str
    namespace: str
    prefix: str
    forward: Forward
    kubeconfig: Path

    @property
    def url(self) -> str:
        """The app through a port-forward of its Service, running when this returns."""
        return self.forward.ensure()

    def kubectl(self, *args: str, timeout: float = 120) -> Result:
        return run(
            [_kubectl(), "--kubeconfig", self.kubeconfig, "-n", self.namespace, *args],
            timeout=timeout,
        )


def _kubectl() -> Path:
    return helm().with_name("kubectl")


def _postgres(kube: Kube, namespace: str) -> str:
    """A PostgreSQL beside the chart, not part of it: the workshop's external database."""
    labels = {"app.kubernetes.io/name": "workshop-postgres"}
    kube.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "postgres", "namespace": namespace, "labels": labels},
            "spec": {
                "containers": [
                    {
                        "name": "postgres",
                        "image": POSTGRES,
                        "imagePullPolicy": "IfNotPresent",
                        "env": [{"name": "POSTGRES_PASSWORD", "value": "workshop"}],
                        "ports": [{"containerPort": 5432}],
                        "readinessProbe": {
                            "exec": {"command": ["pg_isready", "-h", "127.0.0.1"]},
                            "periodSeconds": 2,
                        },
                        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}},
                    }
                ]
            },
        }
    )
    kube.apply(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "postgres", "namespace": namespace},
            "spec": {"selector": labels, "ports": [{"port": 5432}]},
        }
    )

    def ready() -> bool:
        pod = kube.get("v1", "Pod", "postgres", namespace) or {}
        conditions = (pod.get("status") or {}).get("conditions") or []
        return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)

    assert wait_until(ready, 300, 1), kube.get("v1", "Pod", "postgres", namespace)
    return f"postgresql+psycopg://postgres:workshop@postgres.{namespace}.svc:5432/postgres"


@pytest.fixture(scope="module")
def release(
    kind_cluster: KindCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Release]:
    tmp = tmp_path_factory.mktemp("deploy")
    built = run(["bash", ROOT / "scripts" / "image.sh", TAG], timeout=2400)
    assert built.ok, built.stderr[-3000:]
    images.load(kind_cluster.cluster, progress=print, tags=[TAG])
    suffix = uuid.uuid4().hex[:6]
    name, namespace, prefix = f"fsd{suffix}", f"fs-deploy-{suffix}", f"fsd{suffix}-"
    port = free_port()
    kubeconfig = kind_cluster.kubeconfig()
    kube = Kube(kubeconfig)
    kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    forward = None
    try:
        database = _postgres(kube, namespace)
        values = {
            "image": {"repository": TAG.split(":")[0], "tag": TAG.split(":")[1],
                      "pullPolicy": "Never"},
            "replicaCount": 2,
            "database": {"url": database},
            "workshop": {"publicUrl": f"http://127.0.0.1:{port}", "namespacePrefix": prefix},
            # kind's nodes run containerd 1.6: no user-namespaced pods, so bubblewrap's
            # fresh /proc needs a privileged container there (see the README)
            "sandbox": {"userNamespace": False, "privileged": True},
            "resources": {"requests": {"cpu": "100m", "memory": "256Mi"},
                          "limits": {"memory": "2Gi"}},
        }  # fmt: skip
        installed = run(
            [helm(), "install", name, CHART, "--kubeconfig", kubeconfig, "-n", namespace,
             "--wait", "--timeout", "15m", "-f", values_file(tmp, values)],
            timeout=1000,
            env={"HELM_CACHE_HOME": str(tmp / "helm"), "HELM_CONFIG_HOME": str(tmp / "helm")},
        )  # fmt: skip
        assert installed.ok, installed.stderr + _describe(kubeconfig, namespace)
        forward = Forward(kubeconfig, namespace, f"{name}-flightschool", port,
                          tmp / "port-forward.log")  # fmt: skip
        forward.ensure()
        yield Release(name, namespace, prefix, forward, kubeconfig)
    finally:
        if forward is not None:
            forward.stop()
        run([helm(), "uninstall", name, "--kubeconfig", kubeconfig, "-n", namespace,
             "--wait", "--timeout", "5m"], timeout=400)  # fmt: skip
        for ns in kube.list_objects("v1", "Namespace", None, f"{MANAGED_LABEL}=true"):
            if ns["metadata"]["name"].startswith(prefix):
                kube.delete("v1", "Namespace", ns["metadata"]["name"])
        kube.delete("v1", "Namespace", namespace)


def _describe(kubeconfig: Path, namespace: str) -> str:
    """Why the release is not Ready, most telling first: each app pod's state as the chart
    lab explains it (readiness.pod_state: waiting reason and message, crash log tail), the
    namespace's events, then the app pods and logs (a whole `describe pods` ran past the
    cut and hid the waiting message)."""
    kubectl = [_kubectl(), "--kubeconfig", kubeconfig, "-n", namespace]
    label = "app.kubernetes.io/name=flightschool"
    app = ["-l", label]
    kube = Kube(kubeconfig)
    states = "\n".join(
        f"{pod_state(kube, pod).describe()} (node {pod['spec'].get('nodeName')})"
        for pod in kube.list_objects("v1", "Pod", namespace, label)
    )
    events = run([*kubectl, "get", "events", "--sort-by=.lastTimestamp"], timeout=60)
    pods = run([*kubectl, "describe", "pods", *app], timeout=60)
    logs = run([*kubectl, "logs", *app, "--tail", "40"], timeout=60)
    return "\n".join(
        ["", states[-2000:], events.stdout[-3000:], pods.stdout[-3000:],
         logs.stdout[-2000:] + logs.stderr[-500:]]
    )  # fmt: skip


def _health(url: str) -> str:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=3) as response:
            return str(response.read().decode())
    except OSError:
        return ""


def test_every_replica_is_ready_and_serves_the_health_endpoint(release: Release) -> None:
    assert _health(release.url) == "ok"
    ready = release.kubectl(
        "get", "deploy", f"{release.name}-flightschool", "-o",
        "jsonpath={.status.readyReplicas}/{.spec.replicas}",
    )  # fmt: skip
    assert ready.stdout == "2/2", ready.stderr
    sandbox = release.kubectl("exec", f"deploy/{release.name}-flightschool", "--",
                              "python3", "-c",
                              "from flightschool.core.sandbox import bwrap_problem; "
                              "print(bwrap_problem() or 'sandbox ok')")  # fmt: skip
    assert sandbox.stdout.strip() == "sandbox ok", sandbox.stdout + sandbox.stderr


def test_a_learner_signs_in_by_link_and_the_app_makes_their_lab_namespace(
    release: Release, browser: Browser
) -> None:
    made = release.kubectl(
        "exec", f"deploy/{release.name}-flightschool", "--",
        "flightschool", "workshop", "create", "kt", "--learners", "1",
    )  # fmt: skip
    assert made.ok, made.stderr
    links = {line.split("\t")[0]: line.split("\t")[2] for line in made.stdout.splitlines()}
    assert links["kt-01"].startswith(f"{release.url}/?join=")

    tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        tab.goto(links["kt-01"].replace("/?join=", "/lab-01-first-pod?join="))
        expect(tab.get_by_text("Signed in as")).to_be_visible(timeout=60_000)
        assert "join=" not in tab.url
        expect(tab.get_by_text("cluster ready")).to_be_visible(timeout=60_000)
        tab.get_by_role("button", name="Start lab").click()
        expect(tab.get_by_test_id("console-input")).to_be_visible(timeout=90_000)
    except AssertionError:
        screenshot(tab, "deploy-kind-sign-in")
        raise

    kube = Kube(release.kubeconfig)
    owned = f"{MANAGED_LABEL}=true,lab.flightschool.io/owner=kt-01"
    labs = [
        n["metadata"]["name"]
        for n in kube.list_objects("v1", "Namespace", None, owned)
        if n["metadata"]["name"].startswith(release.prefix)
    ]
    assert labs, "the app made no lab namespace for the learner"
    binding = kube.get("rbac.authorization.k8s.io/v1", "RoleBinding", APP_BINDING, labs[0])
    assert binding is not None
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": f"{release.name}-flightschool",
         "namespace": release.namespace}
    ]  # fmt: skip


def test_a_forged_join_link_is_refused(release: Release, browser: Browser) -> None:
    tab = browser.new_context().new_page()
    tab.goto(f"{release.url}/?join=forged.token")
    expect(tab.get_by_text("This join link is not valid")).to_be_visible(timeout=60_000)
    expect(tab.get_by_text("Signed in as")).to_have_count(0)


def test_no_replica_restarted_while_learners_used_it(release: Release) -> None:
    """A restarted replica would drop its learners' sessions; the forward may restart, the
    app must not."""
    restarts = release.kubectl(
        "get", "pods", "-l", "app.kubernetes.io/name=flightschool", "-o",
        "jsonpath={range .items[*]}{.status.containerStatuses[0].restartCount} {end}",
    )  # fmt: skip
    assert restarts.ok, restarts.stderr
    assert set(restarts.stdout.split()) == {"0"}, _describe(release.kubeconfig, release.namespace)
