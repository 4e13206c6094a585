"""The embedded cluster's certificates: what the API server and every client check."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from flightschool.cluster import pki


def _cert(folder: Path, stem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((folder / f"{stem}.crt").read_bytes())


def test_the_admin_certificate_is_issued_by_the_ca_for_a_cluster_admin(tmp_path: Path) -> None:
    pki.write_cluster_pki(tmp_path / "pki")
    ca, admin = _cert(tmp_path / "pki", "ca"), _cert(tmp_path / "pki", "admin")
    admin.verify_directly_issued_by(ca)  # raises if not
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not admin.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    subject = admin.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "kwok-admin"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:masters"
    usages = admin.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH} <= set(usages)


def test_the_server_names_cover_loopback_and_the_in_cluster_service(tmp_path: Path) -> None:
    pki.write_cluster_pki(tmp_path / "pki")
    names = (
        _cert(tmp_path / "pki", "admin")
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value
    )
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    dns = names.get_values_for_type(x509.DNSName)
    assert {"localhost", "kubernetes.default.svc"} <= set(dns)


def test_each_key_matches_its_certificate_and_only_the_owner_reads_it(tmp_path: Path) -> None:
    folder = tmp_path / "pki"
    pki.write_cluster_pki(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for stem in ("ca", "admin"):
        key_file = folder / f"{stem}.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert key_file.read_text().startswith("-----BEGIN EC PRIVATE KEY-----")
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        public = serialization.PublicFormat.SubjectPublicKeyInfo
        assert key.public_key().public_bytes(serialization.Encoding.PEM, public) == _cert(
            folder, stem
        ).public_key().public_bytes(serialization.Encoding.PEM, public)


def test_every_cluster_gets_keys_of_its_own(tmp_path: Path) -> None:
    pki.write_cluster_pki(tmp_path / "one")
    pki.write_cluster_pki(tmp_path / "two")
    assert (tmp_path / "one" / "ca.key").read_bytes() != (tmp_path / "two" / "ca.key").read_bytes()
