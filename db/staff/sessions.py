"""Dashboard sessions: a coordinator, bank admin or admin signs in to `/dashboard` with their API
token once, and the browser then carries a random session id in a cookie. Only the id's SHA-256
is stored; a session ends when it expires, when its holder signs out, or as soon as the token it
was opened with is revoked or its holder made inactive (every look-up checks both)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, or_, select, update
from sqlmodel import Session, col

from db.core.errors import NotAllowed
from db.core.unit import use_case
from db.core.vocabulary import Role
from db.models import ApiToken, DashboardSession, Staff, utcnow
from db.staff.accounts import hash_token

LIFETIME: Final = timedelta(hours=12)
"""How long a sign-in lasts: a working day, then the token is asked for again."""

KEPT: Final = timedelta(days=7)
"""How long a session that ended or expired is kept (who signed in when) before a later
sign-in deletes it."""

ROLES: Final = frozenset({Role.COORDINATOR, Role.BANK_ADMIN, Role.ADMIN})
"""Who may use the dashboard: managers work their leads through the API and the bot."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who a dashboard session speaks for."""

    staff_id: int
    name: str
    role: Role
    bank_id: int | None
    region: str | None


_VIEWER: tuple[Any, ...] = tuple(
    col(getattr(Staff, name)) for name in ("id", "name", "role", "bank_id", "region")
)


def _viewer(row: Any) -> Viewer:
    staff_id, name, role, bank_id, region = row
    return Viewer(staff_id, name, Role(role), bank_id, region)


@use_case
def sign_in(session: Session, *, token: str, now: datetime | None = None) -> tuple[str, Viewer]:
    """Open a session for the holder of a live API token: the session id (for the cookie, never
    stored) and who it is. An unknown or revoked token is None-like: NotAllowed("…token");
    a manager's token is refused with its own reason. Sessions over for more than `KEPT` are
    deleted on the way."""
    now = now or utcnow()
    row = session.execute(
        select(col(ApiToken.id), *_VIEWER)
        .join(Staff, col(Staff.id) == col(ApiToken.staff_id))
        .where(
            col(ApiToken.token_hash) == hash_token(token.strip()),
            col(ApiToken.revoked_at).is_(None),
            col(Staff.active).is_(True),
        )
    ).first()
    if row is None:
        raise NotAllowed.of("dashboard_bad_token")
    token_id, *holder = row
    viewer = _viewer(holder)
    if viewer.role not in ROLES:
        raise NotAllowed.of("dashboard_not_for_managers")
    gone = now - KEPT
    session.execute(
        delete(DashboardSession).where(
            or_(col(DashboardSession.expires_at) < gone, col(DashboardSession.ended_at) < gone)
        )
    )
    session_id = secrets.token_urlsafe(32)
    session.add(
        DashboardSession(
            id_hash=hash_token(session_id),
            staff_id=viewer.staff_id,
            token_id=token_id,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    return session_id, viewer


def viewer_of(session: Session, session_id: str, *, now: datetime | None = None) -> Viewer | None:
    """Who a live session belongs to: not ended, not expired, its token not revoked and its
    holder active; None otherwise."""
    now = now or utcnow()
    row = (
        session.connection()
        .execute(
            select(*_VIEWER)
            .join(DashboardSession, col(DashboardSession.staff_id) == col(Staff.id))
            .join(ApiToken, col(ApiToken.id) == col(DashboardSession.token_id))
            .where(
                col(DashboardSession.id_hash) == hash_token(session_id),
                col(DashboardSession.ended_at).is_(None),
                col(DashboardSession.expires_at) > now,
                col(ApiToken.revoked_at).is_(None),
                col(Staff.active).is_(True),
            )
        )
        .first()
    )
    return None if row is None else _viewer(row)


@use_case
def sign_out(session: Session, *, session_id: str, now: datetime | None = None) -> bool:
    """End a session (whether or not it was still live); True when one was ended now."""
    ended = session.execute(
        update(DashboardSession)
        .where(
            col(DashboardSession.id_hash) == hash_token(session_id),
            col(DashboardSession.ended_at).is_(None),
        )
        .values(ended_at=now or utcnow())
    )
    return bool(getattr(ended, "rowcount", 0))
