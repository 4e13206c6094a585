"""Sign-in for workshop mode. Streamlit's OIDC login (`st.login`) where `.streamlit/secrets.toml`
has an `[auth]` provider; otherwise the workshop's join links (`?join=<token>`).

The signed-in identity lives in `st.session_state`: the token is taken out of the
address bar at once (so it is not left in the history, a screenshot, or a shared link),
and nothing in the URL can name another learner. In its place the address bar carries a
browser session id (`?session=`, see `Workshops.open_session`), so a refresh (a new
Streamlit session) signs the same person in again: it ends after a workshop day, with the
link (revoked, renewed, expired), or on Sign out (a copy in the history too). Every run asks the store
whether the link still works, so a revoked learner is signed out on their next click.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from flightschool.core import learners
from flightschool.progress.store import ProgressStore
from flightschool.progress.workshop import Identity, Role, SignInRefused, Workshops

KEY = "workshop_identity"
SESSION_KEY = "workshop_session"
JOIN_PARAM = "join"
SESSION_PARAM = "session"


def _secrets() -> dict[str, Any]:
    try:
        return dict(st.secrets.to_dict())
    except (FileNotFoundError, OSError, ValueError):  # no secrets.toml, or not TOML
        return {}


def oidc_configured() -> bool:
    """True when secrets.toml names an identity provider for st.login."""
    auth = _secrets().get("auth")
    return isinstance(auth, dict) and bool(auth.get("client_id") or auth.get("redirect_uri"))


def _instructor_emails() -> set[str]:
    listed = (_secrets().get("flightschool") or {}).get("instructors") or []
    return {str(e).strip().lower() for e in listed if isinstance(e, str)}


def signed_in(store: ProgressStore) -> Identity:
    """The signed-in person, or the sign-in page and `st.stop()`."""
    shop = Workshops(store)
    if oidc_configured():
        return _oidc(store)
    token = st.query_params.get(JOIN_PARAM)
    if token is not None:
        del st.query_params[JOIN_PARAM]  # out of the address bar, whatever happens next
        try:
            _signed_in_as(shop, shop.sign_in(token))
        except SignInRefused as exc:
            _forget()
            _sign_in_page(str(exc))
    session = st.query_params.get(SESSION_PARAM)
    if KEY not in st.session_state and session is not None:
        try:  # a refresh, or the page opened again: the same person, if still allowed
            who_again = shop.resume(session)
        except SignInRefused as exc:
            _forget()
            _sign_in_page(str(exc))
        else:
            st.session_state[KEY] = who_again
            st.session_state[SESSION_KEY] = session
    who: Identity | None = st.session_state.get(KEY)
    if who is None:
        _sign_in_page()
        raise AssertionError("unreachable")  # _sign_in_page stops the run
    if who.via == "link" and not shop.still_valid(who):
        _forget()
        shop.audit(who.learner, "session-ended", {"reason": "link revoked or expired"})
        _sign_in_page(
            "Your join link was revoked or has expired. Ask the instructor for a new one."
        )
    kept = st.session_state.get(SESSION_KEY)
    if kept and st.query_params.get(SESSION_PARAM) != kept:
        st.query_params[SESSION_PARAM] = kept  # a page change drops it from the URL
    return who


def _signed_in_as(shop: Workshops, who: Identity) -> None:
    """Remember the person in this browser session, and a session id in the address bar
    for the next one (a refresh)."""
    st.session_state[KEY] = who
    st.session_state[SESSION_KEY] = shop.open_session(who)
    st.query_params[SESSION_PARAM] = st.session_state[SESSION_KEY]


def _forget() -> None:
    st.session_state.pop(KEY, None)
    st.session_state.pop(SESSION_KEY, None)
    if SESSION_PARAM in st.query_params:
        del st.query_params[SESSION_PARAM]


def _oidc(store: ProgressStore) -> Identity:
    if not st.user.is_logged_in:
        st.title("Flight School workshop")
        st.button("Sign in", type="primary", on_click=st.login)
        st.stop()
    email = str(st.user.get("email") or st.user.get("sub") or "")
    learner = learners.slugify(email)
    role: Role = "instructor" if email.lower() in _instructor_emails() else "learner"
    store.ensure_profile(learner)
    who = Identity(learner, role, "", via="oidc")
    st.session_state[KEY] = who
    return who


def _store_of_page() -> ProgressStore:
    from flightschool.ui.state import store

    return store()


def _sign_in_page(refusal: str = "") -> None:
    st.title("Flight School workshop")
    if refusal:
        st.error(refusal, icon=":material/block:")
    st.markdown(
        "Open the join link your instructor gave you, or paste its code (the part after "
        "`join=`) here."
    )
    with st.form("join_form", border=True):
        code = st.text_input("Join code", type="password", max_chars=200, key="join_code")
        if st.form_submit_button("Join", type="primary") and code.strip():
            shop = Workshops(_store_of_page())
            try:
                _signed_in_as(shop, shop.sign_in(code))
            except SignInRefused as exc:
                st.error(str(exc), icon=":material/block:")
            else:
                st.rerun()
    st.stop()


def sign_out() -> None:
    session = st.session_state.get(SESSION_KEY)
    if session:
        Workshops(_store_of_page()).end_session(session)
    _forget()
    if oidc_configured():
        st.logout()


def sidebar(who: Identity) -> None:
    with st.sidebar:
        role = "instructor" if who.instructor else "learner"
        st.caption(f"Signed in as **{who.learner}** ({role})")
        st.button("Sign out", key="sign_out", on_click=sign_out)


def current_learner() -> str | None:
    """The signed-in learner's id for lab namespaces and files (None in personal mode):
    read from the session in every component and fragment, never from the URL."""
    who: Identity | None = st.session_state.get(KEY)
    return who.learner if who is not None else None
