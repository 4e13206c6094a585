from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flightschool.content.errors import ContentLoadError
from flightschool.content.labs import load_lab
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("target", "content", "says"),
    [
        ("README.md", b"# Lab\n\nText\n\xff\xfe", "README.md:4: the file is not UTF-8"),
        ("lab.yaml", b"id: 01-first-pod\ntitle: !!python/name:os.system\n", "lab.yaml:2: the tag"),
        ("lab.yaml", b"id: 01-first-pod\ntitle: &t [*t]\n", "lab.yaml:2: a recursive alias"),
        ("checks.py", b"def check_x(:\n", "checks.py:1: invalid syntax"),
        ("checks.py", b"def check_x(): pass\n\x00\xff", "checks.py:2: the file is not UTF-8"),
    ],
)
def test_a_broken_lab_file_is_named_with_its_line(
    tmp_path: Path, target: str, content: bytes, says: str
) -> None:
    folder = tmp_path / "01-first-pod"
    shutil.copytree(ROOT / "labs" / "01-first-pod", folder)
    (folder / target).write_bytes(content)
    with pytest.raises(ContentLoadError) as caught:
        load_lab(folder)
    assert any(says in str(e) for e in caught.value.errors), caught.value.errors
