"""`register_need`: a firm's need (a `NeedDraft`, from the bot or from staff) stored, matched
and offered, in one transaction; it returns the `Registration` the caller shows."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, insert, or_, text, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from db.core.errors import InvalidInput
from db.core.unit import Actor, use_case
from db.core.vocabulary import (
    LIVE,
    OPEN_WORK,
    Attention,
    Channel,
    NeedStatus,
    ProblemKind,
    QrKind,
)
from db.intake.catalog_store import load_catalog
from db.intake.holdings import held_products
from db.leads.assignments import offer_to
from db.leads.mechanics import firm_banks, lock_firm_group, lock_need, record
from db.leads.views import Lead, lead_of, leads_of_need
from db.models import (
    Assignment,
    Bank,
    Branch,
    Candidate,
    Enterprise,
    Need,
    Park,
    QrSource,
    utcnow,
)
from db.problems.raising import attention_cause, raise_problem
from db.webhooks.events import EventType, emit
from matching.catalog import Catalog
from matching.catalog import Park as CatalogPark
from matching.engine import firm_park, match
from matching.model import BankChoice, Firm, MatchResult, Route, Standard
from matching.names import core_name
from matching.policy import DEFAULT_POLICY, Policy
from matching.registration import Contact, NeedDraft, Registration, SourceRef, attention
from matching.rules import existing_banks
from matching.serialize import result_json, text_json

SAME_NAME_WINDOW = timedelta(days=30)
"""A firm registering again under a near-identical name in the same county within this time,
with its earlier need still open, is the same firm."""

_MOBILE = re.compile(r"^1[3-9]\d{9}$")

# A registration's queries, built once with their parameters bound at each call: built anew
# every time (columns compared, clauses coerced) they cost a fifth of a registration's CPU, and
# every firm registering through the bot runs them (bench/bot.py).
_SOURCE = select(QrSource).where(QrSource.token == bindparam("token"))
_ACTIVE = select(QrSource.active).where(QrSource.id == bindparam("id"))
_BY_USCC = (
    select(Enterprise)
    .where(Enterprise.uscc == bindparam("uscc"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_PARK_ID = select(Park.id).where(Park.code == bindparam("code"))
_OPEN_NEEDS = select(Need).where(Need.status == NeedStatus.OPEN).order_by(col(Need.id).desc())
_OPEN_NEED_OF_FIRM = _OPEN_NEEDS.where(Need.enterprise_id == bindparam("firm")).limit(1)
_OPEN_NEEDS_BY_NAME = _OPEN_NEEDS.join(
    Enterprise, col(Enterprise.id) == col(Need.enterprise_id)
).where(
    Enterprise.name_key == bindparam("name_key"),
    Enterprise.county == bindparam("county"),
    col(Need.created_at) >= bindparam("since"),
    Enterprise.id != bindparam("not_firm"),  # 0 (no row has it) when the firm is not known
)
_LOADS = (
    select(Bank.code, func.count())
    .join(Assignment, col(Assignment.bank_id) == col(Bank.id))
    .where(col(Assignment.status).in_(OPEN_WORK))
    .group_by(col(Bank.code))
)
_BANK_IDS = select(Bank.code, Bank.id).where(col(Bank.code).in_(bindparam("codes", expanding=True)))
_BRANCH_IDS = select(Branch.code, Branch.id).where(
    col(Branch.code).in_(bindparam("codes", expanding=True))
)
_CANDIDATES = insert(Candidate)


@use_case
def register_need(
    session: Session,
    *,
    draft: NeedDraft,
    chat_id: int | None = None,
    language: str = "zh",
    channel: Channel = Channel.BOT,
    actor: Actor | None = None,
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
    second: bool = False,
) -> Registration:
    """Store the firm and its need, match it, and offer it to the best-ranked banks (up to
    `policy.offer_count`, never beyond the bank limit); the rest of the slots stay open to claim.
    A firm with a live need already gets that need back, marked `duplicate`, unless it says
    this is a `second` need: that is matched afresh, the banks on the first counting against
    its limit."""
    now = now or utcnow()
    actor = actor or Actor.firm()
    _check(draft.firm, draft.contact)
    catalog = load_catalog(session)
    offline = channel is Channel.OFFLINE
    source = _source(session, draft.source, given=offline)
    firm = _placed(draft.firm, source, catalog, given=offline)
    name_key = core_name(firm.name) if firm.name.strip() else ""
    serialize_firm(session, uscc=firm.uscc, name_key=name_key, county=firm.county)
    known = _by_uscc(session, firm.uscc)
    group = _firm_group(session, known, firm, name_key)
    if group is not None:  # its needs wait for this one, and this one for them
        lock_firm_group(session, group)
    earlier = _live_need(session, known, firm, name_key, now)
    if earlier is not None:
        earlier = lock_need(session, earlier.id or 0)
        if not _in_hand(session, earlier):
            earlier.status, earlier.updated_at = NeedStatus.SUPERSEDED, now  # it went nowhere
            session.add(earlier)
            record(session, actor=actor, at=now, kind="superseded", need_id=earlier.id)
        elif not second:
            return _duplicate(session, earlier, actor, now)
    enterprise = _save_enterprise(session, known, firm, name_key, catalog, now)
    result = match(
        firm,
        draft.need,
        catalog,
        policy,
        standards=draft.standards,
        loads=_loads(session),
        live_banks=_banks_in_group(session, group),
        held_products=held_products(session, enterprise),
    )
    row = _store_need(
        session,
        enterprise,
        replace(draft, firm=firm),
        result,
        now,
        group=(enterprise.id or 0) if group is None else group,
        declared=existing_banks(firm, catalog).count,
        chat_id=chat_id,
        language=language,
        source=source,
        channel=channel,
    )
    payload = {"route": result.route.value, "channel": channel.value, "tier": result.tier.value}
    event_id = record(
        session, actor=actor, at=now, kind="registered", need_id=row.id, payload=payload
    )
    if row.attention:
        kind, cause = ProblemKind(row.attention), attention_cause(row.attention, row.standards)
        raise_problem(session, kind=kind, cause=cause, need=row, now=now)
    queue = _candidates_of(result)
    fits = _store_candidates(session, row, queue, firm, catalog)
    offers = _make_offers(session, row, fits, result, policy, now)
    if result.route is Route.ASSIGN:
        _tell_pool(session, row, fits, offers, event_id, now)
    noted = Attention(row.attention) if row.attention else None
    return Registration(row.id or 0, False, result.route, noted, offers, result)


def _tell_pool(
    session: Session,
    row: Need,
    fits: list[_Fit],
    offers: tuple[Lead, ...],
    event_id: int,
    now: datetime,
) -> None:
    """`pool.opened` to the eligible banks the need was not offered to, while it has a slot free
    for them (a bank already lending to the firm takes none)."""
    offered = {lead.bank_code for lead in offers}
    serving = firm_banks(session, row)
    banks = [
        f.id for f in fits if f.code not in offered and serving.may_take(f.id, declared=f.existing)
    ]
    emit(session, EventType.POOL_OPENED, bank_ids=banks, event_id=event_id, now=now,
         need_id=row.id)  # fmt: skip


def _check(firm: Firm, contact: Contact | None) -> None:
    if not firm.name.strip() and not firm.uscc:
        raise InvalidInput.of("name_or_uscc", field="firm.name")
    if len(firm.name) > 200:
        raise InvalidInput.of("too_long", field="firm.name", limit=200)
    if contact is not None:
        if not contact.name.strip() or len(contact.name) > 100:
            raise InvalidInput.of("contact_name", field="contact.name")
        if not _MOBILE.match(contact.phone):
            raise InvalidInput.of("contact_phone", field="contact.phone")


def _source(session: Session, source: SourceRef | str | None, *, given: bool) -> SourceRef | None:
    """The QR source a need is counted for, if still active: one scanned (found at `/start`, so
    only its state is read again) or a token. A scanned code that is unknown or inactive
    attributes nothing; one `given` by staff registering in person is refused, as a typo would
    be."""
    if not source:
        return None
    if isinstance(source, SourceRef):
        active = session.exec(_ACTIVE, params={"id": source.id}).first()
        found, token = (source if active else None), source.token
        known = active is not None
    else:
        row = session.exec(_SOURCE, params={"token": source}).first()
        found, token, known = (_ref(row) if row and row.active else None), source, row is not None
    if found is not None or not given:
        return found
    raise InvalidInput.of(
        "inactive_qr_token" if known else "unknown_qr_token", field="source", token=token
    )


def _ref(row: QrSource) -> SourceRef:
    return SourceRef(row.id or 0, row.token, row.kind, row.target, row.label)


def _placed(firm: Firm, source: SourceRef | None, catalog: Catalog, *, given: bool) -> Firm:
    """The firm with the park it is counted in. A park it names must be where it is. A park's QR
    code gives its park (and so its partner banks) only to a firm there: one that scanned it but
    lies elsewhere is still counted in the code's funnel, never in the park's figures. Staff
    registering in person (`given`) are refused a code whose park is not the firm's."""
    if firm.park and firm_park(firm, catalog)[0] is None:
        park = catalog.park(firm.park)
        if park is None:
            raise InvalidInput.of("unknown_park", field="firm.park", park=firm.park)
        raise InvalidInput.of("park_elsewhere", field="firm.park", **_places(park, firm))
    if source is None or source.kind != QrKind.PARK:
        return firm
    mine = catalog.park(firm.park) if firm.park else None
    if mine is not None and mine.code != source.target and given:
        raise InvalidInput.of(
            "source_other_park", field="source", label=source.label, park=mine.name
        )
    placed = replace(firm, park=source.target) if mine is None else firm
    if firm_park(placed, catalog)[0] is not None:
        return placed
    park = catalog.park(source.target)
    if given and park is not None:
        raise InvalidInput.of(
            "source_park_elsewhere", field="source", label=source.label, **_places(park, firm)
        )
    return firm


def _places(park: CatalogPark, firm: Firm) -> dict[str, str]:
    """The text parameters of a park that is not where the firm is."""
    place = firm.county or firm.city
    return {"park": park.name, "county": park.county or park.city, "place": place}


def serialize_firm(session: Session, *, uscc: str | None, name_key: str, county: str) -> None:
    """On PostgreSQL, registrations and withdrawals of the same firm (by USCC, by name and county)
    wait for each other, so two at once cannot both miss the other; always in this order.
    SQLite's write lock serialises them all."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in (uscc or "", f"{name_key}|{county}" if name_key else ""):
        if key:
            lock = text("SELECT pg_advisory_xact_lock(:k)")
            session.execute(lock, {"k": zlib.crc32(key.encode())})


def _by_uscc(session: Session, uscc: str) -> Enterprise | None:
    """The firm already known by this USCC, its row locked."""
    if not uscc:
        return None
    return session.exec(_BY_USCC, params={"uscc": uscc}).first()


def _save_enterprise(
    session: Session,
    known: Enterprise | None,
    firm: Firm,
    name_key: str,
    catalog: Catalog,
    now: datetime,
) -> Enterprise:
    """The firm's row as it registers now: the known one updated, or a new one."""
    values: dict[str, Any] = {
        "name": firm.name.strip(),
        "name_key": name_key,
        "entity_type": firm.entity_type.value,
        "city": firm.city,
        "county": firm.county,
        "park_id": _park_id(session, firm, catalog),
        "industry": firm.industry,
        "tags": sorted(firm.tags),
        "months_operating": firm.months_operating,
        "updated_at": now,
        "erased_at": None,
    }
    if known is None:  # registrations of one USCC are serialised, so this insert cannot race
        known = Enterprise(uscc=firm.uscc or None, created_at=now, **values)
    else:
        for key, value in values.items():
            setattr(known, key, value)
    session.add(known)
    session.flush()
    return known


def _park_id(session: Session, firm: Firm, catalog: Catalog) -> int | None:
    park = catalog.park(firm.park)
    if park is None:
        return None
    return session.exec(_PARK_ID, params={"code": park.code}).first()


def _live_need(
    session: Session, known: Enterprise | None, firm: Firm, name_key: str, now: datetime
) -> Need | None:
    """The firm's need still open: by the same USCC, or by a near-identical name (same core) in
    the same county registered within the last 30 days."""
    if known is not None:
        found = session.exec(_OPEN_NEED_OF_FIRM, params={"firm": known.id}).first()
        if found is not None:
            return found
    if not name_key:
        return None
    same_name = {
        "name_key": name_key,
        "county": firm.county,
        "since": now - SAME_NAME_WINDOW,
        "not_firm": known.id if known is not None else 0,
    }
    for candidate in session.exec(_OPEN_NEEDS_BY_NAME, params=same_name).all():
        other = session.get(Enterprise, candidate.enterprise_id)
        if other is not None and (not other.uscc or not firm.uscc):  # two USCCs: two firms
            return candidate
    return None


def _in_hand(session: Session, need: Need) -> bool:
    """Whether banks still have (or may still take) the need: a firm registering again then
    gets it back. A need sent to credit repair or the coordination list, or one every eligible
    bank let go, would otherwise block the firm for good."""
    if need.route == Route.ASSIGN and need.attention != Attention.BANKS_EXHAUSTED:
        return True
    live = select(Assignment.id).where(
        Assignment.need_id == need.id, col(Assignment.status).in_(LIVE)
    )
    return session.exec(live).first() is not None


def _duplicate(session: Session, need: Need, actor: Actor, now: datetime) -> Registration:
    record(session, actor=actor, at=now, kind="registered_again", need_id=need.id)
    attention = Attention(need.attention) if need.attention else None
    offers = leads_of_need(session, need.id or 0)
    return Registration(need.id or 0, True, Route(need.route), attention, offers, None)


def _candidates_of(result: MatchResult) -> tuple[BankChoice, ...]:
    """The banks offers and claims may draw on: the whole queue; failing the standards, none.
    At the limit, the firm's own banks first (only they are offered it), then the queue's, which
    only a coordinator may send it to, approving one bank past the limit (001 §七 审慎介入)."""
    if result.route is Route.ASSIGN:
        return result.queue
    if result.route is not Route.EXISTING_BANKS_ONLY:
        return result.banks
    own = {b.bank_code for b in result.banks}
    return (*result.banks, *(q for q in result.queue if q.bank_code not in own))


def _loads(session: Session) -> dict[str, int]:
    """Open leads per bank code, so ties go to the bank with the fewest."""
    return {code: int(n) for code, n in session.exec(_LOADS).all()}


def _banks_in_group(session: Session, group: int | None) -> frozenset[str]:
    """Banks still serving the firm through its earlier needs (they count against the limit):
    those holding a live lead on a need of the group the new need joins, the banks the limit's
    enforcement (`bank_limit.firm_banks`) counts too. None for a firm new here (no group)."""
    if group is None:
        return frozenset()
    return frozenset(session.exec(_GROUP_BANKS, params={"group": group}).all())


def _firm_group(
    session: Session, known: Enterprise | None, firm: Firm, name_key: str
) -> int | None:
    """The group (`Need.firm_group`) of the firm's earlier needs: the new need joins it, so that
    the firm's limit counts the banks on all its needs. None for a firm new here."""
    uscc = firm.uscc or None
    params = {"firm": known.id if known is not None else 0, "name_key": name_key,
              "county": firm.county, "uscc": uscc}  # fmt: skip
    return session.exec(_GROUP[_shape(name_key, uscc)], params=params).first()


def _shape(name_key: str, uscc: str | None) -> str:
    return "no name" if not name_key else "uscc" if uscc else "name only"


def _same_firm(shape: str) -> ColumnElement[bool]:
    """Enterprise rows of the firm registering (parameters `firm`, `name_key`, `county`,
    `uscc`) when it has no name core, a name core and a USCC, or a name core only."""
    same_firm: ColumnElement[bool] = col(Enterprise.id) == bindparam("firm")
    if shape != "no name":
        other_uscc: ColumnElement[bool] = col(Enterprise.uscc).is_(None)
        if shape == "uscc":
            other_uscc = or_(other_uscc, col(Enterprise.uscc) == bindparam("uscc"))
        same_name = and_(
            col(Enterprise.name_key) == bindparam("name_key"),
            col(Enterprise.county) == bindparam("county"),
            other_uscc if shape == "uscc" else true(),
        )
        same_firm = or_(same_firm, same_name)
    return same_firm


_SHAPES = ("no name", "uscc", "name only")
_GROUP_BANKS = (
    select(Bank.code)
    .join(Assignment, col(Assignment.bank_id) == col(Bank.id))
    .join(Need, col(Need.id) == col(Assignment.need_id))
    .where(col(Need.firm_group) == bindparam("group"), col(Assignment.status).in_(LIVE))
    .distinct()
)


def _no_other_uscc() -> ColumnElement[bool]:
    """The candidate need's group holds no firm of another USCC: a row found by name alone
    may be either of two firms of one name core, and must not join their groups."""
    member, row = aliased(Need), aliased(Enterprise)
    other = (
        select(col(member.id))
        .join(row, col(row.id) == col(member.enterprise_id))
        .where(
            col(member.firm_group) == col(Need.firm_group),
            col(row.uscc).is_not(None),
            col(row.uscc) != bindparam("uscc"),
        )
    )
    return ~other.exists()


_GROUP = {
    shape: select(func.min(Need.firm_group))
    .join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
    .where(_same_firm(shape), *([_no_other_uscc()] if shape == "uscc" else []))
    for shape in _SHAPES
}


def _store_need(
    session: Session,
    enterprise: Enterprise,
    draft: NeedDraft,
    result: MatchResult,
    now: datetime,
    *,
    chat_id: int | None,
    language: str,
    source: SourceRef | None,
    channel: Channel,
    group: int,
    declared: int,
) -> Need:
    """The need's row, as the (placed) draft and its match make it: in the firm's `group`,
    with the number of banks it `declared` lending (the banks on its other needs are counted
    live, `db/leads/bank_limit.py`)."""
    firm, need, standards, contact = draft.firm, draft.need, draft.standards, draft.contact
    noted = attention(result, standards)
    row = Need(
        enterprise_id=enterprise.id or 0,
        firm_group=group,
        status=NeedStatus.OPEN,
        channel=channel,
        source_id=source.id if source else None,
        chat_id=chat_id,
        language=language,
        contact_name=contact.name.strip() if contact else None,
        contact_phone=contact.phone if contact else None,
        contact_phone_confirmed=contact.phone_confirmed if contact else False,
        entity_type=firm.entity_type.value,
        city=firm.city,
        county=firm.county,
        park_id=enterprise.park_id,
        industry=firm.industry,
        tags=sorted(firm.tags),
        existing_banks=list(firm.existing_banks),
        existing_bank_codes=list(result.existing_bank_codes),
        banks_existing=declared,
        existing_credit_yuan=firm.existing_credit_yuan,
        first_loan=result.first_loan,
        amount_yuan=need.amount_yuan,
        purpose=need.purpose.value,
        term_months=need.term_months,
        collateral=sorted(need.collateral),
        products=list(need.products),
        standards={s.value: getattr(standards, s.value) for s in Standard},
        tier=result.tier.value,
        bank_limit=result.bank_limit,
        route=result.route.value,
        outcome=result_json(result),
        attention=noted,
        attention_at=now if noted else None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class _Fit:
    """A bank of the queue and its fit for the need, as just stored (a `BankFit`): what an
    offer needs, without reading the rows back."""

    id: int  # the bank's
    code: str
    name: str
    branch_id: int | None
    existing: bool


def _store_candidates(
    session: Session, row: Need, queue: tuple[BankChoice, ...], firm: Firm, catalog: Catalog
) -> list[_Fit]:
    """The banks, best first, that offers and claims may draw on for this need (one INSERT of
    many rows), and their fits."""
    if not queue:
        return []
    branches = [catalog.branch_for(c.bank_code, firm.city, firm.county) for c in queue]
    codes = sorted({c.bank_code for c in queue})
    bank_ids = dict(session.exec(_BANK_IDS, params={"codes": codes}).all())
    branch_codes = sorted({b.code for b in branches if b is not None})
    branch_ids = dict(session.exec(_BRANCH_IDS, params={"codes": branch_codes}).all())
    fits = [
        _Fit(
            bank_ids[choice.bank_code] or 0,
            choice.bank_code,
            choice.bank,
            branch_ids.get(branch.code) if branch else None,
            choice.existing,
        )
        for choice, branch in zip(queue, branches, strict=True)
    ]
    rows = [
        {
            "need_id": row.id or 0,
            "bank_id": fit.id,
            "rank": rank,
            "branch_id": fit.branch_id,
            "existing": fit.existing,
            "products": list(choice.products),
            "reasons": [text_json(r) for r in choice.reasons],
        }
        for rank, (choice, fit) in enumerate(zip(queue, fits, strict=True))
    ]
    session.execute(_CANDIDATES, rows)
    return fits


def _make_offers(
    session: Session,
    row: Need,
    fits: list[_Fit],
    result: MatchResult,
    policy: Policy,
    now: datetime,
) -> tuple[Lead, ...]:
    """Offer the need to the first `offer_count` banks of the match (the bot tells the firm);
    the leads made, in order."""
    system = Actor.system()
    chosen = {b.bank_code for b in result.banks}
    offers = []
    for fit in fits[: policy.offer_count]:
        if fit.code not in chosen:  # only banks the match picked within the limit
            break
        new = offer_to(
            session, row, fit, fit, now=now, actor=system, policy=policy, tell_firm=False
        )
        offers.append(lead_of(new, fit))
    return tuple(offers)
