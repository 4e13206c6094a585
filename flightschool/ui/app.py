"""The app shell: navigation generated from the content catalog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from flightschool.content.errors import ContentError
from flightschool.core import settings
from flightschool.progress.store import StoreFull
from flightschool.ui import nav
from flightschool.ui.components.cards import error_card
from flightschool.ui.identity import current_profile
from flightschool.ui.pages import exam, home, interview, lab, lesson, progress, quizzes, review
from flightschool.ui.state import Context, catalog, store


def main(start: str = "home") -> None:
    """Build every page and run the selected one. `start` names the default page
    (tests use it to open a page directly through the real navigation)."""
    st.set_page_config(
        page_title="Flight School", page_icon=":material/flight_takeoff:", layout="wide"
    )
    try:
        settings.current()  # a bad FLIGHTSCHOOL_* variable is named, not a traceback
    except settings.SettingsError as exc:
        st.error(f"Flight School cannot start: {exc}")
        st.stop()
    cat = catalog()
    ctx = Context(cat, store(), current_profile(store()))

    def page(key: str, fn: Callable[[], None], title: str, url: str, icon: str) -> st.Page:
        return st.Page(
            _guarded(fn, title), title=title, url_path=url, icon=icon, default=key == start
        )

    pages: dict[str, st.Page] = {
        "home": page("home", lambda: home.render(ctx), "Home", "home", ":material/home:"),
        "quizzes": page(
            "quizzes", lambda: quizzes.render(ctx), "Quizzes", "quizzes", ":material/quiz:"
        ),
        "interview": page(
            "interview",
            lambda: interview.render(ctx),
            "Mock interview",
            "interview",
            ":material/record_voice_over:",
        ),
        "exam": page("exam", lambda: exam.render(ctx), "Exam", "exam", ":material/timer:"),
        "review": page(
            "review", lambda: review.render(ctx), "Review", "review", ":material/event_repeat:"
        ),
        "progress": page(
            "progress", lambda: progress.render(ctx), "Progress", "progress", ":material/insights:"
        ),
    }
    sections: dict[str, list[st.Page]] = {"": [pages["home"]]}
    for module, members in cat.modules():
        for item in members:
            key = f"lesson:{item.id}"
            pages[key] = page(
                key, _lesson_page(ctx, item.id), item.meta.title, item.id, ":material/menu_book:"
            )
            sections.setdefault(module, []).append(pages[key])
    for item_lab in cat.labs.values():
        key = f"lab:{item_lab.id}"
        pages[key] = page(
            key,
            _lab_page(ctx, item_lab.id),
            item_lab.spec.title,
            f"lab-{item_lab.id}",
            ":material/science:",
        )
        sections.setdefault("Labs", []).append(pages[key])
    for broken in cat.broken:
        if broken.kind in ("lesson", "lab"):
            key = f"{broken.kind}:{broken.name}"
            render = _broken_page(broken.name, broken.errors, cat.root)
            pages[key] = page(
                key, render, f"{broken.name} (broken)", broken.name, ":material/warning:"
            )
            sections.setdefault("Needs fixing", []).append(pages[key])
    sections["Practice"] = [
        pages[k] for k in ("quizzes", "interview", "review", "exam", "progress")
    ]
    nav.register(pages)
    st.navigation(sections, expanded=True).run()


def _guarded(fn: Callable[[], None], title: str) -> Callable[[], None]:
    """Each page gets its own browser title; a full disk under the progress store is a
    message on the page, not a traceback."""

    def run() -> None:
        st.set_page_config(page_title=f"{title} · Flight School")
        try:
            fn()
        except StoreFull as exc:
            st.error(str(exc))

    return run


def _lesson_page(ctx: Context, lesson_id: str) -> Callable[[], None]:
    return lambda: lesson.render(ctx, lesson_id)


def _lab_page(ctx: Context, lab_id: str) -> Callable[[], None]:
    return lambda: lab.render(ctx, lab_id)


def _broken_page(name: str, errors: tuple[ContentError, ...], root: Path) -> Callable[[], None]:
    return lambda: error_card(name, errors, root)
