from __future__ import annotations

from pathlib import Path

from flightschool.content.catalog import load_catalog

FIELDS = "    lesson: 01-basics\n    difficulty: core\n    prompt: Prompt text\n    explanation: Because so.\n"


def test_fixture_course_loads_clean(course: Path) -> None:
    catalog = load_catalog(course)
    assert catalog.errors == []
    assert list(catalog.lessons) == ["01-basics", "02-more"]
    assert sum(1 for _ in catalog.banks["01-basics"].bank.questions) == 6
    assert list(catalog.interviews) == ["basics"]
    assert catalog.modules()[0][0] == "Fixture module"
    assert catalog.neighbours("02-more")[0] is not None


def test_broken_question_is_reported_and_the_rest_still_loads(course: Path) -> None:
    bank = course / "quizzes" / "01-basics.yaml"
    text = bank.read_text()
    text += "  - id: fx-no-answer\n    type: true_false\n" + FIELDS
    text += (
        "  - id: fx-typo\n    type: single\n"
        + FIELDS
        + "    colour: red\n    options:\n      - {text: a, correct: true}\n      - {text: b}\n"
    )
    bank.write_text(text)
    lines = text.splitlines()
    catalog = load_catalog(course)
    messages = {str(e.relative_to(course)) for e in catalog.errors}
    no_answer = lines.index("  - id: fx-no-answer") + 1
    colour = lines.index("    colour: red") + 1
    assert (
        f"quizzes/01-basics.yaml:{no_answer}: question fx-no-answer: missing required field 'answer'"
        in messages
    )
    assert f"quizzes/01-basics.yaml:{colour}: question fx-typo: unknown field 'colour'" in messages
    assert catalog.question("fx-pods") is not None
    assert [b.id for b in catalog.banks["01-basics"].broken] == ["fx-no-answer", "fx-typo"]


def test_invalid_yaml_breaks_only_that_file(course: Path) -> None:
    (course / "quizzes" / "02-broken.yaml").write_text("id: 02-broken\nquestions: [\n")
    catalog = load_catalog(course)
    assert [str(e.relative_to(course)).split(": ")[0:2] for e in catalog.errors] == [
        ["quizzes/02-broken.yaml:3", "invalid YAML"]
    ]
    assert [b.name for b in catalog.broken] == ["02-broken"]
    assert "01-basics" in catalog.banks


def test_duplicate_question_id_across_banks(course: Path) -> None:
    (course / "quizzes" / "02-more.yaml").write_text(
        "id: 02-more\ntitle: More quiz\nlesson: 02-more\nquestions:\n"
        "  - id: fx-pods\n    type: true_false\n    answer: true\n" + FIELDS
    )
    catalog = load_catalog(course)
    assert [str(e.relative_to(course)) for e in catalog.errors] == [
        "quizzes/02-more.yaml:5: duplicate question id 'fx-pods' (also in 01-basics.yaml)"
    ]


def test_dangling_references_are_errors(course: Path) -> None:
    lesson = course / "lessons" / "02-more.md"
    lesson.write_text(
        lesson.read_text().replace("Nothing else.", "```check\nno-such-question\n```")
    )
    catalog = load_catalog(course)
    assert any("check question 'no-such-question' does not exist" in str(e) for e in catalog.errors)


def test_broken_lesson_is_kept_as_a_broken_item(course: Path) -> None:
    (course / "lessons" / "03-bad.md").write_text("---\nid: 03-bad\n---\nbody\n")
    catalog = load_catalog(course)
    assert [b.name for b in catalog.broken] == ["03-bad"]
    assert "01-basics" in catalog.lessons
