from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flightschool.cluster import toolchain
from flightschool.core.proc import run


def test_versions_are_read_from_the_single_pin_file() -> None:
    v = toolchain.read_versions()
    assert v.kubernetes.startswith("v1.3") and v.kwok.startswith("v0.") and v.helm.startswith("v3.")
    assert int(v.helm.split(".")[1]) >= 19


def test_every_staging_module_is_replaced_by_its_published_version() -> None:
    text = (toolchain.toolchain_dir() / "go.mod").read_text()
    minor = toolchain.read_versions().kubernetes.removeprefix("v1.")
    replaces = [line for line in text.splitlines() if "=> k8s.io/" in line]
    assert len(replaces) >= 30
    assert all(line.rstrip().endswith(f"v0.{minor}") for line in replaces)


def test_ldflags_stamp_the_real_versions() -> None:
    flags = toolchain.ldflags(toolchain.read_versions(), "2026-01-01T00:00:00Z")
    assert "-X k8s.io/component-base/version.gitVersion=v1.36.3" in flags
    assert "-X k8s.io/client-go/pkg/version.gitMinor=36" in flags
    assert "-X helm.sh/helm/v3/internal/version.version=v3.21.4" in flags


def test_a_second_lookup_finds_the_cache_fast(tmp_path: Path) -> None:
    import time

    found = toolchain.find()
    if found is None:
        pytest.fail("the toolchain is not built; `make test` builds it before the tests run")
    started = time.perf_counter()
    assert toolchain.find() is not None
    assert time.perf_counter() - started < 0.5


def test_explicit_folder_missing_binaries_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "kubectl").write_text("#!/bin/sh\n")
    (tmp_path / "kubectl").chmod(0o755)
    monkeypatch.setenv("FLIGHTSCHOOL_TOOLCHAIN_BIN", str(tmp_path))
    with pytest.raises(
        toolchain.ToolchainError, match="lacks: kube-apiserver, kube-controller-manager"
    ):
        toolchain.find()


def test_binaries_report_the_pinned_versions() -> None:
    found = toolchain.find()
    assert found is not None, (
        "the toolchain is not built; `make test` builds it before the tests run"
    )
    versions = toolchain.verify_versions(found)
    assert versions["kube-apiserver"] == "Kubernetes v1.36.3"
    assert "v1.36.3" in versions["kubectl"]
    assert versions["helm"].startswith("v3.21.4")
    assert "3.6.8" in versions["etcd"] and "v0.8.0" in versions["kwokctl"]


def test_a_cluster_we_do_not_run_needs_only_the_clients(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's container image carries kubectl and helm only: enough for the kubeconfig
    backend, still refused for the embedded one."""
    for name in ("kubectl", "helm"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    monkeypatch.setenv("FLIGHTSCHOOL_TOOLCHAIN_BIN", str(tmp_path))
    monkeypatch.setenv("FLIGHTSCHOOL_BACKEND", "kubeconfig")
    found = toolchain.find()
    assert found is not None and found.path("helm") == tmp_path / "helm"
    (tmp_path / "helm").unlink()
    with pytest.raises(toolchain.ToolchainError, match=r"lacks: helm$"):
        toolchain.find()
    monkeypatch.setenv("FLIGHTSCHOOL_BACKEND", "embedded")
    with pytest.raises(toolchain.ToolchainError, match="lacks: kube-apiserver"):
        toolchain.find()


def test_the_control_plane_is_one_executable_answering_to_each_name() -> None:
    found = toolchain.find()
    assert found is not None and found.bin_dir is not None
    executable = found.bin_dir / "controlplane"
    expected = {
        "kube-apiserver": "Kubernetes v1.36.3",
        "kube-controller-manager": "Kubernetes v1.36.3",
        "kube-scheduler": "Kubernetes v1.36.3",
        "etcd": "etcd Version: 3.6.8",
        "kwok": "kwok version v0.8.0",
    }
    assert set(expected) == set(toolchain.CONTROL_PLANE)
    for name, version in expected.items():
        assert (found.bin_dir / name).samefile(executable), name
        result = run([found.bin_dir / name, "--version"], timeout=30)
        assert result.ok and version in result.stdout + result.stderr, (name, result.stderr)


def test_version_answers_come_from_the_build_record_which_matches_the_full_program(
    tmp_path: Path,
) -> None:
    """kwokctl asks each component for its version before starting any: the executable
    answers from the record the build wrote beside it, the same text its full start gives
    (a copy of it without the record answers the full way)."""
    found = toolchain.find()
    assert found is not None and found.bin_dir is not None
    record = found.bin_dir / toolchain.VERSIONS_DIR
    copy = tmp_path / "controlplane"
    shutil.copy2(found.bin_dir / "controlplane", copy)
    for name in (*toolchain.CONTROL_PLANE, "kwok-controller"):
        (tmp_path / name).symlink_to(copy.name)
    for name in toolchain.CONTROL_PLANE:
        full = run([tmp_path / name, "--version"], timeout=30)
        assert full.ok and full.stdout == (record / name).read_text(), name
        assert run([found.bin_dir / name, "--version"], timeout=30).stdout == full.stdout

    (tmp_path / toolchain.VERSIONS_DIR).mkdir()
    (tmp_path / toolchain.VERSIONS_DIR / "etcd").write_text("etcd Version: 0.0.1-recorded\n")
    (tmp_path / toolchain.VERSIONS_DIR / "kwok").write_text("kwok version v0.0.2-recorded\n")
    assert (
        run([tmp_path / "etcd", "--version"], timeout=30).stdout == "etcd Version: 0.0.1-recorded\n"
    )
    # kwokctl starts kwok under the name kwok-controller: the same component
    kwok = run([tmp_path / "kwok-controller", "--version"], timeout=30)
    assert kwok.stdout == "kwok version v0.0.2-recorded\n"
    # only a bare --version is answered early: anything else is the full program's
    full_help = run([tmp_path / "etcd", "--help"], timeout=30)
    assert "Usage" in full_help.stdout + full_help.stderr


def test_the_control_plane_started_under_another_name_says_which_names_it_knows() -> None:
    found = toolchain.find()
    assert found is not None and found.bin_dir is not None
    result = run([found.bin_dir / "controlplane"], timeout=30)
    assert result.returncode == 2
    assert "start me as kube-apiserver, kube-controller-manager" in result.stderr


def test_the_cache_follows_our_launcher_while_the_module_key_follows_the_pins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("go.mod", "go.sum"):
        (tmp_path / name).write_text((toolchain.toolchain_dir() / name).read_text())
    (tmp_path / "controlplane").mkdir()
    launcher = tmp_path / "controlplane" / "main.go"
    launcher.write_text("package main\n")
    monkeypatch.setattr(toolchain, "toolchain_dir", lambda: tmp_path)
    module, cache = toolchain.module_key(), toolchain.cache_key()
    launcher.write_text("package main\n\nfunc main() {}\n")
    assert toolchain.module_key() == module  # the image kit's node binaries stay cached
    assert toolchain.cache_key() != cache  # a changed launcher is rebuilt
    (tmp_path / "go.sum").write_text("changed\n")
    assert toolchain.module_key() != module
