"""Which certificate authorities the kit's Airflow image trusts."""

from __future__ import annotations

from pathlib import Path

import pytest

from flightschool.cluster import trust


def test_a_named_file_is_trusted_alone(tmp_path: Path) -> None:
    pem = tmp_path / "proxy.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n")
    assert trust.extra_ca_certificates(pem) == [pem]


def test_a_named_folder_gives_its_crt_files_in_order(tmp_path: Path) -> None:
    for name in ("b.crt", "a.crt", "notes.txt"):
        (tmp_path / name).write_text("x")
    found = trust.extra_ca_certificates(tmp_path)
    assert [p.name for p in found] == ["a.crt", "b.crt"]


def test_a_named_path_that_does_not_exist_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(
        trust.TrustError, match=r"FLIGHTSCHOOL_EXTRA_CA_CERTS=.*no such file or folder"
    ):
        trust.extra_ca_certificates(tmp_path / "missing.pem")


def test_certificates_are_copied_under_names_update_ca_certificates_reads(
    tmp_path: Path,
) -> None:
    pem = tmp_path / "proxy.pem"
    pem.write_text("cert")
    context = tmp_path / "context" / "ca"
    trust.copy_into([pem], context)
    assert [p.name for p in context.iterdir()] == ["extra-00.crt"]
    trust.copy_into([], tmp_path / "empty")  # the COPY source exists even with none
    assert (tmp_path / "empty").is_dir()


def test_a_changed_certificate_changes_the_build_key(tmp_path: Path) -> None:
    pem = tmp_path / "proxy.pem"
    pem.write_text("one")
    before = trust.digests([pem])
    pem.write_text("two")
    assert trust.digests([pem]) != before
