"""The API's contract: what bank systems and coordinators send and get back (`/openapi.json`).

Request bodies forbid unknown fields, so nothing a client may not set (status, bank, limits) can
slip in through a body: such a field is a 422 that names it. Responses are built from the read
models of `db/leads/queries.py`; no personal contact data leaves except `LeadOut.contact`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)
from pydantic_core import PydanticCustomError

from db.core.vocabulary import AssignmentStatus, DeclineReason, FollowUp, QrKind
from db.intake.qr_sources import Funnel, SourceView
from db.intake.register import Registration
from db.leads.queries import (
    FirmView,
    LeadPage,
    LeadRecord,
    NeedFacts,
    NeedLead,
    NeedRecord,
    PoolItem,
    PoolPage,
)
from db.leads.views import Lead
from db.models import MAX_ID
from matching.amounts import DEFAULT_MAX_YUAN
from matching.request import FirmIn, NeedIn, NullsAsAbsent, StandardsIn, no_nul
from matching.serialize import result_json
from matching.workdays import FIRST_YEAR, LAST_YEAR, to_china_time, within_years

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]")


def _text_only(value: object) -> object:
    """A time comes as ISO 8601 text; a number is not taken for a Unix timestamp."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise PydanticCustomError("datetime_type", "give a time as ISO 8601 text with its offset")


_Day = TypeVar("_Day", bound=date)


def _in_years(value: _Day) -> _Day:
    """A day or a time within the years Yinqi takes (`matching.workdays.within_years`)."""
    if not within_years(value.year):
        raise PydanticCustomError(
            "year_range",
            "the year must be between {first} and {last}",
            {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


IsoTime = Annotated[AwareDatetime, BeforeValidator(_text_only), AfterValidator(_in_years)]
"""A moment with its offset, as ISO 8601 text (`2026-11-23T10:00:00+08:00`)."""

ChinaTime = Annotated[datetime, AfterValidator(to_china_time)]
"""A moment in an answer, in China time (`2026-11-24T17:30:00+08:00`): the offset the
managers and coordinators reading it live by, not UTC's `Z`."""

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day_only(value: object) -> object:
    """A day comes as ISO 8601 text (2026-11-23); a number is not taken for a timestamp."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.match(value)):
        return value
    raise PydanticCustomError("date_type", "give a day as ISO 8601 text: 2026-11-23")


IsoDate = Annotated[date, BeforeValidator(_day_only), AfterValidator(_in_years)]
"""A day, as ISO 8601 text (`2026-11-23`)."""


class _In(NullsAsAbsent):
    model_config = ConfigDict(extra="forbid")

    _no_nul = field_validator("*", mode="before")(no_nul)


# --- errors ---


class ErrorBody(BaseModel):
    code: str = Field(examples=["limit_reached"], description="machine-readable, stable")
    message: str = Field(description="for people, in the language of `Accept-Language` (zh, en)")
    field: str | None = Field(None, examples=["reason_code"], description="the field at fault")


class ErrorOut(BaseModel):
    error: ErrorBody


# --- pieces ---


class Bilingual(BaseModel):
    zh: str
    en: str


class BankRef(BaseModel):
    code: str = Field(examples=["sxbank"])
    name: str = Field(examples=["绍兴银行"])


class ManagerRef(BaseModel):
    id: int
    name: str


class ParkRef(BaseModel):
    code: str = Field(examples=["xc-hitech"])
    name: str = Field(examples=["新昌高新技术产业园小微企业园"])

    @classmethod
    def of(cls, firm: FirmView) -> ParkRef | None:
        found = cls.data(firm)
        return None if found is None else cls.model_validate(found)

    @staticmethod
    def data(firm: FirmView) -> dict[str, Any] | None:
        return {"code": firm.park_code, "name": firm.park_name or ""} if firm.park_code else None


class Deadlines(BaseModel):
    """The "135" clocks on working days (002): accept in 1, contact in 3; decide in a month."""

    accept_by: ChinaTime
    contact_by: ChinaTime
    decide_by: ChinaTime
    estimated: bool = Field(
        description="a counted day fell in a year whose holiday calendar is not yet known, so "
        "Monday to Friday were counted"
    )

    @classmethod
    def of(cls, lead: LeadRecord | NeedLead | Lead) -> Deadlines:
        return cls.model_validate(cls.data(lead))

    @staticmethod
    def data(lead: LeadRecord | NeedLead | Lead) -> dict[str, Any]:
        return {
            "accept_by": to_china_time(lead.accept_by),
            "contact_by": to_china_time(lead.contact_by),
            "decide_by": to_china_time(lead.decide_by),
            "estimated": lead.deadlines_estimated,
        }


Overdue = Literal["accept", "contact", "decide"]


class FirmOut(BaseModel):
    name: str | None = Field(
        examples=["浙江蓝宇新材料有限公司"], description="null once the firm withdrew its consent"
    )
    entity_type: str = Field(examples=["enterprise"])
    city: str = Field(examples=["绍兴"])
    county: str = Field(examples=["新昌县"])
    park: ParkRef | None
    industry: str = Field(examples=["新材料"])
    tags: list[str] = Field(examples=[["tech_sme"]])
    first_loan: bool = Field(description="首贷户: the firm has never had a bank loan")

    @classmethod
    def of(cls, firm: FirmView) -> FirmOut:
        return cls.model_validate(cls.data(firm))

    @staticmethod
    def data(firm: FirmView) -> dict[str, Any]:
        return {
            "name": firm.name,
            "entity_type": firm.entity_type,
            "city": firm.city,
            "county": firm.county,
            "park": ParkRef.data(firm),
            "industry": firm.industry,
            "tags": firm.tags,
            "first_loan": firm.first_loan,
        }


class NeedFactsOut(BaseModel):
    amount_yuan: int = Field(examples=[3_000_000])
    tier: str = Field(examples=["500k_5m"], description="credit-scale tier (000 §四)")
    purpose: str = Field(examples=["working_capital"])
    term_months: int = Field(examples=[12])
    collateral: list[str] = Field(examples=[["none"]])

    @classmethod
    def of(cls, facts: NeedFacts) -> NeedFactsOut:
        return cls.model_validate(cls.data(facts))

    @staticmethod
    def data(facts: NeedFacts) -> dict[str, Any]:
        return {
            "amount_yuan": facts.amount_yuan,
            "tier": facts.tier,
            "purpose": facts.purpose,
            "term_months": facts.term_months,
            "collateral": facts.collateral,
        }


class GuaranteeOut(BaseModel):
    name: str = Field(examples=["科创专项保"])
    code: str | None
    guarantor: str
    fee_rate_pct: float = Field(examples=[0.3])
    reasons: list[Bilingual]


class MatchOut(BaseModel):
    """Why the bank got this need: the matcher's reasons, its fitting products, and the
    government guarantee products that cover the need."""

    reasons: list[Bilingual]
    products: list[str] = Field(examples=[["科技贷"]])
    guarantees: list[GuaranteeOut]


class ContactOut(BaseModel):
    name: str = Field(examples=["王丽"])
    phone: str = Field(examples=["13857512345"])


# --- leads ---


class LeadOut(BaseModel):
    """A lead: one need in the hands of one bank."""

    id: int
    need_id: int
    status: AssignmentStatus
    bank: BankRef
    manager: ManagerRef | None = Field(description="null: the bank's admins hold it")
    claimed: bool = Field(description="the bank took it from the pool")
    existing_bank: bool = Field(description="the bank already lends to the firm")
    deadlines: Deadlines
    overdue: list[Overdue] = Field(
        examples=[["contact"]],
        description='the "135" deadlines passed: accept while offered; contact (until a call or '
        "visit) and decide (until credit or a decline) once accepted",
    )
    firm: FirmOut
    need: NeedFactsOut
    match: MatchOut
    contact: ContactOut | None = Field(
        description="the firm's contact: only once the bank accepted the lead, while it is live"
    )
    source: str | None = Field(examples=["新昌高新园 贷款码"], description="the QR code's label")
    created_at: ChinaTime
    updated_at: ChinaTime

    @classmethod
    def of(cls, lead: LeadRecord) -> LeadOut:
        return cls.model_validate(cls.data(lead))

    @staticmethod
    def data(lead: LeadRecord) -> dict[str, Any]:
        """The lead as plain values, validated in one go by whoever holds them: one call into
        pydantic's core for a whole page rather than one per nested model."""
        return {
            "id": lead.id,
            "need_id": lead.need_id,
            "status": lead.status,
            "bank": {"code": lead.bank_code, "name": lead.bank_name},
            "manager": (
                {"id": lead.manager_id, "name": lead.manager_name or ""}
                if lead.manager_id is not None
                else None
            ),
            "claimed": lead.claimed,
            "existing_bank": lead.existing_bank,
            "deadlines": Deadlines.data(lead),
            "overdue": lead.overdue,
            "firm": FirmOut.data(lead.firm),
            "need": NeedFactsOut.data(lead.need),
            "match": {
                "reasons": lead.reasons,
                "products": lead.products,
                "guarantees": lead.guarantees,
            },
            "contact": (
                {"name": lead.contact.name, "phone": lead.contact.phone} if lead.contact else None
            ),
            "source": lead.source,
            "created_at": to_china_time(lead.created_at),
            "updated_at": to_china_time(lead.updated_at),
        }


class LeadPageOut(BaseModel):
    items: list[LeadOut]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )

    @classmethod
    def of(cls, page: LeadPage) -> LeadPageOut:
        return cls.model_validate(cls.data(page))

    @staticmethod
    def data(page: LeadPage) -> dict[str, Any]:
        return {"items": [LeadOut.data(i) for i in page.items], "next_cursor": page.next_cursor}


class DeclineIn(_In):
    """Why the bank gives the lead up (000 §一): the firm's own reasons, the bank's service, or
    other. The need goes on to the next eligible bank."""

    reason_code: DeclineReason = Field(examples=["firm_reason"])
    detail: str = Field("", max_length=500, examples=["企业暂无资金需求"])


class FollowUpIn(_In):
    """What the manager did. `visited` says whether the visit was effective (有效走访);
    `credit_granted` and `loan_issued` carry the amount."""

    type: FollowUp = Field(examples=["visited"])
    at: IsoTime | None = Field(
        None, examples=["2026-11-23T10:00:00+08:00"], description="when; default now"
    )
    effective: bool | None = Field(None, examples=[True])
    amount_yuan: int | None = Field(None, gt=0, le=DEFAULT_MAX_YUAN, examples=[2_000_000])
    rate_pct: Decimal | None = Field(None, gt=0, lt=100, examples=["3.45"])
    product: str | None = Field(None, max_length=100, examples=["科技贷"])
    note: str = Field("", max_length=500, examples=["已到企业实地走访，负责人在"])


class ReassignIn(_In):
    manager: int = Field(
        ge=1, le=MAX_ID, description="the staff id of an active manager of the same bank"
    )


# --- the pool ---


class PoolItemOut(BaseModel):
    """An open need the caller's bank may take: no name, no USCC, no contact."""

    need_id: int
    created_at: ChinaTime
    entity_type: str
    city: str
    county: str
    park: ParkRef | None
    industry: str
    tags: list[str]
    first_loan: bool
    need: NeedFactsOut
    existing_bank: bool = Field(description="the bank already lends to the firm (takes no slot)")
    bank_limit: int | None = Field(description="3 or 2 banks (001 §七); null above the 10M line")
    slots_left: int | None
    match: MatchOut

    @classmethod
    def of(cls, item: PoolItem) -> PoolItemOut:
        firm = item.firm
        return cls(
            need_id=item.need_id,
            created_at=item.created_at,
            entity_type=firm.entity_type,
            city=firm.city,
            county=firm.county,
            park=ParkRef.of(firm),
            industry=firm.industry,
            tags=list(firm.tags),
            first_loan=firm.first_loan,
            need=NeedFactsOut.of(item.need),
            existing_bank=item.existing_bank,
            bank_limit=item.bank_limit,
            slots_left=item.slots_left,
            match=MatchOut(
                reasons=[Bilingual(**r) for r in item.reasons],
                products=list(item.products),
                guarantees=[GuaranteeOut(**g) for g in item.guarantees],
            ),
        )


class PoolPageOut(BaseModel):
    items: list[PoolItemOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: PoolPage) -> PoolPageOut:
        return cls(items=[PoolItemOut.of(i) for i in page.items], next_cursor=page.next_cursor)


# --- needs registered by the coordination team ---


class ContactIn(_In):
    name: str = Field(min_length=1, max_length=100, examples=["王丽"])
    phone: str = Field(min_length=11, max_length=11, examples=["13857512345"])


class NeedRegistrationIn(_In):
    """A firm met in person (a park visit, a matching event): the same firm / need / standards
    as `yinqi match`, with who the banks should call and, optionally, the QR code it came by."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "firm": {
                        "entity_type": "enterprise",
                        "name": "浙江麦格智芯科技有限公司",
                        "city": "绍兴",
                        "county": "新昌",
                        "park": "新昌高新技术产业园小微企业园",
                        "industry": "集成电路设计",
                        "tags": ["tech_sme"],
                    },
                    "need": {"amount": "500万", "purpose": "working_capital", "term_months": 12},
                    "standards": {
                        "compliant_operation": True,
                        "fixed_premises": True,
                        "real_need": True,
                        "good_credit": True,
                        "lawful_purpose": True,
                    },
                    "contact": {"name": "王丽", "phone": "13857512345"},
                }
            ]
        },
    )

    firm: FirmIn
    need: NeedIn
    standards: StandardsIn
    contact: ContactIn
    source: str | None = Field(None, max_length=64, description="a loan QR code's token")


class OfferOut(BaseModel):
    lead_id: int
    bank: BankRef
    status: AssignmentStatus
    existing_bank: bool
    deadlines: Deadlines


class RegistrationOut(BaseModel):
    need_id: int
    duplicate: bool = Field(description="the firm already had a live need: that one is returned")
    route: str = Field(examples=["assign"])
    attention: str | None = Field(description="why the coordination team should look at it")
    offers: list[OfferOut]
    result: dict[str, Any] | None = Field(
        description="the match, as `yinqi match` prints it; null for a duplicate"
    )

    @classmethod
    def of(cls, reg: Registration) -> RegistrationOut:
        return cls(
            need_id=reg.need_id,
            duplicate=reg.duplicate,
            route=reg.route.value,
            attention=reg.attention.value if reg.attention else None,
            offers=[
                OfferOut(
                    lead_id=o.id,
                    bank=BankRef(code=o.bank_code, name=o.bank),
                    status=o.status,
                    existing_bank=o.existing_bank,
                    deadlines=Deadlines.of(o),
                )
                for o in reg.offers
            ],
            result=result_json(reg.result) if reg.result else None,
        )


class NeedLeadOut(BaseModel):
    id: int
    bank: BankRef
    status: AssignmentStatus
    claimed: bool
    existing_bank: bool
    deadlines: Deadlines
    overdue: list[Overdue]
    decline_reason: str | None


class TimelineOut(BaseModel):
    at: ChinaTime
    kind: str = Field(examples=["accepted"])
    bank: str | None = Field(description="the bank's code, for a lead's events")
    actor_kind: str = Field(examples=["staff"])
    from_status: str | None
    to_status: str | None
    payload: dict[str, Any]


class NeedOut(BaseModel):
    """A need as the coordination team sees it: its route, every bank's lead, its timeline; no
    contact data."""

    id: int
    status: str
    channel: str = Field(examples=["bot"])
    route: str
    attention: str | None
    firm: FirmOut
    need: NeedFactsOut
    bank_limit: int | None
    banks_existing: int
    standards: dict[str, bool]
    outcome: dict[str, Any]
    source: str | None
    leads: list[NeedLeadOut]
    timeline: list[TimelineOut]
    created_at: ChinaTime
    updated_at: ChinaTime

    @classmethod
    def of(cls, need: NeedRecord) -> NeedOut:
        return cls(
            id=need.id,
            status=need.status,
            channel=need.channel,
            route=need.route,
            attention=need.attention,
            firm=FirmOut.of(need.firm),
            need=NeedFactsOut.of(need.need),
            bank_limit=need.bank_limit,
            banks_existing=need.banks_existing,
            standards=need.standards,
            outcome=need.outcome,
            source=need.source,
            leads=[
                NeedLeadOut(
                    id=lead.id,
                    bank=BankRef(code=lead.bank_code, name=lead.bank_name),
                    status=lead.status,
                    claimed=lead.claimed,
                    existing_bank=lead.existing_bank,
                    deadlines=Deadlines.of(lead),
                    overdue=list(lead.overdue),  # type: ignore[arg-type]
                    decline_reason=lead.decline_reason,
                )
                for lead in need.leads
            ],
            timeline=[
                TimelineOut(
                    at=e.at,
                    kind=e.kind,
                    bank=e.bank_code,
                    actor_kind=e.actor_kind,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    payload=e.payload,
                )
                for e in need.timeline
            ],
            created_at=need.created_at,
            updated_at=need.updated_at,
        )


# --- loan QR codes ---


class QrIn(_In):
    kind: QrKind = Field(examples=["park"])
    target: str = Field(
        min_length=1,
        max_length=100,
        examples=["xc-hitech"],
        description="a park or branch code, a manager's staff id, a campaign or event name",
    )
    label: str = Field(min_length=1, max_length=200, examples=["新昌高新园 贷款码"])
    token: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="the token to use (default: a new random one)",
    )


class FunnelOut(BaseModel):
    """How far the firms of one code got: scanned → consented → submitted → offered →
    accepted → credit granted."""

    scanned: int
    consented: int
    submitted: int
    offered: int
    accepted: int
    credit_granted: int

    @classmethod
    def of(cls, funnel: Funnel) -> FunnelOut:
        return cls(
            scanned=funnel.scanned,
            consented=funnel.consented,
            submitted=funnel.submitted,
            offered=funnel.offered,
            accepted=funnel.accepted,
            credit_granted=funnel.credit_granted,
        )


class QrOut(BaseModel):
    token: str
    kind: QrKind
    target: str
    label: str
    active: bool
    link: str = Field(examples=["https://t.me/YinqiLoanBot?start=pk-xc-hitech-7Hq2"])
    created_at: ChinaTime
    funnel: FunnelOut

    @classmethod
    def of(cls, source: SourceView, link: str) -> QrOut:
        return cls(
            token=source.token,
            kind=source.kind,
            target=source.target,
            label=source.label,
            active=source.active,
            link=link,
            created_at=source.created_at,
            funnel=FunnelOut.of(source.funnel or Funnel()),
        )


class QrListOut(BaseModel):
    items: list[QrOut]
