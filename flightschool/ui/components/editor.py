"""The lab files' code editor: Ace (line numbers, highlighting, Tab indents, monospace) from
the streamlit-code-editor component, whose JavaScript ships in its wheel.

Every edit the browser reports (a pause in typing, or leaving the editor, which is what a
click on a button does first) is saved to the file at once through textfiles.save, so
grading, Apply and Run the DAG read what the editor shows. A save that fails keeps the
text in the session and says so; the next action tries again before it reads the files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st
from code_editor import code_editor

from flightschool.core import textfiles

# Ace's language modes (they ship in the component's wheel) by file name or suffix.
_MODES = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".py": "python",
    ".cfg": "ini",
    ".ini": "ini",
    ".json": "json",
    ".toml": "toml",
    ".sh": "sh",
    ".txt": "text",
}
_OPTIONS = {
    "showLineNumbers": True,
    "showGutter": True,
    "tabSize": 2,
    "useSoftTabs": True,  # Tab indents with spaces: YAML forbids tab characters
    "wrap": False,
    "fontFamily": "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    "fontSize": 14,
}


def mode_for(path: Path) -> str:
    if path.name == "Dockerfile" or path.name.startswith("Dockerfile."):
        return "dockerfile"
    return _MODES.get(path.suffix, "text")


@dataclass
class _Buffer:
    """What this session knows of one file: the text the editor was mounted with (never
    changed while mounted: new arguments would remount it and lose the cursor), the text it
    shows now, the mount generation (a new one remounts it with the file's text), the last
    browser event taken, and an edit not yet on disk."""

    shown: str
    known: str
    generation: int = 0
    last_event: str = ""
    unsaved: str | None = None
    errors: list[str] = field(default_factory=list)


def _buffers() -> dict[str, _Buffer]:
    found = st.session_state.setdefault("editor_buffers", {})
    assert isinstance(found, dict)
    return found


def _digest(path: Path) -> str:
    return hashlib.sha1(str(path).encode(), usedforsecurity=False).hexdigest()[:12]


def file_editor(path: Path, label: str) -> None:
    """An editor for one file; edits are saved as they arrive. A file changed on disk by
    something else (a reset, the reference solution) is shown afresh unless the learner
    has an edit that could not be saved."""
    try:
        on_disk = textfiles.read(path)
    except textfiles.TextFileError as exc:
        st.error(f"{exc}: edit this file outside the app, or restore the starter files.")
        return
    buffers = _buffers()
    key = str(path)
    buffer = buffers.get(key)
    if buffer is None:
        buffer = buffers[key] = _Buffer(on_disk, on_disk)
    elif on_disk != buffer.known and buffer.unsaved is None:
        buffer.shown = buffer.known = on_disk
        buffer.generation += 1  # the editor keeps its own text: a new key remounts it
    response: dict[str, Any] | None = code_editor(
        buffer.shown,
        lang=mode_for(path),
        height=[12, 28],
        theme="default",
        shortcuts="vscode",
        response_mode=["debounce", "blur"],
        options=_OPTIONS,
        props={"placeholder": label, "name": label},
        key=f"editor:{_digest(path)}:{buffer.generation}",
    )
    if response and response.get("type") in ("change", "blur", "submit"):
        event = str(response.get("id") or "")
        if event and event != buffer.last_event:
            buffer.last_event = event
            text = str(response.get("text", ""))
            if text != buffer.known:
                buffer.unsaved = buffer.known = text
    _flush(path, buffer)
    if buffer.errors:
        st.error(buffer.errors[-1] + " Your edits are kept here: free some space, they save again.")
    else:
        st.caption(f"`{label}` · saved as you type · Tab indents · Ctrl+Z undoes")


def _flush(path: Path, buffer: _Buffer) -> bool:
    if buffer.unsaved is None:
        return True
    try:
        textfiles.save(path, buffer.unsaved)
    except textfiles.TextFileError as exc:
        buffer.errors = [str(exc)]
        return False
    buffer.unsaved, buffer.errors = None, []
    return True


def save_all() -> list[str]:
    """Write every edit still waiting (before grading, Apply or a DAG run); the messages of
    those that could not be saved, empty when everything on disk is what the editors show."""
    problems: list[str] = []
    for key, buffer in _buffers().items():
        if not _flush(Path(key), buffer):
            problems.extend(buffer.errors)
    return problems


def forget(folder: Path) -> None:
    """Drop the buffers of files under `folder` (a reset restored the starter files)."""
    buffers = _buffers()
    for key in [k for k in buffers if Path(k).is_relative_to(folder)]:
        buffer = buffers.pop(key)
        stale = "\0"  # never a file's text: the next render remounts with the file
        buffers[key] = _Buffer(stale, stale, buffer.generation + 1, buffer.last_event)
