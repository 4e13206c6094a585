"""Workshops in the progress store: join links, sign-in, roles, announcements, the audit
log, and a lock that many app processes share.

A join token is `<selector>.<secret>`, both from `secrets.token_urlsafe`. The store keeps
the selector (to find the row) and the SHA-256 of the secret, never the secret itself;
the presented secret's hash is compared with `hmac.compare_digest`. A token is refused
when forged, revoked or expired, and every refusal is written to the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from flightschool.core import learners, settings
from flightschool.core.errors import EnvironmentProblem, InputProblem
from flightschool.progress.schema import Announcement, AuditEvent, JoinToken, Workshop
from flightschool.progress.store import ProgressStore, _aware, _jsonable

log = logging.getLogger("flightschool.workshop")

Role = Literal["learner", "instructor"]
ROLES: tuple[Role, ...] = ("learner", "instructor")
MAX_LEARNERS = 500
SESSION_LIFETIME = timedelta(hours=12)  # a browser session; a workshop day, not forever
SIGN_OUT = "sign-out"
_DURATION = re.compile(r"(\d+)\s*([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_WORKSHOP_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?")


class WorkshopError(InputProblem, ValueError):
    """A workshop request that cannot be done; the message says why and what to do."""


class SharedDatabaseRequired(EnvironmentProblem):
    """Workshop mode started on SQLite: the message says what to set instead."""


class SignInRefused(WorkshopError):
    """A join token that does not let anyone in (forged, revoked, expired)."""


@dataclass(frozen=True)
class Identity:
    """Who is signed in: kept in the browser session, never taken from the URL."""

    learner: str
    role: Role
    workshop: str
    via: Literal["link", "oidc"] = "link"

    @property
    def instructor(self) -> bool:
        return self.role == "instructor"


@dataclass(frozen=True)
class Link:
    """A join link as made: the token is shown once and never stored."""

    learner: str
    role: Role
    token: str
    expires_at: datetime

    def url(self, base: str) -> str:
        return f"{base.rstrip('/')}/?join={self.token}"


@dataclass(frozen=True)
class Member:
    learner: str
    role: Role
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def parse_duration(value: str) -> timedelta:
    """`8h`, `90m`, `2d`, `1d12h` as a timedelta (a clear message for anything else)."""
    raw = value.strip().lower()
    parts = _DURATION.findall(raw)
    if not parts or _DURATION.sub("", raw).strip():
        raise WorkshopError(f"--expires {value!r}: write a duration such as 8h, 90m or 2d")
    total = timedelta()
    for amount, unit in parts:
        total += timedelta(**{_UNITS[unit]: int(amount)})
    if total <= timedelta(0) or total > timedelta(days=90):
        raise WorkshopError(f"--expires {value!r}: between one minute and 90 days")
    return total


def check_name(name: str) -> str:
    if not _WORKSHOP_NAME.fullmatch(name):
        raise WorkshopError(
            f"workshop name {name[:40]!r}: use lower-case letters, digits and '-' "
            "(at most 16), for example airflow-nov"
        )
    return name


def require_shared_database(url: str) -> None:
    """Workshop mode runs many learners (and app processes) on one database: SQLite is
    refused with a message saying what to set instead."""
    if settings.mode() == "workshop" and url.startswith("sqlite"):
        raise SharedDatabaseRequired(
            "workshop mode needs PostgreSQL: set FLIGHTSCHOOL_DATABASE_URL to a "
            "postgresql+psycopg://user@host/db URL (SQLite is for personal mode)"
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _sign(key: str, body: str) -> str:
    """A browser session's signature: HMAC-SHA256 keyed by the link's stored secret hash."""
    mac = hmac.new(key.encode(), f"session:{body}".encode("utf-8", "surrogatepass"), "sha256")
    return mac.hexdigest()[:43]


def _new_token() -> tuple[str, str, str]:
    """(token, selector, hash of the secret half)."""
    selector, secret = secrets.token_urlsafe(12), secrets.token_urlsafe(32)
    return f"{selector}.{secret}", selector, _hash(secret)


class Workshops:
    """Workshop operations on a progress store (any number of app processes at once)."""

    _local_locks: ClassVar[dict[str, threading.Lock]] = {}
    _local_guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, store: ProgressStore) -> None:
        self.store = store

    # ---------------------------------------------------------------- making links
    def create(
        self, name: str, learners_count: int, expires: timedelta, *, by: str = "cli"
    ) -> list[Link]:
        """A new workshop with `learners_count` learner links and one instructor link."""
        check_name(name)
        if not 0 <= learners_count <= MAX_LEARNERS:
            raise WorkshopError(f"--learners must be between 0 and {MAX_LEARNERS}")
        ends = _now() + expires
        try:
            with self.store.transaction() as s:
                s.add(Workshop(name=name, expires_at=ends))
                s.flush()
                links = [self._add(s, name, "instructor", f"{name}-instructor", ends)]
                links += [
                    self._add(s, name, "learner", f"{name}-{n:02d}", ends)
                    for n in range(1, learners_count + 1)
                ]
        except IntegrityError as exc:
            raise WorkshopError(
                f"a workshop named {name!r} (or one of its learner ids) already exists; "
                "choose another name"
            ) from exc
        self.audit(by, "workshop-create", {"workshop": name, "learners": learners_count})
        return links

    def add(
        self,
        name: str,
        *,
        role: Role = "learner",
        learner: str | None = None,
        expires: timedelta | None = None,
        by: str = "cli",
    ) -> Link:
        """One more link: a named learner (a slug), or the next free number."""
        if role not in ROLES:
            raise WorkshopError(f"role must be learner or instructor, not {role!r}")
        try:
            with self.store.transaction() as s:
                workshop = self._workshop(s, name)
                ends = _now() + expires if expires else _aware(workshop.expires_at)
                if learner is None:
                    taken = set(s.scalars(select(JoinToken.learner)))
                    learner = next(
                        f"{name}-{n:02d}"
                        for n in range(1, 10_000)
                        if f"{name}-{n:02d}" not in taken
                    )
                link = self._add(s, name, role, learners.check(learner), ends)
        except learners.LearnerIdError as exc:
            raise WorkshopError(str(exc)) from exc
        except IntegrityError as exc:
            raise WorkshopError(f"learner id {learner!r} is already taken") from exc
        self.audit(by, "link-add", {"workshop": name, "learner": learner, "role": role})
        return link

    def renew(self, learner: str, *, by: str = "cli") -> Link:
        """A new token for an existing learner (the old one stops working): a lost link."""
        token, selector, digest = _new_token()
        with self.store.transaction() as s:
            row = self._member(s, learner)
            row.selector, row.secret_hash, row.revoked_at = selector, digest, None
            link = Link(row.learner, _role(row.role), token, _aware(row.expires_at))
        self.audit(by, "link-renew", {"learner": learner})
        return link

    def _add(self, s: Any, name: str, role: Role, learner: str, ends: datetime) -> Link:
        token, selector, digest = _new_token()
        workshop = self._workshop(s, name)
        s.add(
            JoinToken(
                workshop_id=workshop.id,
                learner=learner,
                role=role,
                selector=selector,
                secret_hash=digest,
                expires_at=ends,
            )
        )
        s.flush()
        self.store.ensure_profile(learner)
        return Link(learner, role, token, ends)

    def _workshop(self, s: Any, name: str) -> Workshop:
        found: Workshop | None = s.scalar(select(Workshop).where(Workshop.name == name))
        if found is None:
            raise WorkshopError(f"no workshop named {name!r}")
        return found

    def _member(self, s: Any, learner: str) -> JoinToken:
        found: JoinToken | None = s.scalar(select(JoinToken).where(JoinToken.learner == learner))
        if found is None:
            raise WorkshopError(f"no learner {learner!r} in any workshop")
        return found

    def revoke(self, learner: str, *, by: str = "cli") -> None:
        """The learner's link stops working at once (sessions already open end on their
        next page: `still_valid` is asked on every run)."""
        with self.store.transaction() as s:
            row = self._member(s, learner)
            if row.revoked_at is None:
                row.revoked_at = _now()
        self.audit(by, "link-revoke", {"learner": learner})

    def workshops(self) -> list[str]:
        with self.store.transaction() as s:
            return list(s.scalars(select(Workshop.name).order_by(Workshop.id)))

    def members(self, name: str, role: Role | None = None) -> list[Member]:
        with self.store.transaction() as s:
            query = (
                select(JoinToken)
                .where(JoinToken.workshop_id == self._workshop(s, name).id)
                .order_by(JoinToken.role.desc(), JoinToken.learner)
            )
            if role:
                query = query.where(JoinToken.role == role)
            return [
                Member(
                    r.learner,
                    _role(r.role),
                    _aware(r.created_at),
                    _aware(r.expires_at),
                    _aware(r.revoked_at) if r.revoked_at else None,
                )
                for r in s.scalars(query)
            ]

    # ---------------------------------------------------------------- signing in
    def sign_in(self, token: str, *, now: datetime | None = None) -> Identity:
        """Who this token lets in; SignInRefused (audited) when it lets no one in."""
        now = now or _now()
        selector, _, secret = str(token).strip().partition(".")
        with self.store.transaction() as s:
            row: JoinToken | None = (
                s.scalar(select(JoinToken).where(JoinToken.selector == selector))
                if selector and secret and len(selector) <= 32
                else None
            )
            # Compared even when no row matched, so both paths take the same time.
            expected = row.secret_hash if row is not None else _hash("no such token")
            matches = hmac.compare_digest(expected, _hash(secret)) and row is not None
            if row is None or not matches:
                reason, who = "forged", (row.learner if row is not None else "?")
            elif row.revoked_at is not None:
                reason, who = "revoked", row.learner
            elif _aware(row.expires_at) <= now:
                reason, who = "expired", row.learner
            else:
                workshop = s.get(Workshop, row.workshop_id)
                identity = Identity(row.learner, _role(row.role), workshop.name if workshop else "")
                reason, who = "", row.learner
        if reason:
            self.audit(who, "sign-in-refused", {"reason": reason, "selector": selector[:32]})
            raise SignInRefused(_REFUSALS[reason])
        self.audit(identity.learner, "sign-in", {"role": identity.role})
        return identity

    def still_valid(self, identity: Identity, *, now: datetime | None = None) -> bool:
        """False once the person's link is revoked or expired: the session ends."""
        now = now or _now()
        with self.store.transaction() as s:
            row: JoinToken | None = s.scalar(
                select(JoinToken).where(JoinToken.learner == identity.learner)
            )
            return (
                row is not None
                and row.revoked_at is None
                and _aware(row.expires_at) > now
                and row.role == identity.role
            )

    # ---------------------------------------------------------------- browser sessions
    def open_session(self, identity: Identity, *, now: datetime | None = None) -> str:
        """A session id for the address bar, so a browser refresh keeps the person signed
        in. It is not the join link: it ends after SESSION_LIFETIME (or with the link, if
        sooner), and revoking or renewing the link ends it at once. It holds the link's
        selector, its end and a nonce, signed with the link's stored secret hash (which
        never leaves the database): nothing in it can be changed or made up."""
        now = now or _now()
        with self.store.transaction() as s:
            row = self._member(s, identity.learner)
            ends = min(now + SESSION_LIFETIME, _aware(row.expires_at))
            body = f"{row.selector}.{int(ends.timestamp())}.{secrets.token_urlsafe(9)}"
            return f"{body}.{_sign(row.secret_hash, body)}"

    def resume(self, session_id: str, *, now: datetime | None = None) -> Identity:
        """Who this session id belongs to; SignInRefused (audited) when it is forged,
        ended, or its link was revoked, renewed or has expired."""
        now = now or _now()
        body, _, signature = str(session_id).strip().rpartition(".")
        selector, _, rest = body.partition(".")
        ends_text = rest.partition(".")[0]
        with self.store.transaction() as s:
            row: JoinToken | None = (
                s.scalar(select(JoinToken).where(JoinToken.selector == selector))
                if selector and len(selector) <= 32 and ends_text.isdigit()
                else None
            )
            key = row.secret_hash if row is not None else _hash("no such session")
            genuine = hmac.compare_digest(_sign(key, body), signature) and row is not None
            if row is None or not genuine:
                reason, who = "forged", "?"
            elif row.revoked_at is not None:
                reason, who = "revoked", row.learner
            elif min(int(ends_text), int(_aware(row.expires_at).timestamp())) <= now.timestamp():
                reason, who = "session-ended", row.learner
            elif self._signed_out(s, row.learner, body):
                reason, who = "signed-out", row.learner
            else:
                workshop = s.get(Workshop, row.workshop_id)
                identity = Identity(row.learner, _role(row.role), workshop.name if workshop else "")
                reason, who = "", row.learner
        if reason:
            self.audit(who, "resume-refused", {"reason": reason, "selector": selector[:32]})
            raise SignInRefused(_SESSION_REFUSALS.get(reason, _REFUSALS.get(reason, "")))
        return identity

    def end_session(self, session_id: str) -> None:
        """Sign out: this session id stops working (a copy in the browser's history too).
        Recorded in the audit log, which `resume` reads back."""
        try:
            who = self.resume(session_id)
        except SignInRefused:
            return  # nothing to end
        body = str(session_id).strip().rpartition(".")[0]
        self.audit(who.learner, SIGN_OUT, {"session": _hash(body)})

    @staticmethod
    def _signed_out(s: Any, learner: str, body: str) -> bool:
        ended = _hash(body)  # a person signs out a handful of times: read them all
        details = s.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.action == SIGN_OUT, AuditEvent.actor == learner[:80]
            )
        )
        return any(isinstance(d, dict) and d.get("session") == ended for d in details)

    # ---------------------------------------------------------------- announcements
    def announce(self, message: str, *, by: str) -> None:
        """The banner every learner page shows; an empty message takes it down."""
        clean = message.strip()[:2000]
        with self.store.transaction() as s:
            s.add(Announcement(text=clean, by=by))
        self.audit(by, "announce", {"text": clean[:200]})

    def announcement(self) -> str:
        with self.store.transaction() as s:
            latest = s.scalar(select(Announcement.text).order_by(Announcement.id.desc()).limit(1))
            return latest or ""

    # ---------------------------------------------------------------- audit log
    def audit(self, actor: str, action: str, detail: dict[str, Any] | None = None) -> None:
        """Record (and log) a refusal or an instructor action."""
        refused = action.endswith("-refused") or action == "session-ended"
        log.log(logging.WARNING if refused else logging.INFO, "%s %s %s", actor, action, detail)
        with self.store.transaction() as s:
            s.add(AuditEvent(actor=actor[:80], action=action[:40], detail=_jsonable(detail or {})))

    def audit_events(self, action: str | None = None) -> list[dict[str, Any]]:
        with self.store.transaction() as s:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if action:
                query = query.where(AuditEvent.action == action)
            return [
                {"at": _aware(e.at), "actor": e.actor, "action": e.action, "detail": e.detail}
                for e in s.scalars(query)
            ]

    # ---------------------------------------------------------------- one at a time
    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        """Hold a lock named `key` shared by every app process on this database (a
        PostgreSQL advisory lock; in one process, a thread lock): two instructors
        resetting the same learner's lab take turns."""
        if self.store.engine.dialect.name == "postgresql":
            number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
            with self.store.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": number})
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": number})
                    conn.commit()
            return
        with self._local_guard:
            lock = self._local_locks.setdefault(key, threading.Lock())
        with lock:
            yield


_SESSION_REFUSALS = {
    "forged": "This page's session is not valid. Open your join link again.",
    "session-ended": "Your session has ended. Open your join link again, or ask the "
    "instructor for a new one.",
    "signed-out": "You signed out. Open your join link again to sign in.",
}

_REFUSALS = {
    "forged": "This join link is not valid. Check that you copied all of it, or ask the "
    "instructor for a new one.",
    "revoked": "This join link was revoked by the instructor. Ask them for a new one.",
    "expired": "This join link has expired. Ask the instructor for a new one.",
}


def _role(value: str) -> Role:
    return "instructor" if value == "instructor" else "learner"
