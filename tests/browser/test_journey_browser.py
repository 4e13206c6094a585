"""The learner's journey in a real browser: what only a browser shows (titles, colours)."""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Iterator

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from flightschool.content.scoring import shuffled
from tests.browser.conftest import screenshot, start_app
from tests.colour import CAPTION_OPACITY, blend, contrast, parse
from tests.conftest import FIXTURE_COURSE

pytestmark = pytest.mark.browser

ORDER_LESSON = """---
id: 03-order
title: Ordering and mistakes
module: Fixture module
objectives: [Order pod phases]
minutes: 2
---
## Phases

```python mistake
schedule_interval = "@daily"
```

```check
fx-order
```
"""
PHASES = ["Pending", "Running", "Succeeded"]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture course plus a lesson with an ordering check and a mistake block."""
    tmp = tmp_path_factory.mktemp("journey")
    course = tmp / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    (course / "lessons" / "03-order.md").write_text(ORDER_LESSON)
    env = {
        "FLIGHTSCHOOL_CONTENT_DIR": str(course),
        "FLIGHTSCHOOL_DATA_DIR": str(tmp / "data"),
        "FLIGHTSCHOOL_DATABASE_URL": f"sqlite:///{tmp / 'progress.db'}",
    }
    pid, url = start_app(env, tmp / "streamlit.log")
    yield url
    os.killpg(pid, signal.SIGTERM)


def _sortable(page: Page) -> FrameLocator:
    frame = page.frame_locator('iframe[title*="sortable"]')
    expect(frame.locator(".sortable-item").first).to_be_visible(timeout=30_000)
    return frame


def _shown_order(frame: FrameLocator) -> list[str]:
    return [t.strip() for t in frame.locator(".sortable-item").all_inner_texts()]


def test_ordering_by_keyboard_alone_is_graded_right(app_url: str, page: Page) -> None:
    page.goto(f"{app_url}/03-order")
    frame = _sortable(page)
    assert _shown_order(frame) == shuffled(PHASES, "learner:03-order:fx-order")
    for position, wanted in enumerate(PHASES):  # Space picks up, arrows move, Space drops
        current = _shown_order(frame).index(wanted)
        if current == position:
            continue
        frame.locator(".sortable-item", has_text=wanted).focus()
        page.keyboard.press("Space")
        for _ in range(current - position):
            page.keyboard.press("ArrowUp")
        page.keyboard.press("Space")
        expect(frame.locator(".sortable-item").nth(position)).to_have_text(wanted)
    assert _shown_order(frame) == PHASES
    page.wait_for_timeout(500)  # the component reports its value to the app
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Correct · 1/1")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Pending → Running → Succeeded")).to_be_visible()
    screenshot(page, "ordering-keyboard")


def test_ordering_by_mouse_drag_gets_credit_by_pairs(app_url: str, page: Page) -> None:
    page.goto(f"{app_url}/03-order")
    frame = _sortable(page)
    order = _shown_order(frame)
    source = frame.locator(".sortable-item", has_text=order[-1])
    target = frame.locator(".sortable-item", has_text=order[0])
    start, end = source.bounding_box(), target.bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 2, steps=15)
    page.mouse.up()
    moved = [order[-1], *order[:-1]]
    expect(frame.locator(".sortable-item")).to_have_text(moved)  # and the overlay is gone
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text(re.compile(r"(Correct|Partly right|Not quite) · "))).to_be_visible(
        timeout=15_000
    )
    expect(page.get_by_text(" → ".join(moved)).first).to_be_visible()  # the learner's answer
    screenshot(page, "ordering-drag")


def test_a_mistake_block_shows_its_badge(app_url: str, page: Page) -> None:
    page.goto(f"{app_url}/03-order")
    badge = page.get_by_text("Wrong on purpose", exact=False)
    expect(badge).to_be_visible(timeout=30_000)
    code = page.get_by_text('schedule_interval = "@daily"')
    badge_box, code_box = badge.bounding_box(), code.bounding_box()
    assert badge_box and code_box and badge_box["y"] < code_box["y"]


def test_each_page_has_its_own_browser_title(app_url: str, page: Page) -> None:
    page.goto(f"{app_url}/01-basics")
    expect(page.get_by_role("heading", name="Basics of the fixture course")).to_be_visible(
        timeout=30_000
    )
    expect(page).to_have_title(re.compile(r"^Basics of the fixture course · Flight School$"))
    page.goto(f"{app_url}/progress")
    expect(page.get_by_role("heading", name="Progress", exact=True)).to_be_visible(timeout=30_000)
    expect(page).to_have_title("Progress · Flight School")
    page.get_by_role("link", name="Quizzes").first.click()  # navigating inside the app
    expect(page.get_by_role("heading", name="Quizzes", exact=True)).to_be_visible(timeout=15_000)
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


def test_progress_charts_the_lesson_checks_by_day_under_their_titles(
    app_url: str, page: Page
) -> None:
    page.goto(f"{app_url}/03-order")
    frame = _sortable(page)
    expect(frame.locator(".sortable-item")).to_have_count(3)
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Your answer:")).to_be_visible(timeout=15_000)
    page.goto(f"{app_url}/progress")
    expect(page.get_by_role("heading", name="Scores over time")).to_be_visible(timeout=30_000)
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart).to_be_visible(timeout=15_000)
    labels = chart.locator("svg text")
    expect(labels.filter(has_text="Lesson check: Ordering and mistakes")).to_have_count(1)
    expect(labels.filter(has_text=re.compile(r"^Day$"))).to_have_count(1)
    expect(labels.filter(has_text=re.compile(r"^\d{1,2} [A-Z][a-z]{2}$")).first).to_be_attached()
    screenshot(page, "progress-by-day")
