"""The Lab page in a real browser against the embedded cluster: start, edit, check, results."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from flightschool.cluster.embedded import EmbeddedCluster
from tests.browser.conftest import screenshot, start_app
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


@pytest.fixture(scope="module")
def lab_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lab-browser")


@pytest.fixture(scope="module")
def lab_app(embedded: EmbeddedCluster, lab_tmp: Path) -> Iterator[str]:
    tmp = lab_tmp
    env = {
        "FLIGHTSCHOOL_DATA_DIR": str(embedded.state.parents[1]),
        "FLIGHTSCHOOL_CLUSTER_NAME": embedded.cluster,
        "FLIGHTSCHOOL_WORKSPACE": str(tmp / "workspace"),
        "FLIGHTSCHOOL_DATABASE_URL": f"sqlite:///{tmp / 'progress.db'}",
    }
    pid, url = start_app(env, tmp / "streamlit.log")
    yield url
    os.killpg(pid, signal.SIGTERM)


def test_start_edit_check_see_results(lab_app: str, lab_tmp: Path, page: Page) -> None:
    page.goto(f"{lab_app}/lab-01-first-pod")
    expect(page.get_by_role("heading", name="Your first pod", exact=True)).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("cluster ready")).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Start lab").click()
    editor = page.locator("textarea").first
    expect(editor).to_be_visible(timeout=20_000)
    editor.fill((ROOT / "labs" / "01-first-pod" / "solution" / "pod.yaml").read_text())
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Check my work").click()
    expect(page.get_by_text("8 / 8")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("The pod ran to completion")).to_be_visible()
    expect(page.get_by_text("lab-first-pod:", exact=False).first).to_be_visible(timeout=10_000)
    screenshot(page, "lab-results")
    written = lab_tmp / "workspace" / "01-first-pod" / "pod.yaml"
    assert "restartPolicy: Never" in written.read_text()


def test_run_the_dag_shows_live_output_and_task_states(lab_app: str, page: Page) -> None:
    """Lab 07 in Chromium: edit the DAG file, save, run it on the cluster, see each task's
    state, then grade."""
    page.goto(f"{lab_app}/lab-07-kpo-dag")
    expect(page.get_by_text("cluster ready")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Start lab").click()
    editor = page.locator("textarea").first
    expect(editor).to_be_visible(timeout=20_000)
    editor.fill((ROOT / "labs" / "07-kpo-dag" / "solution" / "pipeline.py").read_text())
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Run the DAG").click()
    expect(page.get_by_text("Run succeeded", exact=False)).to_be_visible(timeout=150_000)
    expect(page.get_by_text("[DAG TEST] end task task_id=volume_pod", exact=False)).to_be_attached()
    screenshot(page, "lab-dag-run")
    page.get_by_role("button", name="Check my work").click()
    expect(page.get_by_test_id("stMetricValue")).to_have_text("12 / 12", timeout=150_000)
