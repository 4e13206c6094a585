"""App speed: `streamlit run` to a healthy /_stcore/health, each page's AppTest run, and
Home's first render in headless Chromium. Medians over several runs.

Run: .venv/bin/python benchmarks/app.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import median_of, report
from tests.browser.conftest import CHROMIUM, start_app


def _open(page: str) -> None:
    from flightschool.ui.app import main

    main(start=page)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    tmp = Path(tempfile.mkdtemp(prefix="fs-bench-"))
    env = {
        "FLIGHTSCHOOL_DATA_DIR": str(tmp / "data"),
        "FLIGHTSCHOOL_DATABASE_URL": f"sqlite:///{tmp / 'p.db'}",
    }
    os.environ.update(env)
    ok = True

    pids: list[int] = []

    def serve() -> None:
        pid, _url = start_app(env, tmp / "streamlit.log")
        pids.append(pid)

    health, _samples = median_of(runs, lambda: (serve(), os.killpg(pids[-1], signal.SIGTERM)))
    ok &= report("streamlit run -> /_stcore/health (median)", health, 5.0)

    from streamlit.testing.v1 import AppTest

    from flightschool.content.catalog import load_catalog
    from flightschool.core.paths import project_root

    catalog = load_catalog(project_root())
    pages = [
        "home",
        "quizzes",
        "interview",
        "review",
        "exam",
        "progress",
        *(f"lesson:{lid}" for lid in list(catalog.lessons)[:3]),
        *(f"lab:{lid}" for lid in list(catalog.labs)[:1]),
    ]
    AppTest.from_function(
        _open, args=("home",), default_timeout=60
    ).run()  # warm imports and caches
    for page in pages:
        med, _ = median_of(
            runs, lambda p=page: AppTest.from_function(_open, args=(p,), default_timeout=60).run()
        )
        ok &= report(f"AppTest run of {page} (median)", med, 1.0)

    from playwright.sync_api import sync_playwright

    pid, url = start_app(env, tmp / "streamlit-home.log")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )

            def first_render() -> None:
                context = browser.new_context()
                page = context.new_page()
                page.goto(url)
                page.get_by_role("heading", name="Flight School").wait_for(timeout=30_000)
                context.close()

            first_render()  # the server's first script run compiles and caches
            med, _ = median_of(runs, first_render)
            ok &= report("Home first render in Chromium (median)", med, 3.0)
            browser.close()
    finally:
        os.killpg(pid, signal.SIGTERM)
    time.sleep(0.5)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
