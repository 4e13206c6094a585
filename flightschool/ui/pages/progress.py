"""Progress: scores over time, lessons completed, and profile export/import."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from flightschool.content.catalog import Catalog
from flightschool.progress.export import ExportError, parse_bytes
from flightschool.progress.store import AttemptSummary, LabAttemptSummary, ProfileError
from flightschool.ui.components.titles import labelled
from flightschool.ui.pages.interview import MIXED
from flightschool.ui.state import Context


def render(ctx: Context) -> None:
    st.title("Progress")
    attempts = [a for a in ctx.store.attempts(ctx.profile) if a.answered]
    labs = ctx.store.lab_attempts(ctx.profile)
    done = ctx.store.completed_lessons(ctx.profile)
    total = len(ctx.catalog.lessons)
    left, middle, right = st.columns(3)
    left.metric("Lessons complete", f"{len(done & set(ctx.catalog.lessons))} / {total}")
    middle.metric("Attempts", len(attempts) + len(labs))
    answered = sum(a.answered for a in attempts)
    right.metric("Questions answered", answered)
    frame = attempts_frame(ctx.catalog, attempts, labs)
    if len(frame):
        st.subheader("Scores over time")
        st.altair_chart(scores_chart(frame), use_container_width=True)
        st.dataframe(
            frame.sort_values("when", ascending=False), hide_index=True, use_container_width=True
        )
    else:
        st.info("No attempts yet. Your quiz, lab, exam and interview scores will be charted here.")
    _mastery(ctx)
    _reviews_due(ctx)
    _export_import(ctx)


def attempts_frame(
    catalog: Catalog, attempts: list[AttemptSummary], labs: list[LabAttemptSummary]
) -> pd.DataFrame:
    """One row per attempt of any kind, under its title, oldest first."""
    rows = [
        {
            "when": a.started_at,
            "activity": attempt_title(catalog, a.kind, a.quiz_id),
            "kind": KIND_LABELS.get(a.kind, a.kind),
            "mode": a.mode,
            "score %": round(a.percent, 1),
            "score": f"{a.score:g}/{a.max_score:g}",
        }
        for a in attempts
    ] + [
        {
            "when": lab.at,
            "activity": attempt_title(catalog, "lab", lab.lab_id),
            "kind": KIND_LABELS["lab"],
            "mode": "passed" if lab.passed else "not yet",
            "score %": round(lab.percent, 1),
            "score": f"{lab.score:g}/{lab.max_score:g}",
        }
        for lab in labs
    ]
    columns = ["when", "activity", "kind", "mode", "score %", "score"]
    return pd.DataFrame(rows, columns=columns).sort_values("when", ignore_index=True)


def scores_chart(frame: pd.DataFrame) -> alt.Chart:
    """The mean score of each activity per day, on a time axis by day."""
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "yearmonthdate(when):T",
                title="Day",
                axis=alt.Axis(format="%d %b", tickCount="day", labelAngle=0),
            ),
            y=alt.Y(
                "mean(score %):Q", title="Score % (mean that day)", scale=alt.Scale(domain=[0, 100])
            ),
            color=alt.Color(
                "activity:N",
                title=None,
                legend=alt.Legend(orient="bottom", columns=1, labelLimit=0),
            ),
            tooltip=[
                alt.Tooltip("activity:N"),
                alt.Tooltip("kind:N"),
                alt.Tooltip("yearmonthdate(when):T", title="day"),
                alt.Tooltip("mean(score %):Q", title="score % (mean)", format=".0f"),
                alt.Tooltip("count():Q", title="attempts"),
            ],
        )
    )
    return chart


KIND_LABELS = {
    "quiz": "Quiz",
    "lesson": "Lesson check",
    "exam": "Exam",
    "interview": "Interview",
    "lab": "Lab",
}


def attempt_title(catalog: Catalog, kind: str, ref: str) -> str:
    """What an attempt was, by its kind: the bank, lesson, exam, lab or interview track's
    title under its kind (once), or the kind and id if it left the catalog."""
    label = KIND_LABELS.get(kind, kind.capitalize())
    title: str | None = None
    if kind == "quiz" and ref in catalog.banks:
        title = catalog.banks[ref].bank.title
    elif kind == "lesson" and ref in catalog.lessons:
        title = catalog.lessons[ref].meta.title
    elif kind == "exam" and ref in catalog.exams:
        title = catalog.exams[ref].spec.title
    elif kind == "lab" and ref in catalog.labs:
        title = catalog.labs[ref].spec.title
    elif kind == "interview" and ref in catalog.interviews:
        title = catalog.interviews[ref].bank.title
    elif kind == "interview" and ref == MIXED:
        title = "every track"
    return labelled(label, title if title is not None else ref)


def mastery_by_lesson(ctx: Context) -> dict[str, float]:
    """Per lesson: the share of its questions whose last two answers were right."""
    history = ctx.store.question_history(ctx.profile)
    scores: dict[str, list[float]] = {}
    for qid, results in history.items():
        question = ctx.catalog.question(qid)
        if question is None or question.lesson not in ctx.catalog.lessons:
            continue
        recent = results[-2:]
        scores.setdefault(question.lesson, []).append(sum(recent) / len(recent))
    return {lesson: sum(v) / len(v) for lesson, v in scores.items()}


def _mastery(ctx: Context) -> None:
    mastery = mastery_by_lesson(ctx)
    if not mastery:
        return
    titles = {lid: lesson.meta.title for lid, lesson in ctx.catalog.lessons.items()}
    frame = pd.DataFrame(
        {
            "lesson": [titles[k] for k in mastery],
            "mastery %": [round(100 * v) for v in mastery.values()],
        }
    )
    st.subheader("Mastery per topic")
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("mastery %:Q", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("lesson:N", sort="-x", axis=alt.Axis(labelLimit=360)),
            tooltip=["lesson", "mastery %"],
        )
    )
    st.altair_chart(chart, use_container_width=True)


def _reviews_due(ctx: Context) -> None:
    from datetime import UTC, datetime

    from flightschool.progress import review

    cards = review.all_cards(ctx.store, ctx.profile)
    if not cards:
        return
    today = datetime.now(UTC).date()
    days = [max(0, (c.due.date() - today).days) for c in cards]
    frame = pd.DataFrame({"in days": days, "kind": [c.kind for c in cards]})
    st.subheader("Reviews due")
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("in days:O", title="due in (days, 0 = now)"),
            y=alt.Y("count():Q", title="cards"),
            color="kind:N",
        )
    )
    st.altair_chart(chart, use_container_width=True)


def _export_import(ctx: Context) -> None:
    st.subheader("Back up or move your progress")
    data = json.dumps(ctx.store.export_profile(ctx.profile), indent=2)
    st.download_button(
        "Export profile (JSON)",
        data,
        file_name=f"flightschool-{ctx.profile}.json",
        mime="application/json",
    )
    with st.form("import_profile", clear_on_submit=True):
        upload = st.file_uploader("Import a profile export", type=["json"])
        name = st.text_input("Import as (new profile name)")
        if st.form_submit_button("Import") and upload is not None:
            try:
                payload = parse_bytes(upload.getvalue())
                created = ctx.store.import_profile(payload, name or None)
            except ExportError as exc:
                st.error(f"{upload.name}: {exc}")
            except ProfileError as exc:
                st.error(f"{upload.name}: {exc}")
            else:
                st.success(f"Imported as profile {created!r}. Pick it in the sidebar.")
