"""Starting the cluster from the Lab page shows the toolchain build's real progress (step,
what is being built, time elapsed) while `up` runs, and its error as text if it fails."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page(fail: bool) -> None:
    import time

    import streamlit as st

    from flightschool.cluster.backend import ClusterError
    from flightschool.ui.pages import lab

    class Building:
        def up(self, progress, port=None):  # type: ignore[no-untyped-def]
            progress("Building the lab toolchain (Kubernetes v1.36.3)")
            progress("[1/8] kube-apiserver … (elapsed 0 s)")
            time.sleep(1.3)
            progress("[1/8] kube-apiserver built in 1 s")
            progress("[2/8] kube-controller-manager … (elapsed 1 s)")
            time.sleep(1.3)
            if fail:
                raise ClusterError("building kwok failed (exit 1); see build.log: __init__")

    st.session_state["problem"] = lab._start_cluster(Building())  # type: ignore[arg-type]


def test_progress_names_the_step_and_what_is_built() -> None:
    at = AppTest.from_function(_page, args=(False,), default_timeout=30).run()
    assert not at.exception
    assert at.session_state["problem"] == ""
    [status] = at.status
    assert status.label.startswith("Cluster ready in")
    texts = [str(getattr(e, "proto", e)) for e in status]
    shown = " ".join(texts)
    assert "step 2 of 8: kube-controller-manager" in shown
    assert "elapsed" in shown


def test_a_failed_start_returns_its_message() -> None:
    at = AppTest.from_function(_page, args=(True,), default_timeout=30).run()
    assert not at.exception
    assert at.session_state["problem"].endswith("see build.log: __init__")
    assert at.status[0].label == "The cluster did not start"
