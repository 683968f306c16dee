"""Catalog tables: banks, branches, parks and their partner banks, loan and guarantee products."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Numeric
from sqlmodel import Field, SQLModel

from db.models.base import json_column


class Bank(SQLModel, table=True):
    __tablename__ = "bank"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=100)
    aliases: list[str] = Field(default_factory=list, sa_column=json_column())
    service_area: list[str] = Field(default_factory=list, sa_column=json_column())


class Branch(SQLModel, table=True):
    __tablename__ = "branch"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    bank_id: int = Field(foreign_key="bank.id", index=True)
    name: str = Field(max_length=100)
    city: str = Field(max_length=40)
    county: str = Field(max_length=40)


class Park(SQLModel, table=True):
    """A small/micro enterprise park (小微企业园) with its star rating."""

    __tablename__ = "park"
    __table_args__ = (CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=100)
    city: str = Field(max_length=40)
    county: str = Field(max_length=40, index=True)
    stars: int


class ParkPartner(SQLModel, table=True):
    """A partner bank of a park (伙伴银行, 000 §四), in the park's order."""

    __tablename__ = "park_partner"

    park_id: int = Field(
        sa_column=Column(Integer, ForeignKey("park.id", ondelete="CASCADE"), primary_key=True)
    )
    bank_id: int = Field(foreign_key="bank.id", primary_key=True)
    position: int


class ParkLead(SQLModel, table=True):
    """A park's lead branch (主办支行, 000 §四): a partner bank's branch that leads the park's
    service, since when, and whom the park and the regulator call there."""

    __tablename__ = "park_lead"

    park_id: int = Field(
        sa_column=Column(Integer, ForeignKey("park.id", ondelete="CASCADE"), primary_key=True)
    )
    branch_id: int = Field(foreign_key="branch.id")
    since: date
    contact: str = Field(default="", max_length=40)
    phone: str = Field(default="", max_length=20)


class LoanProduct(SQLModel, table=True):
    __tablename__ = "loan_product"
    __table_args__ = (
        CheckConstraint("amount_min_yuan <= amount_max_yuan", name="amount_range"),
        CheckConstraint("max_term_months > 0", name="term"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    bank_id: int = Field(foreign_key="bank.id", index=True)
    name: str = Field(max_length=100)
    amount_min_yuan: int
    amount_max_yuan: int
    entity_types: list[str] = Field(default_factory=list, sa_column=json_column())
    purposes: list[str] = Field(default_factory=list, sa_column=json_column())
    max_term_months: int
    collateral_required: bool = False
    collateral_accepted: list[str] = Field(default_factory=list, sa_column=json_column())
    requires_any_tag: list[str] = Field(default_factory=list, sa_column=json_column())
    regions: list[str] = Field(default_factory=list, sa_column=json_column())
    exclusive_group: str | None = Field(default=None, max_length=60)
    needs_guarantee: bool = False
    existing_customers_only: bool = False
    min_months_operating: int = 0
    rate: str = Field(default="", max_length=200)


class GuaranteeProduct(SQLModel, table=True):
    """A government guarantee product (政府性融资担保: 科创专项保, 乡村振兴·农户保 …)."""

    __tablename__ = "guarantee_product"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=100)
    guarantor: str = Field(max_length=100)
    amount_cap_yuan: int
    fee_rate_pct: Decimal = Field(sa_column=Column(Numeric(6, 3), nullable=False))
    entity_types: list[str] = Field(default_factory=list, sa_column=json_column())
    purposes: list[str] = Field(default_factory=list, sa_column=json_column())
    requires_any_tag: list[str] = Field(default_factory=list, sa_column=json_column())
    regions: list[str] = Field(default_factory=list, sa_column=json_column())
    tag_caps: dict[str, int] = Field(default_factory=dict, sa_column=json_column())
    note: str = Field(default="", max_length=500)
    backs_loans: bool = True


class Setting(SQLModel, table=True):
    """Small facts about the database itself (the catalog's version, whether it is sample data)."""

    __tablename__ = "setting"

    key: str = Field(max_length=60, primary_key=True)
    value: str = Field(max_length=200)
