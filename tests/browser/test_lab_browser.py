"""The Lab page in a real browser against the embedded cluster: start, edit, check, results."""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.content.catalog import load_catalog
from flightschool.grading import session
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


@pytest.fixture(autouse=True)
def _lab_01_from_scratch(embedded: EmbeddedCluster, lab_tmp: Path) -> None:
    """Each test meets lab 01 as a new learner would, whatever ran before it: no
    workspace, nothing in its namespace."""
    lab = load_catalog(ROOT).labs["01-first-pod"]
    shutil.rmtree(lab_tmp / "workspace" / lab.id, ignore_errors=True)
    session.prepare(lab, embedded)


def _open_lab(page: Page, url: str, lab: str, heading: str) -> None:
    page.goto(f"{url}/{lab}")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("cluster ready")).to_be_visible(timeout=15_000)


def _start(page: Page) -> None:
    either = page.get_by_role("button", name=re.compile("^(Start lab|Re-apply lab setup)$"))
    expect(either).to_be_visible(timeout=15_000)
    if either.inner_text().strip() == "Start lab":
        either.click()
    expect(_console(page)).to_be_visible(timeout=30_000)


def _console(page: Page) -> Locator:
    return page.get_by_test_id("console-input")


def _run(page: Page, line: str) -> None:
    prompt = _console(page)
    prompt.click()
    prompt.fill(line)
    prompt.press("Enter")


def _editor_text(page: Page, index: int = 0) -> Locator:
    """The Ace editor's input inside the component's frame."""
    frame = page.frame_locator('iframe[title="code_editor.code_editor"]').nth(index)
    return frame.locator("textarea.ace_text-input")


def test_console_runs_kubectl_as_the_learner_and_refuses_the_rest(lab_app: str, page: Page) -> None:
    _open_lab(page, lab_app, "lab-01-first-pod", "Your first pod")
    _start(page)
    _run(page, "kubectl get pods")
    expect(page.get_by_text("No resources found in", exact=False).first).to_be_visible(
        timeout=30_000
    )
    _run(page, "rm -rf /")
    expect(page.get_by_text("is not run here", exact=False).first).to_be_visible(timeout=15_000)
    expect(
        page.get_by_text("runs kubectl and helm commands only", exact=False).first
    ).to_be_visible()
    # history: up recalls the last line, then the one before; down comes back
    prompt = _console(page)
    prompt.click()
    prompt.press("ArrowUp")
    expect(prompt).to_have_value("rm -rf /")
    prompt.press("ArrowUp")
    expect(prompt).to_have_value("kubectl get pods")
    prompt.press("ArrowDown")
    expect(prompt).to_have_value("rm -rf /")
    _run(page, "kubectl get nodes")
    expect(page.get_by_text("Forbidden", exact=False).first).to_be_visible(timeout=30_000)
    screenshot(page, "lab-console")
    page.get_by_role("button", name="Clear").click()
    expect(page.get_by_text("No resources found in", exact=False)).to_have_count(0, timeout=15_000)


def test_apply_then_the_cluster_panel_shows_the_pod(lab_app: str, page: Page) -> None:
    _open_lab(page, lab_app, "lab-01-first-pod", "Your first pod")
    _start(page)
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.get_by_text("pod/extract", exact=False).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("created", exact=False).first).to_be_visible()
    pods = page.get_by_role("tab", name="Pods (1)")
    expect(pods).to_be_visible(timeout=20_000)  # the live panel refreshes by itself
    page.get_by_role("button", name="Describe").click()
    expect(page.get_by_text("Name:", exact=False).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Image:", exact=False).first).to_be_visible()
    page.get_by_role("tab", name="Nodes", exact=False).click()
    expect(page.get_by_text("nvidia.com/gpu", exact=False).first).to_be_visible()
    screenshot(page, "lab-apply-panel")


def test_an_edit_is_graded_without_a_separate_save(lab_app: str, lab_tmp: Path, page: Page) -> None:
    _open_lab(page, lab_app, "lab-01-first-pod", "Your first pod")
    _start(page)
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    ace = _editor_text(page)
    ace.focus()
    ace.press("Control+a")
    solution = (ROOT / "labs" / "01-first-pod" / "solution" / "pod.yaml").read_text()
    ace.press("Delete")
    page.keyboard.insert_text(solution)
    # straight to grading: the click itself is what makes the editor hand its text over
    page.get_by_role("button", name="Check my work").click()
    expect(page.get_by_test_id("stMetricValue")).to_have_text("8 / 8", timeout=60_000)
    # the report's line (the grading box above streamed it too, then folded away)
    expect(page.get_by_text("The pod ran to completion").last).to_be_visible()
    written = lab_tmp / "workspace" / "01-first-pod" / "pod.yaml"
    assert written.read_text() == solution
    screenshot(page, "lab-results")


@pytest.mark.parametrize("width", [1280, 1920])
def test_nothing_covers_the_reset_button(lab_app: str, browser: Browser, width: int) -> None:
    """Lab 03's README table once covered Reset at some widths: the button's centre must
    be the button itself, at both widths."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    try:
        _open_lab(page, lab_app, "lab-03-scheduling-gpu", "Node pools, taints and GPUs")
        reset = page.get_by_role("button", name="Reset lab")
        expect(reset).to_be_visible()
        # the whole page drawn (the README's table included) before anything is measured
        expect(page.get_by_role("heading", name="Tasks")).to_be_visible(timeout=15_000)
        reset.scroll_into_view_if_needed()
        box = reset.bounding_box()
        assert box is not None
        on_top = page.evaluate(
            "([x, y]) => { const e = document.elementFromPoint(x, y);"
            " return e ? (e.closest('button') || e).innerText : null; }",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert on_top is not None and "Reset lab" in on_top, on_top
        screenshot(page, f"lab-layout-{width}")
    finally:
        context.close()


def test_run_the_dag_shows_live_output_and_task_states(lab_app: str, page: Page) -> None:
    """Lab 07 in Chromium: edit the DAG file, save, run it on the cluster, see each task's
    state, then grade."""
    page.goto(f"{lab_app}/lab-07-kpo-dag")
    expect(page.get_by_text("cluster ready")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Start lab").click()
    ace = _editor_text(page)
    expect(ace).to_be_attached(timeout=20_000)
    ace.focus()
    ace.press("Control+a")
    ace.press("Delete")
    page.keyboard.insert_text(
        (ROOT / "labs" / "07-kpo-dag" / "solution" / "pipeline.py").read_text()
    )
    page.get_by_role("button", name="Run the DAG").click()
    expect(page.get_by_text("Run succeeded", exact=False)).to_be_visible(timeout=150_000)
    expect(page.get_by_text("[DAG TEST] end task task_id=volume_pod", exact=False)).to_be_attached()
    screenshot(page, "lab-dag-run")
    page.get_by_role("button", name="Check my work").click()
    expect(page.get_by_test_id("stMetricValue")).to_have_text("12 / 12", timeout=150_000)


def test_starting_an_exam_keeps_the_practice_files(lab_app: str, lab_tmp: Path, page: Page) -> None:
    """The learner's own lab 01 edits survive an exam that includes lab 01: the exam works
    in a folder of its own."""
    practice = lab_tmp / "workspace" / "01-first-pod"
    practice.mkdir(parents=True)
    starter = (ROOT / "labs" / "01-first-pod" / "starter" / "pod.yaml").read_text()
    edit = "# my own attempt, half done\n" + starter
    (practice / "pod.yaml").write_text(edit)
    page.goto(f"{lab_app}/exam")
    expect(page.get_by_text("your practice files are kept", exact=False)).to_be_visible(
        timeout=30_000
    )
    page.get_by_role("button", name="Start the exam").click()
    expect(page.get_by_role("button", name="Submit the exam")).to_be_visible(timeout=60_000)
    assert (practice / "pod.yaml").read_text() == edit
    exam_copy = lab_tmp / "workspace" / "exam" / "01-first-pod" / "pod.yaml"
    assert exam_copy.read_text() == starter
    screenshot(page, "exam-started")


def test_every_lab_readme_table_fits_its_column_at_1280_px(lab_app: str, browser: Browser) -> None:
    """A table wider than the README's column hides its last columns behind a scroll that a
    learner may never find (lab 03's taints were cut off at 1280 px)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    clipped = []
    try:
        for lab in load_catalog(ROOT).labs.values():
            page.goto(f"{lab_app}/lab-{lab.id}")
            readme = page.locator(".st-key-lab_readme")
            expect(readme).to_be_visible(timeout=30_000)
            for n, table in enumerate(readme.locator("table").all()):
                scroll, width = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
                if scroll > width + 1:
                    clipped.append(f"{lab.id} table {n + 1}: {scroll} px in {width} px")
    finally:
        context.close()
    assert not clipped, clipped
