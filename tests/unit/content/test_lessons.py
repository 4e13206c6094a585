from __future__ import annotations

from pathlib import Path

import pytest

from flightschool.content.errors import ContentLoadError
from flightschool.content.lessons import CheckPart, DiagramPart, MarkdownPart, load_lesson


def test_fixture_lesson_is_split_into_sections(course: Path) -> None:
    lesson = load_lesson(course / "lessons" / "01-basics.md")
    assert [s.title for s in lesson.sections] == [
        "Overview",
        "The idea",
        "Picture",
        "Key takeaways",
    ]
    idea = lesson.sections[1].parts
    assert isinstance(idea[0], MarkdownPart) and "Pods run containers" in idea[0].text
    assert isinstance(idea[1], CheckPart) and idea[1].question_ids == ("fx-pods",)
    assert idea[1].line == 17
    assert isinstance(lesson.sections[2].parts[0], DiagramPart)


def test_code_blocks_keep_kind_flags_and_line(tmp_path: Path) -> None:
    path = tmp_path / "09-code.md"
    path.write_text(
        "---\nid: 09-code\ntitle: Code\nmodule: Module\nobjectives: [x]\nminutes: 1\n---\n"
        "## S\n\n```python mistake\nprint(1)\n```\n\n```yaml k8s\nkind: Pod\n```\n"
    )
    blocks = load_lesson(path).code_blocks
    assert [(b.kind, set(b.flags), b.line) for b in blocks] == [
        ("python", {"mistake"}, 10),
        ("yaml", {"k8s"}, 14),
    ]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("no front matter\n", 1, "front matter"),
        ("---\nid: [unclosed\n---\n", 3, "invalid YAML"),
        (
            "---\nid: 09-x\ntitle: Title\nmodule: Module\nobjectives: [a]\nminutes: 1\ncolour: red\n---\n",
            7,
            "unknown field 'colour'",
        ),
        (
            "---\nid: 09-x\ntitle: Title\nmodule: Module\nobjectives: [a]\n---\n",
            2,
            "missing required field 'minutes'",
        ),
        (
            "---\nid: 09-other\ntitle: Title\nmodule: Module\nobjectives: [a]\nminutes: 1\n---\n",
            2,
            "must match the file name",
        ),
    ],
)
def test_bad_front_matter_names_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "09-x.md"
    path.write_text(text)
    with pytest.raises(ContentLoadError) as caught:
        load_lesson(path)
    first = caught.value.errors[0]
    assert (first.path, first.line) == (path, line)
    assert words in first.message
