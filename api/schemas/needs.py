"""Needs registered in person by the coordination team (the same firm / need / standards as
`yinqi match`, with a contact and optionally a QR code) and a need with its leads and timeline."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, field_validator

from api.schemas.common import BankRef, BodyIn, ChinaTime, ViewOut
from api.schemas.leads import Deadlines, FirmOut, NeedFactsOut, Overdue
from db.core.vocabulary import AssignmentStatus
from matching.model import MatchResult
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


class OfferOut(ViewOut):
    lead_id: int = Field(validation_alias="id")
    bank: BankRef = Field(validation_alias="bank_ref")
    status: AssignmentStatus
    existing_bank: bool
    deadlines: Deadlines


class RegistrationOut(ViewOut):
    need_id: int
    duplicate: bool = Field(description="the firm already had a live need: that one is returned")
    route: str = Field(examples=["assign"])
    attention: str | None = Field(description="why the coordination team should look at it")
    offers: list[OfferOut]
    result: dict[str, Any] | None = Field(
        description="the match, as `yinqi match` prints it; null for a duplicate"
    )

    @field_validator("result", mode="before")
    @classmethod
    def _as_printed(cls, result: object) -> object:
        """The match as `yinqi match` prints it."""
        return result_json(result) if isinstance(result, MatchResult) else result


class NeedLeadOut(ViewOut):
    id: int
    bank: BankRef
    status: AssignmentStatus
    claimed: bool
    existing_bank: bool
    deadlines: Deadlines
    overdue: list[Overdue]
    decline_reason: str | None


class TimelineOut(ViewOut):
    at: ChinaTime
    kind: str = Field(examples=["accepted"])
    bank: str | None = Field(
        validation_alias="bank_code", description="the bank's code, for a lead's events"
    )
    actor_kind: str = Field(examples=["staff"])
    from_status: str | None
    to_status: str | None
    payload: dict[str, Any]


class NeedOut(ViewOut):
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
