"""What the coordination team's reports answer (`/api/v1/reports/…`), built from
`db/reports/progress.py`, `db/reports/problems.py` and `db/reports/coverage.py`. No personal contact
data in any of them."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from api.schemas.common import ChinaTime
from db.reports.coverage import Coverage, ParkCoverage
from db.reports.problems import Problem, Problems
from db.reports.progress import Progress, ProgressReport
from db.reports.scope import ReportScope


class ScopeOut(BaseModel):
    region: str | None = Field(description="the city or county counted; null: everywhere")
    park: str | None = Field(default=None, description="only this park's needs (its code)")
    source: str | None = Field(default=None, description="only this QR code's needs (its token)")

    @classmethod
    def of(
        cls, scope: ReportScope, *, park: str | None = None, source: str | None = None
    ) -> ScopeOut:
        return cls(region=scope.region, park=park, source=source)


class ProgressRow(BaseModel):
    """One group's figures for the period (China time days, both ends included)."""

    key: str | None = Field(
        examples=["sxbank"],
        description="bank or park code, county, QR token, or the week's Monday; null: none",
    )
    label: str = Field(examples=["绍兴银行"])
    needs: int = Field(description="needs registered (by bank: needs the bank got a lead for)")
    online_needs: int = Field(description="of those, registered through the bot")
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
    online_rate: float | None = Field(description="线上对接率: needs that came through the bot")
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

    @classmethod
    def of(cls, row: Progress) -> ProgressRow:
        return cls(
            key=row.key,
            label=row.label,
            needs=row.needs,
            online_needs=row.online_needs,
            first_loan_needs=row.first_loan_needs,
            offered=row.offered,
            accepted=row.accepted,
            contacted=row.contacted,
            visits=row.visits,
            effective_visits=row.effective_visits,
            effective_visit_ratio=row.effective_visit_ratio,
            first_loan_ratio=row.first_loan_ratio,
            online_rate=row.online_rate,
            credit_granted=row.credit_granted,
            credit_amount_yuan=row.credit_amount_yuan,
            first_loan_credit=row.first_loan_credit,
            loans_issued=row.loans_issued,
            loan_amount_yuan=row.loan_amount_yuan,
            median_hours_to_accept=row.median_hours_to_accept,
            median_hours_to_contact=row.median_hours_to_contact,
            overdue_accept=row.overdue_accept,
            overdue_contact=row.overdue_contact,
            overdue_decide=row.overdue_decide,
        )


class ProgressOut(BaseModel):
    scope: ScopeOut
    group_by: str = Field(examples=["bank"])
    date_from: date
    date_to: date
    as_of: ChinaTime = Field(description="deadlines count as missed when passed before this")
    rows: list[ProgressRow]
    total: ProgressRow = Field(description="the whole scope, each need counted once")

    @classmethod
    def of(
        cls, report: ProgressReport, *, park: str | None = None, source: str | None = None
    ) -> ProgressOut:
        """`park` and `source`: the code and token the scope was narrowed to, as asked."""
        return cls(
            scope=ScopeOut.of(report.scope, park=park, source=source),
            group_by=report.group_by.value,
            date_from=report.period.date_from,
            date_to=report.period.date_to,
            as_of=report.as_of,
            rows=[ProgressRow.of(r) for r in report.rows],
            total=ProgressRow.of(report.total),
        )


class ProblemOut(BaseModel):
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

    @classmethod
    def of(cls, p: Problem) -> ProblemOut:
        return cls(
            kind=p.kind.value,
            cause=p.cause,
            at=p.at,
            need_id=p.need_id,
            lead_id=p.lead_id,
            firm=p.firm,
            entity_type=p.entity_type,
            county=p.county,
            park=p.park,
            park_name=p.park_name,
            amount_yuan=p.amount_yuan,
            tier=p.tier,
            bank=p.bank,
            bank_name=p.bank_name,
        )


class CauseCount(BaseModel):
    kind: str
    cause: str
    count: int


class ProblemsOut(BaseModel):
    """The key-problem list (重点问题清单): needs no bank could take, failed standards, declines by
    reason, expiries, each with its cause."""

    scope: ScopeOut
    date_from: date
    date_to: date
    by_kind: dict[str, int] = Field(examples=[{"declined": 3, "expired": 1}])
    by_cause: list[CauseCount]
    items: list[ProblemOut]
    truncated: bool = Field(description="more problems than `limit`: narrow the period")

    @classmethod
    def of(
        cls, found: Problems, *, park: str | None = None, source: str | None = None
    ) -> ProblemsOut:
        return cls(
            scope=ScopeOut.of(found.scope, park=park, source=source),
            date_from=found.period.date_from,
            date_to=found.period.date_to,
            by_kind={kind.value: n for kind, n in found.by_kind},
            by_cause=[
                CauseCount(kind=c.kind.value, cause=c.cause, count=c.count) for c in found.by_cause
            ],
            items=[ProblemOut.of(p) for p in found.items],
            truncated=found.truncated,
        )


class ParkCoverageOut(BaseModel):
    code: str
    name: str
    city: str
    county: str
    stars: int
    firms: int
    firms_with_credit: int
    ratio: float | None
    target: float = Field(examples=[0.7], description="≥70% for 4–5 stars, ≥60% for 3, else 50%")
    below_target: bool

    @classmethod
    def of(cls, p: ParkCoverage) -> ParkCoverageOut:
        return cls(
            code=p.code,
            name=p.name,
            city=p.city,
            county=p.county,
            stars=p.stars,
            firms=p.firms,
            firms_with_credit=p.firms_with_credit,
            ratio=p.ratio,
            target=p.target,
            below_target=p.below_target,
        )


class CoverageOut(BaseModel):
    scope: ScopeOut
    parks: list[ParkCoverageOut]

    @classmethod
    def of(cls, found: Coverage) -> CoverageOut:
        return cls(
            scope=ScopeOut.of(found.scope), parks=[ParkCoverageOut.of(p) for p in found.parks]
        )
