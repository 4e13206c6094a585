"""Every FLIGHTSCHOOL_* setting in one frozen object, read from the environment on use.

`current()` reads the variables each time it is called (not at import), so tests and
workshop launchers can change them; a bad value raises SettingsError naming the variable.
The README's "Settings" list documents the same names (a test keeps the two in step).
Variables the app sets for its own child processes (FLIGHTSCHOOL_CHANNEL_FD,
FLIGHTSCHOOL_NONCE, FLIGHTSCHOOL_SIMULATED_LOGS) are a protocol, not settings.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from flightschool.core.errors import EnvironmentProblem

Mode = Literal["personal", "workshop"]
MODES: tuple[Mode, ...] = ("personal", "workshop")
BACKENDS = ("embedded", "kind", "kubeconfig")
DEFAULT_ADDRESS = "127.0.0.1"
PREFIX = "FLIGHTSCHOOL_"

_DNS_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?")
_NAMESPACE_PREFIX = re.compile(r"[a-z0-9][a-z0-9-]{0,29}")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+]*://")
_SWITCH = {"": None, "1": True, "on": True, "true": True, "0": False, "off": False, "false": False}


class SettingsError(EnvironmentProblem, ValueError):
    """A FLIGHTSCHOOL_* variable holds something unusable; the message names it."""


@dataclass(frozen=True)
class Settings:
    """What the FLIGHTSCHOOL_* variables say, checked. None: not set, use the default."""

    mode: Mode  # FLIGHTSCHOOL_MODE: personal (one learner) or workshop (sign-in, many)
    address: str  # FLIGHTSCHOOL_ADDRESS: where the app listens
    public_url: str | None  # FLIGHTSCHOOL_PUBLIC_URL: the app as learners reach it (join links)
    learner: str  # FLIGHTSCHOOL_LEARNER: owner label on what the app creates
    content_dir: Path | None  # FLIGHTSCHOOL_CONTENT_DIR: lessons/, quizzes/, labs/
    data_dir: Path | None  # FLIGHTSCHOOL_DATA_DIR: progress, workspaces, credentials
    cache_dir: Path | None  # FLIGHTSCHOOL_CACHE_DIR: toolchain, charts, images
    extra_ca_certs: Path | None  # FLIGHTSCHOOL_EXTRA_CA_CERTS: CAs the kit's images trust
    database_url: str | None  # FLIGHTSCHOOL_DATABASE_URL: a SQLAlchemy URL
    backend: str  # FLIGHTSCHOOL_BACKEND: embedded, kind or kubeconfig
    cluster_name: str  # FLIGHTSCHOOL_CLUSTER_NAME: the embedded or kind cluster
    node_pool_copies: int  # FLIGHTSCHOOL_NODE_POOL_COPIES: embedded nodes per nodes.yaml node
    kubeconfig: str  # FLIGHTSCHOOL_KUBECONFIG, else KUBECONFIG (a path list)
    context: str | None  # FLIGHTSCHOOL_CONTEXT: the kubeconfig context
    namespace_prefix: str  # FLIGHTSCHOOL_NAMESPACE_PREFIX: learner namespaces on a shared cluster
    namespace_role: str | None  # FLIGHTSCHOOL_NAMESPACE_ROLE: ClusterRole bound in lab namespaces
    workspace: Path | None  # FLIGHTSCHOOL_WORKSPACE: where lab files are edited
    airflow_chart: Path | None  # FLIGHTSCHOOL_AIRFLOW_CHART: a chart folder or .tgz
    toolchain_bin: Path | None  # FLIGHTSCHOOL_TOOLCHAIN_BIN: the cluster binaries
    toolchain_download: bool  # FLIGHTSCHOOL_TOOLCHAIN_DOWNLOAD: kwokctl fetches releases
    kwok_stages: Path | None  # FLIGHTSCHOOL_KWOK_STAGES: kwok's default stage files
    sandbox: bool  # FLIGHTSCHOOL_SANDBOX: off runs learner code without bubblewrap
    binaries: Mapping[str, Path]  # FLIGHTSCHOOL_<NAME>_BINARY: one toolchain program

    def binary(self, name: str) -> Path | None:
        """An explicit path for one toolchain program (kube-apiserver, kwokctl, ...)."""
        return self.binaries.get(name)


def current(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings as the environment says now."""
    env = os.environ if environ is None else environ
    return Settings(
        mode=_mode(env),
        address=_text(env, "ADDRESS") or DEFAULT_ADDRESS,
        public_url=_public_url(env),
        learner=_learner(env),
        content_dir=_path(env, "CONTENT_DIR"),
        data_dir=_path(env, "DATA_DIR"),
        cache_dir=_path(env, "CACHE_DIR"),
        extra_ca_certs=_path(env, "EXTRA_CA_CERTS"),
        database_url=_database_url(env),
        backend=_choice(env, "BACKEND", BACKENDS, "embedded"),
        cluster_name=_cluster_name(env),
        node_pool_copies=_copies(env),
        kubeconfig=env.get(PREFIX + "KUBECONFIG") or env.get("KUBECONFIG", ""),
        context=env.get(PREFIX + "CONTEXT") or None,
        namespace_prefix=_namespace_prefix(env),
        namespace_role=_namespace_role(env),
        workspace=_path(env, "WORKSPACE"),
        airflow_chart=_path(env, "AIRFLOW_CHART", expand=False),
        toolchain_bin=_path(env, "TOOLCHAIN_BIN"),
        toolchain_download=_switch(env, "TOOLCHAIN_DOWNLOAD", default=False),
        kwok_stages=_path(env, "KWOK_STAGES", expand=False),
        sandbox=_switch(env, "SANDBOX", default=True),
        binaries=_binaries(env),
    )


def _text(env: Mapping[str, str], name: str) -> str:
    return env.get(PREFIX + name, "").strip()


def _path(env: Mapping[str, str], name: str, *, expand: bool = True) -> Path | None:
    raw = env.get(PREFIX + name, "")
    if not raw:
        return None
    if "\0" in raw:
        raise SettingsError(f"{PREFIX}{name} is not a usable path (it holds a NUL character)")
    return Path(raw).expanduser() if expand else Path(raw)


def _choice(env: Mapping[str, str], name: str, known: tuple[str, ...], default: str) -> str:
    value = _text(env, name).lower() or default
    if value not in known:
        raise SettingsError(f"{PREFIX}{name} must be one of {', '.join(known)}, not {value!r}")
    return value


def _mode(env: Mapping[str, str]) -> Mode:
    value = _choice(env, "MODE", MODES, "personal")
    return "workshop" if value == "workshop" else "personal"


def _switch(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = _text(env, name).lower()
    if raw not in _SWITCH:
        raise SettingsError(f"{PREFIX}{name} must be on or off (1 or 0), not {raw[:40]!r}")
    value = _SWITCH[raw]
    return default if value is None else value


def _learner(env: Mapping[str, str]) -> str:
    raw = _text(env, "LEARNER") or "personal"
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "-", raw)[:63].strip("-_.")
    return cleaned or "personal"


def _public_url(env: Mapping[str, str]) -> str | None:
    raw = _text(env, "PUBLIC_URL")
    if raw and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", raw):
        raise SettingsError(
            f"{PREFIX}PUBLIC_URL must be the app's address such as https://workshop.example.org, "
            f"not {raw[:60]!r}"
        )
    return raw or None


def _database_url(env: Mapping[str, str]) -> str | None:
    raw = _text(env, "DATABASE_URL")
    if raw and not _URL.match(raw):
        raise SettingsError(
            f"{PREFIX}DATABASE_URL must be a database URL such as sqlite:///path/progress.db "
            "or postgresql+psycopg://user@host/db"
        )
    return raw or None


def _cluster_name(env: Mapping[str, str]) -> str:
    value = _text(env, "CLUSTER_NAME") or "flightschool"
    if not _DNS_LABEL.fullmatch(value):
        raise SettingsError(
            f"{PREFIX}CLUSTER_NAME must be lower-case letters, digits and '-' (at most 40), "
            f"not {value[:60]!r}"
        )
    return value


WORKSHOP_POOL_COPIES = 5  # room for about 50 learners' lab pods at once
MAX_POOL_COPIES = 20


def _copies(env: Mapping[str, str]) -> int:
    """How many nodes the embedded cluster makes for each node of `cluster/nodes.yaml`.
    Simulated nodes cost next to nothing, but their capacity is real to the scheduler: a
    workshop's learners share the pool, and fifty learners' pods at once do not fit in one
    copy of it (they would wait Unschedulable). Each node keeps its own size, so a lab
    about what fits on a node teaches the same thing."""
    raw = _text(env, "NODE_POOL_COPIES")
    if not raw:
        return WORKSHOP_POOL_COPIES if _mode(env) == "workshop" else 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_POOL_COPIES:
        raise SettingsError(
            f"{PREFIX}NODE_POOL_COPIES must be a whole number from 1 to {MAX_POOL_COPIES}, "
            f"not {raw[:40]!r}"
        )
    return int(raw)


def _namespace_prefix(env: Mapping[str, str]) -> str:
    if PREFIX + "NAMESPACE_PREFIX" not in env:
        return f"fs-{env.get('USER', 'learner')}-"
    value = _text(env, "NAMESPACE_PREFIX")  # empty is refused by the backend that needs one
    if value and not _NAMESPACE_PREFIX.fullmatch(value):
        raise SettingsError(
            f"{PREFIX}NAMESPACE_PREFIX must be lower-case letters, digits and '-' (at most 30) "
            f"so that it can start a namespace name, not {value[:60]!r}"
        )
    return value


def _namespace_role(env: Mapping[str, str]) -> str | None:
    value = _text(env, "NAMESPACE_ROLE")
    if value and not re.fullmatch(r"[a-z0-9]([a-z0-9.:-]{0,251}[a-z0-9])?", value):
        raise SettingsError(
            f"{PREFIX}NAMESPACE_ROLE must name a ClusterRole (lower-case letters, digits, "
            f"'-', '.' and ':'), not {value[:60]!r}"
        )
    return value or None


def _binaries(env: Mapping[str, str]) -> dict[str, Path]:
    """FLIGHTSCHOOL_KUBE_APISERVER_BINARY=/path names the program kube-apiserver."""
    found = {}
    for key, value in env.items():
        if key.startswith(PREFIX) and key.endswith("_BINARY") and value:
            name = key[len(PREFIX) : -len("_BINARY")].lower().replace("_", "-")
            found[name] = Path(value)
    return found


def mode() -> Mode:
    """`personal` (one learner, the default) or `workshop` (sign-in, many learners)."""
    return _mode(os.environ)


def address() -> str:
    """Where the app listens: loopback unless FLIGHTSCHOOL_ADDRESS says otherwise."""
    return _text(os.environ, "ADDRESS") or DEFAULT_ADDRESS


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def learner_id() -> str:
    """The owner recorded on what the app creates for this learner (a label value)."""
    return _learner(os.environ)
