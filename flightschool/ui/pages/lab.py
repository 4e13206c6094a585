"""A lab: instructions, the cluster, an editor for each of the learner's files, Apply, Run
the DAG and grading with per-check feedback, a kubectl/helm console, a live view of the
lab's pods, events and nodes, hints one at a time, the solution behind a confirmation, and
a reset."""

from __future__ import annotations

import re
import shutil
import threading
import time

import pandas as pd
import streamlit as st

from flightschool.cluster.backend import Backend, Status
from flightschool.cluster.factory import get_backend
from flightschool.cluster.helm import ChartUnavailable
from flightschool.content.labs import Lab
from flightschool.core import textfiles
from flightschool.core.errors import EnvironmentProblem, InputProblem
from flightschool.core.yamlpos import SourceError
from flightschool.dags import failure
from flightschool.grading import session
from flightschool.grading.apply import manifests_lab
from flightschool.grading.helm import chart_path
from flightschool.grading.report import CheckResult, Report
from flightschool.grading.submit import SubmissionError
from flightschool.progress import record
from flightschool.ui import nav
from flightschool.ui.components import cluster_panel, console, editor, workbench
from flightschool.ui.state import Context


def render(ctx: Context, lab_id: str) -> None:
    lab = ctx.catalog.labs[lab_id]
    spec = lab.spec
    st.title(spec.title)
    st.caption(
        f"Lab · {spec.difficulty.value} · {spec.minutes} min · {len(spec.checks)} checks, {spec.max_score:g} points"
    )
    backend = get_backend()
    left, right = st.columns([3, 2], gap="large")
    st.html(_README_CSS)
    with left, st.container(key="lab_readme"):
        try:
            st.markdown(_without_title(textfiles.read(lab.readme)))
        except textfiles.TextFileError as exc:
            st.error(f"The lab's README cannot be shown: {exc}")
        st.subheader("Tasks")
        st.markdown("\n".join(f"{i}. {task}" for i, task in enumerate(spec.tasks, 1)))
    with right:
        try:
            session.supported(lab, backend)
        except session.UnsupportedBackend as exc:  # said up front, not after a click
            st.warning(str(exc))
            return
        if spec.chart is not None:
            try:
                chart_path(lab)
            except ChartUnavailable as exc:
                st.warning(f"This lab needs the official Airflow chart: {exc}.")
        healthy = _cluster_panel(backend)
        if healthy:
            _lab_controls(ctx, lab, backend)
    if not healthy:
        return
    if not session.workspace(lab, ctx.learner).exists():
        st.info(
            "Start the lab to get your own copy of the starter files, a console and the "
            "cluster view. Hints and the solution come after you have started."
        )
        return
    _workbench(ctx, lab, backend)
    st.subheader("Console")
    console.render(lab, backend, f"lab:{lab.id}")
    st.subheader("Your lab on the cluster, live")
    cluster_panel.render(lab, backend, f"lab:{lab.id}")
    _hints(ctx, lab)
    _solution(ctx, lab)


# A README's wide table or code block scrolls inside its own column instead of spilling
# over the controls beside it (the Reset button). Inline code in a table cell (a label, a
# taint) may break anywhere, so a table fits the column at 1280 px instead of hiding its
# last columns behind a scroll.
_README_CSS = """<style>
.st-key-lab_readme { min-width: 0; overflow-x: hidden; }
.st-key-lab_readme table { display: block; max-width: 100%; overflow-x: auto; }
.st-key-lab_readme td code { overflow-wrap: anywhere; }
.st-key-lab_readme pre { max-width: 100%; overflow-x: auto; }
</style>"""


def _without_title(markdown: str) -> str:
    """The page already shows the lab's title; drop the README's own `# ` heading."""
    lines = markdown.lstrip().splitlines()
    return "\n".join(lines[1:] if lines and lines[0].startswith("# ") else lines)


# A healthy cluster's status, shared by every lab page of the process for a few seconds: a
# status probes each component and lists the nodes, and a workshop's learners opened lab
# pages many times a second. An unhealthy status is never reused (a start follows it).
HEALTHY_FOR_SECONDS = 5.0
_healthy: dict[int, tuple[float, Status]] = {}


def _status(backend: Backend) -> Status:
    seen = _healthy.get(id(backend))
    if seen is not None and time.monotonic() - seen[0] < HEALTHY_FOR_SECONDS:
        return seen[1]
    status = backend.status()
    if status.healthy:
        _healthy[id(backend)] = (time.monotonic(), status)
    else:
        _healthy.pop(id(backend), None)
    return status


def _cluster_panel(backend: Backend) -> bool:
    with st.container(border=True):
        st.markdown("**Lab cluster**")
        status = _status(backend)
        if status.healthy:
            st.success(
                f"{backend.name} cluster ready · {status.server_version} · {len(status.nodes)} nodes",
                icon=":material/check_circle:",
            )
            return True
        for problem in status.problems[:3]:
            st.caption(problem)
        if st.button("Start the lab cluster", type="primary", key="cluster_up"):
            problem = _start_cluster(backend)
            if problem:
                st.error("The cluster did not start:", icon=":material/error:")
                st.code(problem, language=None, wrap_lines=True)
                return False
            st.rerun()
    return False


def _start_cluster(backend: Backend) -> str:
    """`backend.up` in a worker thread while the page shows its real progress: the current
    step of a toolchain build (n/m, what is being built) and the time elapsed, every second.
    Returns the problem's message, empty when the cluster is up."""
    lines: list[str] = []
    raised: list[BaseException] = []

    def work() -> None:
        try:
            backend.up(progress=lines.append)
        except BaseException as exc:  # handed to the page's thread below
            raised.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=work, name="cluster-up", daemon=True)
    worker.start()
    with st.status("Starting the lab cluster…", expanded=True) as box:
        step = st.empty()
        log = st.empty()
        while worker.is_alive():
            worker.join(timeout=1.0)
            elapsed = time.monotonic() - started
            box.update(label=f"Starting the lab cluster… {_duration(elapsed)}")
            current = next((line for line in reversed(lines) if STEP.search(line)), "")
            if current:
                found = STEP.search(current)
                assert found is not None
                step.progress(
                    int(found["n"]) / int(found["m"]),
                    text=f"Building the lab toolchain, step {found['n']} of {found['m']}: "
                    f"{found['what']} · {_duration(elapsed)} elapsed",
                )
            if lines:
                log.code("\n".join(lines[-8:]), language=None, wrap_lines=True)
        if raised:
            box.update(label="The cluster did not start", state="error")
            if isinstance(raised[0], EnvironmentProblem):
                return str(raised[0])
            raise raised[0]
        box.update(
            label=f"Cluster ready in {_duration(time.monotonic() - started)}", state="complete"
        )
    return ""


STEP = re.compile(r"\[(?P<n>\d+)/(?P<m>\d+)\] (?P<what>[\w.-]+)")


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def _lab_controls(ctx: Context, lab: Lab, backend: Backend) -> None:
    target = session.workspace(lab, ctx.learner)
    st.caption(f"Your files: `{target}`")
    started = target.exists()
    kubeconfig = session.learner_kubeconfig_path(lab, backend, ctx.learner)
    if kubeconfig.exists():
        st.caption("kubectl as you, inside this lab's namespaces:")
        st.code(f"export KUBECONFIG={kubeconfig}", language="bash")
    if st.button(
        "Start lab" if not started else "Re-apply lab setup",
        key="lab_start",
        type="primary" if not started else "secondary",
    ):
        with st.spinner("Preparing the lab namespace…"):
            try:
                session.start(lab, backend, learner=ctx.learner)
            except (EnvironmentProblem, InputProblem) as exc:
                st.error(str(exc))
                return
        ctx.store.log(ctx.profile, "lab-start", lab.id)
        st.rerun()
    with st.popover("Reset lab"):
        st.markdown("Wipe the lab namespace and apply the lab's setup again.")
        restore = st.checkbox(
            "Also restore the starter files (your edits are lost)", key="reset_files"
        )
        if st.button("Reset now", key="lab_reset"):
            try:
                session.prepare(lab, backend, learner=ctx.learner)
            except (EnvironmentProblem, InputProblem) as exc:
                st.error(str(exc))
                return
            if restore and target.exists():
                shutil.rmtree(target)
                shutil.copytree(lab.starter, target)
                editor.forget(target)
            ctx.store.log(ctx.profile, "lab-reset", lab.id, {"files": restore})
            st.toast("Lab reset")


def _workbench(ctx: Context, lab: Lab, backend: Backend) -> None:
    """Files, then the actions that read them, side by side: Apply, Run the DAG, Check."""
    st.subheader("Your files")
    if not workbench.file_editors(lab):
        return
    dag = lab.spec.airflow is not None and lab.spec.airflow.action == "test"
    check, second, third, _ = st.columns([1.2, 1, 1, 3])
    checking = check.button("Check my work", type="primary", key="lab_check")
    with second:
        applying = workbench.apply_button(lab, f"lab:{lab.id}")
    with third if manifests_lab(lab) else second:
        running = dag and st.button("Run the DAG", key="dag_run")
    workbench.apply_results(lab, backend, f"lab:{lab.id}", applying)
    if workbench.requested(f"run:{lab.id}", running):
        with workbench.performing(f"run:{lab.id}"):
            if workbench.saved():
                _dag_runner(ctx, lab, backend)
    if workbench.requested(f"check:{lab.id}", checking):
        with workbench.performing(f"check:{lab.id}"):
            _grading(ctx, lab, backend, workbench.saved())
    else:
        _grading(ctx, lab, backend, False)


def _dag_runner(ctx: Context, lab: Lab, backend: Backend) -> None:
    """Run the learner's DAG with `airflow dags test` on the cluster, output and task
    states shown as they come; a failure leads with the learner's own line."""
    target = session.workspace(lab, ctx.learner)
    ctx.store.log(ctx.profile, "dag-run", lab.id)
    states_box = st.empty()
    lines: list[str] = []
    with st.status("Running the DAG…", expanded=True) as box:
        output = st.empty()

        def on_line(line: str) -> None:
            lines.append(_short(line))
            if len(lines) % 4 == 0:
                output.code("\n".join(lines[-25:]), language=None)

        def on_task(states: dict[str, str | None]) -> None:
            states_box.dataframe(
                pd.DataFrame([{"task": t, "state": s or "none"} for t, s in states.items()]),
                hide_index=True,
            )

        try:
            result = session.run_dag(
                lab, backend, target, on_line=on_line, on_task=on_task, learner=ctx.learner
            )
        except (EnvironmentProblem, InputProblem) as exc:
            box.update(label="The DAG could not run", state="error")
            failed_to_start = str(exc)
        else:
            failed_to_start = ""
            output.code("\n".join(lines[-40:]), language=None)
            on_task(result.tasks)
            if result.succeeded:
                box.update(label=f"Run succeeded in {result.seconds:g} s", state="complete")
            else:
                box.update(
                    label=f"Run {result.state or 'failed'} after {result.seconds:g} s",
                    state="error",
                    expanded=False,
                )
    if failed_to_start:
        st.error("The DAG could not run:", icon=":material/error:")
        st.code(failed_to_start, language=None, wrap_lines=True)
        return
    if not result.succeeded:
        _dag_failure(lab, result.output or lines, result.error)


def _dag_failure(lab: Lab, output: list[str], error: str) -> None:
    """The learner's frame and the exception first; Airflow's traceback folded below."""
    assert lab.spec.airflow is not None
    found = failure.find(output, lab.spec.airflow.dag_file)
    st.error("The DAG run failed.", icon=":material/error:")
    headline = []
    if found.frame:
        headline.append(f"{found.frame}")
        if found.source:
            headline.append(f"    {found.source}")
    if found.error:
        headline.append(found.error)
    if not headline and error:
        headline.append(error)
    if headline:
        st.code("\n".join(headline), language=None, wrap_lines=True)
    if found.traceback:
        with st.expander("Airflow's full traceback"):
            st.code("\n".join(found.traceback), language=None)


def _short(line: str) -> str:
    """Airflow's log lines without the timestamp and logger noise, for the page."""
    text = re.sub(r"^\S+Z \[(\w+)\s*\] ", r"[\1] ", line)
    return re.sub(r"\s+\[airflow[\w.]*\].*$", "", text)


def _grading(ctx: Context, lab: Lab, backend: Backend, clicked: bool) -> None:
    target = session.workspace(lab, ctx.learner)
    key = f"report:{lab.id}"
    problems: list[SourceError] = []
    trouble = ""
    if clicked:
        with st.status("Grading your work…", expanded=True) as box:

            def on_result(result: CheckResult) -> None:
                """Each check's verdict as soon as it is known, before the full report."""
                mark = ":material/check_circle:" if result.passed else ":material/cancel:"
                box.markdown(f"{mark} {_plain(result.title)}")

            try:
                fresh = session.check(
                    lab,
                    backend,
                    target,
                    progress=on_result,
                    on_output=lambda line: box.write(_short(line)),
                    learner=ctx.learner,
                )
            except SubmissionError as exc:
                box.update(label="Your files could not be graded", state="error")
                problems = list(exc.errors)
            except EnvironmentProblem as exc:
                box.update(label="Grading failed", state="error")
                trouble = str(exc)
            else:
                box.update(
                    label=f"Graded: {fresh.score:g} / {fresh.max_score:g}",
                    state="complete",
                    expanded=False,
                )
        # outside the status box: a reason never hides in a collapsed panel
        if problems:
            st.session_state.pop(key, None)
            workbench.source_errors(problems, target, "Your files could not be applied:")
            return
        if trouble:
            st.error("Grading failed:", icon=":material/error:")
            st.code(trouble, language=None, wrap_lines=True)
            return
        record.lab_graded(
            ctx.store,
            ctx.profile,
            lab.id,
            score=fresh.score,
            max_score=fresh.max_score,
            passed=fresh.passed,
            checks=fresh.rows(),
        )
        st.session_state[key] = fresh
    report: Report | None = st.session_state.get(key)
    if report is None:
        return
    show_report(report)
    if report.passed:
        _next_lab(ctx, lab)


def _next_lab(ctx: Context, lab: Lab) -> None:
    """After a pass, the way on: the next lab in course order, or the course's end."""
    order = list(ctx.catalog.labs)
    following = order[order.index(lab.id) + 1 :] if lab.id in order else []
    if following:
        upcoming = ctx.catalog.labs[following[0]]
        st.success("Passed. On to the next lab:", icon=":material/celebration:")
        nav.link(f"lab:{upcoming.id}", upcoming.spec.title, icon=":material/arrow_forward:")
    else:
        st.success("Passed: that was the last lab of the course.", icon=":material/celebration:")


def show_report(report: Report) -> None:
    """Score, then each check. Messages are shown as code, never Markdown (`__init__`
    keeps its underscores); a message several checks share is shown once, at the first."""
    st.metric(
        "Score",
        f"{report.score:g} / {report.max_score:g}",
        "passed" if report.passed else "not yet",
        delta_color="normal" if report.passed else "off",
    )
    seen: dict[str, str] = {}
    for c in report.checks:
        with st.container(border=True):
            icon = ":material/check_circle:" if c.passed else ":material/cancel:"
            st.markdown(f"{icon} **{_plain(c.title)}** · {c.points:g}/{c.max_points:g}")
            if not c.passed:
                if c.message in seen:
                    st.caption(f"The same problem as in “{_plain(seen[c.message])}” above.")
                else:
                    seen[c.message] = c.title
                    st.code(c.message, language=None, wrap_lines=True)
                if c.hint:
                    st.caption(f"Hint: {c.hint}")


def _plain(text: str) -> str:
    """Text inside Markdown with its Markdown characters escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~-])", r"\\\1", text)


def _hints(ctx: Context, lab: Lab) -> None:
    hints = lab.spec.hints
    shown = len(ctx.store.activity(ctx.profile, "hint", lab.id))
    st.subheader("Hints")
    for i, hint in enumerate(hints[:shown], 1):
        st.info(f"**Hint {i}.** {hint}")
    if shown < len(hints):
        if st.button(f"Show hint {shown + 1} of {len(hints)}", key="lab_hint"):
            ctx.store.log(ctx.profile, "hint", lab.id, {"n": shown + 1})
            st.rerun()
    else:
        st.caption("No more hints.")


def _solution(ctx: Context, lab: Lab) -> None:
    with st.expander("Show solution"):
        sure = st.checkbox("I have tried, show me the reference solution", key="lab_solution_sure")
        if not sure:
            return
        if not st.session_state.get(f"solution-logged:{lab.id}"):
            ctx.store.log(ctx.profile, "solution", lab.id)
            st.session_state[f"solution-logged:{lab.id}"] = True
        for path in sorted(p for p in lab.solution.rglob("*") if p.is_file()):
            st.caption(str(path.relative_to(lab.solution)))
            try:
                text = textfiles.read(path)
            except textfiles.TextFileError as exc:
                st.error(str(exc))
                continue
            st.code(text, language="yaml" if path.suffix in (".yaml", ".yml") else None)
