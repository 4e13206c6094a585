"""Page loads over Streamlit's own websocket, many sessions at once.

A browser's Streamlit client opens `/_stcore/stream`, asks for a script run with the page
and the query string (a `rerun_script` BackMsg), and draws what comes back until the run
ends (a `script_finished` ForwardMsg). This does the same without drawing: a page load
is the time from asking for the run to its end, every element of the page sent. Each
session is a real Streamlit session on the server (its own session state and script
thread), so N sessions here cost the app what N open browser tabs cost it; the browser's
own drawing time is left out (it happens on each learner's machine, not the server's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect

RUN_TIMEOUT = 120.0


class PageLoadError(RuntimeError):
    pass


@dataclass
class Session:
    """One browser tab: a websocket and the query string the page last set."""

    base: str  # http://host:port
    query: dict[str, str] = field(default_factory=dict)
    _ws: ClientConnection | None = None
    texts: list[str] = field(default_factory=list)  # markdown of the last page, for checks

    def open(self) -> None:
        url = self.base.replace("http://", "ws://", 1) + "/_stcore/stream"
        # No keepalive pings from this side: a browser sends none (it only answers the
        # server's), and a busy server missing one would end the session here only.
        self._ws = connect(
            url,
            subprotocols=["streamlit"],
            open_timeout=60,
            max_size=None,
            ping_interval=None,  # type: ignore[list-item]
        )

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None

    def load(self, page: str = "", **query: str) -> float:
        """Ask for `page` (its url path; "" the default) and wait for the run to end;
        returns the seconds it took. The page may change the query string (sign-in
        replaces the join token with a session id): the next load sends what it set."""
        if self._ws is None:
            self.open()
        assert self._ws is not None
        self.query.update(query)
        msg = BackMsg()
        msg.rerun_script.CopyFrom(ClientState(query_string=urlencode(self.query), page_name=page))
        self.texts = []
        started = time.perf_counter()
        self._ws.send(msg.SerializeToString())
        deadline = started + RUN_TIMEOUT
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise PageLoadError(f"page {page or 'home'!r} did not finish in {RUN_TIMEOUT:g} s")
            forward = ForwardMsg()
            forward.ParseFromString(self._ws.recv(timeout=remaining))  # type: ignore[arg-type]
            kind = forward.WhichOneof("type")
            if kind == "page_info_changed":
                self.query = dict(_pairs(forward.page_info_changed.query_string))
            elif kind == "delta":
                self._collect(forward)
            elif kind == "script_finished":
                if forward.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return time.perf_counter() - started
                if forward.script_finished in (
                    ForwardMsg.FINISHED_EARLY_FOR_RERUN,  # st.rerun: wait for the next run
                    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,  # a live panel's refresh
                ):
                    continue
                return time.perf_counter() - started  # stopped (st.stop): the page is drawn

    def _collect(self, forward: ForwardMsg) -> None:
        delta = forward.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "markdown":
            self.texts.append(element.markdown.body)
        elif kind == "alert":
            self.texts.append(element.alert.body)
        elif kind == "heading":
            self.texts.append(element.heading.body)


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)
