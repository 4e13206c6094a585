"""Learner ids in workshop mode: validated slugs, because they end up in namespace names,
label values, folder names and URLs, and one that is not a slug could reach another
learner's namespace or folder (`../bob`, `a,owner=b`)."""

from __future__ import annotations

import re

from flightschool.core.errors import InputProblem

MAX_ID = 24  # "lab-" + id + "-" + the lab's own name stays within a namespace's 63
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?")  # at most MAX_ID
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


class LearnerIdError(InputProblem, ValueError):
    """Not a usable learner id; the message says what one looks like."""


def check(learner: str) -> str:
    """The id itself when it is a slug (lower-case letters, digits, inner '-'), else refused."""
    if not isinstance(learner, str) or not _SLUG.fullmatch(learner):
        shown = repr(learner)[:40]
        raise LearnerIdError(
            f"learner id {shown} is not a slug: use lower-case letters, digits and '-' "
            f"(at most {MAX_ID}, not starting or ending with '-')"
        )
    return learner


def slugify(text: str) -> str:
    """A slug made from a name or an e-mail address (OIDC sign-in), cut to the limit."""
    local = text.strip().lower().split("@")[0]
    slug = re.sub(r"[^a-z0-9]+", "-", local).strip("-")[:MAX_ID].strip("-")
    return check(slug or "learner")


def namespace(name: str, learner: str) -> str:
    """The learner's own copy of a lab namespace: `lab-first-pod` becomes
    `lab-<learner>-first-pod`; a name without the `lab-` head gets `<learner>-` in front."""
    check(learner)
    head, sep, rest = name.partition("lab-")
    mapped = f"lab-{learner}-{rest}" if sep and not head else f"{learner}-{name}"
    if not _NAMESPACE.fullmatch(mapped):
        raise LearnerIdError(
            f"namespace {mapped!r} for learner {learner!r} is longer than 63 characters or "
            "not a DNS label: choose a shorter learner id"
        )
    return mapped
