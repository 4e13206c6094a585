"""Quizzes in practice mode: one question at a time, immediate feedback with the
explanation, and at the end a retry of just the questions that were wrong."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from flightschool.content.scoring import Outcome, auto_scored, score
from flightschool.progress import record
from flightschool.ui.components.cards import error_card
from flightschool.ui.components.questions import ask, feedback
from flightschool.ui.state import Context

_RUN = "quiz_run"


@dataclass
class Run:
    bank_id: str
    attempt_id: int
    seed: str
    question_ids: list[str]
    index: int = 0
    shown_at: float = field(default_factory=time.monotonic)
    outcomes: dict[str, Outcome] = field(default_factory=dict)


def render(ctx: Context) -> None:
    st.title("Quizzes")
    banks = ctx.catalog.banks
    if not banks:
        st.info("No quiz banks yet. Add YAML files to quizzes/.")
        return
    for item in ctx.catalog.broken:
        if item.kind == "quiz":
            error_card(f"Quiz {item.name}", item.errors, ctx.catalog.root)
    ids = list(banks)
    wanted = st.query_params.get("quiz")
    default = ids.index(wanted) if wanted in ids else 0
    bank_id = st.selectbox(
        "Quiz", ids, index=default, format_func=lambda b: banks[b].bank.title, key="quiz_pick"
    )
    if st.query_params.get("quiz") != bank_id:
        st.query_params["quiz"] = bank_id
    loaded = banks[bank_id]
    for broken in loaded.broken:
        error_card(f"Question {broken.id}", broken.errors, ctx.catalog.root)
    run: Run | None = st.session_state.get(_RUN)
    if run is None or run.bank_id != bank_id:
        askable = [q.id for q in loaded.bank.questions if auto_scored(q)]
        st.markdown(loaded.bank.description or "")
        st.caption(f"{len(askable)} questions · practice mode: feedback after each answer")
        if st.button("Start practice", type="primary", disabled=not askable):
            _start(ctx, bank_id, askable, mode="practice")
        return
    if run.index >= len(run.question_ids):
        _summary(ctx, run)
    else:
        _question(ctx, run)


def _start(ctx: Context, bank_id: str, question_ids: list[str], mode: str) -> None:
    seed = uuid.uuid4().hex
    attempt = record.attempt_started(ctx.store, ctx.profile, "quiz", bank_id, mode, seed)
    st.session_state[_RUN] = Run(bank_id, attempt, seed, question_ids)
    st.rerun()


def _question(ctx: Context, run: Run) -> None:
    qid = run.question_ids[run.index]
    question = ctx.catalog.question(qid)
    st.progress(
        run.index / len(run.question_ids),
        text=f"Question {run.index + 1} of {len(run.question_ids)}",
    )
    if question is None:
        st.error(f"Question {qid} is no longer in the catalog; skipping it.")
        run.index += 1
        return
    outcome = run.outcomes.get(qid)
    key = f"q:{run.attempt_id}:{qid}"
    with st.form(key + ":form", border=True):
        answer = ask(question, key, run.seed, disabled=outcome is not None)
        checked = st.form_submit_button(
            "Check answer", type="primary", disabled=outcome is not None
        )
    if checked and outcome is None:
        if answer is None:
            st.warning("Answer the question first (every item, for ordering questions).")
            return
        outcome = _check(ctx, run, qid, answer)
    if outcome is not None:
        feedback(question, outcome, answer)
        last = run.index + 1 == len(run.question_ids)
        if st.button(
            "See results" if last else "Next question →", type="primary", key=key + ":next"
        ):
            run.index += 1
            run.shown_at = time.monotonic()
            st.rerun()


def _check(ctx: Context, run: Run, qid: str, answer: Any) -> Outcome:
    question = ctx.catalog.question(qid)
    assert question is not None
    outcome = score(question, answer)
    record.question_answered(
        ctx.store,
        ctx.profile,
        run.attempt_id,
        qid,
        answer,
        correct=outcome.correct,
        points=outcome.points,
        max_points=outcome.max_points,
        seconds=time.monotonic() - run.shown_at,
    )
    run.outcomes[qid] = outcome
    return outcome


def _summary(ctx: Context, run: Run) -> None:
    record.attempt_finished(ctx.store, run.attempt_id)
    got = sum(o.points for o in run.outcomes.values())
    top = sum(o.max_points for o in run.outcomes.values())
    wrong = [qid for qid, o in run.outcomes.items() if not o.correct]
    st.subheader("Results")
    st.metric(
        "Score", f"{got:g} / {top:g}", f"{100 * got / top:.0f}%" if top else None, delta_color="off"
    )
    if wrong:
        st.markdown("**To revisit:**")
        for qid in wrong:
            question = ctx.catalog.question(qid)
            st.markdown(f"- {question.prompt.splitlines()[0] if question else qid}")
    else:
        st.success("Every answer right.")
    left, right = st.columns(2)
    if wrong and left.button(f"Retry the {len(wrong)} wrong", type="primary"):
        _start(ctx, run.bank_id, wrong, mode="retry")
    if right.button("Start over"):
        st.session_state.pop(_RUN, None)
        st.rerun()
