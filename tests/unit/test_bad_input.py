"""Inputs that must never bring the CLI down: each is refused with a message that names the
file and line (or the argument), the right exit code, and no traceback."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from flightschool.cli import main
from tests.conftest import FIXTURE_COURSE

LONG = "a" * 5000
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
    for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
POD = "apiVersion: v1\nkind: Pod\n"


def manifest(content: bytes | str) -> Callable[[Path], list[str]]:
    """`lab check 01-first-pod --dir` on a folder holding one pod.yaml with this content."""

    def make(tmp: Path) -> list[str]:
        folder = tmp / "submission"
        folder.mkdir()
        data = content.encode() if isinstance(content, str) else content
        (folder / "pod.yaml").write_bytes(data)
        return ["lab", "check", "01-first-pod", "--dir", str(folder)]

    return make


def argv(*args: str) -> Callable[[Path], list[str]]:
    return lambda _tmp: list(args)


def broken_course(tmp: Path) -> list[str]:
    """The fixture course plus one broken file of each kind: validate reports them all."""
    root = tmp / "course"
    shutil.copytree(FIXTURE_COURSE, root)
    (root / "lessons" / "03-binary.md").write_bytes(b"---\nid: 03-binary\n\xff\xfe\n---\n")
    (root / "quizzes" / "02-deep.yaml").write_text("id: 02-deep\nquestions: " + "[" * 500)
    (root / "quizzes" / "03-python.yaml").write_text(
        "id: 03-python\nlesson: 01-basics\nquestions:\n  - !!python/object/apply:os.system [id]\n"
    )
    (root / "interviews" / "bomb.yaml").write_text(LAUGHS)
    (root / "exams" / "types.yaml").write_text("id: [1]\ntitle: 5\n")
    return ["content", "validate", "--root", str(root)]


def interview_answer(content: bytes) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        (tmp / "answer.md").write_bytes(content)
        return [
            "interview",
            "score",
            "iv-executor-how-it-works",
            "--answer-file",
            str(tmp / "answer.md"),
        ]

    return make


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], list[str]]
    code: int
    says: tuple[str, ...]


CASES = [
    Case(
        "binary-yaml", manifest(POD.encode() + b"\x89PNG\x00\xff"), 2, ("pod.yaml:3:", "not UTF-8")
    ),
    Case("deep-nesting", manifest("a: " + "[" * 5000), 2, ("pod.yaml:1:", "nested deeper")),
    Case(
        "metadata-number",
        manifest(POD + "metadata: 5\n"),
        2,
        ("pod.yaml:1:", "metadata must be a mapping"),
    ),
    Case(
        "name-list",
        manifest(POD + "metadata: {name: [1]}\n"),
        2,
        ("pod.yaml:1:", "metadata.name must be"),
    ),
    Case(
        "recursive-alias",
        manifest(POD + "metadata: &m {name: p, x: *m}\n"),
        2,
        ("pod.yaml:3:", "recursive alias"),
    ),
    Case(
        "python-tag",
        manifest(POD + "metadata: !!python/object/apply:os.system [id]\n"),
        2,
        ("pod.yaml:3:", "!!python/object/apply:os.system is not allowed"),
    ),
    Case("billion-laughs", manifest(LAUGHS), 2, ("pod.yaml:6:", "alias bomb")),
    Case(
        "many-documents",
        manifest((POD + "metadata: {name: p}\n---\n") * 120),
        2,
        ("pod.yaml:", "more than 100 YAML documents"),
    ),
    Case("huge-file", manifest("# " + "x" * 1_100_000), 2, ("pod.yaml:1:", "larger than 1 MB")),
    Case(
        "lab-run-manifest-lab",
        argv("lab", "run", "01-first-pod"),
        2,
        ("has no DAG to run", "lab check"),
    ),
    Case("long-lab-id", argv("lab", "check", LONG), 2, ("is not an id",)),
    Case("lab-id-path", argv("lab", "start", "../../etc"), 2, ("is not an id",)),
    Case(
        "long-question-id",
        argv("interview", "score", LONG, "--answer-file", "x"),
        2,
        ("is not an id",),
    ),
    Case(
        "binary-answer",
        interview_answer(b"\xff\xfe\x00"),
        2,
        ("answer.md:1: the file is not UTF-8",),
    ),
    Case(
        "huge-answer",
        interview_answer(b"x" * 100_000),
        2,
        ("answer.md:1: the file is larger than",),
    ),
    Case(
        "port-out-of-range",
        argv("cluster", "up", "--port", "70000"),
        2,
        ("out of range (1-65535)",),
    ),
    Case("port-not-a-number", argv("app", "--port", "http"), 2, ("is not a port number",)),
    Case(
        "validate-missing-root",
        argv("content", "validate", "--root", "/no/such/folder"),
        2,
        ("is not a folder",),
    ),
    Case(
        "broken-content",
        broken_course,
        1,
        (
            "lessons/03-binary.md:3: the file is not UTF-8",
            "quizzes/02-deep.yaml:2: nested deeper than 64 levels",
            "quizzes/03-python.yaml:4: the tag !!python/object/apply:os.system is not allowed",
            "interviews/bomb.yaml:6: aliases expand this value past",
            "exams/types.yaml:1: id: Input should be a valid string",
            "2 lessons, 1 quiz banks, 1 interview tracks",  # the rest is still loaded
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_a_message_not_a_traceback(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(case.make(tmp_path))
    except SystemExit as exc:  # argparse refusing an argument
        code = int(exc.code or 0)
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == case.code, text
    assert "Traceback" not in text
    for words in case.says:
        assert words in text, text


def test_a_cluster_that_does_not_answer_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kubeconfig = tmp_path / "kubeconfig.yaml"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        f"clusters: [{{name: k, cluster: {{server: 'https://127.0.0.1:{port}', "
        "insecure-skip-tls-verify: true}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    code = main(["lab", "check", "01-first-pod", "--backend", "kubeconfig"])
    text = "".join(capsys.readouterr())
    assert code == 2, text
    assert "Traceback" not in text
    assert "not reachable" in text or "not ready" in text, text
