from __future__ import annotations

from pathlib import Path

import pytest

from flightschool.core import safeyaml, yamlpos

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
    for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)

REFUSED = [
    (
        "python-object",
        "a: 1\nb: !!python/object:os.system {}\n",
        2,
        "the tag !!python/object:os.system is not allowed",
    ),
    (
        "python-apply",
        "x: !!python/object/apply:os.system [ls]\n",
        1,
        "the tag !!python/object/apply:os.system is not allowed",
    ),
    (
        "python-name",
        "x: !!python/name:os.system\n",
        1,
        "the tag !!python/name:os.system is not allowed",
    ),
    ("recursive", "a: 1\nb: &me\n  - *me\n", 2, "a recursive alias"),
    ("billion-laughs", LAUGHS, 6, "aliases expand this value past 250000 nodes"),
    ("deep-flow", "a: " + "[" * 10_000 + "]" * 10_000 + "\n", 1, "nested deeper than 64 levels"),
    ("deep-block", "".join("  " * i + f"k{i}:\n" for i in range(80)), 64, "nested deeper than 64"),
    ("many-documents", "a: 1\n---\n" * 101, 200, "more than 100 YAML documents"),
    ("many-aliases", "a: &a 1\nb: [" + ", ".join(["*a"] * 201) + "]\n", 2, "more than 200 aliases"),
    ("nul-character", "a: 1\nb: \x00\n", 2, "the character U+0000 is not allowed"),
    ("syntax", "a: [1,\nb: 2\n", 3, "invalid YAML"),
]


@pytest.mark.parametrize(("name", "text", "line", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refusals_name_the_line(name: str, text: str, line: int, message: str) -> None:
    for loader in (safeyaml.load_all, yamlpos.load):
        if name == "many-documents" and loader is yamlpos.load:
            continue
        with pytest.raises(safeyaml.YAMLSyntaxError) as caught:
            loader(text)
        assert caught.value.line == line, loader
        assert message in caught.value.message, loader


def test_aliases_that_expand_a_little_are_fine() -> None:
    text = "base: &b {cpu: 1, memory: 1Gi}\nrequests: *b\nlimits: *b\n"
    assert safeyaml.load(text)["limits"] == {"cpu": 1, "memory": "1Gi"}
    assert yamlpos.load(text).data["requests"] == {"cpu": 1, "memory": "1Gi"}


def test_alias_chains_cannot_nest_past_the_depth_limit() -> None:
    level = "[" * 40 + "x" + "]" * 40
    text = f"a: &a {level}\nb: &b [[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    with pytest.raises(safeyaml.YAMLSyntaxError, match="aliases nest this value deeper"):
        safeyaml.load_all(text)


def test_merge_keys_work_for_manifests_but_are_named_in_content() -> None:
    text = "a: &a {x: 1}\nb:\n  <<: *a\n  y: 2\n"
    assert safeyaml.load(text)["b"] == {"x": 1, "y": 2}
    with pytest.raises(safeyaml.YAMLSyntaxError, match="merge keys") as caught:
        yamlpos.load(text)
    assert caught.value.line == 3


def test_files_too_large_or_not_utf8_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * 2_000_000 + b"\n")
    with pytest.raises(safeyaml.YAMLSyntaxError, match="larger than 1 MB"):
        safeyaml.read_text(big)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"a: 1\nb: 2\n\xff\xfe\x00\x01")
    with pytest.raises(safeyaml.YAMLSyntaxError, match="not UTF-8") as caught:
        safeyaml.read_text(binary)
    assert caught.value.line == 3
    assert (
        safeyaml.problem(binary)
        == "bin.yaml:3: the file is not UTF-8 text (binary content or another encoding)"
    )
    with pytest.raises(safeyaml.YAMLSyntaxError, match="cannot read"):
        safeyaml.read_text(tmp_path / "missing.yaml")


def test_limits_can_be_tightened() -> None:
    tight = safeyaml.Limits(max_depth=3)
    assert safeyaml.load("a: {b: 1}\n", tight) == {"a": {"b": 1}}
    with pytest.raises(safeyaml.YAMLSyntaxError, match="deeper than 3"):
        safeyaml.load("a: {b: {c: 1}}\n", tight)


def test_unhashable_keys_are_a_message() -> None:
    with pytest.raises(safeyaml.YAMLSyntaxError, match="plain value"):
        yamlpos.load("? [a, b]\n: 1\n")
    with pytest.raises(safeyaml.YAMLSyntaxError, match="unhashable"):
        safeyaml.load_all("? [a, b]\n: 1\n")
