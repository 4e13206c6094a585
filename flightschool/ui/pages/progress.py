"""Progress: scores over time, lessons completed, and profile export/import."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from flightschool.content.catalog import Catalog
from flightschool.progress.export import ExportError, parse_bytes
from flightschool.progress.store import ProfileError
from flightschool.ui.pages.interview import MIXED
from flightschool.ui.state import Context


def render(ctx: Context) -> None:
    st.title("Progress")
    attempts = [a for a in ctx.store.attempts(ctx.profile) if a.answered]
    done = ctx.store.completed_lessons(ctx.profile)
    total = len(ctx.catalog.lessons)
    left, middle, right = st.columns(3)
    left.metric("Lessons complete", f"{len(done & set(ctx.catalog.lessons))} / {total}")
    middle.metric("Attempts", len(attempts))
    answered = sum(a.answered for a in attempts)
    right.metric("Questions answered", answered)
    if attempts:
        frame = pd.DataFrame(
            {
                "when": [a.started_at for a in attempts],
                "quiz": [attempt_title(ctx.catalog, a.kind, a.quiz_id) for a in attempts],
                "mode": [a.mode for a in attempts],
                "score %": [round(a.percent, 1) for a in attempts],
                "answered": [a.answered for a in attempts],
            }
        )
        chart = (
            alt.Chart(frame)
            .mark_line(point=True)
            .encode(
                x=alt.X("when:T", title="Attempt"),
                y=alt.Y("score %:Q", scale=alt.Scale(domain=[0, 100])),
                color="quiz:N",
                tooltip=["quiz", "mode", "score %", "answered", "when"],
            )
        )
        st.subheader("Scores over time")
        st.altair_chart(chart, use_container_width=True)
        st.dataframe(
            frame.sort_values("when", ascending=False), hide_index=True, use_container_width=True
        )
    else:
        st.info("No quiz attempts yet. Your scores will be charted here.")
    _mastery(ctx)
    _reviews_due(ctx)
    _export_import(ctx)


KIND_LABELS = {
    "quiz": "Quiz",
    "lesson": "Lesson check",
    "exam": "Exam",
    "interview": "Interview",
}


def attempt_title(catalog: Catalog, kind: str, ref: str) -> str:
    """What an attempt was, by its kind: the bank, lesson, exam or interview track's title
    (which already say "Quiz: …", "Exam: …"), or the kind and id if it left the catalog."""
    label = KIND_LABELS.get(kind, kind.capitalize())
    if kind == "quiz" and ref in catalog.banks:
        return catalog.banks[ref].bank.title
    if kind == "lesson" and ref in catalog.lessons:
        return f"{label}: {catalog.lessons[ref].meta.title}"
    if kind == "exam" and ref in catalog.exams:
        return catalog.exams[ref].spec.title
    if kind == "interview" and ref in catalog.interviews:
        return catalog.interviews[ref].bank.title
    if kind == "interview" and ref == MIXED:
        return f"{label}: every track"
    return f"{label}: {ref}"


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
            y=alt.Y("lesson:N", sort="-x"),
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
    if ctx.identity is not None:  # workshop mode: a learner has one profile, their own
        return
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
