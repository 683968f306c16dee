"""Loan QR codes (贷款码) as sources of needs: make one for a park, a branch, a manager, a
campaign or an event; retire it; find the source of a bot's start payload; and count each
source's funnel, from scans to credit granted, to see which codes bring firms that get loans."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import case, distinct, func
from sqlalchemy import select as select_columns  # sqlmodel's select takes at most 4
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.core.errors import Conflict, InvalidInput, NotFound
from db.core.unit import use_case
from db.core.vocabulary import QrKind, Role
from db.intake.qr_tokens import TOKEN_MAX, is_payload, new_token
from db.models import Assignment, Branch, Need, Park, QrSource, Scan, Staff, utcnow

LABEL_MAX: Final = 200
TARGET_MAX: Final = 100


@dataclass(frozen=True, slots=True)
class Funnel:
    """How far the firms of one source got; each stage counts distinct scans or needs."""

    scanned: int = 0  # conversations started from the code
    consented: int = 0  # of those, the firm agreed to the data terms
    submitted: int = 0  # needs registered from the source (by the bot or offline)
    offered: int = 0  # needs that reached at least one bank
    accepted: int = 0  # needs a bank accepted
    credit_granted: int = 0  # needs a bank granted credit for


@dataclass(frozen=True, slots=True)
class SourceView:
    """A QR source as callers see it; `funnel` is None where it was not asked for."""

    id: int
    token: str
    kind: QrKind
    target: str
    label: str
    active: bool
    created_at: datetime
    funnel: Funnel | None = None

    @classmethod
    def of(cls, source: QrSource, funnel: Funnel | None = None) -> SourceView:
        return cls(
            id=source.id or 0,
            token=source.token,
            kind=QrKind(source.kind),
            target=source.target,
            label=source.label,
            active=source.active,
            created_at=source.created_at,
            funnel=funnel,
        )


@use_case
def create_source(
    session: Session,
    *,
    kind: QrKind | str,
    target: str,
    label: str,
    token: str | None = None,
    now: datetime | None = None,
) -> SourceView:
    """Make a QR source whose target exists; a token given must be a valid, unused payload."""
    kind = _kind(kind)
    target = _target(session, kind, target.strip())
    label = label.strip()
    if not 0 < len(label) <= LABEL_MAX:
        raise InvalidInput.of("qr_label", field="label", limit=LABEL_MAX)
    token = _token(session, token)
    source = QrSource(
        token=token, kind=kind, target=target, label=label, created_at=now or utcnow()
    )
    session.add(source)
    try:
        session.flush()
    except IntegrityError:  # the same token made at the same moment elsewhere
        raise Conflict.of("qr_token_taken", field="token", token=token) from None
    return SourceView.of(source)


def _kind(kind: QrKind | str) -> QrKind:
    try:
        return QrKind(kind)
    except ValueError:
        allowed = ", ".join(QrKind)
        raise InvalidInput.of("unknown_qr_kind", field="kind", kind=kind, allowed=allowed) from None


def _target(session: Session, kind: QrKind, target: str) -> str:
    """The target as stored: a park's or branch's code, a manager's staff id, or a name."""
    if not 0 < len(target) <= TARGET_MAX:
        raise InvalidInput.of("qr_target", field="target", limit=TARGET_MAX)
    if kind is QrKind.PARK and _missing(session, Park, target):
        raise InvalidInput.of("unknown_park", field="target", park=target)
    if kind is QrKind.BRANCH and _missing(session, Branch, target):
        raise InvalidInput.of("unknown_branch_code", field="target", branch=target)
    if kind is QrKind.MANAGER:
        staff = session.get(Staff, int(target)) if _staff_id(target) else None
        if staff is None or staff.role != Role.MANAGER or not staff.active:
            raise InvalidInput.of("unknown_manager", field="target", staff=target)
        return str(staff.id)
    return target


def _staff_id(text: str) -> bool:
    """Whether `text` can be a staff id (digits that fit the column)."""
    return text.isascii() and text.isdigit() and len(text) <= 9


def _missing(session: Session, table: type[Park] | type[Branch], code: str) -> bool:
    return session.exec(select(table.id).where(table.code == code)).first() is None


def _token(session: Session, token: str | None) -> str:
    """The token asked for, checked; or a new random one."""
    if token is None:
        return new_token()  # 96 random bits: a collision is left to the unique constraint
    if not is_payload(token):
        raise InvalidInput.of("bad_qr_token", field="token", limit=TOKEN_MAX)
    if _by_token(session, token) is not None:
        raise Conflict.of("qr_token_taken", field="token", token=token)
    return token


def _by_token(session: Session, token: str) -> QrSource | None:
    return session.exec(select(QrSource).where(QrSource.token == token)).first()


@use_case
def deactivate_source(session: Session, *, token: str) -> SourceView:
    """Retire a code: its scans no longer attribute anything; its counts are kept."""
    source = _by_token(session, token)
    if source is None:
        raise NotFound.of("unknown_qr_token", token=token)
    source.active = False
    session.add(source)
    return SourceView.of(source)


def source_for_payload(session: Session, payload: str) -> SourceView | None:
    """The active source a bot's start payload names; None for anything else (unknown,
    retired, malformed, or no payload at all), so that a bad code never stops a conversation."""
    if not is_payload(payload):
        return None
    source = _by_token(session, payload)
    return SourceView.of(source) if source is not None and source.active else None


def list_sources(
    session: Session,
    *,
    kind: QrKind | str | None = None,
    tokens: Collection[str] = (),
    active: bool | None = None,
    with_funnel: bool = True,
) -> tuple[SourceView, ...]:
    """The sources, oldest first: all, or of one kind, with these tokens, or in this state;
    with their funnels. A token asked for that does not exist at all is NotFound."""
    query = select(QrSource).order_by(col(QrSource.id))
    if kind is not None:
        query = query.where(QrSource.kind == _kind(kind))
    if tokens:
        _check_tokens_exist(session, tokens)
        query = query.where(col(QrSource.token).in_(tokens))
    if active is not None:
        query = query.where(QrSource.active == active)
    sources = session.exec(query).all()
    funnels = funnel(session, [s.id or 0 for s in sources]) if with_funnel else {}
    return tuple(SourceView.of(s, funnels.get(s.id or 0)) for s in sources)


def _check_tokens_exist(session: Session, tokens: Collection[str]) -> None:
    found = set(session.exec(select(QrSource.token).where(col(QrSource.token).in_(tokens))).all())
    unknown = sorted(set(tokens) - found)
    if unknown:
        raise NotFound.of("unknown_qr_token", token=unknown[0])


def funnel(session: Session, source_ids: Collection[int] | None = None) -> dict[int, Funnel]:
    """The funnel of each source asked for (default: every source), zeros included, in two
    grouped queries: one over scans, one over needs and their assignments."""
    if source_ids is None:
        ids = [i for i in session.exec(select(QrSource.id)).all() if i is not None]
    else:
        ids = list(source_ids)
    if not ids:
        return {}
    only = None if source_ids is None else ids  # every source: no need to name them all
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    for source_id, scanned, consented in session.execute(_scan_counts(only)).all():
        counts[source_id].update(scanned=scanned, consented=consented)
    for source_id, *stages in session.execute(_need_counts(only)).all():
        counts[source_id].update(zip(NEED_STAGES, stages, strict=True))
    return {i: Funnel(**stages) for i, stages in counts.items()}


NEED_STAGES: Final = ("submitted", "offered", "accepted", "credit_granted")


def _scan_counts(ids: list[int] | None) -> Any:
    """Per source: scans, and scans whose firm consented."""
    source_id = col(Scan.source_id)
    query = select(source_id, func.count(), func.count(col(Scan.consented_at)))
    if ids is not None:
        query = query.where(source_id.in_(ids))
    return query.group_by(source_id)


def _need_counts(ids: list[int] | None) -> Any:
    """Per source: needs, and needs with an assignment at all, accepted, with credit granted."""
    need_id, source_id = col(Need.id), col(Need.source_id)

    def needs_where(condition: Any) -> Any:
        return func.count(distinct(case((condition, need_id))))

    query = (
        select_columns(
            source_id,
            func.count(distinct(need_id)),
            needs_where(col(Assignment.id).is_not(None)),
            needs_where(col(Assignment.accepted_at).is_not(None)),
            needs_where(col(Assignment.credit_granted_at).is_not(None)),
        )
        .outerjoin(Assignment, col(Assignment.need_id) == need_id)
        .where(source_id.is_not(None) if ids is None else source_id.in_(ids))
    )
    return query.group_by(source_id)
