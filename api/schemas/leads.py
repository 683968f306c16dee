"""A bank's leads: what a lead shows (firm, need, match, deadlines, overdue clocks, contact once
accepted), its page, and what a manager sends to decline, follow up or reassign it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
)

from api.schemas.common import BankRef, Bilingual, BodyIn, ChinaTime, IsoTime, ManagerRef, ParkRef
from db.core.vocabulary import AssignmentStatus, DeclineReason, FollowUp
from db.leads.queries import (
    FirmView,
    LeadPage,
    LeadRecord,
    NeedFacts,
    NeedLead,
)
from db.leads.views import Lead
from db.models import MAX_ID
from matching.amounts import DEFAULT_MAX_YUAN
from matching.workdays import to_china_time


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
