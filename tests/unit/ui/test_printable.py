"""Join links to hand out: a list and a printable page with a QR code per person."""

from __future__ import annotations

from datetime import UTC, datetime

from flightschool.progress.workshop import Link
from flightschool.ui.printable import html_page, qr_svg, text_list

WHEN = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


def test_each_person_gets_a_card_with_their_link_and_a_qr_code() -> None:
    links = [
        Link("nov-instructor", "instructor", "sel1.secret1", WHEN),
        Link("nov-01", "learner", "sel2.secret2", WHEN),
    ]
    page = html_page("nov", links, "https://school.example.org/")
    assert page.count("<svg") == 2
    assert "https://school.example.org/?join=sel2.secret2" in page
    assert "expires 2026-11-30 18:00 UTC" in page
    listed = text_list(links, "https://school.example.org").splitlines()
    assert listed[1].split("\t")[:3] == [
        "nov-01",
        "learner",
        "https://school.example.org/?join=sel2.secret2",
    ]


def test_names_are_escaped_in_the_page() -> None:
    page = html_page("<b>x</b>", [Link("a", "learner", "t.t", WHEN)], "http://h")
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_the_qr_code_changes_with_the_link() -> None:
    one, two = qr_svg("http://h/?join=a.b"), qr_svg("http://h/?join=a.c")
    assert one.startswith("<svg") and one != two
