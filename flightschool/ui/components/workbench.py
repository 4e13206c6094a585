"""What a learner works with on a lab, on the Lab page and in an exam's lab item alike:
an editor for each lab file and Apply (manifests applied as the learner, each document's
outcome or the API's answer at its file:line)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from flightschool.cluster.backend import Backend
from flightschool.content.labs import Lab
from flightschool.core.errors import EnvironmentProblem, InputProblem
from flightschool.core.yamlpos import SourceError
from flightschool.grading import session
from flightschool.grading.apply import Applied, apply_workspace, manifests_lab
from flightschool.grading.submit import SubmissionError
from flightschool.ui.components import editor

EDITABLE = (".yaml", ".yml", ".py", ".cfg", ".ini", ".txt", ".json", ".toml")


def lab_files(lab: Lab, folder: Path | None = None) -> list[Path]:
    target = folder or session.workspace(lab)
    if lab.spec.files:
        return [target / name for name in lab.spec.files if (target / name).is_file()]
    return sorted(
        p
        for p in target.rglob("*")
        if p.is_file() and (p.suffix in EDITABLE or p.name == "Dockerfile")
    )


def file_editors(lab: Lab, folder: Path | None = None) -> bool:
    """A tab per lab file (in the practice workspace, or `folder`: an exam's copy); False
    when there is nothing to edit yet."""
    target = folder or session.workspace(lab)
    if not target.exists():
        st.info("Start the lab to get your own copy of the starter files.")
        return False
    files = lab_files(lab, target)
    if not files:
        st.caption("No editable files in your workspace.")
        return False
    names = [str(p.relative_to(target)) for p in files]
    for tab, path, name in zip(st.tabs(names), files, names, strict=True):
        with tab:
            editor.file_editor(path, name)
    return True


def requested(action: str, clicked: bool) -> bool:
    """True from the click until the action has run to its end. An edit the browser reports
    just after a click (the editor's pause-in-typing event) starts a new run of the page,
    which stops the one the click started: the newer run then does the action, with the
    newer text."""
    flag = f"pending:{action}"
    if clicked:
        st.session_state[flag] = True
    return bool(st.session_state.get(flag))


@contextmanager
def performing(action: str) -> Iterator[None]:
    """Around an action started by `requested`: done (or failed) ends the request; a run
    stopped by a newer one leaves it to that run."""
    flag = f"pending:{action}"
    try:
        yield
    except ScriptControlException:
        raise
    except BaseException:
        st.session_state.pop(flag, None)
        raise
    st.session_state.pop(flag, None)


def saved() -> bool:
    """Every editor's text on disk before an action reads the files; False (and the reason
    shown) when a save failed, so nothing runs on an older version than the one shown."""
    problems = editor.save_all()
    for problem in problems:
        st.error(f"{problem} Nothing was run: the files on disk are not what you see.")
    return not problems


def apply_button(lab: Lab, key: str, folder: Path | None = None) -> bool:
    """Apply's button for a manifests lab (False, no button, for a files lab)."""
    if not manifests_lab(lab):
        return False
    return st.button(
        "Apply",
        key=f"apply:{key}",
        disabled=not (folder or session.workspace(lab)).exists(),
        help="Apply your files as you (like `kubectl apply -f .`) and watch the cluster; "
        "nothing is graded.",
    )


def apply_results(
    lab: Lab, backend: Backend, key: str, clicked: bool, folder: Path | None = None
) -> None:
    """Apply when asked; the outcome stays on the page until the next Apply."""
    if not manifests_lab(lab):
        return
    target = folder or session.workspace(lab)
    result_key = f"applied:{key}"
    if requested(f"apply:{key}", clicked):
        with performing(f"apply:{key}"):
            if not saved():
                return
            try:
                with st.spinner("Applying your files…"):
                    st.session_state[result_key] = apply_workspace(lab, backend, target)
            except SubmissionError as exc:
                st.session_state[result_key] = Applied(errors=list(exc.errors))
            except (EnvironmentProblem, InputProblem) as exc:
                st.session_state.pop(result_key, None)
                st.error("Nothing was applied:", icon=":material/error:")
                st.code(str(exc), language=None, wrap_lines=True)
    result: Applied | None = st.session_state.get(result_key)
    if result is not None:
        show_applied(result, target)


def show_applied(result: Applied, root: Path) -> None:
    if result.changes:
        lines = [
            f"{c.action:<10} {c.kind.lower()}/{c.name}"
            + (f" -n {c.namespace}" if c.namespace else "")
            + f"   ({c.where(root)})"
            for c in result.changes
        ]
        st.code("\n".join(lines), language=None, wrap_lines=True)
    if result.errors:
        source_errors(result.errors, root, "Not applied:")
    elif result.changes:
        st.caption("Applied. Watch the cluster panel below, then Check my work.")


def source_errors(errors: list[SourceError], root: Path, title: str) -> None:
    """file:line problems in plain sight: a red box, each problem as code (never Markdown,
    so `__init__` or `*` stay as typed)."""
    st.error(title, icon=":material/error:")
    st.code("\n".join(str(e.relative_to(root)) for e in errors), language=None, wrap_lines=True)
