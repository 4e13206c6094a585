"""Workshop load on the embedded cluster and a real PostgreSQL, beside personal mode.

- N signed-in learners (default 50) at once, each doing lab 02 as the app does it: sign in
  with their join link, start the lab (their own namespaces and ServiceAccount), submit and
  check as themselves, record the attempt, then one kubectl-style request with their own
  token (the console's identity). Check time median and p95, errors, lost attempts.
- The same check in personal mode, one learner, for comparison (median and p95).
- M learner namespaces (default 200) graded concurrently (one wall-clock time).
- Page loads with N live sessions: the app served by `streamlit run` in workshop mode, one
  session per learner driven over Streamlit's own websocket (benchmarks/page_load.py: the
  server-side render of each page, every element sent; no browser drawing), all open at
  once, each signing in with its join link then loading home, its lab 02 page and its
  progress page; beside one session of a personal-mode app on the same cluster. Between
  loads a session stays open as a browser tab does: the lab page's live cluster view asks
  for its refresh every few seconds (the fragment's run_every), and those refreshes load
  the app too (their times are reported apart).

The learners' checks are driven in-process through the engine the pages call (threads,
one per learner). Every figure is printed with the machine's one-minute load average
beside it: on a shared machine, compare figures taken at similar loads.

Run: .venv/bin/python benchmarks/workshop.py [--learners 50] [--graded 200] [--runs 5]
     [--pages 2] [--skip-pages]   (about three minutes on a quiet two-core machine)
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import timed
from benchmarks.page_load import Session
from flightschool.cluster.embedded import EmbeddedCluster
from flightschool.cluster.kube import Kube
from flightschool.content.catalog import load_catalog
from flightschool.core.paths import project_root
from flightschool.grading import session
from flightschool.grading.runner import grade
from flightschool.progress.db import make_engine
from flightschool.progress.store import ProgressStore
from flightschool.progress.workshop import Workshops
from tests.browser.conftest import start_app
from tests.postgres import postgres_server

LAB = "02-requests-limits-quotas"


PAGES = ("", f"lab-{LAB}", "progress")  # home, the lab page, progress (url paths)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def figure(name: str, value: float, target: float | None, unit: str = "s") -> bool:
    """One line of the table, with the one-minute load average when it was taken."""
    ok = target is None or value <= target
    goal = f"(target <= {target:g} {unit})" if target is not None else ""
    print(
        f"{name:<56} {value:8.3f} {unit:1} {goal:<20} {'OK' if ok else 'MISSED':<6} "
        f"load {os.getloadavg()[0]:.1f}"
    )
    return ok


def spread(name: str, samples: list[float], target: float | None) -> bool:
    """Median and p95 of `samples` (the target applies to the p95)."""
    figure(f"{name} (median)", statistics.median(samples), None)
    return figure(f"{name} (p95)", p95(samples), target)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--graded", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="personal-mode checks")
    parser.add_argument("--pages", type=int, default=2, help="rounds of page loads a session")
    parser.add_argument("--skip-pages", action="store_true", help="no page-load phase")
    parser.add_argument(
        "--think", type=float, default=5.0, help="seconds between a session's page loads"
    )
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    tmp = Path(tempfile.mkdtemp(prefix="fs-bench-workshop-"))
    os.environ["FLIGHTSCHOOL_DATA_DIR"] = str(tmp / "data")
    os.environ["FLIGHTSCHOOL_WORKSPACE"] = str(tmp / "ws")
    # The embedded pool as a workshop gets it (settings: one copy per 10 learners or so).
    os.environ.setdefault("FLIGHTSCHOOL_NODE_POOL_COPIES", str(max(1, -(-args.learners // 10))))
    cluster = EmbeddedCluster("bench-workshop")
    ok = True
    try:
        cluster.up(progress=lambda _m: None)
        with postgres_server() as url:
            ok &= _run(cluster, url, args)
    finally:
        cluster.down(purge=True)
    return 0 if ok else 1


def _run(cluster: EmbeddedCluster, url: str, args: argparse.Namespace) -> bool:
    lab = load_catalog(project_root()).labs[LAB]
    ok = True
    # Personal mode: one learner, no prefix.
    session.start(lab, cluster, fresh_workspace=True)
    personal = [timed(lambda: session.check(lab, cluster, lab.solution)) for _ in range(args.runs)]
    spread(f"personal: check {LAB}", personal, None)

    store = ProgressStore(make_engine(url))
    shop = Workshops(store)
    links = [link for link in shop.create("bench", args.learners, timedelta(hours=2))[1:]]
    checks: list[float] = []
    errors: list[str] = []

    def learner_session(token: str) -> None:
        try:
            who = shop.sign_in(token)
            session.start(lab, cluster, learner=who.learner)
            started = time.perf_counter()
            result = session.check(lab, cluster, lab.solution, learner=who.learner)
            checks.append(time.perf_counter() - started)
            store.record_lab(
                who.learner,
                lab.id,
                score=result.score,
                max_score=result.max_score,
                passed=result.passed,
                checks=result.rows(),
            )
            own = Kube(session.learner_access(lab, cluster, learner=who.learner).kubeconfig)
            namespace = session.namespace_map(lab, cluster, who.learner)[
                lab.spec.namespaces[0].name
            ]
            own.list_objects("v1", "Pod", namespace)  # what a console `kubectl get pods` does
            if not result.passed:
                failing = [f"{c.id}: ...{c.message[-200:]}" for c in result.checks if not c.passed]
                errors.append(f"{who.learner}: the solution did not pass ({'; '.join(failing)})")
        except Exception as exc:  # every failure counted, none hidden
            errors.append(f"{type(exc).__name__}: {exc}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.learners) as pool:
        list(pool.map(learner_session, [link.token for link in links]))
    wall = time.perf_counter() - started
    recorded = sum(len(store.best_lab_scores(link.learner)) for link in links)
    ok &= figure(f"workshop: {args.learners} learners, sign-in to console (wall)", wall, 60.0)
    if checks:
        ok &= spread(f"workshop: check {LAB}", checks, 5.0)
    ok &= figure("workshop: errors", float(len(errors)), 0.0, unit="")
    ok &= figure("workshop: lost attempts", float(args.learners - recorded), 0.0, unit="")
    for line in errors[:5]:
        print("  ", line)
    if not args.skip_pages:
        ok &= _pages(cluster, url, [link.token for link in links], args.pages, args.think)

    # Many learners' namespaces graded at once (lab 01: one namespace each).
    first = load_catalog(project_root()).labs["01-first-pod"]
    graded = [f"g{i:03d}" for i in range(args.graded)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda who: (
                    session.solve(first, cluster, learner=who)
                    if session.prepare(first, cluster, learner=who)
                    else None
                ),
                graded,
            )
        )
    time.sleep(3)
    kube = cluster.client()

    def grade_one(who: str) -> bool:
        return grade(first, kube, session.namespace_map(first, cluster, who)).passed

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        passed = list(pool.map(grade_one, graded))
    elapsed = time.perf_counter() - started
    print(f"{sum(passed)}/{len(graded)} learner namespaces passed {first.id}")
    ok &= figure(f"grade {len(graded)} learner namespaces (wall)", elapsed, 10.0)
    store.engine.dispose()
    return ok


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far: the app's cost of the page
    loads, which unlike their wall time does not depend on what else the machine runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pages(
    cluster: EmbeddedCluster, database: str, tokens: list[str], rounds: int, think: float
) -> bool:
    """Page loads: one personal-mode session, then every learner's session at once, each
    open until all are done (N live sessions on one app process), each loading a page
    every `think` seconds or so (a person reads between clicks; 0: no pause at all)."""
    tmp = Path(tempfile.mkdtemp(prefix="fs-bench-pages-"))
    common = {
        "FLIGHTSCHOOL_DATA_DIR": os.environ["FLIGHTSCHOOL_DATA_DIR"],
        "FLIGHTSCHOOL_WORKSPACE": os.environ["FLIGHTSCHOOL_WORKSPACE"],
        "FLIGHTSCHOOL_CLUSTER_NAME": cluster.cluster,
    }
    ok = True
    personal_env = {**common, "FLIGHTSCHOOL_DATABASE_URL": f"sqlite:///{tmp / 'personal.db'}"}
    pid, url = start_app(personal_env, tmp / "personal.log")
    try:
        alone = Session(url)
        alone.load()  # the app's first run loads the course: not a page load
        used = cpu_seconds(pid)
        personal = [alone.load(page) for _ in range(rounds) for page in PAGES]
        used = cpu_seconds(pid) - used
        alone.close()
    finally:
        os.killpg(pid, signal.SIGTERM)
    spread("personal: page load, 1 session", personal, None)
    figure("personal: app CPU per page load", used / len(personal), None)

    shop_env = {**common, "FLIGHTSCHOOL_MODE": "workshop", "FLIGHTSCHOOL_DATABASE_URL": database}
    pid, url = start_app(shop_env, tmp / "workshop.log")
    loads: list[float] = []
    first: list[float] = []
    refreshes: list[float] = []  # live panels (the lab page's cluster view) refreshing
    errors: list[str] = []
    all_done = threading.Barrier(len(tokens))
    try:
        Session(url).load()  # the app's first run loads the course: not a page load

        def learner(token: str) -> None:
            tab = Session(url)
            pause = random.Random(token)
            try:
                time.sleep(pause.uniform(0, think))  # people arrive over a few seconds
                first.append(tab.load("", join=token))  # signs in, the token leaves the URL
                if "session" not in tab.query or "join" in tab.query:
                    errors.append(f"after sign-in the address holds {sorted(tab.query)}")
                for _ in range(rounds):
                    for page in PAGES:
                        # reading, typing; the page's live panels refresh meanwhile
                        tab.idle(pause.uniform(think / 2, think * 1.5))
                        loads.append(tab.load(page))
                        if os.environ.get("BENCH_VERBOSE"):
                            print(f"   {page or 'home'}: {loads[-1]:.2f} s", flush=True)
                        if not any("Signed in as" in text for text in tab.texts):
                            errors.append(f"page {page or 'home'!r} was not signed in")
            except Exception as exc:  # every failure counted, none hidden
                errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                refreshes.extend(tab.refreshes)
                all_done.wait(timeout=600)  # live until every session is done
                tab.close()

        used = cpu_seconds(pid)
        with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
            list(pool.map(learner, tokens))
        used = cpu_seconds(pid) - used
    finally:
        os.killpg(pid, signal.SIGTERM)
    if first:
        spread(f"workshop: sign-in page, {len(tokens)} sessions at once", first, None)
    if loads:
        ok &= spread(f"workshop: page load, {len(tokens)} live sessions", loads, 2.0)
        figure("workshop: app CPU per page load", used / (len(loads) + len(first)), None)
    if refreshes:
        spread(f"workshop: live panel refresh, {len(tokens)} live sessions", refreshes, None)
        figure("workshop: live panel refreshes", float(len(refreshes)), None, unit="")
    ok &= figure("workshop: page errors", float(len(errors)), 0.0, unit="")
    for line in errors[:5]:
        print("  ", line)
    return ok


if __name__ == "__main__":
    sys.exit(main())
