"""Mock interview: pick a track and a length, answer each question against a visible clock,
then see which key points you covered (with the sentence that earned each), the model
answer, follow-ups, and rate yourself for spaced review. A report closes the session."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import streamlit as st

from flightschool.content.models import Interview
from flightschool.interview.rubric import MAX_ANSWER_CHARS, Scored, score_answer
from flightschool.progress import record
from flightschool.ui.state import Context

_RUN = "interview_run"
MIXED = "all"


@dataclass
class Session:
    track: str
    question_ids: list[str]
    minutes: int
    attempt_id: int
    index: int = 0
    started: float = field(default_factory=time.time)
    question_started: float = field(default_factory=time.time)
    results: dict[str, Scored] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    ratings: dict[str, str] = field(default_factory=dict)


def questions_for(ctx: Context, track: str) -> list[Interview]:
    tracks = ctx.catalog.interviews
    banks = tracks.values() if track == MIXED else [tracks[track]]
    return [q for b in banks for q in b.bank.questions if isinstance(q, Interview)]


def render(ctx: Context) -> None:
    st.title("Mock interview")
    run: Session | None = st.session_state.get(_RUN)
    if run is None:
        _setup(ctx)
    elif run.index < len(run.question_ids):
        _question(ctx, run)
    else:
        _report(ctx, run)


def _setup(ctx: Context) -> None:
    tracks = ctx.catalog.interviews
    if not tracks:
        st.info("No interview tracks yet. Add YAML files to interviews/.")
        return
    names = {**{t: lb.bank.title for t, lb in tracks.items()}, MIXED: "Mixed: every track"}
    track = st.selectbox("Track", list(names), format_func=names.__getitem__, key="iv_track")
    available = len(questions_for(ctx, track))
    left, right = st.columns(2)
    length = left.number_input(
        "Questions", 1, max(1, available), min(3, available), key="iv_length"
    )
    minutes = right.select_slider("Minutes per question", [2, 3, 5, 8, 10], 5, key="iv_minutes")
    st.caption(
        f"{available} questions in this track. Answer as you would out loud; you are scored on the key "
        "points a senior answer covers."
    )
    if st.button("Start the interview", type="primary"):
        picked = random.sample(questions_for(ctx, track), int(length))
        attempt = record.attempt_started(
            ctx.store, ctx.profile, "interview", track, "interview", str(time.time())
        )
        st.session_state[_RUN] = Session(track, [q.id for q in picked], int(minutes), attempt)
        st.rerun()


def _question(ctx: Context, run: Session) -> None:
    qid = run.question_ids[run.index]
    question = ctx.catalog.question(qid)
    assert isinstance(question, Interview)
    st.caption(
        f"Question {run.index + 1} of {len(run.question_ids)} · {question.difficulty.value} · "
        + ", ".join(question.tags)
    )
    result = run.results.get(qid)
    if result is None:
        _clock(run)
    st.markdown(f"### {question.prompt}")
    if result is None:
        with st.form(f"iv:{run.attempt_id}:{qid}"):
            answer = st.text_area(
                "Your answer",
                height=240,
                max_chars=MAX_ANSWER_CHARS,
                key=f"iv_answer:{run.attempt_id}:{qid}",
            )
            if st.form_submit_button("Submit answer", type="primary"):
                _submit(ctx, run, question, answer)
                st.rerun()
        return
    _feedback(question, result, run.answers[qid])
    st.markdown("**How did that go?** Your rating schedules this question for review.")
    cols = st.columns(4)
    for col, rating in zip(cols, ("again", "hard", "good", "easy"), strict=True):
        if col.button(rating.capitalize(), key=f"iv_rate:{qid}:{rating}", use_container_width=True):
            record.interview_rated(ctx.store, ctx.profile, qid, rating)
            run.ratings[qid] = rating
            run.index += 1
            run.question_started = time.time()
            st.rerun()


def _clock(run: Session) -> None:
    @st.fragment(run_every=1)
    def tick() -> None:
        left = run.minutes * 60 - (time.time() - run.question_started)
        over = left < 0
        shown = f"{'-' if over else ''}{int(abs(left)) // 60}:{int(abs(left)) % 60:02d}"
        colour = "red" if left < 60 else "orange" if left < 120 else "green"
        st.markdown(f"**Time {'over' if over else 'left'}:** :{colour}[{shown}]")

    tick()


def _submit(ctx: Context, run: Session, question: Interview, answer: str) -> None:
    scored = score_answer(question, answer, questions_for(ctx, MIXED))
    spent = time.time() - run.question_started
    run.results[question.id], run.answers[question.id], run.seconds[question.id] = (
        scored,
        answer,
        spent,
    )
    record.interview_answered(
        ctx.store,
        run.attempt_id,
        question.id,
        answer,
        coverage=scored.coverage,
        points=scored.points,
        max_points=scored.max_points,
        seconds=spent,
    )


def _feedback(question: Interview, result: Scored, answer: str) -> None:
    """Misconceptions first (they matter most), then missed points, then covered ones."""
    st.metric("Rubric coverage", f"{result.coverage:.0%}")
    for note in result.notes:
        st.info(note, icon=":material/info:")
    for wrong in result.misconceptions:
        st.error(
            f"**Misconception: {wrong.message}** (lowers the score by {wrong.weight:g})"
            f"\n\nYour sentence: “{wrong.evidence}”",
            icon=":material/report:",
        )
    for point in result.missed:
        note = f"\n\nYou said: “{point.negated}”, which negates it." if point.negated else ""
        st.warning(
            f"**Missed: {point.text}** (weight {point.weight:g}){note}",
            icon=":material/cancel:",
        )
    for point in result.covered:
        st.success(
            f"**{point.text}** (weight {point.weight:g})\n\nEvidence: “{point.evidence}”",
            icon=":material/check_circle:",
        )
    with st.expander("Model answer", expanded=True):
        st.markdown(question.model_answer)
    if question.follow_ups:
        st.markdown(
            "**Follow-ups an interviewer might ask:**\n"
            + "\n".join(f"- {f}" for f in question.follow_ups)
        )
    with st.expander("Your answer"):
        st.write(answer or "(empty)")


def report_markdown(ctx: Context, run: Session) -> str:
    lines = [f"# Mock interview report: {run.track}", ""]
    total = sum(r.coverage for r in run.results.values()) / max(1, len(run.results))
    lines += [
        f"Average rubric coverage: {total:.0%}; time used: {sum(run.seconds.values()) / 60:.1f} min",
        "",
    ]
    topics = topic_coverage(ctx, run)
    if topics:
        lines += ["Coverage by tag (percent of the rubric):", ""]
    for tag, coverage in topics.items():
        lines.append(f"- {tag}: {coverage:.0%}")
    for qid in run.question_ids:
        question = ctx.catalog.question(qid)
        result = run.results.get(qid)
        if not isinstance(question, Interview) or result is None:
            continue
        lines += [
            "",
            f"## {question.prompt}",
            "",
            f"Coverage {result.coverage:.0%} in {run.seconds[qid] / 60:.1f} min; self-rating: "
            f"{run.ratings.get(qid, '-')}",
            "",
            "### Your answer",
            "",
            run.answers[qid] or "(empty)",
        ]
        lines += feedback_markdown(result)
        lines += ["", "### Model answer", "", question.model_answer]
    return "\n".join(lines) + "\n"


def feedback_markdown(result: Scored) -> list[str]:
    """The report's verdict on one answer: misconceptions, then missed, then covered points."""
    lines = [line for note in result.notes for line in ("", f"> {note}")]
    if result.misconceptions:
        lines += ["", "### Misconceptions", ""]
        lines += [f"- {m.message}. Your sentence: “{m.evidence}”" for m in result.misconceptions]
    if result.missed:
        lines += ["", "### Missed", ""]
        lines += [
            f"- [ ] {p.text}" + (f" (negated: “{p.negated}”)" if p.negated else "")
            for p in result.missed
        ]
    if result.covered:
        lines += ["", "### Covered", ""]
        lines += [f"- [x] {p.text}: “{p.evidence}”" for p in result.covered]
    return lines


def topic_coverage(ctx: Context, run: Session) -> dict[str, float]:
    by_tag: dict[str, list[float]] = {}
    for qid, result in run.results.items():
        question = ctx.catalog.question(qid)
        for tag in question.tags if question else []:
            by_tag.setdefault(tag, []).append(result.coverage)
    return {tag: sum(v) / len(v) for tag, v in sorted(by_tag.items())}


def _report(ctx: Context, run: Session) -> None:
    record.attempt_finished(ctx.store, run.attempt_id)
    st.subheader("Session report")
    average = sum(r.coverage for r in run.results.values()) / max(1, len(run.results))
    left, right = st.columns(2)
    left.metric("Average coverage", f"{average:.0%}")
    right.metric("Time used", f"{sum(run.seconds.values()) / 60:.1f} min")
    topics = topic_coverage(ctx, run)
    if topics:
        percent = {tag: round(value * 100) for tag, value in topics.items()}
        st.bar_chart(
            {"Coverage (%)": percent}, horizontal=True, x_label="Tag", y_label="Coverage (%)"
        )
    for qid in run.question_ids:
        question = ctx.catalog.question(qid)
        result = run.results.get(qid)
        if question and result:
            st.markdown(f"- {question.prompt.splitlines()[0]} — **{result.coverage:.0%}**")
    st.download_button(
        "Download the report (Markdown)",
        report_markdown(ctx, run),
        file_name=f"mock-interview-{run.track}.md",
        mime="text/markdown",
    )
    if st.button("New interview"):
        st.session_state.pop(_RUN, None)
        st.rerun()
