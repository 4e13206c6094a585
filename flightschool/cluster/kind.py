"""The kind backend: real containers in Docker, for labs where tasks must really run.

The worker nodes in `cluster/kind.yaml` are matched to the pools in `cluster/nodes.yaml`
in order: each gets its pool's labels and taints, and extended resources (nvidia.com/gpu)
are advertised by patching the node status, since kind nodes have no devices.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import yaml

from flightschool.cluster import images
from flightschool.cluster import nodes as node_pool
from flightschool.cluster.backend import (
    ClientCache,
    ClusterError,
    Progress,
    Status,
    node_summary,
)
from flightschool.cluster.kube import Kube, KubeError, segment
from flightschool.cluster.namespaces import reset_namespace
from flightschool.core import settings
from flightschool.core.paths import data_dir, project_root
from flightschool.core.proc import ToolError, run

NEEDS = (
    "the kind backend needs Docker with a running engine and the kind CLI: install Docker "
    "(https://docs.docker.com/engine/install/) and kind (`go install sigs.k8s.io/kind@latest`, "
    "or `flightschool images build --only kind` without a registry), "
    "or use the embedded backend (the default), which needs neither"
)
READY_TIMEOUT = 300.0


class KindCluster(ClientCache):
    name = "kind"
    simulated = False

    def __init__(self, cluster_name: str | None = None) -> None:
        self.cluster = cluster_name or settings.current().cluster_name
        self.state = data_dir() / "kind" / self.cluster

    def kubeconfig(self) -> Path:
        return self.state / "kubeconfig.yaml"

    def _tools(self) -> tuple[str, str]:
        """kind and docker, with an engine that answers; otherwise what is missing and what
        to do about it."""
        kind, docker = images.kind_binary(), shutil.which("docker")
        if not docker:
            raise ClusterError(f"Docker is not installed: {NEEDS}")
        if not kind:
            raise ClusterError(f"the kind CLI is not installed: {NEEDS}")
        try:
            info = run([docker, "info", "--format", "{{.ServerVersion}}"], timeout=20)
        except ToolError as exc:
            raise ClusterError(f"the Docker engine did not answer ({exc}): {NEEDS}") from exc
        if not info.ok:
            said = (info.stderr or info.stdout).strip().splitlines()
            raise ClusterError(
                f"the Docker engine is not running ({said[-1] if said else 'docker info failed'})"
                f": start it (`sudo systemctl start docker`, or Docker Desktop) and check with "
                f"`docker info`, or point DOCKER_HOST at a running engine; {NEEDS}"
            )
        return kind, docker

    def _exists(self, kind: str) -> bool:
        return self.cluster in run([kind, "get", "clusters"], timeout=30).stdout.split()

    def status(self) -> Status:
        st = Status("kind", self.cluster, False, False, kubeconfig=str(self.kubeconfig()))
        try:
            kind, _ = self._tools()
        except ClusterError as exc:
            st.problems.append(str(exc))
            return st
        st.exists = self._exists(kind)
        if not st.exists:
            st.problems.append(
                "the kind cluster has not been created: run `flightschool cluster up --backend kind`"
            )
            return st
        try:
            kube = Kube(self.kubeconfig(), timeout=5)
            st.server_version = kube.server_version()
            st.nodes = [node_summary(n) for n in kube.nodes()]
        except KubeError as exc:
            st.problems.append(f"API server: {exc}")
        if not st.problems and images.local_node_image() is not None:
            st.problems.extend(self.image_problems())
        st.healthy = not st.problems and all(n["ready"] for n in st.nodes)
        return st

    def image_problems(self, tags: list[str] | None = None) -> list[str]:
        """Kit images (or `tags`) missing from a node, by name, with how to fix it: without a
        registry a pod from a missing image never starts (ErrImagePull)."""
        try:
            missing = images.missing_on_nodes(self.cluster, tags)
        except images.ImageError as exc:
            return [str(exc)]
        return [
            f"image {', '.join(wanted)} is missing from node {node}: run `flightschool images "
            "build`, then `flightschool cluster up --backend kind` (it loads what is missing)"
            for node, wanted in sorted(missing.items())
        ]

    def up(self, progress: Progress = print, port: int | None = None) -> Status:
        pools = node_pool.load_pools()
        kind, _ = self._tools()
        self.state.mkdir(parents=True, exist_ok=True)
        if not self._exists(kind):
            config = self._config(port)
            progress(
                f"Creating kind cluster {self.cluster!r} (this pulls the node image the first time)"
            )
            result = run(
                [
                    kind,
                    "create",
                    "cluster",
                    "--name",
                    self.cluster,
                    "--config",
                    config,
                    "--kubeconfig",
                    self.kubeconfig(),
                    # no --wait: it covers the control plane only, and _wait_ready waits
                    # for every node (the control plane among them) while showing progress
                ],
                timeout=900,
            )
            if not result.ok:
                raise ClusterError(f"kind create cluster failed: {result.stderr.strip()[-500:]}")
        self.kubeconfig().chmod(0o600)
        kube = Kube(self.kubeconfig())
        self._wait_ready(kube, progress)
        self._shape_nodes(kube, pools)
        self._load_kit_images(progress)
        return self.status()

    @staticmethod
    def _configured_nodes() -> int:
        """How many nodes cluster/kind.yaml asks for (kind's default: one)."""
        source = project_root() / "cluster" / "kind.yaml"
        config = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        return len(config.get("nodes") or []) or 1

    def _wait_ready(self, kube: Kube, progress: Progress) -> None:
        """Wait for every node of the config to have registered and be Ready (a worker may
        register after the control plane is), saying how many are as that changes."""
        started = time.monotonic()
        expected = self._configured_nodes()
        waiting: list[str] = []
        said = -1
        while time.monotonic() - started < READY_TIMEOUT:
            try:
                nodes = [node_summary(n) for n in kube.nodes()]
            except KubeError:
                nodes = []
            waiting = [n["name"] for n in nodes if not n["ready"]]
            if len(nodes) < expected:
                waiting.append(f"{expected - len(nodes)} node(s) not registered yet")
            if nodes and not waiting:
                progress(f"all {len(nodes)} nodes Ready ({time.monotonic() - started:.0f} s)")
                return
            ready = sum(1 for n in nodes if n["ready"])
            if ready != said:
                progress(
                    f"{ready} of {expected} nodes Ready "
                    f"({time.monotonic() - started:.0f} s; a node is Ready once its network runs)"
                )
                said = ready
            time.sleep(1)
        raise ClusterError(
            f"nodes not Ready after {READY_TIMEOUT:.0f} s: {', '.join(waiting) or 'none listed'}; "
            f"see `kind export logs --name {self.cluster}`{_inotify_hint()}"
        )

    def _load_kit_images(self, progress: Progress) -> None:
        """Where the image kit built the workload images (no registry), put them on the nodes:
        the ones this cluster's nodes do not have yet (`flightschool images load` forces it)."""
        if images.local_node_image() is None:
            return  # official node image: the nodes pull what they need
        try:
            images.load(self.cluster, progress, only_missing=True)
        except images.ImageError as exc:
            progress(f"warning: {exc}")

    def _shape_nodes(self, kube: Kube, pools: node_pool.NodePools) -> None:
        workers = sorted(
            n["metadata"]["name"]
            for n in kube.nodes()
            if "node-role.kubernetes.io/control-plane" not in (n["metadata"].get("labels") or {})
        )
        if len(workers) < len(pools.pools):
            raise ClusterError(
                f"cluster/kind.yaml has {len(workers)} workers but nodes.yaml has {len(pools.pools)} pools"
            )
        for name, pool in zip(workers, pools.pools, strict=False):
            kube.raw(
                "PATCH",
                f"/api/v1/nodes/{segment(name)}",
                {
                    "metadata": {"labels": pool.labels},
                    "spec": {"taints": [t.model_dump() for t in pool.taints]},
                },
                content_type="application/merge-patch+json",
            )
            extended = {k: v for k, v in pool.capacity.items() if "/" in k}
            if extended:
                kube.raw(
                    "PATCH",
                    f"/api/v1/nodes/{segment(name)}/status",
                    {"status": {"capacity": extended, "allocatable": extended}},
                    content_type="application/merge-patch+json",
                )

    def _config(self, port: int | None) -> Path:
        """cluster/kind.yaml, with the API server's port when one was asked for and the node
        image when the image kit built it locally."""
        source = project_root() / "cluster" / "kind.yaml"
        node_image = images.local_node_image()
        if port is None and node_image is None:
            return source
        config = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        if port is not None:
            config.setdefault("networking", {})["apiServerPort"] = port
        if node_image is not None:
            shared = {
                "hostPath": str(images.shared_dir()),
                "containerPath": images.SHARED_MOUNT,
                "readOnly": True,
            }
            for node in config.get("nodes") or []:
                node["image"] = node_image
                node.setdefault("extraMounts", []).append(shared)
        self.state.mkdir(parents=True, exist_ok=True)
        target = self.state / "kind.yaml"
        target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        return target

    def down(self, purge: bool = False) -> None:
        self.forget_ready()
        kind, _ = self._tools()
        if self._exists(kind):
            run([kind, "delete", "cluster", "--name", self.cluster], timeout=300, check=True)
        if purge:
            shutil.rmtree(self.state, ignore_errors=True)

    def load_image(self, tag: str) -> str:
        """Put an image from the local Docker engine (a learner's build) on one worker of the
        general pool, and name that node: the pod that runs it goes there, and the other
        nodes are spared a copy of a large image."""
        node = f"{self.cluster}-worker"  # the first worker: the general pool (_shape_nodes)
        images.load(self.cluster, lambda _line: None, tags=[tag], nodes=[node])
        return node

    def lab_namespace(self, name: str) -> str:
        return name

    def reset_namespace(
        self, namespace: str, labels: dict[str, str] | None = None, *, owner: str | None = None
    ) -> None:
        reset_namespace(self.client(), namespace, labels, owner=owner)


# Every kind node runs its own systemd, containerd and kubelet, each holding inotify
# instances; kind's known issues name this limit when nodes of a second cluster never come up.
INOTIFY_INSTANCES = Path("/proc/sys/fs/inotify/max_user_instances")
INOTIFY_ENOUGH = 512


def _inotify_hint() -> str:
    try:
        limit = int(INOTIFY_INSTANCES.read_text().strip())
    except (OSError, ValueError):
        return ""
    if limit >= INOTIFY_ENOUGH:
        return ""
    return (
        f". This machine allows {limit} inotify instances per user, too few for many kind "
        f"nodes (other kind clusters count too): `sudo sysctl fs.inotify.max_user_instances="
        f"{INOTIFY_ENOUGH}`, or delete the clusters you do not use (`kind get clusters`)"
    )
