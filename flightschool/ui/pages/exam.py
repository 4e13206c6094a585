"""Exam mode: weighted questions and up to two labs against one clock. The timer changes
colour at 15, 5 and 1 minutes; items can be flagged and revisited; nothing is marked
until the end (or until time runs out, which submits what was answered). Then every item
is reviewed with its explanation and the lab checks. Lab namespaces are left as they are."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from flightschool.cluster.factory import get_backend
from flightschool.content.labs import Lab
from flightschool.content.scoring import Outcome
from flightschool.core.errors import EnvironmentProblem, InputProblem
from flightschool.grading import session
from flightschool.grading.exam import ExamResult, score_exam
from flightschool.grading.report import Report
from flightschool.progress import record
from flightschool.ui.components import cluster_panel, console, workbench
from flightschool.ui.components.questions import ask, feedback
from flightschool.ui.state import Context

_RUN = "exam_run"


@dataclass
class ExamRun:
    exam_id: str
    deadline: float
    seed: str
    attempt_id: int
    current: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    flagged: set[str] = field(default_factory=set)
    result: ExamResult | None = None


def timer_colour(seconds_left: float) -> str:
    if seconds_left <= 60:
        return "red"
    if seconds_left <= 5 * 60:
        return "orange"
    if seconds_left <= 15 * 60:
        return "violet"
    return "green"


def render(ctx: Context) -> None:
    st.title("Exam")
    run: ExamRun | None = st.session_state.get(_RUN)
    if run is None:
        _choose(ctx)
        return
    if run.result is None and time.time() >= run.deadline:
        st.warning("Time is up: your answers were submitted.")
        _submit(ctx, run)
    if run.result is not None:
        _review(ctx, run)
        return
    _sitting(ctx, run)


def _choose(ctx: Context) -> None:
    exams = ctx.catalog.exams
    if not exams:
        st.info("No exams yet. Add YAML files to exams/.")
        return
    exam_id = st.selectbox(
        "Exam", list(exams), format_func=lambda e: exams[e].spec.title, key="exam_pick"
    )
    spec = exams[exam_id].spec
    st.markdown(spec.description)
    st.caption(
        f"{len(spec.questions)} questions, {len(spec.labs)} lab(s), {spec.minutes} minutes, "
        f"pass mark {spec.pass_mark:.0%}"
    )
    if spec.labs:
        st.caption(
            "Labs run on the lab cluster: start it on a lab page first. Their namespaces are reset when "
            "the exam starts and left as they are afterwards. The exam's lab files go to a folder "
            "of their own: your practice files are kept as they are."
        )
    if st.button("Start the exam", type="primary"):
        for lab_entry in spec.labs:
            try:
                lab = ctx.catalog.labs[lab_entry.id]
                session.start(
                    lab, get_backend(), fresh_workspace=True, folder=session.exam_workspace(lab)
                )
            except (EnvironmentProblem, InputProblem) as exc:
                st.error(f"Lab {lab_entry.id} could not be prepared: {exc}")
                return
        attempt = record.attempt_started(
            ctx.store, ctx.profile, "exam", exam_id, "exam", uuid.uuid4().hex
        )
        st.session_state[_RUN] = ExamRun(
            exam_id, time.time() + spec.minutes * 60, uuid.uuid4().hex, attempt
        )
        st.rerun()


def _items(ctx: Context, run: ExamRun) -> list[tuple[str, str]]:
    spec = ctx.catalog.exams[run.exam_id].spec
    return [("question", q.id) for q in spec.questions] + [("lab", lab.id) for lab in spec.labs]


def _clock(run: ExamRun) -> None:
    @st.fragment(run_every=1)
    def tick() -> None:
        left = run.deadline - time.time()
        if left <= 0:
            st.rerun()  # the full rerun submits
        shown = f"{int(left) // 60}:{int(left) % 60:02d}"
        st.markdown(f"### :{timer_colour(left)}[⏱ {shown}]")

    tick()


def _sitting(ctx: Context, run: ExamRun) -> None:
    items = _items(ctx, run)
    _clock(run)
    labels = [
        f"{'⚑ ' if item_id in run.flagged else ''}{i + 1}{' ✓' if item_id in run.answers else ''}"
        for i, (_, item_id) in enumerate(items)
    ]
    nav_key = f"exam_nav:{run.attempt_id}"
    st.session_state.setdefault(nav_key, run.current)
    chosen = st.pills(
        "Items (✓ answered, ⚑ flagged)",
        range(len(items)),
        format_func=labels.__getitem__,
        key=nav_key,
    )
    if chosen is not None:
        run.current = int(chosen)
    kind, item_id = items[run.current]
    with st.container(border=True):
        if kind == "question":
            question = ctx.catalog.question(item_id)
            if question is not None:
                answer = ask(question, f"exam:{run.attempt_id}:{item_id}", run.seed)
                if answer is not None:
                    run.answers[item_id] = answer
                elif item_id in run.answers and question.type in (
                    "single",
                    "true_false",
                    "short_answer",
                ):
                    run.answers.pop(item_id)
        else:
            _lab_item(ctx.catalog.labs[item_id], run)
        flagged = st.checkbox(
            "Flag for review", value=item_id in run.flagged, key=f"flag:{run.attempt_id}:{item_id}"
        )
        (run.flagged.add if flagged else run.flagged.discard)(item_id)
    left, right = st.columns(2)
    left.button(
        "← Previous",
        disabled=run.current == 0,
        on_click=_go,
        args=(run, nav_key, run.current - 1),
    )
    right.button(
        "Next →",
        disabled=run.current == len(items) - 1,
        on_click=_go,
        args=(run, nav_key, run.current + 1),
    )
    answered = sum(1 for k, i in items if k == "question" and i in run.answers)
    total = sum(1 for k, _ in items if k == "question")
    with st.popover("Submit the exam", use_container_width=True):
        st.markdown(f"{answered} of {total} questions answered, {len(run.flagged)} flagged.")
        if st.button("Submit now", type="primary"):
            _submit(ctx, run)
            st.rerun()


def _lab_item(lab: Lab, run: ExamRun) -> None:
    """A lab inside the exam: the files, Apply, the console and the cluster view, as on the
    Lab page, but no check runs before the exam is submitted."""
    st.markdown(f"**Lab: {_plain(lab.spec.title)}**")
    st.markdown("\n".join(f"- {t}" for t in lab.spec.tasks))
    folder = session.exam_workspace(lab)
    if lab.spec.submission == "files":
        st.caption(
            f"The exam's own copy of the files (`{folder}`, your practice files are kept) is "
            "graded as it is when you submit the exam."
        )
    else:
        st.caption(
            f"Apply the exam's copy of the files (`{folder}`; your practice files are kept) and "
            "look at the cluster as often as you like: the cluster's state is graded when you "
            "submit the exam, not before."
        )
    backend = get_backend()
    scope = f"exam:{run.attempt_id}:{lab.id}"
    if not workbench.file_editors(lab, folder):
        return
    clicked = workbench.apply_button(lab, scope, folder)
    workbench.apply_results(lab, backend, scope, clicked, folder)
    if not backend.ready():
        st.caption("The lab cluster is not running: start it from a lab page.")
        return
    with st.expander("Console", expanded=True):
        console.render(lab, backend, scope, folder)
    with st.expander("Your lab on the cluster, live", expanded=False):
        cluster_panel.render(lab, backend, scope)


def _plain(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~-])", r"\\\1", text)


def _go(run: ExamRun, nav_key: str, index: int) -> None:
    """Previous/Next move the item pills too (a callback: it runs before they are drawn),
    so the pills never pull the learner back to the item they last clicked."""
    run.current = index
    st.session_state[nav_key] = index


def _submit(ctx: Context, run: ExamRun) -> None:
    exam = ctx.catalog.exams[run.exam_id]
    reports: dict[str, Report | str] = {}
    workbench.saved()  # the files graded are those the editors show
    for lab_entry in exam.spec.labs:
        lab = ctx.catalog.labs[lab_entry.id]
        try:
            folder = session.exam_workspace(lab) if lab.spec.submission == "files" else None
            reports[lab.id] = session.check(lab, get_backend(), folder, visibility="exam")
        except (EnvironmentProblem, InputProblem) as exc:
            reports[lab.id] = f"not graded: {exc}"
    run.result = score_exam(exam, ctx.catalog, run.answers, reports)
    answers = [
        record.Answer(
            item.id,
            run.answers[item.id],
            correct=item.detail.correct,
            points=item.points,
            max_points=item.weight,
        )
        for item in run.result.items
        if item.kind == "question" and isinstance(item.detail, Outcome)
    ]
    labs = [
        record.LabGrade(
            item.id,
            item.detail.score,
            item.detail.max_score,
            item.detail.passed,
            item.detail.rows(),
        )
        for item in run.result.items
        if item.kind == "lab" and isinstance(item.detail, Report)
    ]
    record.exam_submitted(ctx.store, run.attempt_id, ctx.profile, answers, labs)


def item_title(ctx: Context, kind: str, item_id: str, width: int = 70) -> str:
    """An exam item as the learner saw it: the lab's title, or the start of the question."""
    if kind == "lab":
        lab = ctx.catalog.labs.get(item_id)
        return f"Lab: {lab.spec.title}" if lab else f"Lab: {item_id}"
    question = ctx.catalog.question(item_id)
    if question is None:
        return item_id
    first = " ".join(question.prompt.split())
    return first if len(first) <= width else first[: width - 1].rstrip() + "…"


def _review(ctx: Context, run: ExamRun) -> None:
    result = run.result
    assert result is not None
    st.metric(
        "Result",
        f"{result.score:g} / {result.max_score:g} ({result.fraction:.0%})",
        "passed" if result.passed else f"pass mark {result.pass_mark:.0%}",
        delta_color="normal" if result.passed else "off",
    )
    for n, item in enumerate(result.items, 1):
        with st.expander(
            f"{n}. {item_title(ctx, item.kind, item.id)} · {item.points:g}/{item.weight:g}"
            + (" · ⚑" if item.id in run.flagged else ""),
            expanded=item.fraction < 1,
        ):
            if item.kind == "question":
                question = ctx.catalog.question(item.id)
                if question is None:
                    continue
                st.markdown(question.prompt)
                if isinstance(item.detail, Outcome):
                    feedback(question, item.detail, run.answers.get(item.id))
                else:
                    st.caption("Not answered." if not item.answered else str(item.detail))
                    st.markdown(question.explanation)
            elif isinstance(item.detail, Report):
                for check in item.detail.checks:
                    icon = ":material/check_circle:" if check.passed else ":material/cancel:"
                    st.markdown(
                        f"{icon} {check.title} · {check.points:g}/{check.max_points:g}"
                        + ("" if check.passed else f"\n\n{check.message}")
                    )
            else:
                st.warning(str(item.detail))
    if st.button("Back to exams"):
        st.session_state.pop(_RUN, None)
        st.rerun()
