"""Reading and saving a learner's text files without losing them.

A save writes a temporary file beside the target, flushes it to disk, then renames it over
the target: a full disk or a crash mid-write leaves the previous version whole. A read
refuses files too large for an editor or not UTF-8, naming the line of the first bad byte.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from flightschool.core.errors import InputProblem

MAX_EDITABLE_BYTES = 1_000_000


class TextFileError(InputProblem, ValueError):
    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path.name}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


def read(path: Path, max_bytes: int = MAX_EDITABLE_BYTES) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise TextFileError(path, 1, f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise TextFileError(path, 1, f"the file is larger than {max_bytes:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TextFileError(path, line, "the file is not UTF-8 text") from exc


def save(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically. On failure the old file is untouched and
    TextFileError says why (a full disk by name)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.saving")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        reason = (
            "the disk is full"
            if exc.errno in (errno.ENOSPC, errno.EDQUOT)
            else (exc.strerror or str(exc))
        )
        raise TextFileError(
            path, 1, f"not saved: {reason}. The previous version is unchanged."
        ) from exc
