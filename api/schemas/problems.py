"""The key-problem list as coordinators work it: each problem with its owner, status and the
measure taken; what they may change; sending a stuck need to another bank."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.schemas.common import BodyIn, ChinaTime, ViewOut
from api.schemas.reports import ProblemOut


class TrackedProblemOut(ProblemOut):
    """A problem of the list as it stands, its age in days since it was raised."""

    age_days: int = Field(description="whole days since raised (till closed, when it was)")


class ProblemPageOut(ViewOut):
    items: list[TrackedProblemOut]
    truncated: bool = Field(description="more than `limit`: narrow by status or region")


class EligibleBankOut(ViewOut):
    code: str
    name: str
    held: bool = Field(description="holds or held the need: it cannot be sent there again")


class ProblemDetailOut(ViewOut):
    problem: TrackedProblemOut
    detail: str | None = Field(description="the firm's own words (a complaint)")
    visit_at: datetime | None = Field(description="the disputed visit, as recorded")
    visit_ruling: str | None = Field(examples=["held"])
    need_open: bool
    bank_limit: int | None = Field(description="null above the 10M line: no limit applies")
    serving: int = Field(description="banks serving the firm now")
    may_approve: bool = Field(description="at its limit: one bank past it may be approved")
    banks: list[EligibleBankOut] = Field(description="banks the match found a fitting product at")


class ProblemIn(BodyIn):
    """What to change (what is left out stays)."""

    status: Literal["open", "in_progress", "solved", "cannot_solve"] | None = None
    owner_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="an active coordinator of the region, or an admin"
    )
    measure: str | None = Field(
        None, max_length=500, description="the measure taken; for a complaint, told to the firm"
    )
    ruling: Literal["held", "struck"] | None = Field(
        None, description="a disputed visit: it took place (held) or not (struck)"
    )


class SendIn(BodyIn):
    bank: str = Field(max_length=40, examples=["sxbank"])
    reason: str = Field("", max_length=500, description="why; required past the limit")
    past_limit: bool = Field(
        False, description="approve one bank past the firm's 3/2 limit (001 §七 审慎介入)"
    )


class SentOut(ViewOut):
    lead_id: int
    at: ChinaTime
