"""A lesson: its sections, inline check-your-understanding questions, and navigation."""

from __future__ import annotations

import time
import uuid

import streamlit as st

from flightschool.content.lessons import CheckPart, DiagramPart, Lesson, MarkdownPart
from flightschool.content.scoring import score
from flightschool.progress import record
from flightschool.ui import nav
from flightschool.ui.components.questions import ask, feedback
from flightschool.ui.components.titles import labelled
from flightschool.ui.state import Context


def render(ctx: Context, lesson_id: str) -> None:
    lesson = ctx.catalog.lessons[lesson_id]
    seen = st.session_state.setdefault("_viewed", set())
    if (ctx.profile, lesson_id) not in seen:
        ctx.store.mark_viewed(ctx.profile, lesson_id)
        seen.add((ctx.profile, lesson_id))
    meta = lesson.meta
    st.title(meta.title)
    st.caption(
        f"{meta.module} · {meta.minutes} min" + (" · " + ", ".join(meta.tags) if meta.tags else "")
    )
    with st.container(border=True):
        st.markdown("**You will be able to**\n" + "\n".join(f"- {o}" for o in meta.objectives))
        if meta.prerequisites:
            st.caption("Before this: " + ", ".join(meta.prerequisites))
    for section in lesson.sections:
        st.header(section.title, anchor=section.slug)
        for part in section.parts:
            if isinstance(part, MarkdownPart):
                st.markdown(part.text)
            elif isinstance(part, DiagramPart):
                st.graphviz_chart(part.dot)
            elif isinstance(part, CheckPart):
                for qid in part.question_ids:
                    _inline_check(ctx, lesson, qid)
    _footer(ctx, lesson)


def _inline_check(ctx: Context, lesson: Lesson, qid: str) -> None:
    question = ctx.catalog.question(qid)
    with st.container(border=True):
        st.markdown("**Check your understanding**")
        if question is None:
            st.error(f"Question `{qid}` is missing from the quiz banks.")
            return
        key = f"inline:{lesson.id}:{qid}"
        result = st.session_state.get(key + ":result")
        with st.form(key + ":form", border=False):
            answer = ask(
                question, key, seed=f"{ctx.profile}:{lesson.id}", disabled=result is not None
            )
            submitted = st.form_submit_button("Check", disabled=result is not None)
        shown_at = st.session_state.setdefault(key + ":shown", time.monotonic())
        if submitted and result is None:
            if answer is None:
                st.warning("Answer the question first.")
            else:
                outcome = score(question, answer)
                attempt = _inline_attempt(ctx, lesson.id)
                record.question_answered(
                    ctx.store,
                    ctx.profile,
                    attempt,
                    qid,
                    answer,
                    correct=outcome.correct,
                    points=outcome.points,
                    max_points=outcome.max_points,
                    seconds=time.monotonic() - shown_at,
                )
                st.session_state[key + ":result"] = result = outcome
                st.rerun()
        if result is not None:
            feedback(question, result)
            if st.button("Try again", key=key + ":again"):
                for suffix in (":result", ":shown"):
                    st.session_state.pop(key + suffix, None)
                st.rerun()


def _inline_attempt(ctx: Context, lesson_id: str) -> int:
    key = f"inline-attempt:{ctx.profile}:{lesson_id}"
    if key not in st.session_state:
        st.session_state[key] = record.attempt_started(
            ctx.store, ctx.profile, "lesson", lesson_id, "inline", uuid.uuid4().hex
        )
    attempt: int = st.session_state[key]
    return attempt


def _footer(ctx: Context, lesson: Lesson) -> None:
    st.divider()
    banks = ctx.catalog.banks_for_lesson(lesson.id)
    if banks or lesson.meta.labs:
        st.subheader("Practise")
        for loaded in banks:
            nav.link(
                "quizzes",
                labelled("Quiz", loaded.bank.title),
                icon=":material/quiz:",
                quiz=loaded.bank.id,
            )
        for lab in lesson.meta.labs:
            found = ctx.catalog.labs.get(lab)
            title = labelled("Lab", found.spec.title if found else lab)
            nav.link(f"lab:{lab}", title, icon=":material/science:")
    done = lesson.id in ctx.store.completed_lessons(ctx.profile)
    marked = st.toggle("Lesson complete", value=done, key=f"complete:{lesson.id}")
    if marked != done:
        ctx.store.set_complete(ctx.profile, lesson.id, marked)
        st.toast("Marked complete" if marked else "Marked not complete")
    before, after = ctx.catalog.neighbours(lesson.id)
    left, right = st.columns(2)
    with left:
        if before:
            nav.link(f"lesson:{before.id}", f"← {before.meta.title}")
    with right:
        if after:
            nav.link(f"lesson:{after.id}", f"{after.meta.title} →")
