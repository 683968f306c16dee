"""Initial schema: catalog, people, firms, needs, assignments, event log, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:26:33.393406
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bank",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("service_area", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank")),
        sa.UniqueConstraint("code", name=op.f("uq_bank_code")),
    )
    op.create_table(
        "campaign_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_code", sa.String(length=60), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("county", sa.String(length=40), nullable=False),
        sa.Column("no_loan", sa.Boolean(), nullable=False),
        sa.Column("single_bank", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_entry")),
    )
    op.create_index(
        op.f("ix_campaign_entry_list_code"), "campaign_entry", ["list_code"], unique=False
    )
    op.create_index(op.f("ix_campaign_entry_uscc"), "campaign_entry", ["uscc"], unique=False)

    op.create_table(
        "guarantee_product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("guarantor", sa.String(length=100), nullable=False),
        sa.Column("amount_cap_yuan", sa.Integer(), nullable=False),
        sa.Column("fee_rate_pct", sa.Numeric(precision=6, scale=3), nullable=False),
        sa.Column("entity_types", sa.JSON(), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("requires_any_tag", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("tag_caps", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("backs_loans", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_product")),
        sa.UniqueConstraint("code", name=op.f("uq_guarantee_product_code")),
    )
    op.create_table(
        "park",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("county", sa.String(length=40), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_park_stars")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_park")),
        sa.UniqueConstraint("code", name=op.f("uq_park_code")),
    )
    op.create_index(op.f("ix_park_county"), "park", ["county"], unique=False)

    op.create_table(
        "qr_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('park', 'branch', 'manager', 'campaign', 'event')",
            name=op.f("ck_qr_source_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qr_source")),
        sa.UniqueConstraint("token", name=op.f("uq_qr_source_token")),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "branch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("county", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["bank.id"], name=op.f("fk_branch_bank_id_bank")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch")),
        sa.UniqueConstraint("code", name=op.f("uq_branch_code")),
    )
    op.create_index(op.f("ix_branch_bank_id"), "branch", ["bank_id"], unique=False)

    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("last_update_id", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["qr_source.id"], name=op.f("fk_conversation_source_id_qr_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_conversation_chat_id")),
    )
    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("county", sa.String(length=40), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("months_operating", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "entity_type IN ('enterprise', 'individual_business', 'business_owner', 'farmer')",
            name=op.f("ck_enterprise_entity_type"),
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_enterprise_park_id_park")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("uscc", name=op.f("uq_enterprise_uscc")),
    )
    op.create_index(op.f("ix_enterprise_name_key"), "enterprise", ["name_key"], unique=False)

    op.create_table(
        "loan_product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("amount_min_yuan", sa.Integer(), nullable=False),
        sa.Column("amount_max_yuan", sa.Integer(), nullable=False),
        sa.Column("entity_types", sa.JSON(), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("max_term_months", sa.Integer(), nullable=False),
        sa.Column("collateral_required", sa.Boolean(), nullable=False),
        sa.Column("collateral_accepted", sa.JSON(), nullable=False),
        sa.Column("requires_any_tag", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("exclusive_group", sa.String(length=60), nullable=True),
        sa.Column("needs_guarantee", sa.Boolean(), nullable=False),
        sa.Column("existing_customers_only", sa.Boolean(), nullable=False),
        sa.Column("min_months_operating", sa.Integer(), nullable=False),
        sa.Column("rate", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "amount_min_yuan <= amount_max_yuan", name=op.f("ck_loan_product_amount_range")
        ),
        sa.CheckConstraint("max_term_months > 0", name=op.f("ck_loan_product_term")),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["bank.id"], name=op.f("fk_loan_product_bank_id_bank")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_product")),
        sa.UniqueConstraint("code", name=op.f("uq_loan_product_code")),
    )
    op.create_index(op.f("ix_loan_product_bank_id"), "loan_product", ["bank_id"], unique=False)

    op.create_table(
        "park_partner",
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["bank.id"], name=op.f("fk_park_partner_bank_id_bank")
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["park.id"], name=op.f("fk_park_partner_park_id_park"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("park_id", "bank_id", name=op.f("pk_park_partner")),
    )
    op.create_table(
        "need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("county", sa.String(length=40), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("existing_banks", sa.JSON(), nullable=False),
        sa.Column("existing_bank_codes", sa.JSON(), nullable=False),
        sa.Column("banks_existing", sa.Integer(), nullable=False),
        sa.Column("existing_credit_yuan", sa.BigInteger(), nullable=False),
        sa.Column("first_loan", sa.Boolean(), nullable=False),
        sa.Column("amount_yuan", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("collateral", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("standards", sa.JSON(), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("bank_limit", sa.Integer(), nullable=True),
        sa.Column("route", sa.String(length=24), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("attention", sa.String(length=20), nullable=True),
        sa.Column("attention_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "attention IS NULL OR attention IN ('standards_failed', 'credit_repair', 'bank_limit', 'no_bank', 'banks_exhausted')",
            name=op.f("ck_need_attention"),
        ),
        sa.CheckConstraint("channel IN ('bot', 'offline')", name=op.f("ck_need_channel")),
        sa.CheckConstraint(
            "entity_type IN ('enterprise', 'individual_business', 'business_owner', 'farmer')",
            name=op.f("ck_need_entity_type"),
        ),
        sa.CheckConstraint(
            "purpose IN ('working_capital', 'equipment', 'plant', 'rnd', 'renewal', 'trade')",
            name=op.f("ck_need_purpose"),
        ),
        sa.CheckConstraint(
            "route IN ('assign', 'existing_banks_only', 'credit_repair', 'coordination')",
            name=op.f("ck_need_route"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'fulfilled', 'withdrawn', 'superseded')",
            name=op.f("ck_need_status"),
        ),
        sa.CheckConstraint(
            "tier IN ('below_100k', '100k_500k', '500k_5m', '5m_10m', 'above_10m')",
            name=op.f("ck_need_tier"),
        ),
        sa.CheckConstraint("amount_yuan > 0", name=op.f("ck_need_amount")),
        sa.CheckConstraint("bank_limit IS NULL OR bank_limit > 0", name=op.f("ck_need_bank_limit")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_need_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_need_park_id_park")),
        sa.ForeignKeyConstraint(
            ["source_id"], ["qr_source.id"], name=op.f("fk_need_source_id_qr_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need")),
    )
    op.create_index(op.f("ix_need_attention"), "need", ["attention"], unique=False)
    op.create_index(op.f("ix_need_county"), "need", ["county"], unique=False)
    op.create_index(op.f("ix_need_enterprise_id"), "need", ["enterprise_id"], unique=False)
    op.create_index(op.f("ix_need_park_id"), "need", ["park_id"], unique=False)
    op.create_index(op.f("ix_need_source_id"), "need", ["source_id"], unique=False)
    op.create_index(
        op.f("ix_need_status_created_at"), "need", ["status", "created_at"], unique=False
    )

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("region", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(role IN ('manager', 'bank_admin')) = (bank_id IS NOT NULL)",
            name=op.f("ck_staff_bank_roles"),
        ),
        sa.CheckConstraint(
            "role IN ('manager', 'bank_admin', 'coordinator', 'admin')", name=op.f("ck_staff_role")
        ),
        sa.ForeignKeyConstraint(["bank_id"], ["bank.id"], name=op.f("fk_staff_bank_id_bank")),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_staff_branch_id_branch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_staff_telegram_user_id")),
    )
    op.create_index(op.f("ix_staff_bank_id"), "staff", ["bank_id"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_api_token_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_staff_id"), "api_token", ["staff_id"], unique=False)

    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("existing_bank", sa.Boolean(), nullable=False),
        sa.Column("claimed", sa.Boolean(), nullable=False),
        sa.Column("accept_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contact_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decide_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("final_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadlines_estimated", sa.Boolean(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("credit_granted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("loan_issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("credit_amount_yuan", sa.BigInteger(), nullable=True),
        sa.Column("credit_rate_pct", sa.Numeric(precision=6, scale=3), nullable=True),
        sa.Column("credit_product", sa.String(length=100), nullable=True),
        sa.Column("loan_amount_yuan", sa.BigInteger(), nullable=True),
        sa.Column("decline_reason", sa.String(length=20), nullable=True),
        sa.Column("decline_detail", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decline_reason IS NULL OR decline_reason IN ('firm_reason', 'bank_service', 'other')",
            name=op.f("ck_assignment_decline_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('offered', 'accepted', 'contacted', 'visited', 'credit_granted', 'loan_issued', 'declined', 'expired', 'withdrawn')",
            name=op.f("ck_assignment_status"),
        ),
        sa.ForeignKeyConstraint(["bank_id"], ["bank.id"], name=op.f("fk_assignment_bank_id_bank")),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_assignment_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["staff.id"], name=op.f("fk_assignment_manager_id_staff")
        ),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_assignment_need_id_need")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
        sa.UniqueConstraint("need_id", "bank_id", name=op.f("uq_assignment_need_id_bank_id")),
    )
    op.create_index(
        op.f("ix_assignment_bank_id_status"), "assignment", ["bank_id", "status"], unique=False
    )
    op.create_index(
        op.f("ix_assignment_manager_id_status"),
        "assignment",
        ["manager_id", "status"],
        unique=False,
    )
    op.create_index(op.f("ix_assignment_need_id"), "assignment", ["need_id"], unique=False)
    op.create_index(
        op.f("ix_assignment_status_accept_by"), "assignment", ["status", "accept_by"], unique=False
    )
    op.create_index(op.f("ix_assignment_updated_at"), "assignment", ["updated_at"], unique=False)

    op.create_table(
        "candidate",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("existing", sa.Boolean(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["bank.id"], name=op.f("fk_candidate_bank_id_bank")),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_candidate_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["need_id"], ["need.id"], name=op.f("fk_candidate_need_id_need"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("need_id", "bank_id", name=op.f("pk_candidate")),
    )
    op.create_index(
        op.f("ix_candidate_bank_id_need_id"), "candidate", ["bank_id", "need_id"], unique=False
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "(need_id IS NULL) <> (staff_id IS NULL)", name=op.f("ck_outbox_one_recipient")
        ),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_outbox_need_id_need")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_outbox_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index(
        op.f("ix_outbox_sent_at_next_attempt_at"),
        "outbox",
        ["sent_at", "next_attempt_at"],
        unique=False,
    )

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_staff_id", sa.Integer(), nullable=True),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "actor_kind IN ('staff', 'firm', 'system')", name=op.f("ck_event_actor_kind")
        ),
        sa.ForeignKeyConstraint(
            ["actor_staff_id"], ["staff.id"], name=op.f("fk_event_actor_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignment.id"], name=op.f("fk_event_assignment_id_assignment")
        ),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_event_need_id_need")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    op.create_index(op.f("ix_event_assignment_id"), "event", ["assignment_id"], unique=False)
    op.create_index(op.f("ix_event_at"), "event", ["at"], unique=False)
    op.create_index(op.f("ix_event_need_id"), "event", ["need_id"], unique=False)

    op.create_table(
        "lead_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignment.id"], name=op.f("fk_lead_note_assignment_id_assignment")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_lead_note_event_id_event")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_note")),
    )
    op.create_index(
        op.f("ix_lead_note_assignment_id"), "lead_note", ["assignment_id"], unique=False
    )
    _make_event_log_append_only()


def _make_event_log_append_only() -> None:
    """The event log is history: the database itself refuses to change or delete a row of it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event "
            "FOR EACH ROW EXECUTE FUNCTION event_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER event_no_{action.lower()} BEFORE {action} ON event "
                "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER event_append_only ON event")
        op.execute("DROP FUNCTION event_append_only()")
    op.drop_index(op.f("ix_lead_note_assignment_id"), "lead_note")
    op.drop_table("lead_note")
    op.drop_index(op.f("ix_event_need_id"), "event")
    op.drop_index(op.f("ix_event_at"), "event")
    op.drop_index(op.f("ix_event_assignment_id"), "event")

    op.drop_table("event")
    op.drop_index(op.f("ix_outbox_sent_at_next_attempt_at"), "outbox")

    op.drop_table("outbox")
    op.drop_index(op.f("ix_candidate_bank_id_need_id"), "candidate")

    op.drop_table("candidate")
    op.drop_index(op.f("ix_assignment_updated_at"), "assignment")
    op.drop_index(op.f("ix_assignment_status_accept_by"), "assignment")
    op.drop_index(op.f("ix_assignment_need_id"), "assignment")
    op.drop_index(op.f("ix_assignment_manager_id_status"), "assignment")
    op.drop_index(op.f("ix_assignment_bank_id_status"), "assignment")

    op.drop_table("assignment")
    op.drop_index(op.f("ix_api_token_staff_id"), "api_token")

    op.drop_table("api_token")
    op.drop_index(op.f("ix_staff_bank_id"), "staff")

    op.drop_table("staff")
    op.drop_index(op.f("ix_need_status_created_at"), "need")
    op.drop_index(op.f("ix_need_source_id"), "need")
    op.drop_index(op.f("ix_need_park_id"), "need")
    op.drop_index(op.f("ix_need_enterprise_id"), "need")
    op.drop_index(op.f("ix_need_county"), "need")
    op.drop_index(op.f("ix_need_attention"), "need")

    op.drop_table("need")
    op.drop_table("park_partner")
    op.drop_index(op.f("ix_loan_product_bank_id"), "loan_product")

    op.drop_table("loan_product")
    op.drop_index(op.f("ix_enterprise_name_key"), "enterprise")

    op.drop_table("enterprise")
    op.drop_table("conversation")
    op.drop_index(op.f("ix_branch_bank_id"), "branch")

    op.drop_table("branch")
    op.drop_table("setting")
    op.drop_table("qr_source")
    op.drop_index(op.f("ix_park_county"), "park")

    op.drop_table("park")
    op.drop_table("guarantee_product")
    op.drop_index(op.f("ix_campaign_entry_uscc"), "campaign_entry")
    op.drop_index(op.f("ix_campaign_entry_list_code"), "campaign_entry")

    op.drop_table("campaign_entry")
    op.drop_table("bank")
