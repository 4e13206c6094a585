"""The learner's journey in a real browser: what only a browser shows (titles, colours)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.colour import CAPTION_OPACITY, blend, contrast, parse

pytestmark = pytest.mark.browser


def test_each_page_has_its_own_browser_title(app_url: str, page: Page) -> None:
    page.goto(f"{app_url}/01-basics")
    expect(page.get_by_role("heading", name="Basics of the fixture course")).to_be_visible(
        timeout=30_000
    )
    expect(page).to_have_title(re.compile(r"^Basics of the fixture course · Flight School$"))
    page.goto(f"{app_url}/progress")
    expect(page.get_by_role("heading", name="Progress")).to_be_visible(timeout=30_000)
    expect(page).to_have_title("Progress · Flight School")
    page.get_by_role("link", name="Quizzes").first.click()  # navigating inside the app
    expect(page.get_by_role("heading", name="Quizzes")).to_be_visible(timeout=15_000)
    expect(page).to_have_title("Quizzes · Flight School")


def test_captions_meet_the_contrast_minimum(app_url: str, page: Page) -> None:
    page.goto(f"{app_url}/01-basics")
    caption = page.get_by_test_id("stCaptionContainer").first
    expect(caption).to_be_visible(timeout=30_000)
    colour, opacity, background = caption.evaluate(
        """el => {
            const text = el.querySelector('p') || el;
            let opacity = 1, bg = 'rgba(0, 0, 0, 0)';
            for (let n = text; n; n = n.parentElement) {
                const style = getComputedStyle(n);
                opacity *= parseFloat(style.opacity);
                if (/rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) bg = style.backgroundColor;
            }
            return [getComputedStyle(text).color, opacity, bg];
        }"""
    )
    screenshot(page, "lesson-caption")
    assert opacity == pytest.approx(CAPTION_OPACITY)  # what the theme's computation assumes
    text, alpha = parse(colour)
    under, _ = parse(background)
    shown = blend(text, alpha * opacity, under)
    assert contrast(shown, under) >= 4.5, (colour, opacity, background)
