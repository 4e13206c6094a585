"""Progress: scores over time, lessons completed, and profile export/import."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from flightschool.progress.store import ProfileError
from flightschool.ui.state import Context


def render(ctx: Context) -> None:
    st.title("Progress")
    attempts = [a for a in ctx.store.attempts(ctx.profile) if a.answered]
    done = ctx.store.completed_lessons(ctx.profile)
    total = len(ctx.catalog.lessons)
    left, middle, right = st.columns(3)
    left.metric("Lessons complete", f"{len(done & set(ctx.catalog.lessons))} / {total}")
    middle.metric("Quiz attempts", len(attempts))
    answered = sum(a.answered for a in attempts)
    right.metric("Questions answered", answered)
    if attempts:
        titles = {b: lb.bank.title for b, lb in ctx.catalog.banks.items()}
        frame = pd.DataFrame(
            {
                "when": [a.started_at for a in attempts],
                "quiz": [titles.get(a.quiz_id, a.quiz_id) for a in attempts],
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
    _export_import(ctx)


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
                payload = json.loads(upload.getvalue().decode("utf-8"))
                created = ctx.store.import_profile(payload, name or None)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                st.error(f"That file is not valid JSON: {exc}")
            except ProfileError as exc:
                st.error(str(exc))
            else:
                st.success(f"Imported as profile {created!r}. Pick it in the sidebar.")
