"""The embedded cluster's certificates, made before kwokctl starts it.

kwokctl makes a cluster's certificates itself when its `pki` folder is missing: two
2048-bit RSA keys, about a quarter of a second before any process starts. It keeps a folder
that exists, so `up` writes the same four files first with P-256 keys, which take under a
millisecond: a CA, and one certificate every component serves and signs with and every
client (components, kubectl, the app) presents, in `system:masters`. Nothing listens
beyond 127.0.0.1 (embedded.py), so the names are the loopback ones and the in-cluster
names of the API server's Service.
"""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from flightschool.cluster.identity import write_private

ADMIN_USER = "kwok-admin"  # the names kwokctl itself gives, so logs and audits read the same
ADMIN_GROUP = "system:masters"
CA_NAME = "kwok-ca"
DNS_NAMES = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)
IP_ADDRESSES = ("127.0.0.1", "::1")
VALID_FOR = datetime.timedelta(days=365)
CLOCK_SKEW = datetime.timedelta(days=1)


def write_cluster_pki(folder: Path) -> None:
    """ca.crt, ca.key, admin.crt, admin.key in `folder` (created owner-only); keys 0600."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    admin_key = ec.generate_private_key(ec.SECP256R1())
    admin_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ADMIN_GROUP),
            x509.NameAttribute(NameOID.COMMON_NAME, ADMIN_USER),
        ]
    )
    names: list[x509.GeneralName] = [x509.DNSName(name) for name in DNS_NAMES]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in IP_ADDRESSES]
    admin_cert = (
        _builder(admin_name, ca_name, admin_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    for stem, cert, key in (("ca", ca_cert, ca_key), ("admin", admin_cert, admin_key)):
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,  # "EC PRIVATE KEY", as Go writes it
            serialization.NoEncryption(),
        )
        write_private(folder / f"{stem}.key", pem.decode())  # makes the folder owner-only
        (folder / f"{stem}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    now: datetime.datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + VALID_FOR)
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
