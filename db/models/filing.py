"""The quarterly filings marked done (已报送, 000 §五–七): which table, for which quarter, by
which filer, and who marked it when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.models.base import at_column, code_column, one_of
from matching.filing import Filer


class Filing(SQLModel, table=True):
    """One table filed by one filer for one quarter; marked once, never changed."""

    __tablename__ = "filing"
    __table_args__ = (
        UniqueConstraint("quarter", "annex", "filer_kind", "filer_code"),
        CheckConstraint("annex BETWEEN 1 AND 5", name="annex"),
        CheckConstraint(one_of("filer_kind", Filer), name="filer_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    quarter: str = Field(max_length=7)  # 2026Q3
    annex: int
    filer_kind: str = Field(sa_column=code_column())
    filer_code: str = Field(max_length=40)  # a park's or a bank's code, or the 分局's city
    filed_at: datetime = Field(sa_column=at_column())
    filed_by: int = Field(foreign_key="staff.id")
