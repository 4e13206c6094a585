"""Titles shown for content items: a kind label once, never "Quiz: Quiz: …"."""

from __future__ import annotations


def labelled(label: str, title: str) -> str:
    """`title` under its kind `label`, unless the title already starts with it (bank, exam
    and interview titles are written as "Quiz: …", "Exam: …")."""
    if title.casefold().startswith(f"{label.casefold()}:"):
        return title
    return f"{label}: {title}"
