"""`amend_need`: a firm's new answers replace those of its open need, which banks already hold.

A firm registering again while banks have its need gets that need back (`register_need`); when
it says its new answers update that need, they are written onto it here. What the match was
made from stays as it was, so the banks holding the need stay within the rules: the firm, its
place, its entity type, the banks it borrows from and what it owes them, the five standards and
the bank limit. A change to any of those is refused with the reason; the firm may register a
second need instead, which is matched afresh.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from db.core.errors import Conflict
from db.core.unit import Actor, use_case
from db.core.vocabulary import OPEN_WORK, NeedStatus, Notice
from db.leads.mechanics import lock_need, notify_bank, record
from db.models import Assignment, Enterprise, Need, utcnow
from db.webhooks.events import EventType, emit_lead
from matching.i18n import Text
from matching.model import EntityType, Firm, Standard, Standards
from matching.model import Need as NeedIn
from matching.policy import DEFAULT_POLICY, Policy
from matching.registration import Amendment, Contact
from matching.rules import bank_limit, credit_tier


@use_case
def amend_need(
    session: Session,
    *,
    need_id: int,
    chat_id: int,
    firm: Firm,
    need: NeedIn,
    standards: Standards,
    contact: Contact,
    actor: Actor | None = None,
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> Amendment:
    """Write the firm's new answers onto its open need registered from this chat; the banks
    working on it are told. Refused when the change would take the need out of the match it
    was made from (see the module's docstring)."""
    now = now or utcnow()
    actor = actor or Actor.firm()
    row = lock_need(session, need_id)
    if row.status != NeedStatus.OPEN or row.chat_id != chat_id:
        raise Conflict.of("need_not_amendable", need_id=need_id)
    _check_same_match(row, firm, need, standards, policy)
    values = _answers(firm, need, contact, policy)
    changed = tuple(sorted(k for k, v in values.items() if getattr(row, k) != v))
    for key, value in values.items():
        setattr(row, key, value)
    row.contact_phone_confirmed = contact.phone_confirmed  # goes with the phone: no change
    row.updated_at = now
    session.add(row)
    enterprise = session.get(Enterprise, row.enterprise_id)
    if enterprise is not None and firm.months_operating is not None:
        enterprise.months_operating = firm.months_operating
        session.add(enterprise)
    event_id = record(session, actor=actor, at=now, kind="amended", need_id=row.id,
                      payload={"changed": list(changed)})  # fmt: skip
    told = 0
    if changed:
        live = select(Assignment).where(
            Assignment.need_id == row.id, col(Assignment.status).in_(OPEN_WORK)
        )
        for lead in session.exec(live).all():
            notify_bank(session, lead, event_id, Notice.BANK_AMENDED, now)
            emit_lead(session, EventType.NEED_UPDATED, lead, event_id, now)
            told += 1
    return Amendment(row.id or 0, changed, told)


def _check_same_match(
    row: Need, firm: Firm, need: NeedIn, standards: Standards, policy: Policy
) -> None:
    """Refuse answers that would change what the need was matched from."""
    stored = Firm(EntityType(row.entity_type), existing_credit_yuan=row.existing_credit_yuan)
    differs = {
        "entity": row.entity_type != firm.entity_type.value,
        "place": (row.city, row.county) != (firm.city, firm.county),
        "banks": sorted(row.existing_banks) != sorted(firm.existing_banks),
        "credit": row.existing_credit_yuan != firm.existing_credit_yuan,
        "standards": bool(standards.failed())
        or any(not row.standards.get(s.value, True) for s in Standard),
        "bank_limit": bank_limit(stored, need, policy) != row.bank_limit,
    }
    which = [key for key, changed in differs.items() if changed]
    if which:
        what = tuple(Text.of(f"amend.what.{key}") for key in which)
        raise Conflict.of("amend_changes_match", field=which[0], what=what)


def _answers(firm: Firm, need: NeedIn, contact: Contact, policy: Policy) -> dict[str, Any]:
    """The need's columns an update writes."""
    return {
        "amount_yuan": need.amount_yuan,
        "purpose": need.purpose.value,
        "term_months": need.term_months,
        "collateral": sorted(need.collateral),
        "products": list(need.products),
        "tier": credit_tier(need.amount_yuan, policy).value,
        "industry": firm.industry,
        "tags": sorted(firm.tags),
        "contact_name": contact.name.strip(),
        "contact_phone": contact.phone,
    }
