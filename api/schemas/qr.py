"""Loan QR codes (贷款码): what an admin sends to make one, and a code with its funnel."""

from __future__ import annotations

from pydantic import (
    BaseModel,
    Field,
)

from api.schemas.common import BodyIn, ChinaTime
from db.core.vocabulary import QrKind
from db.intake.qr_sources import Funnel, SourceView

# --- loan QR codes ---


class QrIn(BodyIn):
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
