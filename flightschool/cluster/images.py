"""The air-gapped image kit: every image the kind labs need, built without a registry.

Workshops behind a firewall cannot pull kindest/node, registry.k8s.io or apache/airflow.
This kit builds images under those names from Debian packages (debootstrap), PyPI wheels
(downloaded on the host, installed with --no-index) and Go modules only. Pins live in
`cluster/images/pins.yaml`; the Kubernetes binaries come from the lab toolchain's module
graph. Each step is cached under a key made of its pins, its templates and the keys of the
steps it needs, so a warm `images build` only checks keys and images.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from flightschool.cluster import toolchain, trust
from flightschool.core.errors import EnvironmentProblem
from flightschool.core.locks import exclusive
from flightschool.core.paths import cache_dir, project_root
from flightschool.core.proc import ToolError, run, stream

STEP_TIMEOUT = 3600.0
# Debian packages of the kit's plain rootfs (task pods, Airflow, kube-proxy, the CNI stand-in)
DEBIAN_PACKAGES = (
    "python3,python3-pip,ca-certificates,iptables,nftables,conntrack,ipset,iproute2,curl,jq,"
    "procps,dumb-init"
)
# The nodes' own pods (kube-proxy, the kindnetd stand-in, local-path) on a smaller rootfs:
# every node unpacks these images when it joins, all nodes at once, and a node is not Ready
# before its network pod runs. Without Python, pip and Debian's documentation the unpack
# is about half as large.
NODE_PACKAGES = "ca-certificates,iptables,nftables,conntrack,ipset,iproute2,curl,jq"
NODE_STRIP = ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale")
# Debian's equivalents of what kind's images/base installs or builds (containerd, runc, CNI)
KIND_BASE_PACKAGES = (
    "systemd,conntrack,iptables,nftables,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,"
    "pigz,fuse-overlayfs,e2fsprogs,bash,ca-certificates,curl,jq,procps,containerd,runc,"
    "containernetworking-plugins"
)
# Rootfs of the services the chart lab provides or the chart renders besides Airflow: Debian's
# PostgreSQL for the metadata database, git for git-sync and the lab's in-cluster DAG repository
SERVICE_PACKAGES = {
    "postgres": "postgresql,ca-certificates,dumb-init",
    "git": "git,socat,ca-certificates,dumb-init,procps",
}
KUBE_NODE_BINARIES = ("kubelet", "kubeadm", "kube-proxy")
CONTROL_PLANE = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")


class ImageError(EnvironmentProblem, RuntimeError):
    pass


def images_dir() -> Path:
    return project_root() / "cluster" / "images"


@dataclass(frozen=True)
class Pins:
    suite: str
    mirror: str
    go: dict[str, str]  # name -> module@version
    requirements: tuple[str, ...]
    names: dict[str, tuple[str, ...]]

    def module(self, name: str) -> tuple[str, str]:
        path, _, version = self.go[name].partition("@")
        return path, version

    def name(self, key: str) -> str:
        return self.names[key][0]


def load_pins(path: Path | None = None) -> Pins:
    """Read and check pins.yaml; a bad file names the field that is wrong."""
    source = path or images_dir() / "pins.yaml"
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ImageError(f"{source}: {exc}") from exc

    def need(section: str, key: str) -> Any:
        value = (data or {}).get(section, {})
        if not isinstance(value, dict) or key not in value:
            raise ImageError(f"{source}: `{section}.{key}` is missing")
        return value[key]

    suite, mirror = str(need("debian", "suite")), str(need("debian", "mirror"))
    need("go", "kind")
    go = {str(k): str(v) for k, v in data["go"].items()}
    for key in ("kind", "coredns", "statsd-exporter"):
        if not re.fullmatch(r"[\w./-]+@v[\w.+-]+", go.get(key, "")):
            raise ImageError(f"{source}: `go.{key}` must be module@version, got {go.get(key)!r}")
    requirements = need("python", "requirements")
    if not isinstance(requirements, list) or not all("==" in str(r) for r in requirements):
        raise ImageError(f"{source}: `python.requirements` must list name==version pins")
    names: dict[str, tuple[str, ...]] = {}
    for key, value in (data.get("names") or {}).items():
        tags = tuple(value) if isinstance(value, list) else (str(value),)
        names[str(key)] = tags
    for key in (
        "node",
        "base",
        "debian",
        "pause",
        "etcd",
        "coredns",
        "kindnetd",
        "local-path-provisioner",
        "local-path-helper",
        "airflow",
        "python",
        "postgres",
        "statsd-exporter",
        "git-sync",
    ):
        if key not in names:
            raise ImageError(f"{source}: `names.{key}` is missing")
    return Pins(
        suite=suite,
        mirror=mirror,
        go=go,
        requirements=tuple(str(r) for r in requirements),
        names=names,
    )


@dataclass
class Context:
    """What every step gets: the pins, folders, tools and the log of the current step."""

    pins: Pins
    root: Path  # cache_dir()/images
    progress: Callable[[str], None]
    log: Path = field(default_factory=Path)
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def work(self) -> Path:
        return self.root / "work"

    def bin(self, step: str) -> Path:
        return self.root / "bin" / f"{step}-{self.keys[step][:12]}"

    def sh(
        self,
        args: list[str | os.PathLike[str]],
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        """Run one program of a step; its output goes to the step's log."""
        with self.log.open("a", encoding="utf-8") as log:
            log.write("$ " + " ".join(os.fspath(a) for a in args) + "\n")
        code = stream(
            args, timeout=STEP_TIMEOUT, cwd=cwd, env=env, on_line=lambda _l: None, log_file=self.log
        )
        if code != 0:
            raise ImageError(f"{Path(os.fspath(args[0])).name} exited with {code}")


@dataclass(frozen=True)
class Step:
    name: str
    what: str
    needs: tuple[str, ...]
    inputs: Callable[[Pins], list[str]]  # pins and template files that key this step
    build: Callable[[Context], None]
    tags: Callable[[Pins], tuple[str, ...]] = lambda _p: ()
    loaded: bool = False  # `images load` puts it into the kind nodes


def _docker() -> str:
    found = shutil.which("docker")
    if not found:
        raise ImageError(
            "Docker is not installed: install it (Debian: apt-get install docker.io; "
            "for tests: scripts/docker.sh start) and run again"
        )
    return found


def _engine() -> str:
    """docker, with a running engine (checked once per command)."""
    docker = _docker()
    try:
        answered = run([docker, "info", "--format", "{{.ServerVersion}}"], timeout=30).ok
    except ToolError:
        answered = False
    if not answered:
        raise ImageError(
            "Docker is installed but its engine does not answer: start it (or, for tests, "
            '`scripts/docker.sh start` then `eval "$(scripts/docker.sh env)"`) and run again'
        )
    return docker


def _go() -> str:
    go = toolchain._go_binary()
    if go is None:
        raise ImageError(
            f"Go >= {toolchain.MIN_GO[0]}.{toolchain.MIN_GO[1]} is needed to build the kit's "
            "Go binaries"
        )
    return go


GO_ENV = {"CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": "-buildvcs=false -mod=readonly"}


def _files(folder: str) -> list[str]:
    base = images_dir() / folder
    return [
        f"{p.relative_to(images_dir())}:{_digest_file(p)}"
        for p in sorted(base.rglob("*"))
        if p.is_file()
    ]


def _digest_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _context_dir(ctx: Context, name: str, template: str | None = None) -> Path:
    folder = ctx.work / name
    shutil.rmtree(folder, ignore_errors=True)
    if template:
        shutil.copytree(images_dir() / template, folder)
    else:
        folder.mkdir(parents=True)
    return folder


def _docker_build(
    ctx: Context,
    folder: Path,
    tags: tuple[str, ...],
    args: dict[str, str] | None = None,
    dockerfile: str = "Dockerfile",
) -> None:
    argv: list[str | os.PathLike[str]] = [
        _docker(),
        "build",
        "--force-rm",  # a failed step's container is removed too
        "--network",
        "none",
        "-f",
        folder / dockerfile,
    ]
    for key, value in (args or {}).items():
        argv += ["--build-arg", f"{key}={value}"]
    for tag in tags:
        argv += ["-t", tag]
    ctx.sh([*argv, folder], env={"DOCKER_BUILDKIT": "0"})


def _static_image(
    ctx: Context,
    name: str,
    binary: Path,
    tags: tuple[str, ...],
    base: str = "scratch",
    dest: str = "/usr/local/bin",
    entrypoint: str | None = None,
) -> None:
    """An image holding one program (a static binary, or one that needs `base`'s tools)."""
    folder = _context_dir(ctx, name)
    shutil.copy2(binary, folder / binary.name)
    lines = [
        f"FROM {base}",
        f"COPY {binary.name} {dest}/{binary.name}",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ]
    if entrypoint:
        lines.append(f'ENTRYPOINT ["{entrypoint}"]')
    (folder / "Dockerfile").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _docker_build(ctx, folder, tags)


def _debootstrap(
    ctx: Context, name: str, packages: str, tag: str, strip: tuple[str, ...] = ()
) -> None:
    """A Debian rootfs from the pinned suite, imported as an image (no registry needed);
    `strip` names folders of the rootfs left out of the image."""
    if not shutil.which("debootstrap"):
        raise ImageError("debootstrap is not installed (Debian: apt-get install debootstrap)")
    rootfs = ctx.work / f"{name}-rootfs"
    debs = ctx.root / "debs" / name
    debs.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(rootfs, ignore_errors=True)
    ctx.sh(
        [
            "nice",
            "-n",
            "10",
            "debootstrap",
            "--variant=minbase",
            f"--cache-dir={debs}",
            f"--include={packages}",
            ctx.pins.suite,
            rootfs,
            ctx.pins.mirror,
        ]
    )
    # the apt lists and caches are not needed in an image without network
    for leftover in ("var/lib/apt/lists", "var/cache/apt", *strip):
        shutil.rmtree(rootfs / leftover, ignore_errors=True)
    archive = ctx.work / f"{name}-rootfs.tar"
    ctx.sh(["tar", "--numeric-owner", "-C", rootfs, "-cf", archive, "."])
    ctx.sh(
        [
            _docker(),
            "import",
            "--change",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            archive,
            tag,
        ]
    )
    archive.unlink()
    shutil.rmtree(rootfs, ignore_errors=True)


def _module_dir(go: str, module: str, cwd: Path | None = None) -> Path:
    """A module's source in the Go module cache (downloaded if needed)."""
    listing = run(
        [go, "mod", "download", "-json", module],
        timeout=600,
        cwd=cwd,
        env={"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}
        if cwd is None
        else {"GOTOOLCHAIN": "local"},
    )
    try:
        return Path(json.loads(listing.stdout)["Dir"])
    except (ValueError, KeyError) as exc:
        raise ImageError(
            f"go mod download {module} failed: {listing.stderr.strip()[-300:]}"
        ) from exc


# --- steps ---------------------------------------------------------------------------------


def _build_kube_binaries(ctx: Context) -> None:
    """kubelet, kubeadm and kube-proxy in one `go build` from the toolchain's module graph:
    the toolchain's go.mod, its go.sum plus node-binaries.go.sum (checksums of the modules
    only these three import)."""
    go = _go()
    module = _context_dir(ctx, "kube-module")
    shutil.copy2(toolchain.toolchain_dir() / "go.mod", module / "go.mod")
    sums = (toolchain.toolchain_dir() / "go.sum").read_text(encoding="utf-8")
    sums += (images_dir() / "node-binaries.go.sum").read_text(encoding="utf-8")
    (module / "go.sum").write_text(sums, encoding="utf-8")
    versions = toolchain.read_versions()
    out = ctx.bin("kube-binaries")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    flags = toolchain.ldflags(versions, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    packages = [f"k8s.io/kubernetes/cmd/{b}" for b in KUBE_NODE_BINARIES]
    ctx.sh(
        [
            "nice",
            "-n",
            "10",
            go,
            "build",
            "-trimpath",
            "-tags",
            "selinux,notest,grpcnotrace",
            "-ldflags",
            flags,
            "-o",
            f"{out}/",
            *packages,
        ],
        cwd=module,
        env=GO_ENV,
    )


def _go_install(ctx: Context, step: str, module_at: str, packages: list[str]) -> Path:
    out = ctx.bin(step)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    version = module_at.partition("@")[2]
    ctx.sh(
        [
            "nice",
            "-n",
            "10",
            _go(),
            "install",
            "-trimpath",
            "-ldflags",
            "-s -w",
            *[f"{p}@{version}" for p in packages],
        ],
        cwd=ctx.work,
        env={**GO_ENV, "GOFLAGS": "-buildvcs=false", "GOBIN": str(out)},
    )
    return out


def _build_kind(ctx: Context) -> None:
    path, _ = ctx.pins.module("kind")
    _go_install(ctx, "kind", ctx.pins.go["kind"], [path])


def _build_debian(ctx: Context) -> None:
    _debootstrap(ctx, "debian", DEBIAN_PACKAGES, _debian_tag(ctx.pins))


def _debian_tag(pins: Pins) -> str:
    return f"{pins.name('debian')}:{pins.suite}"


def _build_node_debian(ctx: Context) -> None:
    _debootstrap(ctx, "node-debian", NODE_PACKAGES, _node_debian_tag(ctx.pins), NODE_STRIP)


def _node_debian_tag(pins: Pins) -> str:
    return f"{pins.name('debian')}-node:{pins.suite}"


def _build_kind_base(ctx: Context) -> None:
    folder = _context_dir(ctx, "kind-base", "kind-base")
    path, version = ctx.pins.module("kind")
    kind_src = _module_dir(_go(), f"{path}@{version}")
    shutil.copytree(kind_src / "images" / "base" / "files", folder / "kind-files")
    for item in (folder / "kind-files").rglob("*"):  # the module cache is read-only
        item.chmod(0o755 if item.is_dir() else 0o644)
    _docker_build(
        ctx,
        folder,
        _base_tags(ctx.pins),
        {"ROOTFS": _rootfs_tag(ctx.pins), "SANDBOX_IMAGE": ctx.pins.name("pause")},
    )


def _build_kind_rootfs(ctx: Context) -> None:
    _debootstrap(ctx, "kind-base", KIND_BASE_PACKAGES, _rootfs_tag(ctx.pins))


def _rootfs_tag(pins: Pins) -> str:
    return f"{pins.name('base')}-rootfs:{pins.suite}"


def _base_tags(pins: Pins) -> tuple[str, ...]:
    return (f"{pins.name('base')}:{pins.module('kind')[1]}",)


def _build_pause(ctx: Context) -> None:
    """pause from its C source in the Kubernetes module, linked statically."""
    gcc = shutil.which("gcc")
    if not gcc:
        raise ImageError("gcc is not installed (Debian: apt-get install gcc libc6-dev)")
    versions = toolchain.read_versions()
    source = _module_dir(
        _go(), f"k8s.io/kubernetes@{versions.kubernetes}", cwd=toolchain.toolchain_dir()
    )
    out = ctx.work / "pause-bin"
    out.mkdir(parents=True, exist_ok=True)
    tag = ctx.pins.name("pause")
    ctx.sh(
        [
            gcc,
            "-Os",
            "-Wall",
            "-Werror",
            "-static",
            "-DVERSION=" + tag.rpartition(":")[2],
            "-o",
            out / "pause",
            source / "build" / "pause" / "linux" / "pause.c",
        ]
    )
    _static_image(ctx, "pause", out / "pause", (tag,), dest="", entrypoint="/pause")


def _build_control_plane(ctx: Context) -> None:
    """kube-apiserver, controller-manager and scheduler from the lab toolchain, kube-proxy from
    kube-binaries (on the node rootfs, with Debian's iptables), etcd from the toolchain."""
    tc = toolchain.ensure(ctx.progress)
    version = tc.versions.kubernetes
    for name in CONTROL_PLANE:
        _static_image(ctx, name, tc.path(name), (f"registry.k8s.io/{name}:{version}",))
    _static_image(
        ctx,
        "kube-proxy",
        ctx.bin("kube-binaries") / "kube-proxy",
        (f"registry.k8s.io/kube-proxy:{version}",),
        base=_node_debian_tag(ctx.pins),
    )
    _static_image(ctx, "etcd", tc.path("etcd"), (ctx.pins.name("etcd"),))


def _build_coredns(ctx: Context) -> None:
    path, _ = ctx.pins.module("coredns")
    out = _go_install(ctx, "coredns", ctx.pins.go["coredns"], [path])
    _static_image(
        ctx,
        "coredns-image",
        out / "coredns",
        (ctx.pins.name("coredns"),),
        dest="",
        entrypoint="/coredns",
    )


def _build_from_template(
    template: str,
    tags_key: str | tuple[str, ...],
    base: Callable[[Pins], str] | None = None,
) -> Callable[[Context], None]:
    keys = (tags_key,) if isinstance(tags_key, str) else tags_key

    def build(ctx: Context) -> None:
        folder = _context_dir(ctx, template, template)
        tags = tuple(t for k in keys for t in ctx.pins.names[k])
        _docker_build(ctx, folder, tags, {"BASE": (base or _debian_tag)(ctx.pins)})

    return build


def _service_rootfs_tag(name: str) -> Callable[[Pins], str]:
    return lambda pins: f"flightschool/{name}-rootfs:{pins.suite}"


def _build_service_rootfs(name: str) -> Callable[[Context], None]:
    def build(ctx: Context) -> None:
        _debootstrap(ctx, name, SERVICE_PACKAGES[name], _service_rootfs_tag(name)(ctx.pins))

    return build


def _build_statsd_exporter(ctx: Context) -> None:
    """statsd_exporter at the tag the chart names, a static binary as the image's entrypoint."""
    path, _ = ctx.pins.module("statsd-exporter")
    out = _go_install(ctx, "statsd-exporter", ctx.pins.go["statsd-exporter"], [path])
    _static_image(
        ctx,
        "statsd-exporter-image",
        out / "statsd_exporter",
        ctx.pins.names["statsd-exporter"],
        dest="/bin",
        entrypoint="/bin/statsd_exporter",
    )


def _build_airflow(ctx: Context) -> None:
    folder = _context_dir(ctx, "airflow", "airflow")
    wheels = ctx.root / "wheels" / ctx.keys["airflow"][:12]
    requirements = "\n".join(ctx.pins.requirements) + "\n"
    (folder / "requirements.txt").write_text(requirements, encoding="utf-8")
    if not (wheels / ".complete").exists():
        shutil.rmtree(wheels, ignore_errors=True)
        wheels.mkdir(parents=True)
        ctx.sh(
            [
                _python(),
                "-m",
                "pip",
                "download",
                "--disable-pip-version-check",
                "--only-binary=:all:",
                "--dest",
                wheels,
                "-r",
                folder / "requirements.txt",
            ]
        )
        (wheels / ".complete").touch()
    shutil.copytree(wheels, folder / "wheels", ignore=shutil.ignore_patterns(".complete"))
    trust.copy_into(trust.extra_ca_certificates(), folder / "ca")
    airflow = next(r for r in ctx.pins.requirements if r.startswith("apache-airflow"))
    _docker_build(
        ctx,
        folder,
        ctx.pins.names["airflow"],
        {"BASE": _debian_tag(ctx.pins), "AIRFLOW_VERSION": airflow.split("==")[1]},
    )
    shutil.rmtree(folder / "wheels", ignore_errors=True)


def _python() -> str:
    import sys

    return sys.executable


def _reorder_archive(source: Path, target: Path) -> None:
    """A `docker save` archive as kind's node-image build reads it: `repositories` first
    (from manifest.json kind takes only the first image's tags) and with fully qualified
    names (Docker writes `kindest/kindnetd`; kind looks for `docker.io/kindest/kindnetd`)."""
    with tarfile.open(source) as src, tarfile.open(target, "w") as dst:
        members = sorted(src.getmembers(), key=lambda m: m.name != "repositories")
        for member in members:
            data = src.extractfile(member) if member.isfile() else None
            if member.name == "repositories" and data is not None:
                repositories = json.loads(data.read())
                text = json.dumps({qualified(k): v for k, v in repositories.items()}).encode()
                member.size = len(text)
                data = io.BytesIO(text)
            dst.addfile(member, data)


def qualified(repository: str) -> str:
    """An image repository with its registry, as containerd names it."""
    first, _, rest = repository.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return repository
    return f"docker.io/{repository}" if rest else f"docker.io/library/{repository}"


def _build_node(ctx: Context) -> None:
    """`kind build node-image` from a server tarball of our own binaries and images; every
    image kubeadm and kind need rides in kube-proxy.tar so nothing is pulled."""
    docker = _docker()
    tc = toolchain.ensure(ctx.progress)
    version = tc.versions.kubernetes
    folder = _context_dir(ctx, "node")
    bin_dir = folder / "kubernetes" / "server" / "bin"
    bin_dir.mkdir(parents=True)
    (folder / "kubernetes" / "version").write_text(version + "\n", encoding="utf-8")
    for name in ("kubelet", "kubeadm"):
        shutil.copy2(ctx.bin("kube-binaries") / name, bin_dir / name)
    shutil.copy2(tc.path("kubectl"), bin_dir / "kubectl")
    for name in CONTROL_PLANE:
        ctx.sh([docker, "save", "-o", bin_dir / f"{name}.tar", f"registry.k8s.io/{name}:{version}"])
    extra = [f"registry.k8s.io/kube-proxy:{version}"] + [
        ctx.pins.name(k)
        for k in (
            "etcd",
            "coredns",
            "pause",
            "kindnetd",
            "local-path-provisioner",
            "local-path-helper",
        )
    ]
    raw = folder / "kube-proxy.raw.tar"
    ctx.sh([docker, "save", "-o", raw, *extra])
    _reorder_archive(raw, bin_dir / "kube-proxy.tar")
    raw.unlink()
    tarball = folder / "kubernetes-server-linux-amd64.tar.gz"
    ctx.sh(["tar", "-C", folder, "-czf", tarball, "kubernetes"])
    shutil.rmtree(folder / "kubernetes")
    kind = ctx.bin("kind") / "kind"
    ctx.sh(
        [
            kind,
            "build",
            "node-image",
            "--type",
            "file",
            tarball,
            "--base-image",
            _base_tags(ctx.pins)[0],
            "--image",
            node_tag(ctx.pins),
        ]
    )
    tarball.unlink()


def node_tag(pins: Pins | None = None) -> str:
    pins = pins or load_pins()
    return f"{pins.name('node')}:{toolchain.read_versions().kubernetes}"


def _toolchain_inputs(_pins: Pins) -> list[str]:
    return [toolchain.module_key()]


def _service_steps(service: str, packages: str, image: str, what: str) -> tuple[Step, Step]:
    """A Debian rootfs with one service's packages, then the image made on it from its
    template folder: the pair every service image (PostgreSQL, git-sync) is built as."""
    rootfs = f"{service}-rootfs"
    base = _service_rootfs_tag(service)
    return (
        Step(
            rootfs,
            f"Debian rootfs with {packages} (debootstrap)",
            (),
            lambda p: [p.suite, p.mirror, SERVICE_PACKAGES[service]],
            _build_service_rootfs(service),
            lambda p: (base(p),),
        ),
        Step(
            image,
            what,
            (rootfs,),
            lambda p: [*p.names[image], *_files(image)],
            _build_from_template(image, image, base),
            lambda p: p.names[image],
            loaded=True,
        ),
    )


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step(
            "kube-binaries",
            "kubelet, kubeadm, kube-proxy (Go, toolchain module graph)",
            (),
            lambda p: [*_toolchain_inputs(p), *_files("node-binaries.go.sum")],
            _build_kube_binaries,
        ),
        Step("kind", "the kind CLI (Go)", (), lambda p: [p.go["kind"]], _build_kind),
        Step(
            "debian",
            "Debian rootfs (debootstrap)",
            (),
            lambda p: [p.suite, p.mirror, DEBIAN_PACKAGES],
            _build_debian,
            lambda p: (_debian_tag(p),),
        ),
        Step(
            "node-debian",
            "Debian rootfs for the nodes' own pods (debootstrap, no Python)",
            (),
            lambda p: [p.suite, p.mirror, NODE_PACKAGES, *NODE_STRIP],
            _build_node_debian,
            lambda p: (_node_debian_tag(p),),
        ),
        Step(
            "kind-rootfs",
            "Debian rootfs for the kind base image (debootstrap)",
            (),
            lambda p: [p.suite, p.mirror, KIND_BASE_PACKAGES],
            _build_kind_rootfs,
            lambda p: (_rootfs_tag(p),),
        ),
        Step(
            "kind-base",
            "kind base image (Debian packages + kind's base files)",
            ("kind-rootfs",),
            lambda p: [p.go["kind"], p.name("pause"), *_files("kind-base")],
            _build_kind_base,
            _base_tags,
        ),
        Step(
            "pause",
            "pause (C source of the Kubernetes module)",
            (),
            lambda p: [*_toolchain_inputs(p), p.name("pause")],
            _build_pause,
            lambda p: (p.name("pause"),),
        ),
        Step(
            "control-plane",
            "kube-apiserver, controller-manager, scheduler, kube-proxy, etcd",
            ("kube-binaries", "node-debian"),
            lambda p: [*_toolchain_inputs(p), p.name("etcd")],
            _build_control_plane,
            lambda p: (
                *[
                    f"registry.k8s.io/{n}:{toolchain.read_versions().kubernetes}"
                    for n in (*CONTROL_PLANE, "kube-proxy")
                ],
                p.name("etcd"),
            ),
        ),
        Step(
            "coredns",
            "CoreDNS (Go)",
            (),
            lambda p: [p.go["coredns"], p.name("coredns")],
            _build_coredns,
            lambda p: (p.name("coredns"),),
        ),
        Step(
            "kindnetd",
            "CNI stand-in under kindnetd's name (Debian's CNI plugins)",
            ("node-debian",),
            lambda p: [p.name("kindnetd"), *_files("kindnetd")],
            _build_from_template("kindnetd", "kindnetd", _node_debian_tag),
            lambda p: p.names["kindnetd"],
        ),
        Step(
            "local-path",
            "no-op stand-in under local-path-provisioner's names",
            ("node-debian",),
            lambda p: [
                *p.names["local-path-provisioner"],
                *p.names["local-path-helper"],
                *_files("local-path"),
            ],
            _build_from_template(
                "local-path", ("local-path-provisioner", "local-path-helper"), _node_debian_tag
            ),
            lambda p: (*p.names["local-path-provisioner"], *p.names["local-path-helper"]),
        ),
        Step(
            "node",
            "kind node image (kind build node-image)",
            (
                "kube-binaries",
                "kind",
                "kind-base",
                "pause",
                "control-plane",
                "coredns",
                "kindnetd",
                "local-path",
            ),
            lambda p: [*_toolchain_inputs(p), p.name("node")],
            _build_node,
            lambda p: (node_tag(p),),
        ),
        Step(
            "airflow",
            "Airflow (wheels from PyPI, downloaded on the host)",
            ("debian",),
            lambda p: [
                *p.requirements,
                *p.names["airflow"],
                *_files("airflow"),
                *trust.digests(trust.extra_ca_certificates()),
            ],
            _build_airflow,
            lambda p: p.names["airflow"],
            loaded=True,
        ),
        *_service_steps(
            "postgres",
            "PostgreSQL",
            "postgres",
            "PostgreSQL for the labs' metadata databases (Debian's postgresql)",
        ),
        Step(
            "statsd-exporter",
            "the chart's statsd exporter (Go)",
            (),
            lambda p: [p.go["statsd-exporter"], *p.names["statsd-exporter"]],
            _build_statsd_exporter,
            lambda p: p.names["statsd-exporter"],
            loaded=True,
        ),
        *_service_steps(
            "git",
            "git",
            "git-sync",
            "git-sync stand-in under the chart's git-sync name (Debian's git)",
        ),
        Step(
            "python",
            "python:3.12-slim stand-in for task pods",
            ("debian",),
            lambda p: [*p.names["python"], *_files("python")],
            _build_from_template("python", "python"),
            lambda p: p.names["python"],
            loaded=True,
        ),
    )
}


# --- keys, state, build --------------------------------------------------------------------


def _keys(pins: Pins) -> dict[str, str]:
    keys: dict[str, str] = {}

    def key(name: str) -> str:
        if name not in keys:
            step = STEPS[name]
            digest = hashlib.sha256(name.encode())
            for item in step.inputs(pins):
                digest.update(item.encode() + b"\0")
            for dep in step.needs:
                digest.update(key(dep).encode())
            keys[name] = digest.hexdigest()
        return keys[name]

    for name in STEPS:
        key(name)
    return keys


def _state_file() -> Path:
    return cache_dir() / "images" / "state.json"


def read_state() -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(_state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(state: dict[str, dict[str, Any]]) -> None:
    _state_file().parent.mkdir(parents=True, exist_ok=True)
    tmp = _state_file().with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(_state_file())


def _image_ids(tags: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """`docker image inspect` of each tag that exists: size and creation time."""
    if not tags:
        return {}
    result = run([_docker(), "image", "inspect", *tags], timeout=60)
    found: dict[str, dict[str, Any]] = {}
    try:
        for item in json.loads(result.stdout or "[]"):
            for tag in item.get("RepoTags") or []:
                found[_normal(tag)] = item
    except ValueError:
        return {}
    return found


def _normal(tag: str) -> str:
    for prefix in ("docker.io/library/", "docker.io/"):
        if tag.startswith(prefix):
            return tag[len(prefix) :]
    return tag


def _order(only: str | None) -> list[str]:
    if only is not None and only not in STEPS:
        raise ImageError(f"no image step {only!r}; steps: {', '.join(STEPS)}")
    wanted: list[str] = []

    def visit(name: str) -> None:
        for dep in STEPS[name].needs:
            visit(dep)
        if name not in wanted:
            wanted.append(name)

    for name in [only] if only else STEPS:
        visit(name)
    return wanted


def _fresh(
    step: Step, key: str, state: dict[str, dict[str, Any]], pins: Pins, ctx: Context
) -> bool:
    if state.get(step.name, {}).get("key") != key:
        return False
    tags = step.tags(pins)
    if tags:
        present = _image_ids(tags)
        return all(_normal(t) in present for t in tags)
    return ctx.bin(step.name).is_dir()


def build(
    only: str | None = None, progress: Callable[[str], None] = print, force: bool = False
) -> list[str]:
    """Build every step (or `only` and what it needs) whose key changed; returns the steps
    built. A failed step raises ImageError naming the step and its log."""
    pins = load_pins()
    _engine()
    root = cache_dir() / "images"
    with exclusive(root / "build.lock"):
        state = read_state()
        ctx = Context(pins, root, progress, keys=_keys(pins))
        order = _order(only)
        started = time.monotonic()
        built: list[str] = []
        for n, name in enumerate(order, start=1):
            step = STEPS[name]
            key = ctx.keys[name]
            prefix = f"[{n}/{len(order)}] {name}"
            if not force and _fresh(step, key, state, pins, ctx):
                progress(f"{prefix}: cached ({step.what})")
                continue
            ctx.log = root / "logs" / f"{name}.log"
            ctx.log.parent.mkdir(parents=True, exist_ok=True)
            ctx.log.write_text(
                f"{name} {datetime.now(UTC).isoformat()} key {key}\n", encoding="utf-8"
            )
            step_started = time.monotonic()
            progress(
                f"{prefix}: building {step.what} … (elapsed {step_started - started:.0f} s;"
                f" log: {ctx.log})"
            )
            ctx.work.mkdir(parents=True, exist_ok=True)
            try:
                step.build(ctx)
            except (ImageError, ToolError, toolchain.ToolchainError, OSError) as exc:
                tail = _tail(ctx.log)
                raise ImageError(f"step {name} failed: {exc}\nlog: {ctx.log}\n{tail}") from exc
            seconds = time.monotonic() - step_started
            state[name] = {
                "key": key,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "seconds": round(seconds, 1),
                "inputs": step.inputs(pins)[:6],
            }
            _write_state(state)
            built.append(name)
            progress(
                f"{prefix}: built in {seconds:.0f} s (elapsed {time.monotonic() - started:.0f} s)"
            )
        shutil.rmtree(ctx.work, ignore_errors=True)
        return built


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass(frozen=True)
class ImageInfo:
    step: str
    tag: str
    size_mb: float | None  # None: not built
    built_at: str | None
    pins: list[str]
    stale: bool  # built, but from other pins than today's


def listing() -> list[ImageInfo]:
    pins = load_pins()
    keys = _keys(pins)
    state = read_state()
    rows: list[ImageInfo] = []
    all_tags = tuple(t for s in STEPS.values() for t in s.tags(pins))
    present = _image_ids(all_tags) if shutil.which("docker") else {}
    for step in STEPS.values():
        entry = state.get(step.name, {})
        for tag in step.tags(pins):
            image = present.get(_normal(tag))
            rows.append(
                ImageInfo(
                    step=step.name,
                    tag=tag,
                    size_mb=round(image["Size"] / 1e6, 1) if image else None,
                    built_at=entry.get("built_at") if image else None,
                    pins=_shown_pins(step.inputs(pins)),
                    stale=bool(entry) and entry.get("key") != keys[step.name],
                )
            )
    return rows


def _shown_pins(inputs: list[str]) -> list[str]:
    """The inputs of a step as `images list` shows them: templates by folder, long lists cut."""
    shown: list[str] = []
    for item in inputs:
        if re.fullmatch(r"[\w./-]+:[0-9a-f]{16}", item):  # a template file and its digest
            item = "cluster/images/" + item.split("/")[0].split(":")[0]
        elif len(item) > 48:
            item = item[:45] + "..."
        if item not in shown:
            shown.append(item)
    return shown


def loaded_tags(pins: Pins | None = None) -> list[str]:
    pins = pins or load_pins()
    return [t for s in STEPS.values() if s.loaded for t in s.tags(pins)]


SHARED_MOUNT = "/flightschool-images"  # where kind nodes see shared_dir() (cluster/kind.yaml)


def shared_dir() -> Path:
    """A host folder every kit-built kind node mounts: archives to load are written once."""
    path = cache_dir() / "images" / "shared"
    path.mkdir(parents=True, exist_ok=True)
    return path


def node_images(docker: str, node: str) -> dict[str, str]:
    """The images on a kind node (`ctr images ls`): tag, as Docker names it, -> digest."""
    result = run([docker, "exec", node, "ctr", "--namespace=k8s.io", "images", "ls"], timeout=60)
    if not result.ok:
        raise ImageError(f"cannot list the images on {node}: {result.stderr.strip()[-300:]}")
    found: dict[str, str] = {}
    for line in result.stdout.splitlines()[1:]:
        words = line.split()
        if len(words) >= 3 and not words[0].startswith("sha256:"):
            found[_normal(words[0])] = words[2]
    return found


def _local_digests(tags: list[str]) -> dict[str, str]:
    """The digest each tag's image would have on a node after `ctr images import`: the
    image ID (`docker save` writes the config digest as the manifest's config)."""
    return {tag: str(info.get("Id", "")) for tag, info in _image_ids(tuple(tags)).items()}


def missing_on_nodes(cluster: str, tags: list[str] | None = None) -> dict[str, list[str]]:
    """For each node of the cluster, the wanted images it does not have (by name)."""
    docker = _engine()
    wanted = [_normal(t) for t in (tags or loaded_tags())]
    nodes = _kind_nodes(cluster)
    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        listed = list(pool.map(lambda node: node_images(docker, node), nodes))
    missing: dict[str, list[str]] = {}
    for node, present in zip(nodes, listed, strict=True):
        lacking = [t for t in wanted if t not in present]
        if lacking:
            missing[node] = lacking
    return missing


def load(
    cluster: str,
    progress: Callable[[str], None] = print,
    tags: list[str] | None = None,
    *,
    only_missing: bool = False,
    nodes: list[str] | None = None,
) -> None:
    """Put the workload images (Airflow, python) into every node of a kind cluster, with
    `docker save` and the node's own ctr (no crictl, no registry). Nodes that mount
    shared_dir() read the one archive from there; others get a copy. `only_missing`: skip
    what every node already has under the same name and image (a warm `cluster up`).
    `nodes`: only these nodes (one image for one pod need not go everywhere)."""
    docker = _engine()
    wanted = tags or loaded_tags()
    present = _image_ids(tuple(wanted))
    missing = [t for t in wanted if _normal(t) not in present]
    if missing:
        raise ImageError(f"not built: {', '.join(missing)}; run `flightschool images build`")
    nodes = nodes or _kind_nodes(cluster)
    if only_missing:
        wanted = _stale_on(docker, nodes, wanted)
        if not wanted:
            progress(f"images already on all {len(nodes)} nodes: nothing to load")
            return
    archive = shared_dir() / f"load-{os.getpid()}.tar"
    started = time.monotonic()
    try:
        result = run([docker, "save", "-o", archive, *wanted], timeout=900)
        if not result.ok:
            raise ImageError(f"docker save failed: {result.stderr.strip()[-300:]}")
        progress(f"saved {len(wanted)} images ({time.monotonic() - started:.0f} s)")
        with ThreadPoolExecutor(max_workers=2) as pool:
            for node in pool.map(lambda n: _load_node(docker, n, archive), nodes):
                progress(
                    f"{node}: {len(wanted)} images loaded ({time.monotonic() - started:.0f} s)"
                )
    finally:
        archive.unlink(missing_ok=True)


def _config_digest(docker: str, node: str, manifest: str) -> str:
    """The image ID (config digest) behind a manifest in the node's content store."""
    result = run(
        [docker, "exec", node, "ctr", "--namespace=k8s.io", "content", "get", manifest],
        timeout=60,
    )
    try:
        return str(json.loads(result.stdout)["config"]["digest"]) if result.ok else ""
    except (ValueError, KeyError, TypeError):
        return ""


def _stale_on(docker: str, nodes: list[str], wanted: list[str]) -> list[str]:
    """The wanted tags some node lacks, or holds as another image than the local engine's
    (compared by image ID, so a rebuilt image is loaded again)."""
    local = _local_digests(wanted)

    def stale_here(node: str) -> set[str]:
        found = node_images(docker, node)
        return {
            tag
            for tag in wanted
            if (manifest := found.get(_normal(tag))) is None
            or _config_digest(docker, node, manifest) != local.get(_normal(tag))
        }

    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        stale = set().union(*pool.map(stale_here, nodes))
    return [t for t in wanted if t in stale]


def _load_node(docker: str, node: str, archive: Path) -> str:
    inside = f"{SHARED_MOUNT}/{archive.name}"
    steps: list[list[str]] = []
    if not run([docker, "exec", node, "test", "-f", inside], timeout=60).ok:
        inside = f"/kind/{archive.name}"
        steps.append([docker, "cp", str(archive), f"{node}:{inside}"])
    steps.append(
        [
            docker,
            "exec",
            node,
            "ctr",
            "--namespace=k8s.io",
            "images",
            "import",
            "--all-platforms",
            "--digests",
            "--no-unpack",  # containerd unpacks on a node's first container from the image
            inside,
        ]
    )
    if inside.startswith("/kind/"):
        steps.append([docker, "exec", node, "rm", "-f", inside])
    for args in steps:
        result = run(args, timeout=900)
        if not result.ok:
            raise ImageError(
                f"loading images into {node} failed: "
                f"{(result.stderr or result.stdout).strip()[-300:]}"
            )
    return node


def _kind_nodes(cluster: str) -> list[str]:
    kind = kind_binary()
    if kind is None:
        raise ImageError("kind is not installed: run `flightschool images build --only kind`")
    result = run([kind, "get", "nodes", "--name", cluster], timeout=60)
    nodes = [n for n in result.stdout.split() if n]
    if not result.ok or not nodes:
        raise ImageError(
            f"kind cluster {cluster!r} has no nodes: run "
            "`flightschool cluster up --backend kind` first"
        )
    return nodes


def kind_binary() -> str | None:
    """kind on PATH, or the one the kit built."""
    found = shutil.which("kind")
    if found:
        return found
    built = sorted((cache_dir() / "images" / "bin").glob("kind-*/kind"), key=_mtime)
    return str(built[-1]) if built else None


def _mtime(path: Path) -> float:
    return path.stat().st_mtime


def local_node_image() -> str | None:
    """The node image tag when the kit built it (for kind's config), else None."""
    try:
        tag = node_tag()
    except (ImageError, toolchain.ToolchainError):
        return None
    if not shutil.which("docker"):
        return None
    return tag if _normal(tag) in _image_ids((tag,)) else None


def iter_tags() -> Iterator[str]:
    pins = load_pins()
    for step in STEPS.values():
        yield from step.tags(pins)
