"""Firms, campaign lists, park rosters, the QR codes firms scan, and their bot conversations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from db.core.vocabulary import QrKind
from db.models.base import at_column, code_column, json_column, one_of
from matching.model import EntityType


class Enterprise(SQLModel, table=True):
    """A firm that registered a need. Name and USCC are erased when it withdraws consent."""

    __tablename__ = "enterprise"
    __table_args__ = (CheckConstraint(one_of("entity_type", EntityType), name="entity_type"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # the name's core, to find the same firm again: 浙江蓝宇新材料有限公司 → 蓝宇新材料
    name_key: str = Field(max_length=200, index=True)
    uscc: str | None = Field(default=None, max_length=18, unique=True)
    entity_type: str = Field(sa_column=code_column())
    city: str = Field(max_length=40)
    county: str = Field(default="", max_length=40)
    park_id: int | None = Field(default=None, foreign_key="park.id")
    industry: str = Field(default="", max_length=100)
    tags: list[str] = Field(default_factory=list, sa_column=json_column())
    months_operating: int | None = None
    created_at: datetime = Field(sa_column=at_column())
    updated_at: datetime = Field(sa_column=at_column())
    erased_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))


class CampaignEntry(SQLModel, table=True):
    """A firm on a campaign list such as 百行进万企 (001 §六), as imported."""

    __tablename__ = "campaign_entry"

    id: int | None = Field(default=None, primary_key=True)
    list_code: str = Field(max_length=60, index=True)
    line: int  # the line of the imported file, to trace an entry back to its source
    name: str = Field(max_length=200)
    uscc: str | None = Field(default=None, max_length=18, index=True)
    city: str = Field(default="", max_length=40)
    county: str = Field(default="", max_length=40)
    no_loan: bool = False  # 无贷户
    single_bank: bool = False  # borrows from one bank only
    imported_at: datetime = Field(sa_column=at_column())


class RosterFirm(SQLModel, table=True):
    """A firm on a park's roster (入园企业名录, 001 §一), as imported: the base a park's credit
    coverage and its 分类建档 ledger count on, whether or not the firm ever registered here."""

    __tablename__ = "roster_firm"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("park.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    line: int  # the line of the imported file, to trace an entry back to its source
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, index=True)  # as Enterprise.name_key, to link them
    uscc: str | None = Field(default=None, max_length=18, index=True)
    entity_type: str = Field(default="", max_length=40)  # an EntityType value, "" when not given
    industry: str = Field(default="", max_length=100)
    existing_banks: list[str] = Field(default_factory=list, sa_column=json_column())
    existing_credit_yuan: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    contact_name: str = Field(default="", max_length=40)
    phone: str = Field(default="", max_length=40)
    # the park's own survey: True has a financing need, False none, None not asked
    has_need: bool | None = None
    imported_at: datetime = Field(sa_column=at_column())


class QrSource(SQLModel, table=True):
    """A loan QR code (贷款码): an opaque token and what it stands for."""

    __tablename__ = "qr_source"
    __table_args__ = (CheckConstraint(one_of("kind", QrKind), name="kind"),)

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True)
    kind: str = Field(sa_column=code_column())
    target: str = Field(max_length=100)  # park or branch code, staff id, campaign or event name
    label: str = Field(max_length=200)
    active: bool = True
    created_at: datetime = Field(sa_column=at_column())


class Scan(SQLModel, table=True):
    """A conversation started from a QR code: the top of that code's funnel (scanned, then
    consented). Anonymous: it says which code and when, never who."""

    __tablename__ = "scan"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="qr_source.id", index=True)
    scanned_at: datetime = Field(sa_column=at_column())
    consented_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))


class Conversation(SQLModel, table=True):
    """One chat's conversation with the bot, kept here so a restart loses nothing."""

    __tablename__ = "conversation"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    step: str = Field(max_length=40)
    draft: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    language: str = Field(default="zh", max_length=5)
    last_update_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    version: int = 0  # optimistic lock: a write must name the version it read
    source_id: int | None = Field(default=None, foreign_key="qr_source.id")
    created_at: datetime = Field(sa_column=at_column())
    updated_at: datetime = Field(sa_column=at_column())
