"""The embedded cluster's binaries: found, or built from Go modules, once per version set.

Versions are pinned in one file, `cluster/toolchain/go.mod` (a wrapper module that requires
Kubernetes with its staging modules replaced by their published versions, kwok, etcd and
helm); the same module holds our control-plane launcher, `cluster/toolchain/controlplane`. Lookup order: explicit paths (FLIGHTSCHOOL_TOOLCHAIN_BIN, or one variable per
binary) -> the cache keyed by go.mod/go.sum -> a Go build -> on a connected machine
without Go, kwokctl's own download of official releases (FLIGHTSCHOOL_TOOLCHAIN_DOWNLOAD=1).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from flightschool.core import settings
from flightschool.core.errors import EnvironmentProblem
from flightschool.core.locks import exclusive
from flightschool.core.paths import cache_dir, project_root
from flightschool.core.proc import ToolError, run, stream

# The control plane's processes are one executable, built from our own `controlplane`
# package (cluster/toolchain/controlplane): each process runs alone, picked by the name it
# is started as, and the code pages they share are in memory once instead of five times.
CONTROL_PLANE = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "kwok")
# executable -> Go package, in the order they are built (biggest first: it warms the cache)
BUILDS: dict[str, str] = {
    "controlplane": "flightschool.local/toolchain/controlplane",
    "kubectl": "k8s.io/kubernetes/cmd/kubectl",
    "kwokctl": "sigs.k8s.io/kwok/cmd/kwokctl",
    "helm": "helm.sh/helm/v3/cmd/helm",
}
# beside the control-plane executable: each component's --version answer (_record_versions)
VERSIONS_DIR = "controlplane.versions"
# what a toolchain folder holds, under these names (links or executables of their own)
BINARIES = (*CONTROL_PLANE, "kubectl", "kwokctl", "helm")
CLIENTS = ("kubectl", "helm")
# kwok's own default node and pod stages, copied from the kwok module at build time: kwokctl
# drops its defaults as soon as any stage is passed, and the lab stages are passed.
KWOK_DEFAULT_STAGES = (
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
)
MIN_GO = (1, 26)
BUILD_TIMEOUT = 3600.0


class ToolchainError(EnvironmentProblem, RuntimeError):
    pass


@dataclass(frozen=True)
class Versions:
    kubernetes: str
    kwok: str
    etcd: str
    helm: str

    @property
    def kube_minor(self) -> str:
        return self.kubernetes.split(".")[1]


@dataclass(frozen=True)
class Toolchain:
    bin_dir: Path | None  # None: kwokctl downloads official releases itself
    versions: Versions
    source: str  # "explicit" | "cache" | "built" | "download"

    def path(self, name: str) -> Path:
        override = settings.current().binary(name)
        if override:
            return override
        if self.bin_dir is None:
            found = shutil.which(name)
            if not found:
                raise ToolchainError(f"{name} is not on PATH")
            return Path(found)
        return self.bin_dir / name


def toolchain_dir() -> Path:
    return project_root() / "cluster" / "toolchain"


def read_versions(gomod: Path | None = None) -> Versions:
    text = (gomod or toolchain_dir() / "go.mod").read_text(encoding="utf-8")

    def pinned(module: str) -> str:
        match = re.search(rf"^\s*{re.escape(module)} (v\S+)", text, re.MULTILINE)
        if not match:
            raise ToolchainError(f"go.mod does not pin {module}")
        return match.group(1)

    return Versions(
        kubernetes=pinned("k8s.io/kubernetes"),
        kwok=pinned("sigs.k8s.io/kwok"),
        etcd=pinned("go.etcd.io/etcd/server/v3"),
        helm=pinned("helm.sh/helm/v3"),
    )


def module_key() -> str:
    """The versions and a digest of go.mod and go.sum: what every Go build from this module
    graph depends on (the image kit's node binaries too)."""
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum"):
        digest.update((toolchain_dir() / name).read_bytes())
    v = read_versions()
    return f"k8s-{v.kubernetes}-kwok-{v.kwok}-{digest.hexdigest()[:12]}"


def cache_key() -> str:
    """module_key, and a digest of our own Go sources (the control-plane launcher)."""
    digest = hashlib.sha256()
    for path in sorted(toolchain_dir().rglob("*.go")):
        digest.update(path.read_bytes())
    return f"{module_key()}-{digest.hexdigest()[:8]}"


def cached_bin_dir() -> Path:
    return cache_dir() / "toolchain" / cache_key() / "bin"


def _complete(bin_dir: Path) -> bool:
    return (
        all(os.access(bin_dir / name, os.X_OK) for name in BINARIES)
        and _stages_dir(bin_dir).is_dir()
    )


def _stages_dir(bin_dir: Path) -> Path:
    return bin_dir.parent / "kwok-stages"


def default_stage_files(tc: Toolchain) -> list[Path]:
    folder = settings.current().kwok_stages or _stages_dir(tc.bin_dir or cached_bin_dir())
    files = sorted(folder.glob("*.yaml"))
    if len(files) < len(KWOK_DEFAULT_STAGES):
        raise ToolchainError(
            f"kwok's default stages are missing from {folder}; run `flightschool cluster toolchain` "
            "or set FLIGHTSCHOOL_KWOK_STAGES to a folder holding them"
        )
    return files


def _copy_default_stages(go: str, dest: Path) -> None:
    env = {"GOFLAGS": "-mod=readonly", "GOTOOLCHAIN": "local"}
    # `go mod download -json` fetches the module if needed and says where it is.
    listing = run(
        [go, "mod", "download", "-json", "sigs.k8s.io/kwok"],
        timeout=300,
        cwd=toolchain_dir(),
        env=env,
        check=True,
    )
    found = json.loads(listing.stdout)["Dir"]
    dest.mkdir(parents=True, exist_ok=True)
    for relative in KWOK_DEFAULT_STAGES:
        shutil.copyfile(Path(found) / relative, dest / Path(relative).name)


def find() -> Toolchain | None:
    """The toolchain if it is already available (no building); fast, for every command."""
    versions = read_versions()
    config = settings.current()
    if config.toolchain_bin:
        bin_dir = config.toolchain_bin
        # clusters Flight School does not run itself need only the clients (the app's image)
        needed = BINARIES if config.backend == "embedded" else CLIENTS
        missing = [
            n for n in needed if not os.access(bin_dir / n, os.X_OK) and not config.binary(n)
        ]
        if missing:
            raise ToolchainError(
                f"FLIGHTSCHOOL_TOOLCHAIN_BIN={bin_dir} lacks: {', '.join(missing)}"
            )
        return Toolchain(bin_dir, versions, "explicit")
    cached = cached_bin_dir()
    if _complete(cached):
        return Toolchain(cached, versions, "cache")
    if config.toolchain_download and shutil.which("kwokctl"):
        return Toolchain(None, versions, "download")
    return None


def ensure(progress: Callable[[str], None] = print) -> Toolchain:
    """Find the toolchain or build it; `progress` receives human-readable status lines."""
    found = find()
    if found:
        return found
    go = _go_binary()
    if go is None:
        raise ToolchainError(
            f"the lab toolchain is not built and Go >= {MIN_GO[0]}.{MIN_GO[1]} is not installed. "
            "Install Go and run `flightschool cluster toolchain`, or point FLIGHTSCHOOL_TOOLCHAIN_BIN "
            "at a folder with the binaries, or on a connected machine put kwokctl on PATH and set "
            "FLIGHTSCHOOL_TOOLCHAIN_DOWNLOAD=1"
        )
    return build(go, progress)


def _go_binary() -> str | None:
    go = shutil.which("go") or (
        "/usr/local/go/bin/go" if os.access("/usr/local/go/bin/go", os.X_OK) else None
    )
    if go is None:
        return None
    out = run([go, "env", "GOVERSION"], timeout=30).stdout.strip()
    match = re.match(r"go(\d+)\.(\d+)", out)
    if not match or (int(match.group(1)), int(match.group(2))) < MIN_GO:
        return None
    return go


def ldflags(v: Versions, build_date: str) -> str:
    """Version stamps so `kube-apiserver --version`, `/version` and `helm version` are true."""
    flags = ["-s", "-w"]
    for pkg in ("k8s.io/client-go/pkg/version", "k8s.io/component-base/version"):
        for key, value in (
            ("gitVersion", v.kubernetes),
            ("gitMajor", "1"),
            ("gitMinor", v.kube_minor),
            ("gitTreeState", "clean"),
            ("gitCommit", "0" * 40),
            ("buildDate", build_date),
        ):
            flags.append(f"-X {pkg}.{key}={value}")
    flags.append(f"-X helm.sh/helm/v3/internal/version.version={v.helm}")
    return " ".join(flags)


def build(go: str, progress: Callable[[str], None] = print) -> Toolchain:
    versions = read_versions()
    final = cached_bin_dir()
    lock = final.parent.parent / (final.parent.name + ".lock")
    waiting = partial(
        progress,
        "Another process is building the lab toolchain: waiting for it to finish "
        f"(its log: {final.parent / 'build.log'})",
    )
    with exclusive(lock, on_wait=waiting):
        if _complete(final):  # another process built it while we waited
            return Toolchain(final, versions, "cache")
        staging = final.parent / "bin.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        log = final.parent / "build.log"
        log.write_text(f"toolchain build {datetime.now(UTC).isoformat()}\n", encoding="utf-8")
        env = {
            "CGO_ENABLED": "0",
            "GOFLAGS": "-buildvcs=false -mod=readonly",
            "GOTOOLCHAIN": "local",
        }
        flags = ldflags(versions, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        started = time.monotonic()
        total = len(BUILDS)
        progress(
            f"Building the lab toolchain (Kubernetes {versions.kubernetes}, kwok {versions.kwok}, "
            f"etcd {versions.etcd}, helm {versions.helm}); log: {log}"
        )
        for n, (name, package) in enumerate(BUILDS.items(), start=1):
            step_start = time.monotonic()
            what = f"{name} ({', '.join(CONTROL_PLANE)})" if name == "controlplane" else name
            progress(f"[{n}/{total}] {what} … (elapsed {time.monotonic() - started:.0f} s)")
            code = stream(
                [
                    go,
                    "build",
                    "-trimpath",
                    "-tags",
                    "selinux,notest,grpcnotrace",
                    "-ldflags",
                    flags,
                    "-o",
                    staging / name,
                    package,
                ],
                timeout=BUILD_TIMEOUT,
                cwd=toolchain_dir(),
                env=env,
                on_line=lambda _line: None,
                log_file=log,
            )
            if code != 0:
                tail = log.read_text(encoding="utf-8").splitlines()[-15:]
                raise ToolchainError(
                    f"building {name} failed (exit {code}); see {log}:\n" + "\n".join(tail)
                )
            progress(f"[{n}/{total}] {name} built in {time.monotonic() - step_start:.0f} s")
        for name in CONTROL_PLANE:
            (staging / name).symlink_to("controlplane")
        _record_versions(staging)
        _copy_default_stages(go, _stages_dir(staging))
        manifest = {
            "versions": versions.__dict__,
            "built_at": datetime.now(UTC).isoformat(),
            "seconds": round(time.monotonic() - started, 1),
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        staging.rename(final)
        progress(f"Toolchain ready in {time.monotonic() - started:.0f} s: {final}")
        return Toolchain(final, versions, "built")


def _record_versions(bin_dir: Path) -> None:
    """Each control-plane component's own `--version` answer, in the folder the executable
    reads it from before its packages initialize (controlplane/component): kwokctl asks all
    five before it starts any."""
    folder = bin_dir / VERSIONS_DIR
    folder.mkdir()
    for name in CONTROL_PLANE:
        result = run([bin_dir / name, "--version"], timeout=60)
        if not result.ok or not result.stdout:
            raise ToolchainError(
                f"the control plane just built does not start as {name} (exit "
                f"{result.returncode}): {result.stderr.strip()[-500:]}"
            )
        (folder / name).write_text(result.stdout, encoding="utf-8")


def verify_versions(tc: Toolchain) -> dict[str, str]:
    """Ask each binary for its version (used by `status` and the tests)."""
    out: dict[str, str] = {}
    for name, args in (
        ("kube-apiserver", ["--version"]),
        ("kubectl", ["version", "--client"]),
        ("kwokctl", ["--version"]),
        ("etcd", ["--version"]),
        ("helm", ["version", "--short"]),
    ):
        try:
            result = run([tc.path(name), *args], timeout=30)
        except ToolError as exc:
            out[name] = f"error: {exc}"
            continue
        out[name] = (
            (result.stdout or result.stderr).strip().splitlines()[0]
            if (result.stdout or result.stderr)
            else ""
        )
    return out
