"""What bank staff and coordinators read: leads, the open pool, needs, each limited by who asks.

Reads only; the use cases (`db/leads/assignments.py`, `db/intake/register.py`) make the changes.
Visibility is part of every query, never a filter applied afterwards: a manager sees the leads
assigned to them, a bank admin their bank's, an admin everything; a lead or need the caller may not
see is "not found", exactly as one that does not exist. A firm's contact is shown to a bank only
once it has accepted the lead, and never to coordinators."""

from __future__ import annotations

import base64
import binascii
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Final

from sqlalchemy import ColumnElement, Integer, and_, bindparam, func, or_, true
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from db.core.errors import InvalidInput, NotAllowed, NotFound
from db.core.unit import Actor
from db.core.vocabulary import LIVE, ActorKind, AssignmentStatus, NeedStatus, Role
from db.leads.bank_limit import banks_serving, may_take, slots_left, takes_no_slot
from db.leads.views import BankView, LeadDeadlines
from db.models import (
    MAX_ID,
    Assignment,
    Bank,
    Candidate,
    Enterprise,
    Event,
    Need,
    Park,
    QrSource,
    Staff,
)
from db.reports.scope import ReportScope, in_scope
from matching.leads import overdue
from matching.model import Route, Standard
from matching.workdays import to_china_time, within_years

CONTACT_VISIBLE = LIVE - {AssignmentStatus.OFFERED}
"""A bank sees the firm's contact, and what it declared of itself (`ProfileView`), from the
moment it accepts the lead until the lead ends."""

MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class ParkView:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class FirmView:
    name: str | None  # None once the firm has withdrawn and its name is erased
    entity_type: str
    city: str
    county: str
    park: ParkView | None
    industry: str
    tags: tuple[str, ...]
    first_loan: bool


@dataclass(frozen=True, slots=True)
class NeedFacts:
    amount_yuan: int
    tier: str
    purpose: str
    term_months: int
    collateral: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchView:
    """Why a bank fits a need: the matcher's reasons and products, and the guarantees."""

    reasons: tuple[dict[str, str], ...]
    products: tuple[str, ...]
    guarantees: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class ContactView:
    name: str
    phone: str
    phone_confirmed: bool = False  # a code texted to it typed back, or Telegram's own contact


@dataclass(frozen=True, slots=True)
class StandardsView:
    """The firm's answers to the five standards (002)."""

    compliant_operation: bool
    fixed_premises: bool
    real_need: bool
    good_credit: bool
    lawful_purpose: bool


@dataclass(frozen=True, slots=True)
class ProfileView:
    """What the firm declared of itself, for the bank's own checks (its credit-bureau
    pre-check goes by the USCC): shown to a bank with the contact, once it accepted."""

    uscc: str | None
    months_operating: int | None
    existing_banks: tuple[str, ...]  # as the firm typed them
    existing_bank_codes: tuple[str, ...]  # those the catalog knows
    existing_credit_yuan: int
    standards: StandardsView


@dataclass(frozen=True, slots=True)
class ManagerView:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """A lead as its bank sees it, its times in China time: in the shape and order of the API's
    `LeadOut`, so that a page is written to JSON straight from these (`api.routes.shaped`)."""

    id: int
    need_id: int
    status: AssignmentStatus
    bank: BankView
    manager: ManagerView | None
    claimed: bool
    existing_bank: bool
    deadlines: LeadDeadlines
    overdue: tuple[str, ...]
    firm: FirmView
    need: NeedFacts
    match: MatchView
    contact: ContactView | None
    profile: ProfileView | None
    source: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LeadPage:
    items: tuple[LeadRecord, ...]
    next_cursor: str | None
    total: int | None = None  # every lead the filters select, when asked


def _lead_scope(actor: Actor) -> tuple[str, dict[str, Any]]:
    """The leads `actor` may see: which condition on `assignment` (`_SCOPES`), and its values."""
    if actor.kind is ActorKind.SYSTEM or actor.role is Role.ADMIN:
        return "all", {}
    if actor.role is Role.BANK_ADMIN:
        return "bank", {"bank_id": actor.bank_id}
    if actor.role is Role.MANAGER:
        return "manager", {"bank_id": actor.bank_id, "staff_id": actor.staff_id}
    raise NotAllowed.of("bank_staff_only")


_SCOPES: dict[str, ColumnElement[bool]] = {
    "all": true(),
    "bank": col(Assignment.bank_id) == bindparam("bank_id"),
    "manager": and_(
        col(Assignment.bank_id) == bindparam("bank_id"),
        col(Assignment.manager_id) == bindparam("staff_id"),
    ),
}


_Manager = aliased(Staff)

_LEAD_COLUMNS: tuple[Any, ...] = (
    *(
        col(getattr(Assignment, name))
        for name in (
            "id", "need_id", "status", "manager_id", "claimed", "existing_bank", "accept_by",
            "contact_by", "decide_by", "final_by", "deadlines_estimated", "created_at",
            "updated_at",
        )
    ),
    col(Bank.code).label("bank_code"),
    col(Bank.name).label("bank_name"),
    col(_Manager.name).label("manager_name"),
    col(Enterprise.name).label("firm_name"),
    col(Enterprise.erased_at).label("erased_at"),
    col(Enterprise.uscc),
    col(Enterprise.months_operating),
    *(
        col(getattr(Need, name))
        for name in (
            "entity_type", "city", "county", "industry", "tags", "first_loan", "amount_yuan",
            "tier", "purpose", "term_months", "collateral", "contact_name", "contact_phone",
            "existing_banks", "existing_bank_codes", "existing_credit_yuan", "standards",
            "contact_phone_confirmed",
        )
    ),
    col(Need.outcome)["guarantees"].label("guarantees"),
    col(Park.code).label("park_code"),
    col(Park.name).label("park_name"),
    col(Candidate.reasons),
    col(Candidate.products),
    col(QrSource.label).label("source"),
)  # fmt: skip
"""What a lead shows, and nothing more: a need's whole outcome or standards, or a firm's other
fields, would only be decoded to be thrown away (JSON decoding was most of a page's cost). The
rows are plain Core rows: no ORM object is made for a read that only turns them into values."""


_NEWEST_FIRST: Final = (col(Assignment.updated_at).desc(), col(Assignment.id).desc())
"""The leads' order, the page's and its rows': the order a cursor (`updated_at`, `id`) resumes."""


def _lead_query(page: Any) -> Any:
    """The leads whose ids `page` selects, newest change first, each with what it shows. The
    joins start from the page's ids, so the database reads those leads alone (with `id IN
    (page)`, PostgreSQL joined every lead of the tables, then kept the page's)."""
    chosen = page.subquery("page")
    return (
        select(*_LEAD_COLUMNS)
        .select_from(chosen)
        .join(Assignment, col(Assignment.id) == chosen.c.id)
        .join(Need, col(Need.id) == col(Assignment.need_id))
        .join(Bank, col(Bank.id) == col(Assignment.bank_id))
        .join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
        .outerjoin(
            Candidate,
            and_(
                col(Candidate.need_id) == col(Assignment.need_id),
                col(Candidate.bank_id) == col(Assignment.bank_id),
            ),
        )
        .outerjoin(Park, col(Park.id) == col(Need.park_id))
        .outerjoin(QrSource, col(QrSource.id) == col(Need.source_id))
        .outerjoin(_Manager, col(_Manager.id) == col(Assignment.manager_id))
        .order_by(*_NEWEST_FIRST)
    )


def list_leads(
    session: Session,
    *,
    actor: Actor,
    statuses: Sequence[AssignmentStatus] = (),
    updated_since: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
    total: bool = False,
    now: datetime,
) -> LeadPage:
    """The caller's leads, the most recently changed first, a page at a time (keyset: a cursor
    names the last lead seen, so leads changing meanwhile never make a page skip or repeat one
    that did not change). The page's ids are chosen on `assignment` alone, then joined. With
    `total`, also how many leads the filters select on all pages (one count more)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput.of("bad_limit", field="limit", limit=MAX_PAGE)
    scope, filters = _lead_scope(actor)
    if statuses:
        filters["statuses"] = [s.value for s in statuses]
    if updated_since is not None:
        filters["since"] = updated_since
    values: dict[str, Any] = {**filters, "limit": limit + 1}
    if cursor:
        values["at"], values["last_id"] = decode_cursor(cursor)
    shape = (scope, bool(statuses), updated_since is not None)
    rows = session.connection().execute(_page_query(*shape, bool(cursor)), values).all()
    items = tuple(_record(_LeadRow._make(row), actor, now) for row in rows[:limit])
    more = len(rows) > limit
    count = None
    if total:
        count = session.connection().execute(_count_query(*shape), filters).scalar_one()
    return LeadPage(
        items, encode_cursor(items[-1].updated_at, items[-1].id) if more else None, count
    )


def get_lead(session: Session, *, actor: Actor, lead_id: int, now: datetime) -> LeadRecord:
    """One lead the caller may see; another bank's lead is "not found"."""
    scope, values = _lead_scope(actor)
    row = session.connection().execute(_one_query(scope), {**values, "lead_id": lead_id}).first()
    if row is None:
        raise NotFound.of("lead_not_found", lead_id=lead_id)
    return _record(_LeadRow._make(row), actor, now)


def lead_bank(session: Session, *, actor: Actor, lead_id: int) -> int:
    """The bank of a lead the caller may see; another bank's lead is "not found"."""
    scope, values = _lead_scope(actor)
    query = select(Assignment.bank_id).where(col(Assignment.id) == lead_id, _SCOPES[scope])
    bank_id = session.exec(query, params=values).first()
    if bank_id is None:
        raise NotFound.of("lead_not_found", lead_id=lead_id)
    return bank_id


# The statements are built once for each shape and given their values as parameters: building
# one, its cache key, and matching a cached statement's result columns to a new one's cost more
# than SQLite took to run it.


def _selected(what: Any, scope: str, statuses: bool, since: bool) -> Any:
    """`what` of the leads in `scope` (`_SCOPES`), optionally of some statuses, changed since
    a moment: the filters a page and its total share."""
    chosen = select(what).where(_SCOPES[scope])
    if statuses:
        chosen = chosen.where(col(Assignment.status).in_(bindparam("statuses", expanding=True)))
    if since:
        chosen = chosen.where(col(Assignment.updated_at) >= bindparam("since"))
    return chosen


@cache
def _count_query(scope: str, statuses: bool, since: bool) -> Any:
    """How many leads `_selected` selects, on every page."""
    return _selected(func.count(col(Assignment.id)), scope, statuses, since)


@cache
def _page_query(scope: str, statuses: bool, since: bool, after: bool) -> Any:
    """A page of leads in `scope` (`_SCOPES`), optionally of some statuses, changed since a
    moment, after a cursor's lead; newest change first."""
    page = _selected(col(Assignment.id), scope, statuses, since)
    if after:
        at: Any = bindparam("at")
        page = page.where(
            or_(
                col(Assignment.updated_at) < at,
                and_(col(Assignment.updated_at) == at, col(Assignment.id) < bindparam("last_id")),
            )
        )
    page = page.order_by(*_NEWEST_FIRST)
    return _lead_query(page.limit(bindparam("limit", type_=Integer)))


@cache
def _one_query(scope: str) -> Any:
    """The lead `lead_id` if it is in `scope`."""
    mine = select(Assignment.id).where(col(Assignment.id) == bindparam("lead_id"), _SCOPES[scope])
    return _lead_query(mine)


_LeadRow = namedtuple("_LeadRow", select(*_LEAD_COLUMNS).selected_columns.keys())  # type: ignore[misc]
"""A row of the lead query: its values read by name as fast as by place (a Core row's lookup
by name cost as much as the rest of turning it into a lead)."""


def _record(row: Any, actor: Actor, now: datetime) -> LeadRecord:
    """The one bank's view of a lead: what a bank reads (the API, and whatever else tells a
    bank of its leads) is made here, from a row of `_lead_query`."""
    status = AssignmentStatus(row.status)
    disclosed = status in CONTACT_VISIBLE and actor.role is not Role.COORDINATOR
    contact = None
    if disclosed and row.contact_name and row.contact_phone:
        contact = ContactView(
            row.contact_name, row.contact_phone, bool(row.contact_phone_confirmed)
        )
    return LeadRecord(
        id=row.id,
        need_id=row.need_id,
        status=status,
        bank=BankView(row.bank_code, row.bank_name),
        manager=(
            ManagerView(row.manager_id, row.manager_name or "")
            if row.manager_id is not None
            else None
        ),
        claimed=row.claimed,
        existing_bank=row.existing_bank,
        deadlines=LeadDeadlines.of(row),
        overdue=overdue(status, row, now),
        firm=FirmView(
            name=row.firm_name if row.erased_at is None else None,
            entity_type=row.entity_type,
            city=row.city,
            county=row.county,
            park=ParkView(row.park_code, row.park_name or "") if row.park_code else None,
            industry=row.industry,
            tags=tuple(row.tags),
            first_loan=row.first_loan,
        ),
        need=NeedFacts(
            amount_yuan=row.amount_yuan,
            tier=row.tier,
            purpose=row.purpose,
            term_months=row.term_months,
            collateral=tuple(row.collateral),
        ),
        match=MatchView(
            reasons=tuple(row.reasons or ()),
            products=tuple(row.products or ()),
            guarantees=_guarantee_views(row.guarantees),
        ),
        contact=contact,
        profile=_profile(row) if disclosed and row.erased_at is None else None,
        source=row.source,
        created_at=to_china_time(row.created_at),
        updated_at=to_china_time(row.updated_at),
    )


def _profile(row: Any) -> ProfileView:
    answers = row.standards or {}
    return ProfileView(
        uscc=row.uscc or None,
        months_operating=row.months_operating,
        existing_banks=tuple(row.existing_banks or ()),
        existing_bank_codes=tuple(row.existing_bank_codes or ()),
        existing_credit_yuan=row.existing_credit_yuan,
        standards=StandardsView(
            **{s.value: bool(answers.get(s.value)) for s in Standard}
        ),
    )


def _firm(need: Need, enterprise: Enterprise | None, park: Park | None) -> FirmView:
    """The firm as the need recorded it; its name only where `enterprise` is given and kept."""
    named = enterprise is not None and enterprise.erased_at is None
    return FirmView(
        name=enterprise.name if enterprise is not None and named else None,
        entity_type=need.entity_type,
        city=need.city,
        county=need.county,
        park=ParkView(park.code, park.name) if park else None,
        industry=need.industry,
        tags=tuple(need.tags),
        first_loan=need.first_loan,
    )


def _facts(need: Need) -> NeedFacts:
    return NeedFacts(
        amount_yuan=need.amount_yuan,
        tier=need.tier,
        purpose=need.purpose,
        term_months=need.term_months,
        collateral=tuple(need.collateral),
    )


def _guarantees(need: Need) -> tuple[dict[str, Any], ...]:
    """The guarantee products that fit the need, as the matcher found them."""
    return _guarantee_views(need.outcome.get("guarantees"))


def _guarantee_views(found: list[dict[str, Any]] | None) -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "name": g["name"],
            "code": g.get("code"),
            "guarantor": g["guarantor"],
            "fee_rate_pct": g["fee_rate_pct"],
            "reasons": g["reasons"],
        }
        for g in found or ()
    )


def encode_cursor(updated_at: datetime, lead_id: int) -> str:
    return _pack("l", updated_at.astimezone(UTC).isoformat(), str(lead_id))


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (updated_at, id) a cursor from `list_leads` names; anything else is refused."""
    parts = _unpack(cursor, "l")
    if len(parts) != 2:
        raise InvalidInput.of("bad_cursor", field="cursor")
    at, last_id = parts
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise InvalidInput.of("bad_cursor", field="cursor") from None
    if moment.tzinfo is None or not within_years(moment.year):
        raise InvalidInput.of("bad_cursor", field="cursor")
    return moment, _row_id(last_id)


def _row_id(text: str) -> int:
    """The id of the last row a cursor names: ASCII digits of an id a row can have."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise InvalidInput.of("bad_cursor", field="cursor")
    return int(text)


def _pack(tag: str, *parts: str) -> str:
    """An opaque cursor: the tag of the list it pages and the keys of the last row seen."""
    raw = "|".join((tag, *parts))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _unpack(cursor: str, tag: str) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput.of("bad_cursor", field="cursor") from None
    found, *parts = raw.split("|")
    if found != tag or len(parts) < 1:
        raise InvalidInput.of("bad_cursor", field="cursor")
    return parts


# --- the pool: open needs a bank may still take ---


@dataclass(frozen=True, slots=True)
class PoolItem:
    """An open need the caller's bank is eligible for and may take, without who the firm is."""

    need_id: int
    created_at: datetime
    firm: FirmView  # its name left out
    need: NeedFacts
    existing_bank: bool  # the bank lends to the firm, or serves it through another need
    bank_limit: int | None
    slots_left: int | None  # the firm's, on all its needs
    match: MatchView


@dataclass(frozen=True, slots=True)
class PoolPage:
    items: tuple[PoolItem, ...]
    next_cursor: str | None
    total: int | None = None  # every need of the pool, when asked


def open_pool(
    session: Session,
    *,
    actor: Actor,
    limit: int = 50,
    cursor: str | None = None,
    total: bool = False,
    need_id: int | None = None,
) -> PoolPage:
    """Open needs the caller's bank is a candidate for, does not hold and never held, with a
    slot of the firm's free under the 3/2 limit, the banks on its other needs counted (or the
    bank lends to the firm already, or serves it through another need: it takes no slot); newest
    first (`need_id`: that need alone, if it is there). What the bank may take can change at
    any moment: `claim` decides, under the lock. With `total`, also how many there are on all
    pages."""
    if actor.role not in (Role.MANAGER, Role.BANK_ADMIN) or actor.bank_id is None:
        raise NotAllowed.of("bank_staff_only")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput.of("bad_limit", field="limit", limit=MAX_PAGE)
    serving = banks_serving(col(Need.banks_existing), col(Need.id))  # on all the firm's needs
    held = select(Assignment.id).where(
        col(Assignment.need_id) == col(Need.id), col(Assignment.bank_id) == actor.bank_id
    )
    slots = slots_left(col(Need.bank_limit), serving)
    no_slot = takes_no_slot(col(Candidate.existing), col(Need.id), actor.bank_id)
    query = (
        core_select(Need, Candidate, Park, slots, no_slot)  # sqlmodel's types four columns
        .join(Candidate, col(Candidate.need_id) == col(Need.id))
        .outerjoin(Park, col(Park.id) == col(Need.park_id))
        .where(
            col(Candidate.bank_id) == actor.bank_id,
            col(Need.status) == NeedStatus.OPEN,
            col(Need.route) == Route.ASSIGN,
            ~held.exists(),
            may_take(slots, no_slot),
        )
    )
    count = None
    if total:
        count = session.exec(select(func.count()).select_from(query.subquery())).one()
    if cursor:
        query = query.where(col(Need.id) < _pool_cursor(cursor))
    if need_id is not None:
        query = query.where(col(Need.id) == need_id)
    rows = session.execute(query.order_by(col(Need.id).desc()).limit(limit + 1)).all()
    items = tuple(_pool_item(*row) for row in rows[:limit])
    more = len(rows) > limit
    return PoolPage(items, _encode_id(items[-1].need_id) if more else None, count)


def _pool_item(
    need: Need, candidate: Candidate, park: Park | None, slots: int | None, no_slot: bool
) -> PoolItem:
    return PoolItem(
        need_id=need.id or 0,
        created_at=need.created_at,
        firm=_firm(need, None, park),
        need=_facts(need),
        existing_bank=bool(no_slot),
        bank_limit=need.bank_limit,
        slots_left=slots,
        match=MatchView(
            reasons=tuple(candidate.reasons),
            products=tuple(candidate.products),
            guarantees=_guarantees(need),
        ),
    )


def _encode_id(need_id: int) -> str:
    return _pack("n", str(need_id))


def _pool_cursor(cursor: str) -> int:
    parts = _unpack(cursor, "n")
    if len(parts) != 1:
        raise InvalidInput.of("bad_cursor", field="cursor")
    return _row_id(parts[0])


# --- needs, as the coordination team sees them ---


@dataclass(frozen=True, slots=True)
class NeedLead:
    """A lead of a need, as coordinators see it beside the need's other banks' leads."""

    id: int
    bank: BankView
    status: AssignmentStatus
    claimed: bool
    existing_bank: bool
    deadlines: LeadDeadlines
    overdue: tuple[str, ...]
    decline_reason: str | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    bank_code: str | None
    actor_kind: str
    from_status: str | None
    to_status: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NeedRecord:
    """A need with its route, offers and timeline, as coordinators see it (no contact)."""

    id: int
    status: str
    channel: str
    route: str
    attention: str | None
    firm: FirmView
    need: NeedFacts
    bank_limit: int | None
    banks_existing: int
    standards: dict[str, bool]
    outcome: dict[str, Any]
    source: str | None
    leads: tuple[NeedLead, ...]
    timeline: tuple[TimelineEntry, ...]
    created_at: datetime
    updated_at: datetime


def region_scope(actor: Actor, region: str | None) -> ColumnElement[bool]:
    """The needs a coordinator of `region` (a city or a county) sees; an admin sees all."""
    if actor.kind is ActorKind.SYSTEM or actor.role is Role.ADMIN:
        return true()
    if actor.role is not Role.COORDINATOR:
        raise NotAllowed.of("coordinators_and_admins_only")
    if not region:  # a coordinator of nowhere sees nothing, not everything
        raise NotAllowed.of("report_no_region")
    return and_(true(), *in_scope(ReportScope(region=region), leads=False))


def get_need(
    session: Session, *, actor: Actor, region: str | None, need_id: int, now: datetime
) -> NeedRecord:
    """One need, its leads and its timeline; outside the caller's region it is "not found"."""
    query = (
        select(Need, Enterprise, Park, QrSource)
        .join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
        .outerjoin(Park, col(Park.id) == col(Need.park_id))
        .outerjoin(QrSource, col(QrSource.id) == col(Need.source_id))
        .where(col(Need.id) == need_id, region_scope(actor, region))
    )
    row = session.exec(query).first()
    if row is None:
        raise NotFound.of("need_not_found", need_id=need_id)
    need, enterprise, park, source = row
    leads = session.exec(
        select(Assignment, Bank)
        .join(Bank, col(Bank.id) == col(Assignment.bank_id))
        .where(col(Assignment.need_id) == need_id)
        .order_by(col(Assignment.id))
    ).all()
    bank_of = {a.id: b.code for a, b in leads}
    events = session.exec(
        select(Event).where(col(Event.need_id) == need_id).order_by(col(Event.id))
    ).all()
    return NeedRecord(
        id=need.id or 0,
        status=need.status,
        channel=need.channel,
        route=need.route,
        attention=need.attention,
        firm=_firm(need, enterprise, park),
        need=_facts(need),
        bank_limit=need.bank_limit,
        banks_existing=need.banks_existing,
        standards=dict(need.standards),
        outcome={k: need.outcome.get(k) for k in ("banks", "guarantees", "blocked", "notes")},
        source=source.label if source else None,
        leads=tuple(
            NeedLead(
                id=a.id or 0,
                status=AssignmentStatus(a.status),
                bank=BankView(b.code, b.name),
                claimed=a.claimed,
                existing_bank=a.existing_bank,
                deadlines=LeadDeadlines.of(a),
                overdue=overdue(AssignmentStatus(a.status), a, now),
                decline_reason=a.decline_reason,
            )
            for a, b in leads
        ),
        timeline=tuple(
            TimelineEntry(
                at=e.at,
                kind=e.kind,
                bank_code=bank_of.get(e.assignment_id) if e.assignment_id else None,
                actor_kind=e.actor_kind,
                from_status=e.from_status,
                to_status=e.to_status,
                payload=dict(e.payload),
            )
            for e in events
        ),
        created_at=need.created_at,
        updated_at=need.updated_at,
    )


def leads_by_status(session: Session) -> dict[str, int]:
    """How many leads are in each status (for monitoring), every status listed."""
    rows = session.exec(
        select(Assignment.status, func.count()).group_by(col(Assignment.status))
    ).all()
    counts = {status.value: 0 for status in AssignmentStatus}
    counts.update({status: int(n) for status, n in rows})
    return counts
