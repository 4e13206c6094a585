"""Asking a question and showing its feedback, for every auto-scored question type."""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_sortables import sort_items

from flightschool.content.models import (
    MultipleChoice,
    Ordering,
    Question,
    ShortAnswer,
    SingleChoice,
    SpotTheMistake,
    TrueFalse,
)
from flightschool.content.scoring import Outcome, shuffled

TYPE_LABELS = {
    "single": "Single choice",
    "multiple": "Multiple choice: pick all that apply",
    "true_false": "True or false",
    "spot_mistake": "Spot the mistake: pick the wrong line(s)",
    "ordering": "Ordering: drag the items into the right order",
    "short_answer": "Short answer",
    "interview": "Interview question",
}


def ask(question: Question, key: str, seed: str, disabled: bool = False) -> Any | None:
    """Render the input for `question`; return the answer by value, or None if incomplete."""
    st.caption(f"{TYPE_LABELS[question.type]} · {question.difficulty.value}")
    st.markdown(question.prompt)
    order_seed = f"{seed}:{question.id}"
    if isinstance(question, SingleChoice):
        texts = shuffled([o.text for o in question.options], order_seed)
        return st.radio(
            "Your answer",
            texts,
            index=None,
            key=key,
            disabled=disabled,
            label_visibility="collapsed",
        )
    if isinstance(question, MultipleChoice):
        texts = shuffled([o.text for o in question.options], order_seed)
        picked = [
            t for i, t in enumerate(texts) if st.checkbox(t, key=f"{key}:{i}", disabled=disabled)
        ]
        return picked or None
    if isinstance(question, TrueFalse):
        choice = st.radio(
            "Your answer",
            ["True", "False"],
            index=None,
            key=key,
            horizontal=True,
            disabled=disabled,
            label_visibility="collapsed",
        )
        return None if choice is None else choice == "True"
    if isinstance(question, SpotTheMistake):
        st.code(question.code, language=question.language, line_numbers=True)
        lines = question.code_lines
        picked_lines = st.multiselect(
            "Wrong line(s)",
            list(range(1, len(lines) + 1)),
            format_func=lambda n: f"{n}: {lines[n - 1].strip()[:70]}",
            key=key,
            disabled=disabled,
        )
        return sorted(picked_lines) or None
    if isinstance(question, Ordering):
        return _ordering(question, key, order_seed, disabled)
    if isinstance(question, ShortAnswer):
        text = st.text_input("Your answer", key=key, disabled=disabled)
        return text.strip() or None
    st.info("Interview questions are practised on the mock interview page.")
    return None


DRAG_HELP = (
    "Drag the items into order, first at the top. With the keyboard: Tab to an item, Space "
    "to pick it up, the arrow keys to move it, Space to drop it."
)


def _ordering(question: Ordering, key: str, seed: str, disabled: bool) -> list[str] | None:
    """Drag and drop, with a list picker below that needs no dragging: a complete pick
    there wins over the dragged order."""
    items = shuffled(question.items, seed)
    kept = f"{key}:order"
    if disabled:  # a checked answer: the order it was checked with, not a live list
        order = st.session_state.get(kept)
        if order:
            st.markdown("\n".join(f"{n}. {item}" for n, item in enumerate(order, 1)))
        return list(order) if order else None
    st.caption(DRAG_HELP)
    dragged = sort_items(items, direction="vertical", key=f"{key}:drag")
    with st.expander("Or pick the order from a list"):
        picked = st.multiselect(
            "Pick every item, first to last",
            items,
            key=key,
            placeholder="Choose the first step…",
        )
    order = picked if len(picked) == len(items) else list(dragged)
    if sorted(order) != sorted(items):  # a stale drag from another question's list
        order = items
    st.session_state[kept] = order
    return order


def feedback(question: Question, outcome: Outcome, answer: Any = None) -> None:
    """The verdict, with the learner's own answer beside it (when given) and the right one."""
    if outcome.correct:
        st.success(
            f"Correct · {_pts(outcome.points)}/{_pts(outcome.max_points)}",
            icon=":material/check_circle:",
        )
    elif outcome.points > 0:
        st.warning(
            f"Partly right · {_pts(outcome.points)}/{_pts(outcome.max_points)}",
            icon=":material/contrast:",
        )
    else:
        st.error(f"Not quite · 0/{_pts(outcome.max_points)}", icon=":material/cancel:")
    if answer is not None:
        st.markdown(f"**Your answer:** {answer_text(question, answer)}")
    right = correct_answer_text(question)
    if right and not outcome.correct:
        st.markdown(f"**Right answer:** {right}")
    st.markdown(question.explanation)
    for note in outcome.feedback:
        st.caption(note)


def correct_answer_text(question: Question) -> str:
    if isinstance(question, SingleChoice | MultipleChoice):
        return "; ".join(sorted(question.correct_texts))
    if isinstance(question, TrueFalse):
        return str(question.answer)
    if isinstance(question, SpotTheMistake):
        return ", ".join(f"line {n}" for n in sorted(question.mistakes))
    if isinstance(question, Ordering):
        return " → ".join(question.items)
    if isinstance(question, ShortAnswer):
        return question.accept[0] if question.accept else ""
    return ""


def answer_text(question: Question, answer: Any) -> str:
    """An answer as the learner chose it: option texts, True/False, line numbers, an order."""
    if isinstance(answer, bool):
        return str(answer)
    if isinstance(question, SpotTheMistake) and isinstance(answer, list | tuple):
        return ", ".join(f"line {n}" for n in answer)
    if isinstance(question, Ordering) and isinstance(answer, list | tuple):
        return " → ".join(str(a) for a in answer)
    if isinstance(answer, list | tuple | set | frozenset):
        return "; ".join(str(a) for a in answer)
    return str(answer)


def _pts(points: float) -> str:
    """Points as a learner reads them: 0.67, not 0.6667."""
    return f"{round(points, 2):g}"
