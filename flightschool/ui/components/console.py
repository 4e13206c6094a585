"""The console beside a lab: a one-line prompt for `kubectl ...` and `helm ...`, run as
the learner (grading/console.py checks and runs the line), output streamed into a
transcript, earlier lines recalled with the up and down arrows, and a Clear button.

The prompt is a small Streamlit component of our own (st.components.v2, no build step, no
download): Streamlit's text and chat inputs have no key handling, and arrow-key recall is
what a terminal user's fingers expect."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.components.v2 import component
from streamlit.delta_generator import DeltaGenerator

from flightschool.cluster.backend import Backend
from flightschool.content.labs import Lab
from flightschool.core.errors import EnvironmentProblem
from flightschool.grading import console

HISTORY = 100
TRANSCRIPT = 30  # commands kept on screen
SHOWN_LINES = 400  # of one command's output, on screen (the run itself caps higher)

_PROMPT_JS = """
export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  let input = parentElement.querySelector("input.fs-console-input");
  if (!input) {
    const row = document.createElement("label");
    row.className = "fs-console-row";
    const mark = document.createElement("span");
    mark.className = "fs-console-mark";
    mark.textContent = "$";
    input = document.createElement("input");
    input.className = "fs-console-input";
    input.type = "text";
    input.spellcheck = false;
    input.autocomplete = "off";
    input.setAttribute("autocapitalize", "off");
    input.setAttribute("aria-label", "Console: type a kubectl or helm command");
    input.setAttribute("data-testid", "console-input");
    row.append(mark, input);
    parentElement.appendChild(row);
  }
  input.placeholder = (data && data.placeholder) || "kubectl get pods";
  // The history lives on the input: the page's copy reaches the browser one command late
  // (a line becomes history while the page that received it is still running).
  if (!input.fsHistory) {
    input.fsHistory = ((data && data.history) || []).slice();
    input.fsPosition = input.fsHistory.length;
    input.fsDraft = "";
  }
  const history = input.fsHistory;
  const toEnd = () => {
    const end = input.value.length;
    requestAnimationFrame(() => input.setSelectionRange(end, end));
  };
  input.onkeydown = (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const line = input.value.trim();
      if (line) {
        if (history[history.length - 1] !== line) history.push(line);
        input.value = "";
        input.fsPosition = history.length;
        input.fsDraft = "";
        setTriggerValue("line", line);
      }
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (input.fsPosition === history.length) input.fsDraft = input.value;
      if (input.fsPosition > 0) {
        input.fsPosition -= 1;
        input.value = history[input.fsPosition];
        toEnd();
      }
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      if (input.fsPosition < history.length) {
        input.fsPosition += 1;
        input.value =
          input.fsPosition === history.length ? input.fsDraft : history[input.fsPosition];
        toEnd();
      }
    }
  };
}
"""

_PROMPT_CSS = """
.fs-console-row {
  display: flex; align-items: center; gap: 0.5rem; width: 100%;
  background: #0e1117; color: #e6edf3; border-radius: 0.5rem;
  padding: 0.4rem 0.75rem; box-sizing: border-box;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9rem;
}
.fs-console-mark { color: #7ee787; user-select: none; }
.fs-console-input {
  flex: 1; min-width: 0; background: transparent; color: inherit; border: none;
  outline: none; font: inherit; caret-color: #7ee787;
}
.fs-console-input::placeholder { color: #8b949e; }
"""

_prompt = component("flightschool_console_prompt", html="", css=_PROMPT_CSS, js=_PROMPT_JS)


@dataclass
class Entry:
    line: str
    output: str
    status: str  # "ok", "failed", "refused", "stopped"


def _state(scope: str) -> tuple[list[str], list[Entry]]:
    history = st.session_state.setdefault(f"console_history:{scope}", [])
    transcript = st.session_state.setdefault(f"console_transcript:{scope}", [])
    return history, transcript


def render(lab: Lab, backend: Backend, scope: str, folder: Path | None = None) -> None:
    """The console for one lab, working in `folder` (the practice workspace by default; an
    exam passes its own copy). `scope` keeps separate histories (the lab page, an exam)."""
    history, transcript = _state(scope)
    head, clear = st.columns([5, 1], vertical_alignment="center")
    head.caption(
        "Console: `kubectl` and `helm` as you, in this lab's namespaces, from your lab files' "
        "folder (`kubectl apply -f pod.yaml`). ↑/↓ recall earlier commands."
    )
    if clear.button("Clear", key=f"console_clear:{scope}", use_container_width=True):
        transcript.clear()
    for entry in transcript[-TRANSCRIPT:]:
        _show(entry)
    live = st.empty()
    result = _prompt(
        key=f"console_prompt:{scope}",
        data={"history": history[-HISTORY:], "placeholder": "kubectl get pods"},
        on_line_change=lambda: None,
    )
    line = getattr(result, "line", None)
    if not line:
        return
    if not history or history[-1] != line:
        history.append(line)
        del history[:-HISTORY]
    entry = _run(lab, backend, str(line), live, folder)
    transcript.append(entry)
    del transcript[:-TRANSCRIPT]
    with live.container():  # above the prompt, where the next run shows it too
        _show(entry)


def _run(lab: Lab, backend: Backend, line: str, live: DeltaGenerator, folder: Path | None) -> Entry:
    lines: list[str] = []

    def on_line(text: str) -> None:
        lines.append(text)
        if len(lines) % 10 == 1:
            live.code(
                f"$ {line}\n" + "\n".join(lines[-SHOWN_LINES:]), language=None, wrap_lines=True
            )

    live.code(f"$ {line}\n…", language=None)
    try:
        outcome = console.run_line(lab, backend, line, on_line=on_line, workspace=folder)
    except console.Refused as exc:
        return Entry(line, str(exc), "refused")
    except EnvironmentProblem as exc:
        return Entry(line, f"The console could not run this: {exc}", "failed")
    text = outcome.output
    if outcome.note:
        text = f"{text}\n[{outcome.note}]".strip()
    if outcome.returncode is None:
        status = "stopped"
    else:
        status = "ok" if outcome.returncode == 0 else "failed"
        if status == "failed":
            text = f"{text}\n[exit {outcome.returncode}]".strip()
    return Entry(line, text or "(no output)", status)


def _show(entry: Entry) -> None:
    lines = entry.output.splitlines()
    if len(lines) > SHOWN_LINES:
        lines = [f"[{len(lines) - SHOWN_LINES} earlier lines not shown]", *lines[-SHOWN_LINES:]]
    if entry.status == "refused":
        st.code(f"$ {entry.line}", language=None)
        st.warning(entry.output, icon=":material/block:")
        return
    st.code(f"$ {entry.line}\n" + "\n".join(lines), language=None, wrap_lines=True)
