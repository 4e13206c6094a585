"""Asking a question: the ordering question's drag list and its list-picker fallback."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from flightschool.content.scoring import shuffled


def _ask_ordering(disabled: bool) -> None:
    import streamlit as st

    from flightschool.content.catalog import load_catalog
    from flightschool.core.paths import project_root
    from flightschool.ui.components.questions import ask

    question = load_catalog(project_root()).question("fx-order")
    assert question is not None
    st.session_state["answer"] = ask(question, "k", seed="s", disabled=disabled)


def test_ordering_is_a_drag_list_whose_order_is_the_answer(course: Path) -> None:
    at = AppTest.from_function(_ask_ordering, args=(False,), default_timeout=30).run()
    assert not at.exception
    [drag] = at.get("component_instance")
    assert "sortable" in drag.proto.component_name
    dragged = shuffled(["Pending", "Running", "Succeeded"], "s:fx-order")
    assert at.session_state["answer"] == dragged  # untouched: the order as shown
    assert any("Space to pick it up" in c.value for c in at.caption)


def test_a_complete_pick_from_the_list_wins_over_the_drag_order(course: Path) -> None:
    at = AppTest.from_function(_ask_ordering, args=(False,), default_timeout=30).run()
    at.multiselect(key="k").set_value(["Pending", "Running"]).run()
    assert at.session_state["answer"] != ["Pending", "Running"]  # incomplete: drag order
    at.multiselect(key="k").set_value(["Succeeded", "Pending", "Running"]).run()
    assert at.session_state["answer"] == ["Succeeded", "Pending", "Running"]


def test_a_checked_ordering_shows_the_order_it_was_checked_with(course: Path) -> None:
    done = AppTest.from_function(_ask_ordering, args=(True,), default_timeout=30)
    done.session_state["k:order"] = ["Running", "Pending", "Succeeded"]
    done.run()
    assert done.session_state["answer"] == ["Running", "Pending", "Succeeded"]
    assert "1. Running\n2. Pending\n3. Succeeded" in [m.value for m in done.markdown]
    assert not done.multiselect
