"""A bank's leads: what a lead shows (firm, need, match, deadlines, overdue clocks, contact once
accepted), its page, and what a manager sends to decline, follow up or reassign it."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from api.schemas.common import (
    BankRef,
    Bilingual,
    BodyIn,
    ChinaTime,
    IsoTime,
    ManagerRef,
    ParkRef,
    ViewOut,
)
from db.core.vocabulary import AssignmentStatus, DeclineReason, FollowUp
from db.models import MAX_ID
from matching.amounts import DEFAULT_MAX_YUAN


class Deadlines(ViewOut):
    """The "135" clocks on working days (002): accept in 1, contact in 3; decide in a month."""

    accept_by: ChinaTime
    contact_by: ChinaTime
    decide_by: ChinaTime
    estimated: bool = Field(
        description="a counted day fell in a year whose holiday calendar is not yet known, so "
        "Monday to Friday were counted"
    )


Overdue = Literal["accept", "contact", "decide"]


class FirmOut(ViewOut):
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


class NeedFactsOut(ViewOut):
    amount_yuan: int = Field(examples=[3_000_000])
    tier: str = Field(examples=["500k_5m"], description="credit-scale tier (000 §四)")
    purpose: str = Field(examples=["working_capital"])
    term_months: int = Field(examples=[12])
    collateral: list[str] = Field(examples=[["none"]])


class GuaranteeOut(ViewOut):
    name: str = Field(examples=["科创专项保"])
    code: str | None
    guarantor: str
    fee_rate_pct: float = Field(examples=[0.3])
    reasons: list[Bilingual]


class MatchOut(ViewOut):
    """Why the bank got this need: the matcher's reasons, its fitting products, and the
    government guarantee products that cover the need."""

    reasons: list[Bilingual]
    products: list[str] = Field(examples=[["科技贷"]])
    guarantees: list[GuaranteeOut]


class ContactOut(ViewOut):
    name: str = Field(examples=["王丽"])
    phone: str = Field(examples=["13857512345"])
    phone_confirmed: bool = Field(
        description="the phone was proven the firm's: a code texted to it was typed back (web "
        "chat with SMS), or Telegram shared the firm's own number; false: typed, unconfirmed"
    )


# --- leads ---


class LeadOut(ViewOut):
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


class LeadPageOut(ViewOut):
    items: list[LeadOut]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )


class DeclineIn(BodyIn):
    """Why the bank gives the lead up (000 §一): the firm's own reasons, the bank's service, or
    other. The need goes on to the next eligible bank."""

    reason_code: DeclineReason = Field(examples=["firm_reason"])
    detail: str = Field("", max_length=500, examples=["企业暂无资金需求"])


class FollowUpIn(BodyIn):
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


class ReassignIn(BodyIn):
    manager: int = Field(
        ge=1, le=MAX_ID, description="the staff id of an active manager of the same bank"
    )
