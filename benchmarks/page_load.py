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
    page_hash: str = ""  # the page drawn last (a live panel's refresh names it)
    live: dict[str, float] = field(default_factory=dict)  # fragment id -> refresh seconds
    refreshes: list[float] = field(default_factory=list)  # seconds each refresh took

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
        self.texts = []
        self.live = {}  # the new page declares its own live panels
        state = ClientState(query_string=urlencode(self.query), page_name=page)
        return self._run(state, f"page {page or 'home'!r}", fragment=False)

    def idle(self, seconds: float) -> None:
        """The learner reads for `seconds` with the page open. As a browser does, every live
        panel (a fragment with run_every) asks for its refresh each interval; the time each
        refresh takes goes to `refreshes`."""
        end = time.perf_counter() + seconds
        due = {fid: time.perf_counter() + every for fid, every in self.live.items()}
        while due:
            fid, when = min(due.items(), key=lambda item: item[1])
            if when >= end:
                break
            time.sleep(max(0.0, when - time.perf_counter()))
            state = ClientState(
                query_string=urlencode(self.query),
                page_script_hash=self.page_hash,
                fragment_id=fid,
                is_auto_rerun=True,
            )
            self.refreshes.append(self._run(state, "a live panel's refresh", fragment=True))
            if fid in self.live:
                due[fid] = time.perf_counter() + self.live[fid]
            else:
                due.pop(fid)
        time.sleep(max(0.0, end - time.perf_counter()))

    def _run(self, state: ClientState, what: str, *, fragment: bool) -> float:
        """Send one rerun and wait for its end: the page's run, or one fragment's."""
        assert self._ws is not None
        msg = BackMsg()
        msg.rerun_script.CopyFrom(state)
        started = time.perf_counter()
        self._ws.send(msg.SerializeToString())
        deadline = started + RUN_TIMEOUT
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise PageLoadError(f"{what} did not finish in {RUN_TIMEOUT:g} s")
            forward = ForwardMsg()
            forward.ParseFromString(self._ws.recv(timeout=remaining))  # type: ignore[arg-type]
            kind = forward.WhichOneof("type")
            if kind == "page_info_changed":
                self.query = dict(_pairs(forward.page_info_changed.query_string))
            elif kind == "navigation":
                self.page_hash = forward.navigation.page_script_hash
            elif kind == "auto_rerun":
                self.live[forward.auto_rerun.fragment_id] = forward.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fid in forward.stop_auto_rerun.fragment_ids:
                    self.live.pop(fid, None)
            elif kind == "delta" and not fragment:
                self._collect(forward)
            elif kind == "script_finished":
                finished = forward.script_finished
                if finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY and fragment:
                    return time.perf_counter() - started
                if finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return time.perf_counter() - started
                if finished in (
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
