"""A lesson: its sections, inline check-your-understanding questions, and navigation."""

from __future__ import annotations

import re
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
        if not lesson.check_refs:  # nothing to answer: opening it is reading it
            _complete(ctx, lesson, announce=False)
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
                st.markdown(with_mistake_badges(part.text))
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
                st.session_state[key + ":answer"] = answer
                if every_check_answered(ctx, lesson):
                    _complete(ctx, lesson, announce=True)
                st.rerun()
        if result is not None:
            feedback(question, result, st.session_state.get(key + ":answer"))
            if st.button("Try again", key=key + ":again"):
                for suffix in (":result", ":shown", ":answer"):
                    st.session_state.pop(key + suffix, None)
                st.rerun()


def every_check_answered(ctx: Context, lesson: Lesson) -> bool:
    """Whether every inline check of the lesson has an answer on record from this lesson's
    page (on any visit; right or wrong: the answer's feedback is the lesson's teaching)."""
    wanted = {qid for part in lesson.check_refs for qid in part.question_ids}
    answered: set[str] = set()
    for attempt in ctx.store.attempts(ctx.profile, lesson.id, kind="lesson"):
        answered.update(a["question_id"] for a in ctx.store.answers(attempt.id))
    return wanted <= answered


def _complete(ctx: Context, lesson: Lesson, announce: bool) -> None:
    """Mark the lesson complete once, when it has been read and its checks answered. The
    toggle in the footer stays the learner's to change afterwards."""
    if lesson.id in ctx.store.completed_lessons(ctx.profile):
        return
    ctx.store.set_complete(ctx.profile, lesson.id, True)
    st.session_state[f"complete:{lesson.id}"] = True
    if announce:
        st.toast("Lesson complete: every check answered", icon=":material/check_circle:")


_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
MISTAKE_BADGE = ":red-badge[:material/warning: Wrong on purpose: this code has a mistake]"


def with_mistake_badges(text: str) -> str:
    """Put a visible badge above every code block flagged `mistake`, so nobody copies it."""
    out: list[str] = []
    closing: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if closing is None and match:
            closing = match["fence"]
            if "mistake" in match["info"].split()[1:]:
                out += [f"{match['indent']}{MISTAKE_BADGE}", ""]
        elif (
            closing is not None
            and line.strip().startswith(closing)
            and not line.strip(closing[0]).strip()
        ):
            closing = None
        out.append(line)
    return "\n".join(out)


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
