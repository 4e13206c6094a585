"""Settings read from FLIGHTSCHOOL_* variables."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from flightschool.core import settings
from tests.conftest import ROOT


def test_the_app_listens_on_loopback_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLIGHTSCHOOL_ADDRESS", raising=False)
    assert settings.address() == "127.0.0.1"
    monkeypatch.setenv("FLIGHTSCHOOL_ADDRESS", "0.0.0.0")
    assert settings.address() == "0.0.0.0"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.5", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
        ("::", False),
        ("example.org", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert settings.is_loopback(host) is loopback


def test_mode_defaults_to_personal_and_refuses_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLIGHTSCHOOL_MODE", raising=False)
    assert settings.mode() == "personal"
    monkeypatch.setenv("FLIGHTSCHOOL_MODE", "Workshop")
    assert settings.mode() == "workshop"
    monkeypatch.setenv("FLIGHTSCHOOL_MODE", "classroom")
    with pytest.raises(settings.SettingsError, match="FLIGHTSCHOOL_MODE must be one of"):
        settings.mode()


def test_learner_id_is_a_valid_label_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLIGHTSCHOOL_LEARNER", raising=False)
    assert settings.learner_id() == "personal"
    monkeypatch.setenv("FLIGHTSCHOOL_LEARNER", "ada lovelace@example.org/" + "x" * 100)
    value = settings.learner_id()
    assert len(value) <= 63
    assert value.startswith("ada-lovelace-example.org-")
    monkeypatch.setenv("FLIGHTSCHOOL_LEARNER", "///")
    assert settings.learner_id() == "personal"


def test_defaults_when_nothing_is_set() -> None:
    config = settings.current({"USER": "ada"})
    assert (config.mode, config.address, config.backend) == ("personal", "127.0.0.1", "embedded")
    assert (config.cluster_name, config.namespace_prefix) == ("flightschool", "fs-ada-")
    assert config.data_dir is None and config.database_url is None and config.workspace is None
    assert config.sandbox is True and config.toolchain_download is False
    assert config.kubeconfig == "" and config.context is None and config.binaries == {}
    assert config.namespace_role is None


def test_values_are_read_and_normalised(tmp_path: Path) -> None:
    config = settings.current(
        {
            "FLIGHTSCHOOL_BACKEND": " Kind ",
            "FLIGHTSCHOOL_DATA_DIR": "~/fs-data",
            "FLIGHTSCHOOL_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "FLIGHTSCHOOL_SANDBOX": "OFF",
            "FLIGHTSCHOOL_TOOLCHAIN_DOWNLOAD": "1",
            "FLIGHTSCHOOL_KUBE_APISERVER_BINARY": str(tmp_path / "kas"),
            "FLIGHTSCHOOL_NAMESPACE_PREFIX": "fs-team-",
            "FLIGHTSCHOOL_NAMESPACE_ROLE": " workshop-flightschool-lab ",
            "KUBECONFIG": "/a:/b",
        }
    )
    assert config.backend == "kind"
    assert config.data_dir == Path.home() / "fs-data"
    assert config.database_url == "postgresql+psycopg://u@h/db"
    assert config.sandbox is False and config.toolchain_download is True
    assert config.binary("kube-apiserver") == tmp_path / "kas" and config.binary("etcd") is None
    assert config.namespace_prefix == "fs-team-" and config.kubeconfig == "/a:/b"
    assert config.namespace_role == "workshop-flightschool-lab"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.backend = "embedded"  # type: ignore[misc]


def test_settings_are_read_on_use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "one"))
    assert settings.current().workspace == tmp_path / "one"
    monkeypatch.setenv("FLIGHTSCHOOL_WORKSPACE", str(tmp_path / "two"))
    assert settings.current().workspace == tmp_path / "two"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("FLIGHTSCHOOL_BACKEND", "minikube", "must be one of embedded, kind, kubeconfig"),
        ("FLIGHTSCHOOL_MODE", "classroom", "must be one of personal, workshop"),
        ("FLIGHTSCHOOL_SANDBOX", "maybe", "must be on or off"),
        ("FLIGHTSCHOOL_TOOLCHAIN_DOWNLOAD", "yes please", "must be on or off"),
        ("FLIGHTSCHOOL_DATABASE_URL", "/home/me/progress.db", "must be a database URL"),
        ("FLIGHTSCHOOL_CLUSTER_NAME", "My_Cluster", "lower-case letters, digits and '-'"),
        ("FLIGHTSCHOOL_NAMESPACE_PREFIX", "Team A/", "can start a namespace name"),
        ("FLIGHTSCHOOL_NAMESPACE_ROLE", "Lab Role", "must name a ClusterRole"),
        ("FLIGHTSCHOOL_DATA_DIR", "a\0b", "not a usable path"),
        ("FLIGHTSCHOOL_PUBLIC_URL", "school.example.org", "must be the app's address"),
        ("FLIGHTSCHOOL_PUBLIC_URL", "https://h/?join=x", "must be the app's address"),
        ("FLIGHTSCHOOL_NODE_POOL_COPIES", "0", "a whole number from 1 to 20"),
        ("FLIGHTSCHOOL_NODE_POOL_COPIES", "lots", "a whole number from 1 to 20"),
        ("FLIGHTSCHOOL_NODE_POOL_COPIES", "21", "a whole number from 1 to 20"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(name: str, value: str, words: str) -> None:
    with pytest.raises(settings.SettingsError, match=re.escape(name)) as caught:
        settings.current({name: value})
    assert words in str(caught.value)


def test_a_workshop_gets_a_bigger_embedded_pool_unless_told() -> None:
    assert settings.current({}).node_pool_copies == 1
    assert settings.current({"FLIGHTSCHOOL_MODE": "workshop"}).node_pool_copies == 5
    told = {"FLIGHTSCHOOL_MODE": "workshop", "FLIGHTSCHOOL_NODE_POOL_COPIES": "2"}
    assert settings.current(told).node_pool_copies == 2


def test_the_cli_names_a_bad_setting_instead_of_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from flightschool.cli import main

    monkeypatch.setenv("FLIGHTSCHOOL_BACKEND", "minikube")
    assert main(["cluster", "status"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: FLIGHTSCHOOL_BACKEND must be one of") and "Traceback" not in err


# Set by the app for its own child processes: a protocol, not a setting.
INTERNAL = {"FLIGHTSCHOOL_CHANNEL_FD", "FLIGHTSCHOOL_NONCE", "FLIGHTSCHOOL_SIMULATED_LOGS"}


def _readme_settings() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("### Settings", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"FLIGHTSCHOOL_[A-Z_<>]+", section))


def test_the_readme_lists_every_setting_and_only_those() -> None:
    source = (ROOT / "flightschool" / "core" / "settings.py").read_text()
    read = {
        f"FLIGHTSCHOOL_{n}"
        for n in re.findall(r'_(?:text|path|choice|switch)\(env, "(\w+)"', source)
    }
    read |= {"FLIGHTSCHOOL_KUBECONFIG", "FLIGHTSCHOOL_CONTEXT", "FLIGHTSCHOOL_NAMESPACE_PREFIX"}
    read |= {"FLIGHTSCHOOL_<NAME>_BINARY"}
    fields = {f.name for f in dataclasses.fields(settings.Settings)}
    assert len(read) == len(fields)  # one variable per field
    assert _readme_settings() - {"FLIGHTSCHOOL_KUBE_APISERVER_BINARY"} == read


def test_no_module_but_settings_reads_a_setting() -> None:
    offenders = []
    for path in sorted((ROOT / "flightschool").rglob("*.py")):
        if path.name == "settings.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            for name in re.findall(r"environ(?:\.get\(|\[)\s*\"(FLIGHTSCHOOL_\w+)", line):
                if name not in INTERNAL:
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {name}")
    assert offenders == []
