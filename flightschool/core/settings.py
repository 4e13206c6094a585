"""Who is using Flight School and how it is served, from FLIGHTSCHOOL_* variables.

Read on use (not at import), so tests and workshop launchers can change them.
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Literal

Mode = Literal["personal", "workshop"]
MODES: tuple[Mode, ...] = ("personal", "workshop")
DEFAULT_ADDRESS = "127.0.0.1"


class SettingsError(ValueError):
    """A FLIGHTSCHOOL_* variable holds something unusable; the message names it."""


def mode() -> Mode:
    """`personal` (one learner, the default) or `workshop` (sign-in, many learners)."""
    value = os.environ.get("FLIGHTSCHOOL_MODE", "personal").strip().lower() or "personal"
    for known in MODES:
        if value == known:
            return known
    raise SettingsError(f"FLIGHTSCHOOL_MODE must be one of {', '.join(MODES)}, not {value!r}")


def address() -> str:
    """Where the app listens: loopback unless FLIGHTSCHOOL_ADDRESS says otherwise."""
    return os.environ.get("FLIGHTSCHOOL_ADDRESS", "").strip() or DEFAULT_ADDRESS


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def learner_id() -> str:
    """The owner recorded on what the app creates for this learner (a label value)."""
    raw = os.environ.get("FLIGHTSCHOOL_LEARNER", "").strip() or "personal"
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "-", raw)[:63].strip("-_.")
    return cleaned or "personal"
