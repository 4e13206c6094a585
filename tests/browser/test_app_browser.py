"""The app in a real browser: Home, then a quiz answered with feedback shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_home_then_answer_a_quiz_question(app_url: str, page: Page) -> None:
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Flight School")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Fixture module").first).to_be_visible()
    screenshot(page, "home")

    page.get_by_role("link", name="Quizzes").first.click()
    expect(page.get_by_role("heading", name="Quizzes")).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Start practice").click()
    expect(page.get_by_text("Question 1 of 6")).to_be_visible(timeout=15_000)
    page.get_by_text("A pod", exact=True).click()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_text("Correct · 1/1")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("A pod runs one or more containers.")).to_be_visible()
    path = screenshot(page, "quiz-feedback")
    assert path.stat().st_size > 10_000


def test_lesson_page_renders_with_its_diagram(app_url: str, page: Page) -> None:
    page.goto(f"{app_url}/01-basics")
    expect(page.get_by_role("heading", name="Basics of the fixture course")).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("Check your understanding")).to_be_visible()
    expect(page.locator("svg").first).to_be_visible(timeout=15_000)  # the Graphviz diagram
    screenshot(page, "lesson")


def test_two_question_mock_interview_ends_with_a_report(app_url: str, page: Page) -> None:
    page.goto(f"{app_url}/interview")
    expect(page.get_by_role("heading", name="Mock interview")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Start the interview").click()
    for _ in range(2):
        expect(page.get_by_text("Time left")).to_be_visible(timeout=15_000)
        page.get_by_label("Your answer").fill(
            "Each task gets its own pod, built from the pod template. Set limits for memory."
        )
        page.get_by_role("button", name="Submit answer").click()
        expect(page.get_by_text("Rubric coverage")).to_be_visible(timeout=15_000)
        page.get_by_role("button", name="Good", exact=True).click()
    expect(page.get_by_text("Session report")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="Download the report (Markdown)")).to_be_visible()
    screenshot(page, "interview-report")
