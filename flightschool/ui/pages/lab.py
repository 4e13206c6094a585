"""A lab: instructions, the cluster, an editor for the learner's files, grading with
per-check feedback, hints one at a time, the solution behind a confirmation, a reset, and a
live view of the lab namespace."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pandas as pd
import streamlit as st

from flightschool.cluster.backend import Backend
from flightschool.cluster.factory import get_backend
from flightschool.cluster.helm import ChartUnavailable
from flightschool.cluster.kube import KubeError
from flightschool.content.labs import Lab
from flightschool.core import textfiles
from flightschool.core.errors import EnvironmentProblem, InputProblem
from flightschool.grading import session
from flightschool.grading.helm import chart_path
from flightschool.grading.report import Report
from flightschool.grading.submit import SubmissionError
from flightschool.progress import record
from flightschool.ui.state import Context

EDITABLE = (".yaml", ".yml", ".py", ".cfg", ".ini", ".txt", ".json")


def render(ctx: Context, lab_id: str) -> None:
    lab = ctx.catalog.labs[lab_id]
    spec = lab.spec
    st.title(spec.title)
    st.caption(
        f"Lab · {spec.difficulty.value} · {spec.minutes} min · {len(spec.checks)} checks, {spec.max_score:g} points"
    )
    backend = get_backend()
    left, right = st.columns([3, 2], gap="large")
    with left:
        try:
            st.markdown(_without_title(textfiles.read(lab.readme)))
        except textfiles.TextFileError as exc:
            st.error(f"The lab's README cannot be shown: {exc}")
        st.subheader("Tasks")
        st.markdown("\n".join(f"{i}. {task}" for i, task in enumerate(spec.tasks, 1)))
    with right:
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
    _editor(lab)
    if lab.spec.airflow and lab.spec.airflow.action == "test":
        _dag_runner(ctx, lab, backend)
    _grading(ctx, lab, backend)
    _hints(ctx, lab)
    _solution(ctx, lab)
    _live_view(lab, backend)


def _without_title(markdown: str) -> str:
    """The page already shows the lab's title; drop the README's own `# ` heading."""
    lines = markdown.lstrip().splitlines()
    return "\n".join(lines[1:] if lines and lines[0].startswith("# ") else lines)


def _cluster_panel(backend: Backend) -> bool:
    with st.container(border=True):
        st.markdown("**Lab cluster**")
        status = backend.status()
        if status.healthy:
            st.success(
                f"{backend.name} cluster ready · {status.server_version} · {len(status.nodes)} nodes",
                icon=":material/check_circle:",
            )
            return True
        for problem in status.problems[:3]:
            st.caption(problem)
        if st.button("Start the lab cluster", type="primary", key="cluster_up"):
            with st.status("Starting the lab cluster…", expanded=True) as box:
                try:
                    backend.up(progress=lambda line: box.write(line))
                except EnvironmentProblem as exc:
                    box.update(label="The cluster did not start", state="error")
                    st.error(str(exc))
                    return False
                box.update(label="Cluster ready", state="complete")
            st.rerun()
    return False


def _lab_controls(ctx: Context, lab: Lab, backend: Backend) -> None:
    target = session.workspace(lab)
    st.caption(f"Your files: `{target}`")
    started = target.exists()
    kubeconfig = session.learner_kubeconfig_path(lab, backend)
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
                session.start(lab, backend)
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
                session.prepare(lab, backend)
            except (EnvironmentProblem, InputProblem) as exc:
                st.error(str(exc))
                return
            if restore and target.exists():
                shutil.rmtree(target)
                shutil.copytree(lab.starter, target)
            ctx.store.log(ctx.profile, "lab-reset", lab.id, {"files": restore})
            st.toast("Lab reset")


def _editor(lab: Lab) -> None:
    target = session.workspace(lab)
    if not target.exists():
        st.info("Start the lab to get your own copy of the starter files.")
        return
    st.subheader("Your files")
    if lab.spec.files:
        files = [target / name for name in lab.spec.files if (target / name).is_file()]
    else:
        files = sorted(p for p in target.rglob("*") if p.is_file() and p.suffix in EDITABLE)
    if not files:
        st.caption("No editable files in your workspace.")
        return
    tabs = st.tabs([str(p.relative_to(target)) for p in files])
    for tab, path in zip(tabs, files, strict=True):
        try:
            current = textfiles.read(path)
        except textfiles.TextFileError as exc:
            tab.error(f"{exc}: edit this file outside the app, or restore the starter files.")
            continue
        with tab, st.form(f"edit:{lab.id}:{path.relative_to(target)}", border=False):
            text = st.text_area(
                str(path.relative_to(target)),
                current,
                height=320,
                label_visibility="collapsed",
                key=f"text:{lab.id}:{path}",
            )
            if st.form_submit_button("Save"):
                try:
                    textfiles.save(path, text)
                except textfiles.TextFileError as exc:
                    st.error(f"{exc} Your edits are still here: free some space and save again.")
                else:
                    st.toast(f"Saved {path.name}")


def _dag_runner(ctx: Context, lab: Lab, backend: Backend) -> None:
    """Run the learner's DAG with `airflow dags test` on the cluster, output and task
    states shown as they come."""
    target = session.workspace(lab)
    st.subheader("Run the DAG")
    st.caption(
        "Runs `airflow dags test` on your saved file against the lab cluster, in a separate "
        "process with a time limit. Save your edits first."
    )
    if not st.button("Run the DAG", key="dag_run", disabled=not target.exists()):
        return
    ctx.store.log(ctx.profile, "dag-run", lab.id)
    states_box = st.empty()
    with st.status("Running the DAG…", expanded=True) as box:
        output = st.empty()
        lines: list[str] = []

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
            result = session.run_dag(lab, backend, target, on_line=on_line, on_task=on_task)
        except (EnvironmentProblem, InputProblem) as exc:
            box.update(label="The DAG could not run", state="error")
            st.error(str(exc))
            return
        output.code("\n".join(lines[-40:]), language=None)
        on_task(result.tasks)
        if result.succeeded:
            box.update(label=f"Run succeeded in {result.seconds:g} s", state="complete")
        else:
            box.update(
                label=f"Run {result.state or 'failed'} after {result.seconds:g} s", state="error"
            )
            if result.error:
                st.error(result.error)


def _short(line: str) -> str:
    """Airflow's log lines without the timestamp and logger noise, for the page."""
    text = re.sub(r"^\S+Z \[(\w+)\s*\] ", r"[\1] ", line)
    return re.sub(r"\s+\[airflow[\w.]*\].*$", "", text)


def _grading(ctx: Context, lab: Lab, backend: Backend) -> None:
    target = session.workspace(lab)
    key = f"report:{lab.id}"
    if st.button("Check my work", type="primary", key="lab_check", disabled=not target.exists()):
        with st.status("Grading your work…", expanded=lab.spec.submission == "files") as box:
            try:
                fresh = session.check(
                    lab, backend, target, on_output=lambda line: box.write(_short(line))
                )
            except SubmissionError as exc:
                box.update(label="Your files could not be graded", state="error")
                st.error(
                    "Your files could not be applied:\n\n"
                    + "\n".join(f"- `{e.relative_to(target)}`" for e in exc.errors)
                )
                return
            except EnvironmentProblem as exc:
                box.update(label="Grading failed", state="error")
                st.error(str(exc))
                return
            box.update(
                label=f"Graded: {fresh.score:g} / {fresh.max_score:g}",
                state="complete",
                expanded=False,
            )
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
    st.metric(
        "Score",
        f"{report.score:g} / {report.max_score:g}",
        "passed" if report.passed else "not yet",
        delta_color="normal" if report.passed else "off",
    )
    for c in report.checks:
        with st.container(border=True):
            icon = ":material/check_circle:" if c.passed else ":material/cancel:"
            st.markdown(f"{icon} **{c.title}** · {c.points:g}/{c.max_points:g}")
            if not c.passed:
                st.markdown(c.message)
                if c.hint:
                    st.caption(f"Hint: {c.hint}")


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


def _live_view(lab: Lab, backend: Backend) -> None:
    st.subheader("Lab namespace, live")

    @st.fragment(run_every=3)
    def live() -> None:
        try:
            kube = backend.client()
            for name in session.namespace_map(lab, backend).values():
                pods = kube.list_objects("v1", "Pod", name)
                st.caption(f"namespace {name}: {len(pods)} pod(s)")
                if pods:
                    st.dataframe(
                        pd.DataFrame([_pod_row(p) for p in pods]),
                        hide_index=True,
                        use_container_width=True,
                    )
                events = kube.events(name)[-8:]
                if events:
                    st.dataframe(
                        pd.DataFrame(
                            [
                                {
                                    "type": e.get("type"),
                                    "reason": e.get("reason"),
                                    "object": (e.get("involvedObject") or {}).get("name"),
                                    "message": e.get("message"),
                                }
                                for e in reversed(events)
                            ]
                        ),
                        hide_index=True,
                        use_container_width=True,
                    )
        except KubeError as exc:
            st.caption(f"Live view unavailable: {exc}")

    live()


def _pod_row(pod: dict[str, Any]) -> dict[str, Any]:
    status = pod.get("status") or {}
    first = (status.get("containerStatuses") or [{}])[0]
    state = first.get("state") or {}
    reason = (state.get("waiting") or state.get("terminated") or {}).get("reason", "")
    if not reason:
        reason = next(
            (
                c.get("reason", "")
                for c in status.get("conditions") or []
                if c.get("status") == "False"
            ),
            "",
        )
    return {
        "pod": pod["metadata"]["name"],
        "phase": status.get("phase", ""),
        "node": (pod.get("spec") or {}).get("nodeName") or "-",
        "reason": reason,
        "restarts": first.get("restartCount", 0),
    }
