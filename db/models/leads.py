"""Financing needs, the banks eligible for them, assignments, the event log and the outbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    UniqueConstraint,
    false,
    text,
)
from sqlmodel import Field, SQLModel

from db.core.vocabulary import (
    ActorKind,
    AssignmentStatus,
    Attention,
    Channel,
    DeclineReason,
    NeedStatus,
)
from db.models.base import at_column, code_column, json_column, one_of
from matching.loan_terms import MAX_FEE_RATE_PCT, MAX_TERM_MONTHS, LoanType
from matching.model import EntityType, Purpose, Route, Tier


class Need(SQLModel, table=True):
    """One financing need of a firm, what it declared, and what the matcher decided."""

    __tablename__ = "need"
    __table_args__ = (
        CheckConstraint(one_of("status", NeedStatus), name="status"),
        CheckConstraint(one_of("channel", Channel), name="channel"),
        CheckConstraint(one_of("entity_type", EntityType), name="entity_type"),
        CheckConstraint(one_of("purpose", Purpose), name="purpose"),
        CheckConstraint(one_of("tier", Tier), name="tier"),
        CheckConstraint(one_of("route", Route), name="route"),
        CheckConstraint(f"attention IS NULL OR {one_of('attention', Attention)}", name="attention"),
        CheckConstraint("bank_limit IS NULL OR bank_limit > 0", name="bank_limit"),
        CheckConstraint("amount_yuan > 0", name="amount"),
        Index(None, "status", "created_at"),
        Index(None, "created_at"),  # a report's needs in a period
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    # the firm whose 3/2 limit the need counts against: the id of the firm's first enterprise
    # row, the same on every need the firm registers (a firm known by name only gets a row each
    # time); its leads and those of the firm's other needs are the banks serving it
    firm_group: int = Field(index=True)
    status: str = Field(sa_column=code_column())
    channel: str = Field(sa_column=code_column())
    source_id: int | None = Field(default=None, foreign_key="qr_source.id", index=True)
    # where and how the firm hears back; erased on withdrawal
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    language: str = Field(default="zh", max_length=5)
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=20)
    # the phone proven the firm's: a code texted to it typed back, or Telegram's own contact
    contact_phone_confirmed: bool = Field(
        default=False, sa_column_kwargs={"server_default": false()}
    )
    # the firm as it was at registration (anonymous attributes, kept for the statistics)
    entity_type: str = Field(sa_column=code_column())
    city: str = Field(max_length=40)
    county: str = Field(default="", max_length=40, index=True)
    park_id: int | None = Field(default=None, foreign_key="park.id", index=True)
    industry: str = Field(default="", max_length=100)
    tags: list[str] = Field(default_factory=list, sa_column=json_column())
    existing_banks: list[str] = Field(default_factory=list, sa_column=json_column())  # as typed
    existing_bank_codes: list[str] = Field(default_factory=list, sa_column=json_column())
    banks_existing: int = 0  # distinct banks the firm declared lending, catalog or not
    existing_credit_yuan: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    first_loan: bool = False
    # the need
    amount_yuan: int = Field(sa_column=Column(BigInteger, nullable=False))
    purpose: str = Field(sa_column=code_column())
    term_months: int
    collateral: list[str] = Field(default_factory=list, sa_column=json_column())
    products: list[str] = Field(default_factory=list, sa_column=json_column())
    standards: dict[str, bool] = Field(default_factory=dict, sa_column=json_column())
    # what the matcher decided
    tier: str = Field(sa_column=code_column())
    bank_limit: int | None = None  # None: above the 10M line, the 3/2 rule does not apply
    route: str = Field(sa_column=code_column(24))
    outcome: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    attention: str | None = Field(default=None, sa_column=code_column(nullable=True, index=True))
    attention_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    created_at: datetime = Field(sa_column=at_column())
    updated_at: datetime = Field(sa_column=at_column())
    withdrawn_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))


class Candidate(SQLModel, table=True):
    """A bank eligible for a need, in the matcher's order: the queue offers and claims draw on."""

    __tablename__ = "candidate"
    __table_args__ = (Index(None, "bank_id", "need_id"),)

    need_id: int = Field(
        sa_column=Column(Integer, ForeignKey("need.id", ondelete="CASCADE"), primary_key=True)
    )
    bank_id: int = Field(foreign_key="bank.id", primary_key=True)
    rank: int
    branch_id: int | None = Field(default=None, foreign_key="branch.id")
    existing: bool = False  # the bank already lends to the firm
    products: list[str] = Field(default_factory=list, sa_column=json_column())
    reasons: list[dict[str, str]] = Field(default_factory=list, sa_column=json_column())


class Assignment(SQLModel, table=True):
    """One need in the hands of one bank (a lead), with the "135" clocks."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("need_id", "bank_id"),
        CheckConstraint(one_of("status", AssignmentStatus), name="status"),
        CheckConstraint(
            f"decline_reason IS NULL OR {one_of('decline_reason', DeclineReason)}",
            name="decline_reason",
        ),
        CheckConstraint(f"loan_type IS NULL OR {one_of('loan_type', LoanType)}", name="loan_type"),
        CheckConstraint(
            f"fee_rate_pct IS NULL OR fee_rate_pct BETWEEN 0 AND {MAX_FEE_RATE_PCT}",
            name="fee_rate",
        ),
        CheckConstraint(
            f"term_months IS NULL OR term_months BETWEEN 1 AND {MAX_TERM_MONTHS}", name="term"
        ),
        Index(None, "bank_id", "status"),
        Index(None, "manager_id", "status"),
        Index(None, "status", "accept_by"),
        Index(None, "updated_at"),
        Index(None, "final_by"),  # with updated_at: the leads a report's period may touch
    )

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    bank_id: int = Field(foreign_key="bank.id")
    branch_id: int | None = Field(default=None, foreign_key="branch.id")
    manager_id: int | None = Field(default=None, foreign_key="staff.id")
    status: str = Field(sa_column=code_column())
    existing_bank: bool = False  # the bank already lends to the firm: it takes no slot
    claimed: bool = False  # the bank took it from the pool rather than being offered it
    accept_by: datetime = Field(sa_column=at_column())
    contact_by: datetime = Field(sa_column=at_column())
    decide_by: datetime = Field(sa_column=at_column())
    final_by: datetime = Field(sa_column=at_column())
    deadlines_estimated: bool = False  # a counted day fell in a year without a known calendar
    accepted_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    contacted_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    visited_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    credit_granted_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    loan_issued_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    credit_amount_yuan: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    credit_rate_pct: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(6, 3), nullable=True)
    )
    credit_product: str | None = Field(default=None, max_length=100)
    # the terms (matching.loan_terms): the credit's, restated by the loan's event if it says
    # otherwise; NULL on a credit recorded before they were asked for (read as unknown)
    loan_type: str | None = Field(default=None, sa_column=code_column(nullable=True))
    guarantee: str | None = Field(default=None, max_length=100)  # the guarantee product's name
    fee_rate_pct: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(6, 3), nullable=True)
    )
    term_months: int | None = None
    loan_amount_yuan: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    decline_reason: str | None = Field(default=None, sa_column=code_column(nullable=True))
    decline_detail: str | None = Field(default=None, max_length=500)
    # when the worker flagged the lead overdue (once each): not contacted, not decided in time
    # ("135"), not decided within the month (002)
    contact_overdue_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    decide_overdue_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    final_overdue_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    created_at: datetime = Field(sa_column=at_column())
    updated_at: datetime = Field(sa_column=at_column())
    # the need's, copied when the lead is made so reports count leads without joining needs:
    # they are the firm as registered and never change (NULL only if written around the use case)
    city: str | None = Field(default=None, max_length=40)
    county: str | None = Field(default=None, max_length=40)
    park_id: int | None = None
    source_id: int | None = None
    channel: str | None = Field(default=None, sa_column=code_column(nullable=True))
    first_loan: bool | None = None


_VISITED = text("kind = 'visited'")


class Event(SQLModel, table=True):
    """The append-only log: every status change and follow-up, with who and when.

    Payloads never carry personal data, so erasing a firm never rewrites history.
    """

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint(one_of("actor_kind", ActorKind), name="actor_kind"),
        Index(  # a report's visits in a period
            "ix_event_visited_at", "at", postgresql_where=_VISITED, sqlite_where=_VISITED
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=at_column(index=True))
    actor_kind: str = Field(sa_column=code_column())
    actor_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    need_id: int | None = Field(default=None, foreign_key="need.id", index=True)
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)
    kind: str = Field(max_length=40)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class LeadNote(SQLModel, table=True):
    """A manager's free-text note on a follow-up; kept apart from the event log because it may
    name people, and is erased with the firm's data."""

    __tablename__ = "lead_note"

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    event_id: int = Field(foreign_key="event.id")
    text: str = Field(max_length=500)
    created_at: datetime = Field(sa_column=at_column())


class Outbox(SQLModel, table=True):
    """A notification to send (at least once): to a firm about its need, or to a staff member.

    A row is due while neither sent nor given up and `next_attempt_at` has passed; a sender
    claims it by moving `next_attempt_at` a lease ahead (db/leads/outbox.py).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("(need_id IS NULL) <> (staff_id IS NULL)", name="one_recipient"),
        Index(None, "sent_at", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    need_id: int | None = Field(default=None, foreign_key="need.id")  # to the firm of this need
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    template: str = Field(max_length=60)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    dedupe_key: str = Field(max_length=120, unique=True)
    created_at: datetime = Field(sa_column=at_column())
    next_attempt_at: datetime = Field(sa_column=at_column())
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    last_error: str | None = Field(default=None, max_length=500)
    # done without being sent: no channel to the recipient, or a failure retrying cannot mend
    given_up_at: datetime | None = Field(  # indexed for the retention's prune
        default=None, sa_column=at_column(nullable=True, index=True)
    )
    give_up_reason: str | None = Field(default=None, sa_column=code_column(nullable=True))
