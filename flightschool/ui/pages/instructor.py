"""The instructor dashboard (workshop mode, instructors only): learners × labs with scores
and the checks still failing, refreshed live; a quiz heatmap; who is stuck; a reset of a
learner's lab; the announcement banner; join links; CSV export; a per-learner drill-down."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from flightschool.cluster.backend import Backend
from flightschool.cluster.factory import get_backend
from flightschool.content.labs import Lab
from flightschool.core.errors import EnvironmentProblem, InputProblem
from flightschool.grading import session
from flightschool.progress import cohort
from flightschool.progress.store import ProgressStore
from flightschool.progress.workshop import Identity, Link, WorkshopError, Workshops
from flightschool.ui.printable import html_page, qr_svg, text_list
from flightschool.ui.state import Context

REFRESH_SECONDS = 5
DEFAULT_URL = "http://localhost:8501"
STUCK_MINUTES = 15


def reset_lab(
    store: ProgressStore,
    lab: Lab,
    backend: Backend,
    learner: str,
    *,
    by: str,
    restore_files: bool = True,
) -> Path | None:
    """Reset one learner's lab for them. Two instructors at once take turns (a lock every
    app process shares): both resets happen, neither fails, and the learner's files are
    set aside rather than deleted. Their recorded attempts are never touched."""
    shop = Workshops(store)
    with shop.exclusive(f"reset:{learner}:{lab.id}"):
        kept = session.reset(lab, backend, learner=learner, restore_files=restore_files)
    shop.audit(by, "lab-reset", {"learner": learner, "lab": lab.id, "kept": str(kept or "")})
    return kept


def render(ctx: Context) -> None:
    who = ctx.identity
    if who is None or not who.instructor:  # the nav hides this page; a URL does not open it
        st.error("This page is for the workshop's instructors.")
        return
    shop = Workshops(ctx.store)
    st.title("Instructor dashboard")
    names = shop.workshops()
    if who.via == "link":  # a workshop's own instructor link shows that workshop only
        names = [n for n in names if n == who.workshop]
    if not names:
        st.info(
            "No workshop yet: create one with `flightschool workshop create NAME --learners N`."
        )
        return
    default = names.index(who.workshop) if who.workshop in names else len(names) - 1
    workshop = st.selectbox("Workshop", names, index=default, key="dash_workshop")
    people = [m.learner for m in shop.members(workshop, "learner")]
    labs = sorted(ctx.catalog.labs)
    _announcement(shop, who)
    _cohort(ctx.store, people, labs)
    left, right = st.columns(2, gap="large")
    with left:
        _reset(ctx, who, people, labs)
    with right:
        _links(shop, who, workshop)
    _heatmap(ctx.store, people)
    _drill_down(ctx, people)


def _announcement(shop: Workshops, who: Identity) -> None:
    with st.form("announce", border=True, clear_on_submit=True):
        st.markdown("**Announcement** (shown on every learner page; empty takes it down)")
        message = st.text_input("Message", value="", key="announce_text")
        if st.form_submit_button("Post"):
            shop.announce(message, by=who.learner)
            st.toast("Announcement posted" if message.strip() else "Announcement taken down")


def _cohort(store: ProgressStore, people: list[str], labs: list[str]) -> None:
    st.subheader("Learners × labs")
    minutes = st.number_input(
        "Stuck after (minutes)", 1, 240, STUCK_MINUTES, step=5, key="stuck_minutes"
    )

    @st.fragment(run_every=REFRESH_SECONDS)
    def live() -> None:
        matrix = cohort.lab_matrix(store, people)
        shown = sorted(set(labs).union(*(row.labs for row in matrix.values())))
        table = pd.DataFrame(
            [
                {
                    "learner": row.learner,
                    **{lab: _cell(row.labs.get(lab)) for lab in shown},
                    "last active": _ago(row.last_active),
                }
                for row in matrix.values()
            ]
        )
        # A plain table (not the canvas grid): readable by screen readers, printable,
        # and searchable with the browser's find.
        st.table(table.set_index("learner") if not table.empty else table)
        stuck = cohort.stuck(matrix, datetime.now(UTC), float(minutes))
        st.markdown(f"**Who is stuck** ({len(stuck)})")
        if stuck:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "learner": s.learner,
                            "why": "same failing checks"
                            if s.why == "failing"
                            else ("no activity" if s.since else "not started"),
                            "lab": s.lab,
                            "checks": s.detail,
                            "since": _ago(s.since),
                        }
                        for s in stuck
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        st.download_button(
            "Export the cohort (CSV)",
            pd.DataFrame(cohort.csv_rows(matrix, shown)).to_csv(index=False),
            file_name="cohort.csv",
            mime="text/csv",
            key="cohort_csv",
        )

    live()


def _cell(cell: cohort.LabCell | None) -> str:
    if cell is None:
        return "–"
    mark = "✓" if cell.passed else "✗ " + ", ".join(cell.failing[:3])
    return f"{cell.best:g}/{cell.max_score:g} {mark}".strip()


def _ago(when: datetime | None) -> str:
    if when is None:
        return "never"
    minutes = int((datetime.now(UTC) - when).total_seconds() // 60)
    return "just now" if minutes < 1 else f"{minutes} min ago"


def _reset(ctx: Context, who: Identity, people: list[str], labs: list[str]) -> None:
    st.subheader("Reset a learner's lab")
    if not people:
        st.caption("No learners yet.")
        return
    learner = st.selectbox("Learner", people, key="reset_learner")
    lab_id = st.selectbox("Lab", labs, key="reset_lab")
    restore = st.checkbox(
        "Also restore the starter files (theirs are kept beside them)", True, key="reset_files"
    )
    if st.button("Reset", key="reset_go"):
        backend = get_backend()
        try:
            kept = reset_lab(
                ctx.store,
                ctx.catalog.labs[lab_id],
                backend,
                learner,
                by=who.learner,
                restore_files=restore,
            )
        except (EnvironmentProblem, InputProblem) as exc:
            st.error(f"The reset did not complete: {exc}")
            return
        st.success(
            f"Reset {lab_id} for {learner}."
            + (f" Their files are kept in `{kept}`." if kept else "")
        )


def _links(shop: Workshops, who: Identity, workshop: str) -> None:
    st.subheader("Join links")
    now = datetime.now(UTC)
    members = shop.members(workshop)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "id": m.learner,
                    "role": m.role,
                    "state": m.state(now),
                    "expires": f"{m.expires_at:%Y-%m-%d %H:%M} UTC",
                }
                for m in members
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    base = st.text_input("App address for links", _base_url(), key="links_base")
    new_id = st.text_input("New learner id (empty: next number)", key="links_new_id")
    made: list[Link] = st.session_state.setdefault("links_made", [])
    cols = st.columns(3)
    changed = False
    try:
        if cols[0].button("Add learner", key="links_add"):
            made.append(shop.add(workshop, learner=new_id.strip() or None, by=who.learner))
            changed = True
        ids = [m.learner for m in members if m.learner != who.learner]
        target = st.selectbox("Person", ids, key="links_person") if ids else None
        if target and cols[1].button("Revoke", key="links_revoke"):
            shop.revoke(target, by=who.learner)
            st.toast(f"Revoked {target}'s link")
            changed = True
        if target and cols[2].button("New link", key="links_renew"):
            made.append(shop.renew(target, by=who.learner))
            changed = True
    except WorkshopError as exc:
        st.error(str(exc))
    if changed:
        st.rerun()  # the list above shows the change at once
    if made:
        st.caption("New links (shown in this session only; only their hashes are stored):")
        st.code(text_list(made, base), language=None)
        for link in made[-3:]:
            st.image(qr_svg(link.url(base)), caption=link.learner, width=160)
        st.download_button(
            "Printable page with QR codes",
            html_page(workshop, made, base),
            file_name=f"{workshop}-links.html",
            mime="text/html",
            key="links_print",
        )


def _base_url() -> str:
    """FLIGHTSCHOOL_PUBLIC_URL when set, else the address this browser reached the app by."""
    from urllib.parse import urlsplit

    from flightschool.core import settings

    configured = settings.current().public_url
    if configured:
        return configured
    seen = urlsplit(str(getattr(st.context, "url", "") or ""))
    if seen.scheme in ("http", "https") and seen.netloc:
        return f"{seen.scheme}://{seen.netloc}"
    return DEFAULT_URL


def _heatmap(store: ProgressStore, people: list[str]) -> None:
    st.subheader("Quiz heatmap")
    rows = cohort.quiz_heatmap(store, people)
    if not rows:
        st.caption("No quiz answers yet.")
        return
    frame = pd.DataFrame(rows)
    chart = (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("question:N", sort=None),
            y=alt.Y("topic:N"),
            color=alt.Color("correct:Q", scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen")),
            tooltip=["topic", "question", "answered", alt.Tooltip("correct:Q", format=".0%")],
        )
    )
    st.altair_chart(chart, width="stretch")
    by_topic = frame.groupby("topic", as_index=False).agg(
        answered=("answered", "sum"), correct=("correct", "mean")
    )
    st.dataframe(by_topic, hide_index=True)


def _drill_down(ctx: Context, people: list[str]) -> None:
    st.subheader("One learner")
    if not people:
        return
    learner = st.selectbox("Learner", people, key="drill_learner")
    matrix = cohort.lab_matrix(ctx.store, [learner])
    row = matrix[learner]
    st.caption(f"Last active: {_ago(row.last_active)}")
    for lab_id, cell in sorted(row.labs.items()):
        with st.container(border=True):
            st.markdown(
                f"**{lab_id}** · best {cell.best:g}/{cell.max_score:g} · "
                f"{cell.attempts} attempt(s) · {'passed' if cell.passed else 'not yet'}"
            )
            if cell.failing:
                st.caption("Still failing: " + ", ".join(cell.failing))
    attempts = ctx.store.attempts(learner)
    if attempts:
        st.dataframe(
            pd.DataFrame(
                [
                    {"kind": a.kind, "what": a.quiz_id, "score": f"{a.score:g}/{a.max_score:g}"}
                    for a in attempts[-20:]
                ]
            ),
            hide_index=True,
        )
    recent = ctx.store.activity(learner)[-15:]
    if recent:
        st.dataframe(
            pd.DataFrame([{"at": a["at"], "what": a["kind"], "ref": a["ref"]} for a in recent]),
            hide_index=True,
        )
