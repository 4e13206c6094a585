"""The exclusive lock tells its caller once when it has to wait for another holder."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

from flightschool.core.locks import exclusive


def test_on_wait_is_called_only_when_another_holder_has_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "build.lock"
    calls: list[str] = []
    with exclusive(lock, on_wait=lambda: calls.append("free?")):
        pass
    assert calls == []

    other = lock.open("w")  # another open file: flock treats it as another holder
    fcntl.flock(other, fcntl.LOCK_EX)
    acquired = threading.Event()

    def release_when_told() -> None:
        calls.append("waiting")
        fcntl.flock(other, fcntl.LOCK_UN)

    def take() -> None:
        with exclusive(lock, on_wait=release_when_told):
            acquired.set()

    worker = threading.Thread(target=take)
    worker.start()
    worker.join(timeout=10)
    other.close()
    assert acquired.is_set()
    assert calls == ["waiting"]
