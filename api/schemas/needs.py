"""Needs registered in person by the coordination team (the same firm / need / standards as
`yinqi match`, with a contact and optionally a QR code) and a need with its leads and timeline."""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from api.schemas.common import BankRef, BodyIn, ChinaTime
from api.schemas.leads import Deadlines, FirmOut, NeedFactsOut, Overdue
from db.core.vocabulary import AssignmentStatus
from db.leads.queries import (
    NeedRecord,
)
from matching.registration import Registration
from matching.request import FirmIn, NeedIn, StandardsIn
from matching.serialize import result_json

# --- needs registered by the coordination team ---


class ContactIn(BodyIn):
    name: str = Field(min_length=1, max_length=100, examples=["王丽"])
    phone: str = Field(min_length=11, max_length=11, examples=["13857512345"])


class NeedRegistrationIn(BodyIn):
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
