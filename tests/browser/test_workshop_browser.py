"""A workshop in Chromium against the embedded cluster and a real PostgreSQL: the
instructor creates the workshop, a learner signs in by their link and checks lab 01 in
their own namespace, and the instructor's dashboard shows the score without a reload."""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube, wait_until
from flightschool.core.proc import run
from tests.browser.conftest import screenshot, start_app
from tests.conftest import ROOT
from tests.postgres import postgres_server

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


@pytest.fixture(scope="module")
def workshop_app(
    embedded: EmbeddedCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("workshop-browser")
    with postgres_server() as database:
        env = {
            "FLIGHTSCHOOL_MODE": "workshop",
            "FLIGHTSCHOOL_DATA_DIR": str(embedded.state.parents[1]),
            "FLIGHTSCHOOL_CLUSTER_NAME": embedded.cluster,
            "FLIGHTSCHOOL_WORKSPACE": str(tmp / "workspace"),
            "FLIGHTSCHOOL_DATABASE_URL": database,
        }
        pid, url = start_app(env, tmp / "streamlit.log")
        try:
            yield url, env
        finally:
            os.killpg(pid, signal.SIGTERM)


def _create_workshop(url: str, env: dict[str, str], name: str) -> dict[str, str]:
    """A workshop of two learners made with the CLI, as an instructor would: link by learner."""
    made = run(
        [sys.executable, "-m", "flightschool.cli", "workshop", "create", name, "--learners", "2",
         "--url", url],
        timeout=120,
        env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return {line.split("\t")[0]: line.split("\t")[2] for line in made.stdout.splitlines()}


def test_instructor_creates_learner_checks_instructor_sees_the_score(
    workshop_app: tuple[str, dict[str, str]], browser: Browser, kube: Kube
) -> None:
    url, env = workshop_app
    links = _create_workshop(url, env, "wsb")
    teacher_tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    learner_tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()

    teacher_tab.goto(links["wsb-instructor"].replace("/?join=", "/instructor?join="))
    expect(teacher_tab.get_by_role("heading", name="Instructor dashboard")).to_be_visible(
        timeout=30_000
    )
    assert "join=" not in teacher_tab.url
    row = teacher_tab.get_by_test_id("stTable").locator("tr", has_text="wsb-01")
    expect(row).to_be_visible(timeout=15_000)

    learner_tab.goto(links["wsb-01"].replace("/?join=", "/lab-01-first-pod?join="))
    expect(learner_tab.get_by_text("Signed in as")).to_be_visible(timeout=30_000)
    assert "join=" not in learner_tab.url
    expect(learner_tab.get_by_role("link", name="Instructor dashboard")).to_have_count(0)
    expect(learner_tab.get_by_text("cluster ready")).to_be_visible(timeout=30_000)
    learner_tab.get_by_role("button", name="Start lab").click()
    expect(learner_tab.get_by_test_id("console-input")).to_be_visible(timeout=30_000)
    ace = learner_tab.frame_locator('iframe[title="code_editor.code_editor"]').first.locator(
        "textarea.ace_text-input"
    )
    expect(ace).to_be_attached(timeout=20_000)
    ace.focus()
    ace.press("Control+a")
    ace.press("Delete")
    solution = (ROOT / "labs" / "01-first-pod" / "solution" / "pod.yaml").read_text()
    learner_tab.keyboard.insert_text(solution)
    # this test is about sign-in and isolation: let the editor's save land in the
    # learner's own folder before checking (tests/browser/test_lab_browser.py checks
    # straight after typing)
    saved = Path(env["FLIGHTSCHOOL_WORKSPACE"]) / "wsb-01" / "01-first-pod" / "pod.yaml"
    assert wait_until(lambda: saved.exists() and saved.read_text() == solution, 30, 0.2)
    learner_tab.get_by_role("button", name="Check my work").click()
    expect(learner_tab.get_by_test_id("stMetricValue")).to_have_text("8 / 8", timeout=60_000)
    screenshot(learner_tab, "workshop-learner-checked")
    assert kube.get("v1", "Pod", "extract", "lab-wsb-01-first-pod") is not None

    # The dashboard refreshes on its own: no reload, the learner's score appears.
    expect(row).to_contain_text("8/8 ✓", timeout=30_000)
    screenshot(teacher_tab, "workshop-instructor-dashboard")
    kube.delete("v1", "Namespace", "lab-wsb-01-first-pod", grace_seconds=0)


def test_a_refresh_keeps_the_learner_signed_in_until_sign_out_or_revoke(
    workshop_app: tuple[str, dict[str, str]], browser: Browser
) -> None:
    url, env = workshop_app
    links = _create_workshop(url, env, "wsr")
    tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    tab.goto(links["wsr-01"])
    expect(tab.get_by_text("Signed in as wsr-01")).to_be_visible(timeout=30_000)
    expect(tab).to_have_url(re.compile(r"[?&]session="), timeout=15_000)
    assert "join=" not in tab.url
    secret = links["wsr-01"].split("join=")[1].split(".")[1]
    assert secret not in tab.url  # the address bar never holds the link's secret

    tab.reload()  # a new Streamlit session: the same learner, no join link needed
    expect(tab.get_by_text("Signed in as wsr-01")).to_be_visible(timeout=30_000)
    tab.get_by_role("link", name="Progress").click()  # a page change keeps it too
    expect(tab).to_have_url(re.compile(r"/progress\?.*session="), timeout=15_000)
    tab.reload()
    expect(tab.get_by_text("Signed in as wsr-01")).to_be_visible(timeout=30_000)
    screenshot(tab, "workshop-refreshed")

    # Sign out ends it: the same address (from the history) no longer signs anyone in.
    remembered = tab.url
    tab.get_by_role("button", name="Sign out").click()
    expect(tab.get_by_role("button", name="Join")).to_be_visible(timeout=30_000)
    tab.goto(remembered)
    expect(tab.get_by_text("You signed out")).to_be_visible(timeout=30_000)
    expect(tab.get_by_text("Signed in as")).to_have_count(0)

    # Revoking the learner's link ends the sessions it opened, on the next load.
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.goto(links["wsr-02"])
    expect(other.get_by_text("Signed in as wsr-02")).to_be_visible(timeout=30_000)
    expect(other).to_have_url(re.compile(r"[?&]session="), timeout=15_000)
    revoked = run(
        [sys.executable, "-m", "flightschool.cli", "workshop", "revoke", "wsr-02"],
        timeout=60,
        env=env,
    )
    assert revoked.returncode == 0, revoked.stderr
    other.reload()
    expect(other.get_by_text("revoked")).to_be_visible(timeout=30_000)
    expect(other.get_by_text("Signed in as")).to_have_count(0)
