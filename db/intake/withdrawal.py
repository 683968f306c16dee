"""`withdraw`: a firm withdraws its consent; its personal data goes, anonymous counts stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from db.core.errors import NotAllowed, NotFound
from db.core.unit import Actor, use_case
from db.core.vocabulary import OPEN_WORK, ActorKind, AssignmentStatus, NeedStatus, Notice, Role
from db.intake.register import serialize_firm
from db.leads.mechanics import lock_need, move, notify_bank, record
from db.models import (
    Assignment,
    Conversation,
    Enterprise,
    LeadNote,
    Need,
    Outbox,
    Problem,
    utcnow,
)
from db.webhooks.events import EventType, emit_lead


@dataclass(frozen=True, slots=True)
class Withdrawal:
    enterprise_id: int
    needs: int  # needs of the firm, all erased
    leads_withdrawn: int  # live leads the banks were told to drop


@use_case
def withdraw(
    session: Session, *, need_id: int, actor: Actor | None = None, now: datetime | None = None
) -> Withdrawal:
    """Withdraw the consent of the firm behind a need, for all of its needs: live leads are
    withdrawn and their banks told; name, USCC, contact, chat, notes, the conversation, a
    complaint's words and the measure taken are erased. Needs and leads stay as anonymous rows
    (county, tier, amount, statuses) so the statistics still count them; the event log never
    held personal data."""
    now = now or utcnow()
    actor = actor or Actor.firm()
    if actor.kind is not ActorKind.FIRM and not actor.may(Role.ADMIN):
        raise NotAllowed.of("firm_or_admin_only")
    first = session.get(Need, need_id)
    if first is None:
        raise NotFound.of("need_not_found", need_id=need_id)
    enterprise = _lock_firm(session, first.enterprise_id)
    ids = session.exec(
        select(Need.id).where(Need.enterprise_id == enterprise.id).order_by(col(Need.id))
    ).all()
    withdrawn = 0
    chats: set[int] = set()
    for nid in ids:
        need = lock_need(session, nid or 0)
        withdrawn += _withdraw_leads(session, need, actor, now)
        if need.chat_id is not None:
            chats.add(need.chat_id)
        _erase_need(session, need, now)
        record(session, actor=actor, at=now, kind="withdrawn", need_id=need.id)
    _erase_enterprise(session, enterprise, now)
    if chats:
        session.execute(delete(Conversation).where(col(Conversation.chat_id).in_(chats)))
    return Withdrawal(enterprise.id or 0, len(ids), withdrawn)


def _lock_firm(session: Session, enterprise_id: int) -> Enterprise:
    """The firm's row, locked the way registration locks it, so that no need of the firm can be
    registered while its consent is being withdrawn (and none is missed)."""
    enterprise = session.get(Enterprise, enterprise_id)
    assert enterprise is not None  # a foreign key
    serialize_firm(
        session, uscc=enterprise.uscc, name_key=enterprise.name_key, county=enterprise.county
    )
    query = select(Enterprise).where(Enterprise.id == enterprise_id).with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).one()


def _withdraw_leads(session: Session, need: Need, actor: Actor, now: datetime) -> int:
    """Withdraw the need's leads still being worked, and tell each bank."""
    leads = session.exec(
        select(Assignment).where(
            Assignment.need_id == need.id, col(Assignment.status).in_(OPEN_WORK)
        )
    ).all()
    for assignment in leads:
        event_id = move(session, assignment, AssignmentStatus.WITHDRAWN, now=now, actor=actor)
        notify_bank(session, assignment, event_id, Notice.BANK_WITHDRAWN, now)
        emit_lead(session, EventType.LEAD_WITHDRAWN, assignment, event_id, now)
    return len(leads)


def _erase_need(session: Session, need: Need, now: datetime) -> None:
    if need.status == NeedStatus.OPEN:
        need.status = NeedStatus.WITHDRAWN
    need.withdrawn_at = need.withdrawn_at or now
    need.chat_id = need.contact_name = need.contact_phone = None
    need.contact_phone_confirmed = False
    need.existing_banks = []
    need.outcome = {k: v for k, v in need.outcome.items() if k != "notes"}  # typed bank names
    need.updated_at = now
    session.add(need)
    session.execute(  # a bank's own words on why it declined may name people
        update(Assignment).where(col(Assignment.need_id) == need.id).values(decline_detail=None)
    )
    lead_ids = select(Assignment.id).where(Assignment.need_id == need.id)
    session.execute(delete(LeadNote).where(col(LeadNote.assignment_id).in_(lead_ids)))
    session.execute(  # the firm's complaint, and what was done about it, may name people
        update(Problem).where(col(Problem.need_id) == need.id).values(detail=None, measure=None)
    )
    unsent = delete(Outbox).where(col(Outbox.need_id) == need.id, col(Outbox.sent_at).is_(None))
    session.execute(unsent)


def _erase_enterprise(session: Session, enterprise: Enterprise, now: datetime) -> None:
    enterprise.name = enterprise.name_key = ""
    enterprise.uscc = None
    enterprise.months_operating = None
    enterprise.erased_at = now
    enterprise.updated_at = now
    session.add(enterprise)
