"""Extra CA certificates the kit's Airflow image trusts, for networks that intercept TLS.

A workshop behind a TLS-inspecting proxy can reach PyPI and the Debian mirror only through the
proxy's own certificate authority: a learner's `pip install` inside `docker build` then fails
certificate verification, while the host, which trusts that authority, works. The image kit
copies the authorities the host added locally into the Airflow image (Debian's
`update-ca-certificates`), so builds FROM it verify TLS as the host does. On a machine with no
locally added authority nothing is copied and the image is the same as before.

Which certificates: `FLIGHTSCHOOL_EXTRA_CA_CERTS` (a PEM file, or a folder of `*.crt`), else the
host's locally added authorities in Debian's and Ubuntu's folder for them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flightschool.core import settings
from flightschool.core.errors import EnvironmentProblem

LOCAL_AUTHORITIES = Path("/usr/local/share/ca-certificates")


class TrustError(EnvironmentProblem, ValueError):
    pass


def extra_ca_certificates(named: Path | None = None) -> list[Path]:
    """The PEM files to trust, sorted; empty when there are none. `named`: the setting's
    file or folder (FLIGHTSCHOOL_EXTRA_CA_CERTS) when not given."""
    named = named or settings.current().extra_ca_certs
    source = named or LOCAL_AUTHORITIES
    if source.is_file():
        return [source]
    if source.is_dir():
        return sorted(p for p in source.rglob("*.crt") if p.is_file())
    if named:
        raise TrustError(f"FLIGHTSCHOOL_EXTRA_CA_CERTS={named}: no such file or folder")
    return []


def digests(paths: list[Path]) -> list[str]:
    """One line per certificate for the image's build key: a changed authority rebuilds."""
    return [f"ca:{hashlib.sha256(p.read_bytes()).hexdigest()[:16]}" for p in paths]


def copy_into(paths: list[Path], folder: Path) -> None:
    """Write the certificates into a build context folder (created even when empty, so the
    Dockerfile's COPY always has a source), named so update-ca-certificates reads them."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, path in enumerate(paths):
        (folder / f"extra-{index:02d}.crt").write_bytes(path.read_bytes())
