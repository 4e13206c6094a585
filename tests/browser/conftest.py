"""A real `streamlit run app.py` on a free port, driven by headless Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from flightschool.core.proc import spawn
from tests.conftest import ARTIFACTS, FIXTURE_COURSE, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(env: dict[str, str], log: Path) -> tuple[int, str]:
    port = free_port()
    pid = spawn(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            ROOT / "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        log_file=log,
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return pid, url
        except OSError:
            time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    raise RuntimeError(f"streamlit did not become healthy; see {log}")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser")
    course = tmp / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    env = {
        "FLIGHTSCHOOL_CONTENT_DIR": str(course),
        "FLIGHTSCHOOL_DATA_DIR": str(tmp / "data"),
        "FLIGHTSCHOOL_DATABASE_URL": f"sqlite:///{tmp / 'progress.db'}",
    }
    pid, url = start_app(env, tmp / "streamlit.log")
    yield url
    os.killpg(pid, signal.SIGTERM)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Chromium is missing: run scripts/system-deps.sh"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(page: Page, name: str) -> Path:
    folder = ARTIFACTS / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
