"""What the coordination team's reports answer (`/api/v1/reports/…`), built from
`db/reports/progress.py`, `db/reports/problems.py` and `db/reports/coverage.py`. No personal contact
data in any of them."""

from __future__ import annotations

from datetime import date

from pydantic import AliasPath, Field, ValidationInfo, field_validator

from api.schemas.common import ChinaTime, ViewOut


class ScopeOut(ViewOut):
    region: str | None = Field(description="the city or county counted; null: everywhere")
    park: str | None = Field(
        default=None, validate_default=True, description="only this park's needs (its code)"
    )
    source: str | None = Field(
        default=None, validate_default=True, description="only this QR code's needs (its token)"
    )
    channel: str | None = Field(
        default=None, description="only the needs that came this way: bot, web, offline"
    )

    @field_validator("park", "source", mode="before")
    @classmethod
    def _as_asked(cls, value: str | None, info: ValidationInfo) -> str | None:
        """The park code or QR token the caller narrowed the report to (the validation context):
        the scope itself holds their ids."""
        asked: dict[str, str | None] = info.context or {}
        return value or asked.get(info.field_name or "")


class ProgressRow(ViewOut):
    """One group's figures for the period (China time days, both ends included)."""

    key: str | None = Field(
        examples=["sxbank"],
        description="bank or park code, county, QR token, the week's Monday, or the channel "
        "(bot, web, offline); null: none",
    )
    label: str = Field(examples=["绍兴银行"])
    needs: int = Field(description="needs registered (by bank: needs the bank got a lead for)")
    online_needs: int = Field(description="of those, registered by the firm itself (bot, web)")
    first_loan_needs: int
    offered: int = Field(description="leads handed to banks: offers and claims")
    accepted: int
    contacted: int
    visits: int
    effective_visits: int
    effective_visit_ratio: float | None = Field(description="有效走访对接比例")
    first_loan_ratio: float | None = Field(
        description="首贷户占比: first-loan firms among the leads granted credit"
    )
    online_rate: float | None = Field(
        description="线上对接率: needs the firm registered itself (bot, web chat)"
    )
    credit_granted: int
    credit_amount_yuan: int
    first_loan_credit: int
    loans_issued: int
    loan_amount_yuan: int
    median_hours_to_accept: float | None
    median_hours_to_contact: float | None
    overdue_accept: int = Field(description="accept deadlines due in the period and missed")
    overdue_contact: int
    overdue_decide: int
    overdue_final: int = Field(description="one-month decision deadlines due and missed (002)")


class ProgressOut(ViewOut):
    scope: ScopeOut
    group_by: str = Field(examples=["bank"])
    date_from: date = Field(validation_alias=AliasPath("period", "date_from"))
    date_to: date = Field(validation_alias=AliasPath("period", "date_to"))
    as_of: ChinaTime = Field(description="deadlines count as missed when passed before this")
    rows: list[ProgressRow]
    total: ProgressRow = Field(description="the whole scope, each need counted once")


class ProblemOut(ViewOut):
    kind: str = Field(examples=["declined"])
    cause: str = Field(
        examples=["bank_service"],
        description="the failed standards, the decline reason code, or the kind itself",
    )
    at: ChinaTime
    need_id: int
    lead_id: int | None
    firm: str = Field(description="the firm's name; empty once it withdrew its consent")
    entity_type: str
    county: str
    park: str | None
    park_name: str | None
    amount_yuan: int
    tier: str
    bank: str | None
    bank_name: str | None
    id: int = Field(description="the problem's id (`/api/v1/problems/{id}`)")
    status: str = Field(
        examples=["in_progress"], description="open, in_progress, solved, cannot_solve"
    )
    owner: str | None = Field(description="the owner's name")
    measure: str | None = Field(description="the measure taken")
    updated_at: ChinaTime | None
    closed_at: ChinaTime | None


class CauseCount(ViewOut):
    kind: str
    cause: str
    count: int


class ProblemsOut(ViewOut):
    """The key-problem list (重点问题清单): needs no bank could take, failed standards, declines by
    reason, expiries, each with its cause."""

    scope: ScopeOut
    date_from: date = Field(validation_alias=AliasPath("period", "date_from"))
    date_to: date = Field(validation_alias=AliasPath("period", "date_to"))
    by_kind: dict[str, int] = Field(examples=[{"declined": 3, "expired": 1}])
    by_cause: list[CauseCount]
    items: list[ProblemOut]
    truncated: bool = Field(description="more problems than `limit`: narrow the period")

    @field_validator("by_kind", mode="before")
    @classmethod
    def _counts(cls, by_kind: object) -> object:
        """Every kind with its count, as an object (the report gives pairs)."""
        return dict(by_kind) if isinstance(by_kind, tuple) else by_kind


class ParkCoverageOut(ViewOut):
    code: str
    name: str
    city: str
    county: str
    stars: int
    firms: int = Field(description="firms on the park's roster (0 without one)")
    firms_with_credit: int = Field(description="roster firms with credit (分类建档: 已有授信)")
    ratio: float | None = Field(description="null when the park has no roster")
    target: float = Field(examples=[0.7], description="≥70% for 4–5 stars, ≥60% for 3, else 50%")
    below_target: bool
    has_roster: bool
    registered: int = Field(description="firms registered with the park here")
    classes: dict[str, int] = Field(
        description="roster firms per 分类建档 class: credit, need_served, need_waiting, "
        "no_need, unreached"
    )


class CoverageOut(ViewOut):
    scope: ScopeOut
    parks: list[ParkCoverageOut]
