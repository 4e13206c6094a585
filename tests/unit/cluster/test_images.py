from __future__ import annotations

import io
import json
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from flightschool.cluster import images


def test_the_pin_file_names_every_image_the_node_and_the_labs_need() -> None:
    pins = images.load_pins()
    assert pins.module("kind") == ("sigs.k8s.io/kind", "v0.33.0")
    assert pins.name("pause") == "registry.k8s.io/pause:3.10.2"
    assert "apache/airflow:3.3.2-python3.11" in pins.names["airflow"]
    assert "python:3.12-slim" in pins.names["python"]
    assert pins.module("statsd-exporter")[1] == "v0.29.0"
    assert pins.name("git-sync") == "registry.k8s.io/git-sync/git-sync:v4.4.2"
    assert pins.name("postgres") == "postgres:15"
    assert any(
        r.startswith("apache-airflow-providers-cncf-kubernetes==") for r in pins.requirements
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("debian: {suite: bookworm}\n", "`debian.mirror` is missing"),
        (
            "debian: {suite: b, mirror: m}\ngo: {kind: sigs.k8s.io/kind, coredns: x@v1}\n",
            "`go.kind` must be module@version",
        ),
        (
            "debian: {suite: b, mirror: m}\ngo: {kind: a@v1, coredns: b@v2, statsd-exporter: c@v3}\n"
            "python: {requirements: [apache-airflow]}\n",
            "name==version",
        ),
        (
            "debian: {suite: b, mirror: m}\ngo: {kind: a@v1, coredns: b@v2, statsd-exporter: c@v3}\n"
            "python: {requirements: [a==1]}\nnames: {node: n}\n",
            "`names.base` is missing",
        ),
        ("debian: [\n", "pins.yaml"),
    ],
)
def test_a_bad_pin_file_names_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "pins.yaml"
    path.write_text(text)
    with pytest.raises(images.ImageError, match=r"pins\.yaml") as caught:
        images.load_pins(path)
    assert message in str(caught.value)


def test_a_pin_rebuilds_its_step_and_what_depends_on_it_only() -> None:
    pins = images.load_pins()
    before = images._keys(pins)
    newer_airflow = replace(pins, requirements=("apache-airflow==9.9.9", *pins.requirements[1:]))
    after = images._keys(newer_airflow)
    assert after["airflow"] != before["airflow"]
    assert {k for k in before if before[k] != after[k]} == {"airflow"}

    other_kind = replace(pins, go={**pins.go, "kind": "sigs.k8s.io/kind@v0.34.0"})
    changed = {k for k, v in images._keys(other_kind).items() if v != before[k]}
    assert changed == {"kind", "kind-base", "node"}


def test_only_builds_a_step_after_what_it_needs() -> None:
    order = images._order("node")
    assert order[-1] == "node"
    assert order.index("kube-binaries") < order.index("control-plane")
    assert order.index("kind-rootfs") < order.index("kind-base")
    assert "airflow" not in order and "python" not in order
    assert images._order("python") == ["debian", "python"]
    with pytest.raises(images.ImageError, match="no image step 'nope'; steps: kube-binaries"):
        images._order("nope")


@pytest.mark.parametrize(
    ("name", "full"),
    [
        ("kindest/kindnetd", "docker.io/kindest/kindnetd"),
        ("python", "docker.io/library/python"),
        ("registry.k8s.io/pause", "registry.k8s.io/pause"),
        ("registry.k8s.io/coredns/coredns", "registry.k8s.io/coredns/coredns"),
        ("localhost/x", "localhost/x"),
        ("host:5000/x", "host:5000/x"),
    ],
)
def test_repositories_are_named_as_containerd_names_them(name: str, full: str) -> None:
    assert images.qualified(name) == full


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    archive.addfile(member, io.BytesIO(data))


def test_an_archive_is_rewritten_so_kind_sees_every_image(tmp_path: Path) -> None:
    source, target = tmp_path / "in.tar", tmp_path / "out.tar"
    manifest = [{"RepoTags": ["registry.k8s.io/kube-proxy:v1"]}, {"RepoTags": ["kindest/k:v2"]}]
    repositories = {"registry.k8s.io/kube-proxy": {"v1": "a"}, "kindest/k": {"v2": "b"}}
    with tarfile.open(source, "w") as archive:
        _add(archive, "layer/layer.tar", b"x" * 1000)
        _add(archive, "manifest.json", json.dumps(manifest).encode())
        _add(archive, "repositories", json.dumps(repositories).encode())
    images._reorder_archive(source, target)
    with tarfile.open(target) as archive:
        names = archive.getnames()
        assert names[0] == "repositories"
        assert sorted(names) == sorted(["layer/layer.tar", "manifest.json", "repositories"])
        first = archive.extractfile("repositories")
        assert first is not None
        assert json.loads(first.read()) == {
            "registry.k8s.io/kube-proxy": {"v1": "a"},
            "docker.io/kindest/k": {"v2": "b"},
        }
        layer = archive.extractfile("layer/layer.tar")
        assert layer is not None and layer.read() == b"x" * 1000


def test_every_image_has_one_step_and_unique_tags() -> None:
    tags = list(images.iter_tags())
    assert len(tags) == len(set(tags))
    assert images.loaded_tags() == [
        "apache/airflow:3.3.2-python3.11",
        "apache/airflow:3.3.2",
        "postgres:15",
        "quay.io/prometheus/statsd-exporter:v0.29.0",
        "registry.k8s.io/git-sync/git-sync:v4.4.2",
        "python:3.12-slim",
    ]


def test_without_docker_the_kit_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(images.ImageError, match="Docker is not installed"):
        images.build("python", progress=lambda _m: None)


def test_the_listing_shows_pins_not_digests() -> None:
    shown = images._shown_pins(
        [
            "sigs.k8s.io/kind@v0.33.0",
            "kind-base/Dockerfile:0123456789abcdef",
            "kind-base/flightschool/ctr:fedcba9876543210",
            "x" * 60,
        ]
    )
    assert shown == ["sigs.k8s.io/kind@v0.33.0", "cluster/images/kind-base", "x" * 45 + "..."]


def test_docker_without_an_engine_says_how_to_start_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docker = tmp_path / "docker"
    docker.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(images.ImageError, match="engine does not answer") as caught:
        images.build("python", progress=lambda _m: None)
    assert "scripts/docker.sh start" in str(caught.value)


def test_a_failed_step_names_itself_its_log_and_the_last_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(images, "_engine", lambda: "docker")

    def failing(ctx: images.Context) -> None:
        ctx.sh(["sh", "-c", "echo compiling; echo 'error: no space left' >&2; exit 3"])

    step = images.Step("python", "a step that fails", (), lambda _p: ["x"], failing)
    monkeypatch.setitem(images.STEPS, "python", step)
    lines: list[str] = []
    with pytest.raises(images.ImageError) as caught:
        images.build("python", progress=lines.append)
    message = str(caught.value)
    log = tmp_path / "cache" / "images" / "logs" / "python.log"
    assert message.startswith("step python failed: sh exited with 3")
    assert f"log: {log}" in message and "error: no space left" in message
    assert "compiling" in log.read_text()
    assert lines[-1].startswith("[1/1] python: building a step that fails")
    assert "python" not in images.read_state()
