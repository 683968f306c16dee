"""A bank's leads: what a lead shows (firm, need, match, deadlines, overdue clocks, contact once
accepted), its page, and what a manager sends to decline, follow up or reassign it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

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
from matching.loan_terms import MAX_FEE_RATE_PCT, MAX_TERM_MONTHS, LoanTerms, LoanType


class Deadlines(ViewOut):
    """The "135" clocks on working days: accept in 1, contact in 3, decide in 5; and 002's
    month: a decision at the latest 30 days after the offer (never before `decide_by`)."""

    accept_by: ChinaTime
    contact_by: ChinaTime
    decide_by: ChinaTime
    final_by: ChinaTime = Field(
        description="原则上1个月内完成授信审批 (002): credit granted or declined by then"
    )
    estimated: bool = Field(
        description="a counted day fell in a year whose holiday calendar is not yet known, so "
        "Monday to Friday were counted"
    )


Overdue = Literal["accept", "contact", "decide", "final"]  # matching.leads.Clock


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


class StandardsOut(ViewOut):
    """The firm's answers to the five standards (五项标准, 002)."""

    compliant_operation: bool = Field(description="合规持续经营")
    fixed_premises: bool = Field(description="固定经营场所")
    real_need: bool = Field(description="真实融资需求")
    good_credit: bool = Field(description="信用状况良好")
    lawful_purpose: bool = Field(description="贷款用途合法合规")


class ProfileOut(ViewOut):
    """What the firm declared of itself, for the bank's own checks."""

    uscc: str | None = Field(
        examples=["91330602MA2BCDEF1X"],
        description="统一社会信用代码, for the credit-bureau pre-check; null if not given",
    )
    months_operating: int | None = Field(examples=[36], description="months in business")
    existing_banks: list[str] = Field(
        examples=[["绍兴银行"]], description="banks already lending to it, as the firm typed them"
    )
    existing_bank_codes: list[str] = Field(
        examples=[["sxbank"]], description="those of them the catalog knows, by code"
    )
    existing_credit_yuan: int = Field(examples=[2_000_000], description="credit it has now")
    standards: StandardsOut


def total_field(what: str) -> Any:
    """A page's `total`: given only when asked (counting costs a query more)."""
    return Field(
        None, description=f"how many {what} there are on all pages, with `total=true`; else null"
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
        description='the deadlines passed: accept while offered; contact (until a call or '
        "visit), decide and final (until credit or a decline) once accepted",
    )
    firm: FirmOut
    need: NeedFactsOut
    match: MatchOut
    contact: ContactOut | None = Field(
        description="the firm's contact: only once the bank accepted the lead, while it is live"
    )
    profile: ProfileOut | None = Field(
        description="what the firm declared of itself (USCC, months in business, existing banks "
        "and credit, the five standards): as `contact`, once accepted, while live"
    )
    source: str | None = Field(examples=["新昌高新园 贷款码"], description="the QR code's label")
    created_at: ChinaTime
    updated_at: ChinaTime


class LeadPageOut(ViewOut):
    items: list[LeadOut]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )
    total: int | None = total_field("leads the filters select")


class DeclineIn(BodyIn):
    """Why the bank gives the lead up (000 §一): the firm's own reasons, the bank's service, or
    other. The need goes on to the next eligible bank."""

    reason_code: DeclineReason = Field(examples=["firm_reason"])
    detail: str = Field("", max_length=500, examples=["企业暂无资金需求"])


class FollowUpIn(BodyIn):
    """What the manager did. `visited` says whether the visit was effective (有效走访);
    `credit_granted` and `loan_issued` carry the amount, and may carry the terms (rate, kind,
    guarantee, fees, term) that 附表2 and 附表4 count: credit granted sets them, a loan
    restates those it gives."""

    type: FollowUp = Field(examples=["visited"])
    at: IsoTime | None = Field(
        None, examples=["2026-11-23T10:00:00+08:00"], description="when; default now"
    )
    effective: bool | None = Field(None, examples=[True])
    amount_yuan: int | None = Field(None, gt=0, le=DEFAULT_MAX_YUAN, examples=[2_000_000])
    rate_pct: Decimal | None = Field(None, gt=0, lt=100, examples=["3.45"])
    product: str | None = Field(None, max_length=100, examples=["科技贷"])
    loan_type: LoanType | None = Field(
        None, examples=["guaranteed"], description="信用 credit, 抵押 secured, 保证 guaranteed"
    )
    guarantee: str | None = Field(
        None, max_length=100, examples=["科创专项保"], description="the guarantee product"
    )
    fee_rate_pct: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_FEE_RATE_PCT,
        examples=["0.5"],
        description="guarantee fee and other fees, % a year (0 when none): with the rate, "
        "the all-in financing cost (综合融资成本)",
    )
    term_months: int | None = Field(None, ge=1, le=MAX_TERM_MONTHS, examples=[12])
    note: str = Field("", max_length=500, examples=["已到企业实地走访，负责人在"])

    @property
    def terms(self) -> LoanTerms:
        return LoanTerms(self.loan_type, self.guarantee, self.fee_rate_pct, self.term_months)


class ReassignIn(BodyIn):
    manager: int = Field(
        ge=1, le=MAX_ID, description="the staff id of an active manager of the same bank"
    )


# --- a lead's timeline ---


class EventActorOut(ViewOut):
    kind: str = Field(examples=["staff"], description="staff, firm or system")
    role: str | None = Field(examples=["manager"], description="a staff member's role")
    bank: str | None = Field(examples=["sxbank"], description="a staff member's bank, by code")
    staff: ManagerRef | None = Field(description="who: only for the staff of the lead's own bank")


class LeadEventOut(ViewOut):
    at: ChinaTime
    kind: str = Field(examples=["visited"])
    from_status: AssignmentStatus | None
    to_status: AssignmentStatus | None
    actor: EventActorOut
    details: dict[str, Any] = Field(
        examples=[{"effective": True, "happened_at": "2026-11-23T02:00:00+00:00"}],
        description="what the event recorded: a decline's reason, a visit's effectiveness, "
        "credit's amount, rate and product …",
    )
    note: str | None = Field(description="the bank's note on a follow-up")


class LeadEventsOut(ViewOut):
    """A lead's timeline, oldest first."""

    lead_id: int
    items: list[LeadEventOut]
