"""Join links to hand out: a plain list and a printable page with one QR code per person
(segno writes the SVG; nothing leaves the machine). Links hold their token, so the page is
written once, owner-only, when the links are made."""

from __future__ import annotations

import html
import io

import segno

from flightschool.progress.workshop import Link


def qr_svg(url: str) -> str:
    """An inline SVG QR code for one link."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def text_list(links: list[Link], base: str) -> str:
    return "".join(
        f"{link.learner}\t{link.role}\t{link.url(base)}\texpires {link.expires_at:%Y-%m-%d %H:%M} UTC\n"
        for link in links
    )


def html_page(workshop: str, links: list[Link], base: str) -> str:
    """A page to print and cut: one card per person with their id, link and QR code."""
    cards = "".join(
        f'<div class="card"><h2>{html.escape(link.learner)}</h2>'
        f"<p>{html.escape(link.role)} · expires {link.expires_at:%Y-%m-%d %H:%M} UTC</p>"
        f"{qr_svg(link.url(base))}"
        f'<p class="url">{html.escape(link.url(base))}</p></div>'
        for link in links
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Flight School workshop {html.escape(workshop)}</title><style>"
        "body{font-family:sans-serif}.card{display:inline-block;width:30%;margin:1%;"
        "padding:8px;border:1px dashed #888;vertical-align:top;page-break-inside:avoid}"
        ".url{font-family:monospace;font-size:9px;word-break:break-all}"
        f"</style></head><body><h1>Workshop {html.escape(workshop)}</h1>{cards}</body></html>"
    )
