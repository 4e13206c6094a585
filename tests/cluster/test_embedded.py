"""The embedded control plane behaves like Kubernetes: admission, RBAC, scheduling, outcomes."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import ssl
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from flightschool.cluster.backend import ClusterError
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube, KubeError, wait_until
from flightschool.cluster.nodes import ClusterConfigError
from flightschool.cluster.toolchain import ToolchainError
from flightschool.core.proc import pid_alive, spawn
from tests.cluster_fixtures import component_port, pod

pytestmark = pytest.mark.cluster

GPU_TOLERATION = {
    "key": "nvidia.com/gpu",
    "operator": "Equal",
    "value": "present",
    "effect": "NoSchedule",
}


def get_pod(kube: Kube, ns: str, name: str) -> dict[str, Any]:
    found = kube.get("v1", "Pod", name, ns)
    assert found is not None
    return found


def wait_pod(kube: Kube, ns: str, name: str, check: Any, timeout: float = 30) -> dict[str, Any]:
    result = wait_until(lambda: (p := get_pod(kube, ns, name)) and check(p) and p, timeout, 0.2)
    assert result, (
        f"pod {name} never reached the expected state: {get_pod(kube, ns, name).get('status')}"
    )
    return result  # type: ignore[no-any-return]


def terminated(p: dict[str, Any]) -> dict[str, Any] | None:
    statuses = p.get("status", {}).get("containerStatuses") or [{}]
    return statuses[0].get("state", {}).get("terminated")


def node_of(kube: Kube, name: str) -> dict[str, str]:
    node = kube.get("v1", "Node", name)
    assert node is not None
    labels: dict[str, str] = node["metadata"]["labels"]
    return labels


def test_server_reports_the_pinned_version(embedded: EmbeddedCluster, kube: Kube) -> None:
    assert kube.server_version() == "v1.36.3"
    status = embedded.status()
    assert status.healthy and {n["name"] for n in status.nodes} >= {"gpu-1", "data-1", "small-1"}
    assert oct(embedded.kubeconfig().stat().st_mode & 0o777) == "0o600"


def test_gpu_pod_with_toleration_lands_on_the_gpu_pool(kube: Kube, namespace: str) -> None:
    gpu = {"limits": {"nvidia.com/gpu": "1"}, "requests": {"nvidia.com/gpu": "1"}}
    kube.create(
        pod(
            "train",
            resources=gpu,
            restart="Always",
            tolerations=[GPU_TOLERATION],
            nodeSelector={"gpu": "true"},
        ),
        namespace,
    )
    placed = wait_pod(kube, namespace, "train", lambda p: p["spec"].get("nodeName"))
    assert node_of(kube, placed["spec"]["nodeName"])["gpu"] == "true"


def test_gpu_pod_without_toleration_stays_pending_with_a_taint_event(
    kube: Kube, namespace: str
) -> None:
    kube.create(
        pod("train", resources={"limits": {"nvidia.com/gpu": "1"}}, nodeSelector={"gpu": "true"}),
        namespace,
    )

    def failed_scheduling() -> list[dict[str, Any]]:
        return [e for e in kube.events(namespace, "train") if e.get("reason") == "FailedScheduling"]

    events = wait_until(failed_scheduling, 30, 0.2)
    assert events, "no FailedScheduling event"
    # Kubernetes 1.36 counts untolerated taints in the message; it no longer quotes the key.
    assert "1 node(s) had untolerated taint(s)" in events[-1]["message"]
    assert get_pod(kube, namespace, "train")["status"]["phase"] == "Pending"


def test_gpu_request_different_from_limit_is_refused(kube: Kube, namespace: str) -> None:
    bad = {"limits": {"nvidia.com/gpu": "2"}, "requests": {"nvidia.com/gpu": "1"}}
    with pytest.raises(KubeError) as caught:
        kube.create(pod("train", resources=bad), namespace, dry_run=True)
    assert caught.value.status == 422 and "must be equal to nvidia.com/gpu limit" in str(
        caught.value
    )


def test_resource_quota_refuses_over_quota_and_unsized_pods(kube: Kube, namespace: str) -> None:
    kube.create(
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "q"},
            "spec": {
                "hard": {"requests.cpu": "1", "requests.memory": "1Gi", "limits.memory": "2Gi"}
            },
        },
        namespace,
    )
    wait_until(
        lambda: (
            (kube.get("v1", "ResourceQuota", "q", namespace) or {}).get("status", {}).get("hard")
        ),
        10,
    )
    with pytest.raises(KubeError, match="must specify"):
        kube.create(pod("unsized"), namespace)
    big = {"requests": {"cpu": "2", "memory": "512Mi"}, "limits": {"memory": "512Mi"}}
    with pytest.raises(KubeError, match="exceeded quota"):
        kube.create(pod("big", resources=big), namespace)
    fits = {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}}
    kube.create(pod("fits", resources=fits), namespace)


def test_pod_security_restricted_refuses_a_privileged_pod(
    kube: Kube, embedded: EmbeddedCluster, namespace: str
) -> None:
    embedded.reset_namespace(namespace, {"pod-security.kubernetes.io/enforce": "restricted"})
    privileged = pod("root", securityContext={})
    privileged["spec"]["containers"][0]["securityContext"] = {"privileged": True}  # type: ignore[index]
    with pytest.raises(KubeError, match="violates PodSecurity"):
        kube.create(privileged, namespace)


def test_subject_access_review_follows_rbac(kube: Kube, namespace: str) -> None:
    kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "reader"}}, namespace
    )
    kube.create(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "pods"},
            "rules": [
                {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]}
            ],
        },
        namespace,
    )
    kube.create(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "pods"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pods"},
            "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": namespace}],
        },
        namespace,
    )
    user = f"system:serviceaccount:{namespace}:reader"
    # the authorizer sees a new binding moments after it is stored
    assert wait_until(lambda: kube.can_i("list", "pods", namespace, user=user)[0], 10, 0.05)
    assert kube.can_i("get", "pods", namespace, user=user, subresource="log")[0]
    assert not kube.can_i("delete", "pods", namespace, user=user)[0]
    assert not kube.can_i("list", "pods", "default", user=user)[0]


def test_deployment_pods_run_and_a_job_completes(kube: Kube, namespace: str) -> None:
    kube.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
                },
            },
        },
        namespace,
    )
    kube.create(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "once"},
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "m", "image": "busybox:1.37"}],
                    }
                }
            },
        },
        namespace,
    )

    def running() -> bool:
        pods = kube.list_objects("v1", "Pod", namespace, "app=web")
        return len(pods) == 2 and all(p["status"].get("phase") == "Running" for p in pods)

    assert wait_until(running, 30, 0.2)
    done = wait_until(
        lambda: (
            (kube.get("batch/v1", "Job", "once", namespace) or {})
            .get("status", {})
            .get("succeeded")
        ),
        30,
        0.2,
    )
    assert done == 1


@pytest.mark.parametrize(
    ("annotations", "restart", "expect"),
    [
        ({}, "Never", ("Succeeded", 0, "Completed")),
        (
            {"lab.flightschool.io/outcome": "fail", "lab.flightschool.io/exit-code": "3"},
            "Never",
            ("Failed", 3, "Error"),
        ),
        ({"lab.flightschool.io/outcome": "oomkilled"}, "Never", ("Failed", 137, "OOMKilled")),
    ],
)
def test_run_to_completion_outcomes(
    kube: Kube,
    namespace: str,
    annotations: dict[str, str],
    restart: str,
    expect: tuple[str, int, str],
) -> None:
    annotations = {**annotations, "lab.flightschool.io/run-duration": "500ms"}
    kube.create(pod("p", restart=restart, annotations=annotations), namespace)
    done = wait_pod(
        kube, namespace, "p", lambda p: p["status"].get("phase") in ("Succeeded", "Failed")
    )
    state = terminated(done)
    assert state is not None
    assert (done["status"]["phase"], state["exitCode"], state["reason"]) == expect


def test_crashloop_restarts_keep_rising(kube: Kube, namespace: str) -> None:
    annotations = {
        "lab.flightschool.io/outcome": "crashloop",
        "lab.flightschool.io/run-duration": "200ms",
    }
    kube.create(pod("crash", restart="Always", annotations=annotations), namespace)

    def restarts(p: dict[str, Any]) -> bool:
        status = (p["status"].get("containerStatuses") or [{}])[0]
        return (
            status.get("restartCount", 0) >= 2
            and status["state"].get("waiting", {}).get("reason") == "CrashLoopBackOff"
        )

    wait_pod(kube, namespace, "crash", restarts, timeout=45)


def test_unpullable_image_ends_in_image_pull_backoff(kube: Kube, namespace: str) -> None:
    kube.create(pod("pull", image="python:3.12-slimm"), namespace)

    def backoff(p: dict[str, Any]) -> bool:
        status = (p["status"].get("containerStatuses") or [{}])[0]
        return status.get("state", {}).get("waiting", {}).get("reason") == "ImagePullBackOff"

    final = wait_pod(kube, namespace, "pull", backoff)
    assert final["status"]["phase"] == "Pending"


def test_oom_by_spec_and_its_fixed_twin_end_differently(kube: Kube, namespace: str) -> None:
    peak = {"lab.flightschool.io/memory-peak": "600Mi", "lab.flightschool.io/run-duration": "500ms"}
    kube.create(
        pod("small", annotations=peak, resources={"limits": {"memory": "512Mi"}}), namespace
    )
    kube.create(pod("fixed", annotations=peak, resources={"limits": {"memory": "1Gi"}}), namespace)
    finished = {"Succeeded", "Failed"}
    small = wait_pod(kube, namespace, "small", lambda p: p["status"].get("phase") in finished)
    fixed = wait_pod(kube, namespace, "fixed", lambda p: p["status"].get("phase") in finished)
    assert (terminated(small) or {}).get("reason") == "OOMKilled"
    assert fixed["status"]["phase"] == "Succeeded"


def test_logs_of_a_completed_pod_are_served(kube: Kube, namespace: str) -> None:
    kube.create(
        pod(
            "talk",
            annotations={
                "lab.flightschool.io/logs": "loaded 42 rows\ndone",
                "lab.flightschool.io/run-duration": "300ms",
            },
        ),
        namespace,
    )
    wait_pod(kube, namespace, "talk", lambda p: p["status"].get("phase") == "Succeeded")
    logs = kube.raw("GET", f"/api/v1/namespaces/{namespace}/pods/talk/log")
    assert logs == "loaded 42 rows\ndone\n"


def test_components_listen_on_loopback_only(embedded: EmbeddedCluster) -> None:
    pids = {c["pid"] for c in embedded.status().components if c["pid"]}
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = str(fd.readlink()) if fd.is_symlink() else ""
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                listening.append(fields[1].split(":")[0])
    assert listening, "found no listening sockets of the cluster"
    loopback = {"0100007F", "00000000000000000000000001000000"}
    assert set(listening) <= loopback, f"non-loopback listeners: {listening}"


def test_a_dead_component_is_reported_and_restarted_keeping_data(
    embedded: EmbeddedCluster, kube: Kube
) -> None:
    kube.ensure_namespace("keep-me")
    scheduler = next(c for c in embedded.status().components if c["name"] == "kube-scheduler")
    os.kill(scheduler["pid"], 9)
    assert wait_until(
        lambda: "kube-scheduler is not running" in embedded.status().problems, 10, 0.1
    )
    status = embedded.up(progress=lambda _m: None)
    assert status.healthy
    kube = Kube(embedded.kubeconfig())
    assert kube.namespace_exists("keep-me")
    # the restarted scheduler and controllers work at once (no leader lease to wait out)
    assert wait_until(lambda: kube.get("v1", "ServiceAccount", "default", "keep-me"), 10, 0.1)
    kube.create(pod("after-restart"), "keep-me")
    wait_pod(
        kube,
        "keep-me",
        "after-restart",
        lambda p: p["status"].get("phase") == "Succeeded",
        timeout=15,
    )


def test_warm_up_reuses_the_healthy_cluster(embedded: EmbeddedCluster) -> None:
    before = {c["name"]: c["pid"] for c in embedded.status().components}
    embedded.up(progress=lambda _m: None)
    assert {c["name"]: c["pid"] for c in embedded.status().components} == before


def test_a_stale_lock_does_not_block_up(embedded: EmbeddedCluster, tmp_path: Path) -> None:
    """A `cluster up` killed while holding the lock leaves its lock file behind; the next
    `up` must not wait for it (a pid-file lock would, until its timeout)."""
    lock = embedded.state / "up.lock"
    holder = (
        "import fcntl, os, sys, time\n"
        f"f = open({str(lock)!r}, 'a+')\n"
        "fcntl.flock(f, fcntl.LOCK_EX)\n"
        "f.seek(0); f.truncate(); f.write(f'pid {os.getpid()}'); f.flush()\n"
        "time.sleep(120)\n"
    )
    pid = spawn([sys.executable, "-c", holder], log_file=tmp_path / "holder.log")

    def held() -> bool:
        with lock.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    assert wait_until(held, 30, 0.05), "the holder never took the lock"
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not pid_alive(pid), 10, 0.05)
    assert lock.read_text().startswith("pid "), "the dead holder's lock file is still there"
    started = time.monotonic()
    assert embedded.up(progress=lambda _m: None).healthy
    assert time.monotonic() - started < 20


def test_a_held_lock_gives_a_clear_message(
    embedded: EmbeddedCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = embedded.state / "up.lock"
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        monkeypatch.setattr("flightschool.cluster.embedded.LOCK_WAIT", 0.5)
        with pytest.raises(ClusterError, match="another `cluster up`"):
            embedded.up(progress=lambda _m: None)


def test_port_in_use_is_a_clear_error(embedded: EmbeddedCluster) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ClusterError, match=f"port {port} on 127.0.0.1 is in use"):
            embedded.up(progress=lambda _m: None, port=port)


def test_malformed_nodes_file_names_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "course"
    (root / "cluster").mkdir(parents=True)
    (root / "cluster" / "nodes.yaml").write_text(
        "pools:\n  - name: gpu\n    count: 1\n    capacity: {cpu: lots, memory: 1Gi}\n"
    )
    monkeypatch.setenv("FLIGHTSCHOOL_CONTENT_DIR", str(root))
    with pytest.raises(
        ClusterConfigError, match=r"nodes.yaml:4: .*'lots' is not a Kubernetes quantity"
    ):
        EmbeddedCluster("never-created").up(progress=lambda _m: None)


def test_missing_binary_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_TOOLCHAIN_BIN", str(tmp_path))
    with pytest.raises(ToolchainError, match="lacks: kube-apiserver"):
        EmbeddedCluster("never-created").up(progress=lambda _m: None)


def test_every_binary_comes_from_a_local_path(embedded: EmbeddedCluster) -> None:
    """kwokctl's dry run prints a `# Download SRC to DEST` line per binary: none may be a URL."""
    import re

    from flightschool.cluster import toolchain
    from flightschool.core.proc import run

    tc = toolchain.ensure(lambda _m: None)
    args = ["-c", str(embedded.state / "kwokctl.yaml")]
    for stage in toolchain.default_stage_files(tc):
        args += ["-c", str(stage)]
    env = {"KWOK_WORKDIR": str(embedded.state / "dry-run"), "PATH": str(tc.path("kubectl").parent)}
    result = run(
        [tc.path("kwokctl"), *args, "create", "cluster", "--name", "dry", "--dry-run"],
        timeout=60,
        env=env,
    )
    sources = re.findall(r"^# Download (\S+) to ", result.stdout, re.MULTILINE)
    assert len(sources) >= 5, result.stdout[-500:]
    assert all(s.startswith("/") for s in sources), sources
    assert "http" not in " ".join(sources)


def test_credentials_on_disk_are_owner_only(embedded: EmbeddedCluster) -> None:
    import stat

    keys = sorted(embedded.cluster_dir.rglob("*.key"))
    assert keys, "the cluster keeps no private keys where expected"
    for path in [embedded.kubeconfig(), *keys]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((embedded.cluster_dir / "pki").stat().st_mode) == 0o700


def test_the_controllers_labs_rely_on_run(kube: Kube, namespace: str) -> None:
    """The controller manager runs a chosen list of controllers, not all of them: the ones
    labs and the chart depend on must still act (see cluster/component_flags.py)."""
    kube.create(
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "q"},
            "spec": {"hard": {"configmaps": "10"}},
        },
        namespace,
    )
    kube.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, namespace)
    volume = f"{namespace}-data"
    kube.create(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": volume},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteOnce"],
                "hostPath": {"path": "/tmp/data"},
                "storageClassName": "manual",
                "claimRef": {"namespace": namespace, "name": "data"},
            },
        }
    )
    try:
        kube.create(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data"},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": "manual",
                    "resources": {"requests": {"storage": "1Gi"}},
                },
            },
            namespace,
        )
        kube.create(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web"},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
                    },
                },
            },
            namespace,
        )

        def quota_counts() -> bool:
            found = kube.get("v1", "ResourceQuota", "q", namespace) or {}
            return (found.get("status") or {}).get("used", {}).get("configmaps") is not None

        assert wait_until(quota_counts, 30, 0.2), "resourcequota controller: no usage"
        bound = wait_until(
            lambda: (
                (kube.get("v1", "PersistentVolumeClaim", "data", namespace) or {})
                .get("status", {})
                .get("phase")
                == "Bound"
            ),
            30,
            0.2,
        )
        assert bound, "persistentvolume-binder controller: the claim was not bound"
        edit = kube.get("rbac.authorization.k8s.io/v1", "ClusterRole", "edit") or {}
        assert edit.get("rules"), "clusterrole-aggregation controller: edit has no rules"
        assert wait_until(lambda: kube.list_objects("v1", "Pod", namespace, "app=web"), 30, 0.2), (
            "deployment and replicaset controllers: no pod"
        )
        kube.delete("apps/v1", "Deployment", "web", namespace)
        gone = wait_until(
            lambda: (
                not kube.list_objects("apps/v1", "ReplicaSet", namespace)
                and not kube.list_objects("v1", "Pod", namespace, "app=web")
            ),
            30,
            0.2,
        )
        assert gone, "garbage collector: the Deployment's ReplicaSet or pod was left behind"
    finally:
        kube.delete("v1", "PersistentVolume", volume)


def test_the_api_server_runs_with_the_patched_environment(embedded: EmbeddedCluster) -> None:
    """kwokctl hands each component the environment component_flags.py patches in: the API
    server collects its heap at GOGC=50 (what keeps the cluster's memory down)."""
    component = next(c for c in embedded.status().components if c["name"] == "kube-apiserver")
    environ = Path(f"/proc/{component['pid']}/environ").read_bytes().split(b"\0")
    assert b"GOGC=50" in environ


def test_the_api_server_is_back_at_its_gogc_once_it_serves(kube: Kube) -> None:
    """The launcher (startgc.go) relaxes the API server's collector only while it starts; a
    server left relaxed would hold several times the heap it needs."""
    metrics = kube.raw("GET", "/metrics", content_type="text/plain")
    [gogc] = [
        line.split()[1] for line in metrics.splitlines() if line.startswith("go_gc_gogc_percent ")
    ]
    assert float(gogc) == 50


def test_the_control_plane_runs_one_executable_under_five_names(
    embedded: EmbeddedCluster,
) -> None:
    """Shared code pages count once: what keeps the cluster near 350 MB instead of 450."""
    components = [c for c in embedded.status().components if c["name"] != "outcome-watcher"]
    executables = {Path(f"/proc/{c['pid']}/exe").resolve() for c in components}
    assert len(components) == 5 and all(c["alive"] for c in components)
    assert [e.name for e in executables] == ["controlplane"], executables


def test_the_cluster_keeps_its_data_under_a_prefix_of_its_own(embedded: EmbeddedCluster) -> None:
    """An API server of an earlier cluster that reaches this cluster's etcd sees none of it."""
    component = next(c for c in embedded.status().components if c["name"] == "kube-apiserver")
    args = Path(f"/proc/{component['pid']}/cmdline").read_bytes().decode().split("\0")
    [prefix] = [a.removeprefix("--etcd-prefix=") for a in args if a.startswith("--etcd-prefix=")]
    assert prefix.startswith("/flightschool/") and len(prefix) > len("/flightschool/") + 8


@pytest.mark.parametrize("name", ["kube-controller-manager", "kube-scheduler"])
def test_the_controllers_and_the_scheduler_serve_with_the_clusters_certificate(
    embedded: EmbeddedCluster, name: str
) -> None:
    """Given a certificate, they make no RSA keys of their own as they start (which held
    up the first ServiceAccounts by 0.1 to 0.3 s)."""
    context = ssl.create_default_context(cafile=embedded.cluster_dir / "pki" / "ca.crt")
    context.check_hostname = False  # the certificate names 127.0.0.1; the CA is what counts
    port = component_port(embedded, name)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw) as tls,
    ):
        served = tls.getpeercert(binary_form=True)
    expected = ssl.PEM_cert_to_DER_cert((embedded.cluster_dir / "pki" / "admin.crt").read_text())
    assert served == expected
