"""Home: the course map by module, progress per module, and where to continue."""

from __future__ import annotations

import streamlit as st

from flightschool.progress import review
from flightschool.ui import nav
from flightschool.ui.components.cards import error_card
from flightschool.ui.state import Context


def render(ctx: Context) -> None:
    st.title("Flight School")
    st.caption(
        "Apache Airflow on Kubernetes: lessons, quizzes and hands-on labs for senior interviews."
    )
    catalog = ctx.catalog
    done = ctx.store.completed_lessons(ctx.profile)
    lessons = list(catalog.lessons.values())
    _continue(ctx, done)
    _reviews_due(ctx)
    total = len(lessons)
    finished = sum(1 for lesson in lessons if lesson.id in done)
    st.progress(
        finished / total if total else 0.0, text=f"Course progress: {finished} of {total} lessons"
    )
    for module, members in catalog.modules():
        complete = sum(1 for lesson in members if lesson.id in done)
        with st.container(border=True):
            st.subheader(module)
            st.progress(complete / len(members), text=f"{complete} of {len(members)} complete")
            for lesson in members:
                mark = ":material/check_circle:" if lesson.id in done else ":material/menu_book:"
                nav.link(
                    f"lesson:{lesson.id}",
                    f"{lesson.meta.title} · {lesson.meta.minutes} min",
                    icon=mark,
                )
    if catalog.labs:
        best = ctx.store.best_lab_scores(ctx.profile)
        with st.container(border=True):
            st.subheader("Labs")
            for item_lab in catalog.labs.values():
                got, top = best.get(item_lab.id, (0.0, item_lab.spec.max_score))
                label = (
                    f"{item_lab.spec.title} · best {got:g}/{top:g}"
                    if item_lab.id in best
                    else item_lab.spec.title
                )
                icon = (
                    ":material/check_circle:"
                    if item_lab.id in best and got >= top
                    else ":material/science:"
                )
                nav.link(f"lab:{item_lab.id}", label, icon=icon)
    for item in catalog.broken:
        error_card(f"{item.kind.capitalize()} {item.name}", item.errors, catalog.root)
    if catalog.errors:
        with st.expander(f"Content problems ({len(catalog.errors)})"):
            st.code(
                "\n".join(str(e.relative_to(catalog.root)) for e in catalog.errors), language="text"
            )


def _continue(ctx: Context, done: set[str]) -> None:
    lessons = list(ctx.catalog.lessons.values())
    if not lessons:
        st.info("No lessons yet. Add Markdown files to lessons/.")
        return
    last = ctx.store.last_viewed_lesson(ctx.profile)
    if last in ctx.catalog.lessons and last not in done:
        target, verb = ctx.catalog.lessons[last], "Continue where you left off"
    else:
        pending = [lesson for lesson in lessons if lesson.id not in done]
        if not pending:
            st.success("You have completed every lesson. Keep your edge with the quizzes.")
            return
        target = pending[0]
        verb = "Start here" if last is None else "Next up"
    with st.container(border=True):
        st.markdown(f"**{verb}**")
        nav.link(f"lesson:{target.id}", target.meta.title, icon=":material/play_arrow:")


REVIEW_KINDS = {
    "quiz": "quiz question",
    "interview": "interview question",
    "lab-check": "lab check",
}


def _reviews_due(ctx: Context) -> None:
    """Cards the spaced review has due now, by kind, with the way to the review page."""
    cards = review.due(ctx.store, ctx.profile)
    if not cards:
        return
    counts: dict[str, int] = {}
    for card in cards:
        counts[card.kind] = counts.get(card.kind, 0) + 1
    parts = [
        f"{n} {REVIEW_KINDS.get(kind, kind)}{'' if n == 1 else 's'}"
        for kind, n in sorted(counts.items())
    ]
    with st.container(border=True):
        st.markdown(f"**Reviews due: {len(cards)}**")
        st.caption(", ".join(parts))
        nav.link("review", "Review now", icon=":material/event_repeat:")
