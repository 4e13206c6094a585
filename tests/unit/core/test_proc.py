"""pid_alive: what "this process is gone" means to the code that stops clusters and apps."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from flightschool.core.proc import pid_alive

# The main thread leaves (pthread_exit) while another thread runs on: the kernel shows the
# main thread as a zombie, yet the process still holds its files and sockets.
MAIN_THREAD_LEAVES = """
import ctypes, threading, time
threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
print("started", flush=True)
ctypes.CDLL(None).pthread_exit(None)
"""


def _main_thread_state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_a_process_whose_main_thread_left_is_alive_until_its_last_thread_ends() -> None:
    child = subprocess.Popen(  # noqa: S603 - the test's own interpreter and code
        [sys.executable, "-c", MAIN_THREAD_LEAVES], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "started\n"
        deadline = time.monotonic() + 10
        while _main_thread_state(child.pid) != "Z" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _main_thread_state(child.pid) == "Z"
        assert pid_alive(child.pid)
        child.kill()
        deadline = time.monotonic() + 10
        while pid_alive(child.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not pid_alive(child.pid), "a zombie with no threads left counts as gone"
    finally:
        child.kill()
        child.wait()
    assert not pid_alive(child.pid)
