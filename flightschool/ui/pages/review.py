"""Spaced review: the cards due today (quiz questions, interview questions, failed lab
checks), scheduled by FSRS. Leeches (eight lapses) point back to their lesson."""

from __future__ import annotations

import streamlit as st

from flightschool.content.models import Interview
from flightschool.content.scoring import auto_scored, score
from flightschool.progress import review
from flightschool.ui import nav
from flightschool.ui.components.questions import ask, feedback
from flightschool.ui.state import Context


def render(ctx: Context) -> None:
    st.title("Review")
    cards = review.due(ctx.store, ctx.profile)
    everything = review.all_cards(ctx.store, ctx.profile)
    left, right = st.columns(2)
    left.metric("Due now", len(cards))
    right.metric("Cards in review", len(everything))
    leeches = [c for c in everything if c.leech]
    if leeches:
        with st.container(border=True):
            st.markdown(
                f"**{len(leeches)} leech(es):** missed {review.LEECH_LAPSES} times or more. "
                "Re-read the lesson rather than drilling the card."
            )
            for card in leeches:
                _lesson_link(ctx, card)
    if not cards:
        st.success(
            "Nothing is due. Answer quizzes, mock interviews and labs to fill your review queue."
        )
        return
    card = cards[0]
    with st.container(border=True):
        st.caption(f"{card.kind} card · {len(cards)} due" + (" · leech" if card.leech else ""))
        if card.kind == "lab-check":
            _lab_check_card(ctx, card)
        else:
            _question_card(ctx, card)


def _rate_buttons(ctx: Context, card: review.DueCard, options: tuple[str, ...]) -> None:
    cols = st.columns(len(options))
    for col, rating in zip(cols, options, strict=True):
        if col.button(
            rating.capitalize(), key=f"rv:{card.card_id}:{rating}", use_container_width=True
        ):
            review.rate(ctx.store, ctx.profile, card.kind, card.ref, rating)
            st.session_state.pop(f"rv:{card.card_id}:outcome", None)
            st.rerun()


def _question_card(ctx: Context, card: review.DueCard) -> None:
    question = ctx.catalog.question(card.ref)
    if question is None:
        st.warning(f"Question {card.ref} is no longer in the course.")
        _rate_buttons(ctx, card, ("good",))
        return
    if isinstance(question, Interview) or not auto_scored(question):
        st.markdown(f"**{question.prompt}**")
        if st.toggle("Show the model answer", key=f"rv:{card.card_id}:show"):
            st.markdown(
                question.model_answer if isinstance(question, Interview) else question.explanation
            )
            _rate_buttons(ctx, card, ("again", "hard", "good", "easy"))
        return
    key = f"rv:{card.card_id}:outcome"
    with st.form(f"rv:{card.card_id}:form"):
        answer = ask(question, f"rv:{card.card_id}:answer", seed=card.card_id)
        checked = st.form_submit_button("Check")
    if checked and answer is not None:
        st.session_state[key] = score(question, answer)
    outcome = st.session_state.get(key)
    if outcome is not None:
        feedback(question, outcome, answer)
        _rate_buttons(ctx, card, ("hard", "good", "easy") if outcome.correct else ("again",))


def _lab_check_card(ctx: Context, card: review.DueCard) -> None:
    lab_id, _, check_id = card.ref.partition("/")
    lab = ctx.catalog.labs.get(lab_id)
    check = next((c for c in lab.spec.checks if c.id == check_id), None) if lab else None
    if lab is None or check is None:
        st.warning(f"Lab check {card.ref} is no longer in the course.")
        _rate_buttons(ctx, card, ("good",))
        return
    st.markdown(f"**{lab.spec.title}: {check.title}**")
    st.markdown("What does this check test, and how do you make it pass?")
    if st.toggle("Show the answer", key=f"rv:{card.card_id}:show"):
        st.markdown(check.concept or check.message)
        st.caption(check.message)
        _rate_buttons(ctx, card, ("again", "hard", "good", "easy"))


def _lesson_link(ctx: Context, card: review.DueCard) -> None:
    lesson_id = None
    if card.kind == "lab-check":
        lab = ctx.catalog.labs.get(card.ref.partition("/")[0])
        lesson_id = lab.spec.lesson if lab else None
    else:
        question = ctx.catalog.question(card.ref)
        lesson_id = question.lesson if question else None
    if lesson_id in ctx.catalog.lessons:
        nav.link(
            f"lesson:{lesson_id}",
            f"Re-read: {ctx.catalog.lessons[lesson_id].meta.title} ({card.ref})",
            icon=":material/menu_book:",
        )
