"""Error cards: a broken content item is shown in place, the rest of the app keeps working."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import streamlit as st

from flightschool.content.errors import ContentError


def error_card(title: str, errors: Iterable[ContentError], root: Path) -> None:
    lines = "\n".join(f"- `{e.relative_to(root)}`" for e in errors)
    st.error(
        f"**{title}** could not be loaded. Fix the file and reload:\n\n{lines}",
        icon=":material/error:",
    )
