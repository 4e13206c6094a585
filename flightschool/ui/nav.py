"""The page registry, so pages can link to each other by key ("home", "lesson:ID")."""

from __future__ import annotations

from typing import Any

import streamlit as st

_PAGES: dict[str, Any] = {}


def register(pages: dict[str, Any]) -> None:
    _PAGES.clear()
    _PAGES.update(pages)


def link(key: str, label: str, icon: str | None = None, **query: str) -> None:
    page = _PAGES.get(key)
    if page is None:
        st.caption(label)
        return
    st.page_link(page, label=label, icon=icon, query_params=query or None)
