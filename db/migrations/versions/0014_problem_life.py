"""The key-problem list tracked to its solution (`problem`: owner, status, measure, dates) and
the firms' answers to recorded visits (`visit_check`). Problems already on the list are made
rows: open, or solved where the need's loan was issued.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = (
    "'standards_failed', 'credit_repair', 'bank_limit', 'no_bank', 'banks_exhausted', "
    "'declined', 'expired', 'visit_disputed', 'complaint'"
)
_AT = sa.DateTime(timezone=True)
_STANDARDS = ("compliant_operation", "fixed_premises", "real_need", "good_credit", "lawful_purpose")


def upgrade() -> None:
    problem = op.create_table(
        "problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("cause", sa.String(length=120), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("bank_id", sa.Integer(), nullable=True),
        sa.Column("visit_event_id", sa.Integer(), nullable=True),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("county", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("measure", sa.String(length=500), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_problem_kind")),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'solved', 'cannot_solve')",
            name=op.f("ck_problem_status"),
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignment.id"], name=op.f("fk_problem_assignment_id_assignment")
        ),
        sa.ForeignKeyConstraint(["bank_id"], ["bank.id"], name=op.f("fk_problem_bank_id_bank")),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_problem_need_id_need")),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"], name=op.f("fk_problem_owner_id_staff")),
        sa.ForeignKeyConstraint(
            ["visit_event_id"], ["event.id"], name=op.f("fk_problem_visit_event_id_event")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem")),
    )
    for columns in (["status", "opened_at"], ["opened_at"], ["city"], ["county"], ["need_id"],
                    ["assignment_id"], ["bank_id"]):  # fmt: skip
        op.create_index(op.f(f"ix_problem_{'_'.join(columns)}"), "problem", columns, unique=False)
    op.create_table(
        "visit_check",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ruling", sa.String(length=20), nullable=True),
        sa.Column("ruled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_event_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "answer IS NULL OR answer IN ('confirmed', 'disputed')",
            name=op.f("ck_visit_check_answer"),
        ),
        sa.CheckConstraint(
            "ruling IS NULL OR ruling IN ('held', 'struck')", name=op.f("ck_visit_check_ruling")
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_visit_check_assignment_id_assignment"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_visit_check_event_id_event")
        ),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_visit_check_need_id_need")),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_visit_check")),
    )
    for column in ("assignment_id", "need_id", "changed_event_id"):
        op.create_index(op.f(f"ix_visit_check_{column}"), "visit_check", [column], unique=False)
    _problems_already_listed(problem)


def _problems_already_listed(problem: sa.Table) -> None:
    """A row for every problem the list already derived: needs flagged for the coordination
    team, leads declined or let expire."""
    bind = op.get_bind()
    need = sa.table(
        "need", sa.column("id"), sa.column("status"), sa.column("attention"),
        sa.column("attention_at", _AT), sa.column("standards", sa.JSON()), sa.column("city"),
        sa.column("county"), sa.column("updated_at", _AT),
    )  # fmt: skip
    lead = sa.table(
        "assignment", sa.column("id"), sa.column("need_id"), sa.column("bank_id"),
        sa.column("status"), sa.column("decline_reason"), sa.column("ended_at", _AT),
    )  # fmt: skip
    flagged = bind.execute(
        sa.select(need).where(need.c.attention.is_not(None), need.c.attention_at.is_not(None))
    ).all()
    rows = []
    for n in flagged:
        cause = n.attention
        if n.attention in ("standards_failed", "credit_repair"):
            failed = [s for s in _STANDARDS if (n.standards or {}).get(s) is False]
            cause = ",".join(failed) or cause
        rows.append(_row(n.attention, cause, n, None, None, n.attention_at))
    ended = bind.execute(
        sa.select(lead, need)
        .join(need, need.c.id == lead.c.need_id)
        .where(lead.c.status.in_(("declined", "expired")), lead.c.ended_at.is_not(None))
    ).all()
    for row in ended:
        lead_id, _, bank_id, status, reason, ended_at = tuple(row)[:6]
        rows.append(_row(status, reason or status, _Need(row), lead_id, bank_id, ended_at))
    if rows:
        op.bulk_insert(problem, rows)


class _Need:
    """The need's columns of a lead-and-need row (the lead's come first)."""

    def __init__(self, row: sa.Row) -> None:  # type: ignore[type-arg]
        values = tuple(row)[6:]
        self.id, self.status, _, _, _, self.city, self.county, self.updated_at = values


def _row(kind: str, cause: str, need, lead_id, bank_id, at) -> dict:  # type: ignore[no-untyped-def,type-arg]
    solved = need.status == "fulfilled"
    return {
        "kind": kind,
        "cause": cause[:120],
        "need_id": need.id,
        "assignment_id": lead_id,
        "bank_id": bank_id,
        "city": need.city or "",
        "county": need.county or "",
        "status": "solved" if solved else "open",
        "opened_at": at,
        "updated_at": need.updated_at if solved else at,
        "closed_at": need.updated_at if solved else None,
    }


def downgrade() -> None:
    op.drop_table("visit_check")
    op.drop_table("problem")
