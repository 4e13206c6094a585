"""Every page rendered through the real navigation with Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from flightschool.progress.db import make_engine
from flightschool.progress.store import ProgressStore


def _open(page: str) -> None:
    from flightschool.ui.app import main

    main(start=page)


def app(page: str = "home") -> AppTest:
    at = AppTest.from_function(_open, args=(page,), default_timeout=30)
    return at.run()


def texts(at: AppTest) -> str:
    parts = (
        [m.value for m in at.markdown] + [t.value for t in at.title] + [h.value for h in at.header]
    )
    parts += (
        [e.value for e in at.error] + [s.value for s in at.success] + [c.value for c in at.caption]
    )
    return "\n".join(str(p) for p in parts)


def test_home_shows_the_course_map_and_where_to_start(course: Path) -> None:
    at = app()
    assert not at.exception
    assert "Flight School" in texts(at)
    assert any("Fixture module" in s.value for s in at.subheader)
    assert "Start here" in texts(at)


def test_lesson_page_renders_sections_and_checks_an_inline_answer(course: Path) -> None:
    at = app("lesson:01-basics")
    assert not at.exception
    assert [h.value for h in at.header][:2] == ["Overview", "The idea"]
    at.radio(key="inline:01-basics:fx-pods").set_value("A pod")
    at.button[0].click().run()  # the form's Check button
    assert not at.exception
    assert any("Correct" in s.value for s in at.success)
    store = ProgressStore(make_engine())
    assert store.question_history("learner") == {"fx-pods": [True]}


def test_marking_a_lesson_complete_is_stored(course: Path) -> None:
    at = app("lesson:01-basics")
    at.toggle(key="complete:01-basics").set_value(True).run()
    assert ProgressStore(make_engine()).completed_lessons("learner") == {"01-basics"}
    again = app("home")
    assert "Next up" in texts(again) or "Continue" in texts(again)


def test_a_lesson_completes_itself_when_its_checks_are_answered(course: Path) -> None:
    store = ProgressStore(make_engine())
    at = app("lesson:01-basics")
    assert not at.toggle(key="complete:01-basics").value
    at.radio(key="inline:01-basics:fx-pods").set_value("A DAG")  # a wrong answer counts
    at.button[0].click().run()
    assert not at.exception
    assert store.completed_lessons("learner") == {"01-basics"}
    assert at.toggle(key="complete:01-basics").value
    at.toggle(key="complete:01-basics").set_value(False).run()  # the toggle stays the learner's
    at.run()
    assert store.completed_lessons("learner") == set()
    assert not app("lesson:01-basics").toggle(key="complete:01-basics").value


def test_a_lesson_without_checks_completes_when_opened(course: Path) -> None:
    at = app("lesson:02-more")
    assert not at.exception
    assert ProgressStore(make_engine()).completed_lessons("learner") == {"02-more"}
    assert at.toggle(key="complete:02-more").value


def test_the_inline_check_keeps_the_chosen_answer_beside_the_feedback(course: Path) -> None:
    at = app("lesson:01-basics")
    at.radio(key="inline:01-basics:fx-pods").set_value("A DAG")
    at.button[0].click().run()
    assert any("Not quite" in e.value for e in at.error)
    shown = [m.value for m in at.markdown]
    assert "**Your answer:** A DAG" in shown
    assert "**Right answer:** A pod" in shown
    next(b for b in at.button if b.label == "Try again").click().run()
    assert "**Your answer:** A DAG" not in [m.value for m in at.markdown]


def test_mistake_code_blocks_carry_a_wrong_on_purpose_badge() -> None:
    from flightschool.ui.pages.lesson import MISTAKE_BADGE, with_mistake_badges

    text = "Intro\n\n```python mistake\nx = 1\n```\n\n```python\ny = 2\n```\n\n````md\n```python mistake\n````"
    out = with_mistake_badges(text)
    assert out.count(MISTAKE_BADGE) == 1
    assert out.index(MISTAKE_BADGE) < out.index("```python mistake")
    assert with_mistake_badges("```mistake\nx\n```") == "```mistake\nx\n```"  # a language
    at = app("lesson:01-how-airflow-runs-tasks")
    assert not at.exception
    assert any("Wrong on purpose" in m.value for m in at.markdown)


def test_quiz_practice_gives_feedback_and_retries_the_wrong_ones(course: Path) -> None:
    at = app("quizzes")
    assert not at.exception
    [start] = [b for b in at.button if b.label == "Start practice"]
    start.click().run()
    for _ in range(6):
        assert not at.exception
        caption = " ".join(c.value for c in at.caption)
        if "Single choice" in caption:
            at.radio[0].set_value("A DAG")
        elif "True or false" in caption:
            at.radio[0].set_value("True")
        elif "Multiple choice" in caption:
            for box in at.checkbox:
                box.set_value(box.label in ("Pod", "Job"))
        elif "Spot the mistake" in caption:
            at.multiselect[0].set_value([2])
        elif "Ordering" in caption:
            at.multiselect[0].set_value(["Pending", "Running", "Succeeded"])
        elif "Short answer" in caption:
            at.text_input[0].input("KubernetesExecutor")
        [check] = [b for b in at.button if b.label == "Check answer"]
        check.click().run()
        assert at.success or at.error
        [nxt] = [b for b in at.button if b.label in ("Next question →", "See results")]
        nxt.click().run()
    assert any(m.label == "Score" and m.value == "5 / 6" for m in at.metric)
    [retry] = [b for b in at.button if b.label.startswith("Retry the 1 wrong")]
    retry.click().run()
    assert "Question 1 of 1" in at.get("progress")[0].proto.text
    attempts = ProgressStore(make_engine()).attempts("learner")
    assert [(a.mode, a.answered) for a in attempts] == [("practice", 6), ("retry", 0)]


def test_progress_page_charts_attempts_and_exports(course: Path) -> None:
    store = ProgressStore(make_engine())
    store.ensure_profile("learner")
    attempt = store.start_attempt("learner", "01-basics", "practice", "s")
    store.record_answer(
        attempt, "fx-pods", "A pod", correct=True, points=1, max_points=1, seconds=3
    )
    from flightschool.progress import review

    review.rate(store, "learner", "quiz", "fx-pods", "good")
    at = app("progress")
    assert not at.exception
    assert any(m.label == "Attempts" and m.value == "1" for m in at.metric)
    assert [s.value for s in at.subheader] == [
        "Scores over time",
        "Mastery per topic",
        "Reviews due",
        "Back up or move your progress",
    ]
    assert len(at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")) == 3


def test_progress_lists_attempts_of_every_kind_under_their_titles(course: Path) -> None:
    store = ProgressStore(make_engine())
    store.ensure_profile("learner")
    for kind, ref in (
        ("quiz", "01-basics"),
        ("lesson", "01-basics"),
        ("exam", "quick"),
        ("interview", "basics"),
        ("interview", "all"),
        ("exam", "retired"),
    ):
        attempt = store.start_attempt("learner", ref, kind, "s", kind=kind)
        store.record_answer(
            attempt, "fx-pods", "A pod", correct=True, points=1, max_points=1, seconds=1
        )
    import shutil

    from tests.conftest import ROOT

    shutil.copytree(ROOT / "labs" / "01-first-pod", course / "labs" / "01-first-pod")
    store.record_lab("learner", "01-first-pod", score=3, max_score=4, passed=False, checks=[])
    store.record_lab("learner", "99-gone", score=1, max_score=1, passed=True, checks=[])
    at = app("progress")
    assert not at.exception
    shown = sorted(at.dataframe[0].value["activity"])
    assert shown == [
        "Exam: quick",
        "Exam: retired",
        "Interview: basics",
        "Interview: every track",
        "Lab: 99-gone",
        "Lab: Your first pod",
        "Lesson check: Basics of the fixture course",
        "Quiz: basics",
    ]
    assert not any("Quiz: Quiz:" in t or "Exam: Exam:" in t for t in shown)
    assert any(m.label == "Attempts" and m.value == "8" for m in at.metric)


def test_progress_chart_has_a_time_axis_by_day(course: Path) -> None:
    from datetime import UTC, datetime

    from flightschool.content.catalog import load_catalog
    from flightschool.progress.store import AttemptSummary, LabAttemptSummary
    from flightschool.ui.pages.progress import attempts_frame, scores_chart

    catalog = load_catalog(course)
    day = datetime(2026, 11, 2, 9, tzinfo=UTC)
    quiz = AttemptSummary(1, "quiz", "01-basics", "practice", day, None, 1, 2, 2)
    later = AttemptSummary(2, "quiz", "01-basics", "practice", day.replace(hour=18), None, 2, 2, 2)
    lab = LabAttemptSummary(3, "gone", day.replace(day=3), 1, 4, False)
    frame = attempts_frame(catalog, [later, quiz], [lab])
    assert list(frame["activity"]) == ["Quiz: basics", "Quiz: basics", "Lab: gone"]
    spec = scores_chart(frame).to_dict()
    x = spec["encoding"]["x"]
    assert (x["timeUnit"], x["type"], x["title"]) == ("yearmonthdate", "temporal", "Day")
    assert spec["encoding"]["y"]["aggregate"] == "mean"  # two attempts on one day: one point


def test_home_shows_the_reviews_due_with_a_link_to_review(course: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from flightschool.progress import review

    assert "Reviews due" not in texts(app("home"))
    store = ProgressStore(make_engine())
    store.ensure_profile("learner")
    past = datetime.now(UTC) - timedelta(days=3)
    review.rate(store, "learner", "quiz", "fx-tf", "again", past)
    review.rate(store, "learner", "quiz", "fx-pods", "again", past)
    review.rate(store, "learner", "lab-check", "01-first-pod/pod", "again", past)
    review.rate(store, "learner", "quiz", "fx-multi", "easy")  # not due for days
    at = app("home")
    assert not at.exception
    assert "Reviews due: 3" in texts(at)
    assert "1 lab check, 2 quiz questions" in texts(at)
    assert "Review now" in [el.proto.label for el in at.get("page_link")]


def test_a_broken_lesson_shows_an_error_card_and_the_rest_works(course: Path) -> None:
    (course / "lessons" / "03-bad.md").write_text("---\nid: 03-bad\ntitle: [oops\n---\n")
    at = app()
    assert not at.exception
    assert any("03-bad" in e.value and "lessons/03-bad.md:4" in e.value for e in at.error)
    assert any("Fixture module" in s.value for s in at.subheader)
    broken = app("lesson:03-bad")
    assert not broken.exception and broken.error


def test_a_new_profile_can_be_created_and_keeps_its_own_progress(course: Path) -> None:
    at = app("home")
    at.text_input(key="new_profile_name").input("Grace")
    [create] = [b for b in at.button if b.label == "Create"]
    create.click().run()
    assert not at.exception
    assert at.selectbox(key="profile").value == "Grace"
    assert at.query_params["profile"] == ["Grace"] or at.query_params["profile"] == "Grace"


@pytest.mark.parametrize(
    "page", ["home", "quizzes", "interview", "review", "exam", "progress", "lab:01-first-pod"]
)
def test_pages_render_on_the_real_course(page: str) -> None:
    at = app(page)
    assert not at.exception


def test_lab_page_without_a_cluster_offers_to_start_it(course: Path) -> None:
    import shutil

    from tests.conftest import ROOT

    shutil.copytree(ROOT / "labs" / "01-first-pod", course / "labs" / "01-first-pod")
    (course / "lessons" / "01-how-airflow-runs-tasks.md").write_text(
        "---\nid: 01-how-airflow-runs-tasks\ntitle: How tasks run\nmodule: Module\nobjectives: [x]\nminutes: 1\n---\nBody\n"
    )
    at = app("lab:01-first-pod")
    assert not at.exception
    assert "Your first pod" in texts(at)
    assert [b for b in at.button if b.label == "Start the lab cluster"]
    home = app("home")
    assert any(s.value == "Labs" for s in home.subheader)


def test_the_capstone_on_the_embedded_backend_says_it_needs_real_containers() -> None:
    """The default backend is embedded: the page says what the lab needs and how to get it,
    and offers no start button (nothing would run)."""
    at = app("lab:11-airflow-on-kind")
    assert not at.exception
    warnings = "\n".join(w.value for w in at.warning)
    assert "needs real containers" in warnings
    assert "flightschool cluster up --backend kind" in warnings
    assert not [b for b in at.button if b.label in ("Start lab", "Start the lab cluster")]


def _real_lessons() -> list[str]:
    from flightschool.content.catalog import load_catalog
    from flightschool.core.paths import project_root

    return list(load_catalog(project_root()).lessons)


@pytest.mark.parametrize("lesson_id", _real_lessons())
def test_every_course_lesson_renders_with_its_quiz_linked(lesson_id: str) -> None:
    at = app(f"lesson:{lesson_id}")
    assert not at.exception
    assert "Key takeaways" in [h.value for h in at.header]
    links = [el.proto.label for el in at.get("page_link")]
    assert any(label.startswith("Quiz:") for label in links), links


def test_mock_interview_scores_rates_and_reports(course: Path) -> None:
    at = app("interview")
    assert not at.exception
    at.selectbox(key="iv_track").set_value("basics")
    at.number_input(key="iv_length").set_value(2)
    [start] = [b for b in at.button if b.label == "Start the interview"]
    start.click().run()
    for _ in range(2):
        prompt = next(m.value for m in at.markdown if m.value.startswith("### "))
        answer = (
            "Each task gets its own pod from the pod template."
            if "pod" in prompt
            else "Set limits."
        )
        next(t for t in at.text_area if t.label == "Your answer").input(answer)
        next(b for b in at.button if b.label == "Submit answer").click().run()
        assert not at.exception
        assert any(m.label == "Rubric coverage" for m in at.metric)
        next(b for b in at.button if b.label == "Good").click().run()
    assert any(s.value == "Session report" for s in at.subheader)
    assert at.get("download_button")
    store = ProgressStore(make_engine())
    assert {c["card_id"] for c in store.cards("learner")} == {
        "interview:iv-fx-pods",
        "interview:iv-fx-limits",
    }


def test_interview_feedback_and_report_put_misconceptions_first(course: Path) -> None:
    at = app("interview")
    at.selectbox(key="iv_track").set_value("basics")
    at.number_input(key="iv_length").set_value(2)
    next(b for b in at.button if b.label == "Start the interview").click().run()
    alerts: list[tuple[str, str]] = []
    for _ in range(2):
        prompt = next(m.value for m in at.markdown if m.value.startswith("### "))
        answer = "Limits decide scheduling. Set limits." if "size" in prompt else "No idea."
        next(t for t in at.text_area if t.label == "Your answer").input(answer)
        next(b for b in at.button if b.label == "Submit answer").click().run()
        assert not at.exception
        if "size" in prompt:
            alerts = [
                (node.type, str(node.value))
                for node in at.main
                if node.type in ("error", "warning", "success")
            ]
        next(b for b in at.button if b.label == "Good").click().run()
    kinds = [kind for kind, _ in alerts]
    assert kinds == ["error", "warning", "success"], alerts
    assert "You said limits decide where the pod is scheduled" in alerts[0][1]
    assert "Limits decide scheduling." in alerts[0][1]
    [chart] = [node for node in at.main if node.type == "vega_lite_chart"]
    spec = str(chart.proto)
    assert "Coverage (%)" in spec


def test_the_report_lists_misconceptions_then_missed_then_covered() -> None:
    from flightschool.content.models import Interview
    from flightschool.interview.rubric import score_answer
    from flightschool.ui.pages.interview import feedback_markdown

    question = Interview.model_validate(
        {
            "id": "iv-order",
            "type": "interview",
            "lesson": "01-basics",
            "difficulty": "core",
            "prompt": "Requests and limits?",
            "explanation": "Order of the report.",
            "model_answer": "Requests drive scheduling; limits cap what a container may use.",
            "subjects": {"limits": {"any": ["limits"]}, "requests": {"any": ["requests"]}},
            "rubric": [
                {"id": "cap", "text": "Limits cap usage", "concepts": [{"any": ["cap"]}]},
                {
                    "id": "sched",
                    "text": "Requests drive scheduling",
                    "subject": "requests",
                    "concepts": [{"any": ["scheduling"]}],
                },
            ],
            "misconceptions": [
                {
                    "id": "limits-sched",
                    "subject": "limits",
                    "swaps": "sched",
                    "said": "limits drive scheduling",
                    "correction": "requests do",
                }
            ],
        }
    )
    lines = feedback_markdown(score_answer(question, "Limits drive scheduling. They cap use."))
    text = "\n".join(lines)
    assert text.index("### Misconceptions") < text.index("### Missed") < text.index("### Covered")
    assert (
        "- You said limits drive scheduling: requests do. Your sentence: “Limits drive scheduling.”"
        in lines
    )
    assert "- [ ] Requests drive scheduling" in lines
    assert "- [x] Limits cap usage: “They cap use.”" in lines


def test_review_page_asks_due_cards_and_reschedules(course: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from flightschool.progress import review

    store = ProgressStore(make_engine())
    store.ensure_profile("learner")
    review.rate(store, "learner", "quiz", "fx-tf", "again", datetime.now(UTC) - timedelta(days=2))
    at = app("review")
    assert not at.exception
    assert any(m.label == "Due now" and m.value == "1" for m in at.metric)
    at.radio[0].set_value("True")
    next(b for b in at.button if b.label == "Check").click().run()
    assert any("Correct" in s.value for s in at.success)
    next(b for b in at.button if b.label == "Good").click().run()
    assert any(m.label == "Due now" and m.value == "0" for m in at.metric)


def test_exam_timing_out_submits_what_was_answered(course: Path) -> None:
    import time

    at = app("exam")
    assert not at.exception
    next(b for b in at.button if b.label == "Start the exam").click().run()
    at.radio[0].set_value("A pod").run()  # item 1 answered; item 2 left blank
    run = at.session_state["exam_run"]
    assert run.answers == {"fx-pods": "A pod"} and run.result is None
    run.deadline = time.time() - 1  # the clock runs out
    at.run()
    assert not at.exception
    assert any("Time is up" in w.value for w in at.warning)
    [result] = [m for m in at.metric if m.label == "Result"]
    assert result.value == "2 / 3 (67%)"
    assert [e.label for e in at.expander] == [
        "1. What runs containers? · 2/2",
        "2. The KubernetesExecutor needs a pod template container named base. · 0/1",
    ]
    attempts = ProgressStore(make_engine()).attempts("learner")
    assert [(a.kind, a.quiz_id, a.answered, a.score) for a in attempts] == [
        ("exam", "quick", 1, 2.0)
    ]


def test_exam_next_and_previous_move_between_items(course: Path) -> None:
    at = app("exam")
    next(b for b in at.button if b.label == "Start the exam").click().run()
    assert "What runs containers?" in texts(at)
    next(b for b in at.button if b.label == "Next →").click().run()
    assert not at.exception
    assert at.session_state["exam_run"].current == 1
    assert "What runs containers?" not in texts(at)
    assert at.get("button_group")[0].value == 1  # the item pills follow
    next(b for b in at.button if b.label == "← Previous").click().run()
    assert "What runs containers?" in texts(at)
    at.get("button_group")[0].set_value(1).run()  # and a pill still jumps
    assert at.session_state["exam_run"].current == 1
    assert not at.warning


def test_timer_colour_changes_at_15_5_and_1_minutes() -> None:
    from flightschool.ui.pages.exam import timer_colour

    assert [timer_colour(m * 60) for m in (30, 15, 10, 5, 2, 1, 0.5)] == [
        "green",
        "violet",
        "violet",
        "orange",
        "orange",
        "red",
        "red",
    ]
