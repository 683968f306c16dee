"""The quarterly filing: each table a park, a bank or the 分局 owes for a quarter, when it is
due and where it stands; and what a coordinator sends to mark one filed (已报送)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from api.schemas.common import BodyIn, ChinaTime, ViewOut
from matching.filing import Filer, FilingState


class DueOut(ViewOut):
    due: date = Field(description="the last day (China date) it is in time")
    remind_on: date = Field(description="from this day the coordinator is reminded")
    estimated: bool = Field(
        description="a day counted lies in a year whose holidays are not all known"
    )
    moved_from: date | None = Field(
        description="the 15th or 20th day after the quarter, when a weekend or holiday moved it"
    )


class FilingOut(ViewOut):
    annex: int = Field(ge=1, le=5, examples=[1], description="附表N")
    filer: Filer = Field(examples=["park"])
    code: str = Field(
        examples=["yc-gxq"], description="the park's or bank's code, or the 分局's city"
    )
    name: str = Field(examples=["越城高新区小微企业园"])
    due: DueOut
    state: FilingState = Field(examples=["due_soon"])
    filed_at: ChinaTime | None
    filed_by: str | None = Field(description="who marked it filed")


class FilingsOut(ViewOut):
    quarter: str = Field(examples=["2026Q3"])
    today: date
    items: list[FilingOut]


class FiledIn(BodyIn):
    """A table marked filed (已报送): for which quarter, which table, by which filer."""

    quarter: str = Field(max_length=10, examples=["2026Q3"])
    annex: int = Field(ge=1, le=5, examples=[1])
    filer: Literal["park", "bank", "branch_office"] = Field(examples=["park"])
    code: str = Field(max_length=40, examples=["yc-gxq"])
