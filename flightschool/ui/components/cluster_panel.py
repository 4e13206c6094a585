"""The cluster as the learner's lab sees it, refreshed live: pods (phase, reason, restarts,
node), events with their whole message, nodes (labels, taints, allocatable, GPUs
included), and `kubectl describe` or the logs of a chosen pod.

The live part is a fragment that reruns alone every few seconds and reads through the
backend's one cached client (no client, no kubeconfig parse per refresh). Describe and
logs run kubectl as the learner, once per click, like the console."""

from __future__ import annotations

import re
import shlex

import pandas as pd
import streamlit as st

from flightschool.cluster.backend import Backend
from flightschool.cluster.kube import Kube, KubeError
from flightschool.cluster.summaries import newest_events, node_row, pod_row
from flightschool.content.labs import Lab
from flightschool.core.errors import EnvironmentProblem
from flightschool.grading import console, session
from flightschool.ui.signin import current_learner

REFRESH_SECONDS = 3
EVENTS = 20


def render(lab: Lab, backend: Backend, scope: str) -> None:
    kube = backend.client()  # cached by the backend: the fragment below reuses it
    namespaces = list(session.namespace_map(lab, backend, current_learner()).values())
    detail_key = f"panel_detail:{scope}"

    @st.fragment(run_every=REFRESH_SECONDS)
    def live() -> None:
        try:
            pods = [(ns, p) for ns in namespaces for p in kube.list_objects("v1", "Pod", ns)]
            events = [e for ns in namespaces for e in kube.events(ns)]
            nodes = _node_rows(kube.endpoint.server, kube)
        except KubeError as exc:
            st.caption(f"The cluster view is unavailable: {exc}")
            return
        pods_tab, events_tab, nodes_tab = st.tabs(
            [f"Pods ({len(pods)})", f"Events ({len(events)})", f"Nodes ({len(nodes)})"]
        )
        with pods_tab:
            if pods:
                rows = [{"namespace": ns, **pod_row(p)} for ns, p in pods]
                st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)
            else:
                st.caption(f"No pods in {', '.join(namespaces)} yet.")
            _pod_detail(lab, backend, [(ns, p["metadata"]["name"]) for ns, p in pods], detail_key)
        with events_tab:
            if events:
                # a static table wraps long text: every message is shown whole
                st.table(_plain(pd.DataFrame(newest_events(events, EVENTS))).set_index("last seen"))
            else:
                st.caption("No events yet.")
        with nodes_tab:
            # a few nodes: a static table shows labels and taints whole
            st.table(_plain(pd.DataFrame(nodes)).set_index("node"))
        st.caption(f"Refreshed every {REFRESH_SECONDS} s.")

    live()


@st.cache_data(ttl=REFRESH_SECONDS, show_spinner=False, max_entries=4)
def _node_rows(server: str, _kube: Kube) -> list[dict[str, object]]:
    """The cluster's nodes are the same for every learner on it: one read per refresh
    period serves every open lab page of the process, not one read per page."""
    return [node_row(n) for n in _kube.nodes()]


def _pod_detail(lab: Lab, backend: Backend, pods: list[tuple[str, str]], detail_key: str) -> None:
    if not pods:
        st.session_state.pop(detail_key, None)
        return
    choice, describe, logs = st.columns([3, 1, 1], vertical_alignment="bottom")
    chosen = choice.selectbox(
        "Pod",
        pods,
        format_func=lambda p: f"{p[1]} ({p[0]})",
        key=f"{detail_key}:pod",
    )
    if chosen is None:
        return
    namespace, name = chosen
    line = None
    if describe.button("Describe", key=f"{detail_key}:describe", use_container_width=True):
        line = ["kubectl", "describe", "pod", name, "-n", namespace]
    if logs.button("Logs", key=f"{detail_key}:logs", use_container_width=True):
        line = ["kubectl", "logs", name, "-n", namespace, "--all-containers", "--tail=200"]
    if line is not None:
        command = shlex.join(line)
        try:
            outcome = console.run_line(lab, backend, command, learner=current_learner())
            text = outcome.output + (f"\n[{outcome.note}]" if outcome.note else "")
        except (console.Refused, EnvironmentProblem) as exc:
            text = str(exc)
        st.session_state[detail_key] = (command, text or "(no output)")
    shown = st.session_state.get(detail_key)
    if shown:
        command, text = shown
        st.code(f"$ {command}\n{text}", language=None, wrap_lines=True)


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A static table renders its cells as Markdown: escape them, so a message's `__init__`
    or a lone "-" shows as written."""
    return frame.map(lambda v: _MARKDOWN.sub(r"\\\1", v) if isinstance(v, str) else v)
