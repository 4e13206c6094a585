"""Learner ids end up in namespace names, labels and folders: only slugs get through."""

from __future__ import annotations

import pytest

from flightschool.core import learners


@pytest.mark.parametrize("bad", ["", "Alice", "../bob", "a,owner=b", "-a", "a-", "a" * 25, "a b"])
def test_anything_but_a_slug_is_refused(bad: str) -> None:
    with pytest.raises(learners.LearnerIdError, match="not a slug"):
        learners.check(bad)


def test_lab_namespaces_get_the_learners_prefix() -> None:
    assert learners.namespace("lab-first-pod", "alice") == "lab-alice-first-pod"
    assert learners.namespace("team-a", "alice") == "alice-team-a"
    assert learners.namespace("lab-first-pod", "bob") != learners.namespace(
        "lab-first-pod", "alice"
    )


def test_a_namespace_too_long_for_kubernetes_is_refused() -> None:
    with pytest.raises(learners.LearnerIdError, match="63"):
        learners.namespace("lab-" + "x" * 40, "a" * 24)


def test_slugify_makes_an_id_from_an_email() -> None:
    assert learners.slugify("Ada.Lovelace@example.org") == "ada-lovelace"
    assert learners.slugify("@@@") == "learner"
