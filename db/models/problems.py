"""The key-problem list's entries, each tracked to its solution, and the firms' answers to the
visits banks record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from db.core.vocabulary import ProblemKind, ProblemStatus, VisitAnswer, VisitRuling
from db.models.base import at_column, code_column, one_of


class Problem(SQLModel, table=True):
    """One entry of the key-problem list (000 §一): why, about which need (and lead, bank),
    who owns it, where it stands, what was done. Made by the use case that raised it."""

    __tablename__ = "problem"
    __table_args__ = (
        CheckConstraint(one_of("kind", ProblemKind), name="kind"),
        CheckConstraint(one_of("status", ProblemStatus), name="status"),
        Index(None, "status", "opened_at"),
        Index(None, "opened_at"),
        Index(None, "city"),
        Index(None, "county"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=code_column())
    # the failed standards (comma-separated), a decline's or complaint's reason code, or the kind
    cause: str = Field(max_length=120)
    need_id: int = Field(foreign_key="need.id", index=True)
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)
    bank_id: int | None = Field(default=None, foreign_key="bank.id", index=True)
    visit_event_id: int | None = Field(default=None, foreign_key="event.id")
    # the need's place, copied: a coordinator's region is checked without a join
    city: str = Field(max_length=40)
    county: str = Field(default="", max_length=40)
    status: str = Field(sa_column=code_column())
    owner_id: int | None = Field(default=None, foreign_key="staff.id")
    measure: str | None = Field(default=None, max_length=500)  # what was done (told the firm)
    detail: str | None = Field(default=None, max_length=500)  # the firm's words; erased with it
    opened_at: datetime = Field(sa_column=at_column())
    updated_at: datetime = Field(sa_column=at_column())
    closed_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))


class VisitCheck(SQLModel, table=True):
    """A recorded visit the firm was asked to confirm (一键确认 / 没有来访), and a coordinator's
    ruling when the firm disputed it. A disputed visit is not effective until ruled held."""

    __tablename__ = "visit_check"
    __table_args__ = (
        CheckConstraint(f"answer IS NULL OR {one_of('answer', VisitAnswer)}", name="answer"),
        CheckConstraint(f"ruling IS NULL OR {one_of('ruling', VisitRuling)}", name="ruling"),
    )

    # the `visited` event
    event_id: int = Field(
        sa_column=Column(Integer, ForeignKey("event.id"), primary_key=True, autoincrement=False)
    )
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    asked_at: datetime = Field(sa_column=at_column())
    answer: str | None = Field(default=None, sa_column=code_column(nullable=True))
    answered_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    ruling: str | None = Field(default=None, sa_column=code_column(nullable=True))
    ruled_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    # the last event that changed it: the report's copies take the visit again after it
    changed_event_id: int | None = Field(default=None, index=True)
