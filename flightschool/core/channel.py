"""The child's end of a sandbox's private channel (core/sandbox.py), imported INSIDE the
sandbox before any learner or lab code: standard library only, and quick to import.

The channel is a pipe whose file descriptor number, and a per-run nonce, arrive in the
environment; both are taken out of it at once, and the pipe is not inherited by programs
the code inside starts."""

from __future__ import annotations

import os
from typing import BinaryIO

CHANNEL_ENV = "FLIGHTSCHOOL_CHANNEL_FD"
NONCE_ENV = "FLIGHTSCHOOL_NONCE"


def open_channel() -> tuple[BinaryIO, str]:
    """The private channel and the run's nonce, removed from the environment."""
    fd = int(os.environ.pop(CHANNEL_ENV))
    nonce = os.environ.pop(NONCE_ENV)
    os.set_inheritable(fd, False)
    return os.fdopen(fd, "wb"), nonce
