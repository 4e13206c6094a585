from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from flightschool.core import textfiles


def test_save_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "dag.py"
    target.write_text("old\n")
    textfiles.save(target, "new\n")
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dag.py"]


def test_a_full_disk_keeps_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "dag.py"
    target.write_text("the learner's work\n")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(textfiles.os, "fsync", full)
    with pytest.raises(textfiles.TextFileError, match="not saved: the disk is full"):
        textfiles.save(target, "half of the new text")
    assert target.read_text() == "the learner's work\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dag.py"]


def test_reading_refuses_binary_and_huge_files(tmp_path: Path) -> None:
    binary = tmp_path / "airflow.cfg"
    binary.write_bytes(b"[core]\nexecutor = x\n\x00\xff\xfe")
    with pytest.raises(textfiles.TextFileError, match=r"airflow.cfg:3: the file is not UTF-8"):
        textfiles.read(binary)
    huge = tmp_path / "big.py"
    huge.write_bytes(b"#" * 2_000_000)
    with pytest.raises(textfiles.TextFileError, match="larger than"):
        textfiles.read(huge)
    assert textfiles.read(tmp_path / "big.py", max_bytes=3_000_000).startswith("#")
