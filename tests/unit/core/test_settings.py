"""Settings read from FLIGHTSCHOOL_* variables."""

from __future__ import annotations

import pytest

from flightschool.core import settings


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
