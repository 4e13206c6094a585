"""Who is learning. Personal mode: a local profile, picked or created by name, kept in the
URL (`?profile=`) so a browser refresh or a bookmark keeps it. Workshop mode: the signed-in
learner only (no picker; a URL naming another profile is refused and logged)."""

from __future__ import annotations

import streamlit as st

from flightschool.progress.store import DEFAULT_PROFILE, ProfileError, ProgressStore
from flightschool.progress.workshop import Identity, Workshops

_KEY = "profile"


def current_profile(store: ProgressStore) -> str:
    """Render the profile picker in the sidebar and return the active profile name."""
    names = store.profiles()
    if not names:
        store.ensure_profile(DEFAULT_PROFILE)
        names = [DEFAULT_PROFILE]
    if st.session_state.get(_KEY) not in names:
        from_url = st.query_params.get(_KEY)
        st.session_state[_KEY] = from_url if from_url in names else names[0]
    with st.sidebar:
        st.selectbox("Profile", names, key=_KEY)
        with (
            st.popover("New profile", use_container_width=True),
            st.form("new_profile", clear_on_submit=True, border=False),
        ):
            st.text_input("Name", max_chars=80, key="new_profile_name")
            st.form_submit_button("Create", on_click=_create, args=(store,))
        if error := st.session_state.pop("profile_error", None):
            st.error(error)
    name: str = st.session_state[_KEY]
    if st.query_params.get(_KEY) != name:
        st.query_params[_KEY] = name
    return name


def _create(store: ProgressStore) -> None:
    name = " ".join(str(st.session_state.get("new_profile_name", "")).split())
    try:
        store.ensure_profile(name)
    except ProfileError as exc:
        st.session_state["profile_error"] = str(exc)
        return
    st.session_state[_KEY] = name


def workshop_profile(store: ProgressStore, who: Identity) -> str:
    """The signed-in learner's own profile, whatever the URL says."""
    asked = st.query_params.get(_KEY)
    if asked is not None and asked != who.learner:
        Workshops(store).audit(who.learner, "profile-refused", {"asked": asked[:80]})
        st.warning(
            f"You can only see your own progress: the profile {asked[:80]!r} in the link "
            "was ignored.",
            icon=":material/lock:",
        )
    if asked is not None:
        del st.query_params[_KEY]
    store.ensure_profile(who.learner)
    return who.learner
