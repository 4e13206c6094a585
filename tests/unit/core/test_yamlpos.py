from __future__ import annotations

import pytest

from flightschool.core import yamlpos


def test_lines_are_recorded_for_nested_values() -> None:
    doc = yamlpos.load("a: 1\nb:\n  - x: 2\n  - y: 3\n")
    assert doc.data == {"a": 1, "b": [{"x": 2}, {"y": 3}]}
    assert doc.line_of(("b", 1, "y")) == 4
    assert doc.line_of(("b", 0)) == 3


def test_unknown_location_falls_back_to_nearest_parent() -> None:
    doc = yamlpos.load("a:\n  b: 1\n", line_offset=10)
    assert doc.line_of(("a", "missing", 3)) == 11


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: 1\na: 2\n", 2), ("a: [1,\nb: 2\n", 3), ("ok: 1\n  bad: indent\n", 2)],
)
def test_bad_yaml_reports_its_line(text: str, line: int) -> None:
    with pytest.raises(yamlpos.YAMLSyntaxError) as caught:
        yamlpos.load(text)
    assert caught.value.line == line
