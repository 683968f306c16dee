"""The shape of a catalog file, as pydantic models: what each entry may and must say."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from matching.amounts import parse_amount
from matching.errors import AmountError
from matching.model import Collateral, EntityType, Purpose, Tag
from matching.regions import canonical_city, canonical_county


def _yuan(value: Any) -> int:
    try:
        return parse_amount(value)
    except AmountError as err:
        raise ValueError(err.render("en")) from None


def _percent(value: Any) -> Decimal:
    text = str(value).strip().removesuffix("%")
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a percentage: {value!r} (write e.g. 0.3%)") from None
    if not 0 <= rate <= 10:
        raise ValueError(f"fee rate {value!r} is outside 0%–10%")
    return rate


def _city(value: Any) -> str:
    city = canonical_city(str(value))
    if city is None:
        raise ValueError(f"unknown city {value!r}")
    return city


def _region(value: Any) -> str:
    region = canonical_city(str(value)) or canonical_county(str(value))
    if region is None:
        raise ValueError(f"unknown city or county {value!r}")
    return region


Yuan = Annotated[int, BeforeValidator(_yuan)]
Percent = Annotated[Decimal, BeforeValidator(_percent)]
City = Annotated[str, BeforeValidator(_city)]
Region = Annotated[str, BeforeValidator(_region)]
ALL_ENTITY_TYPES = list(EntityType)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BranchIn(_Entry):
    code: str
    name: str
    city: City
    county: str


class BankIn(_Entry):
    code: str = Field(pattern=r"^[a-z0-9_-]+$")
    name: str
    aliases: list[str] = []
    service_area: list[Region] = []
    branches: list[BranchIn] = Field(min_length=1)


class LeadBranchIn(_Entry):
    branch: str  # a branch code of one of the park's partner banks
    since: date
    contact: str = Field("", max_length=40)
    phone: str = Field("", max_length=20)


class ParkIn(_Entry):
    code: str
    name: str
    city: City
    county: str
    stars: int = Field(ge=1, le=5)
    partner_banks: list[str] = Field(min_length=3, max_length=5)
    lead_branch: LeadBranchIn | None = None  # 主办支行


class CollateralIn(_Entry):
    required: bool = False
    accepted: list[Collateral] = []


class ProductIn(_Entry):
    code: str
    bank: str
    name: str
    amount: tuple[Yuan, Yuan]
    entity_types: list[EntityType] = ALL_ENTITY_TYPES
    purposes: list[Purpose] = Field(min_length=1)
    max_term_months: int = Field(gt=0, le=360)
    collateral: CollateralIn = CollateralIn()
    requires_any_tag: list[Tag] = []
    regions: list[Region] = []
    exclusive_group: str | None = None
    needs_guarantee: bool = False
    existing_customers_only: bool = False
    min_months_operating: int = Field(0, ge=0, le=240)
    rate: str = ""


class GuaranteeIn(_Entry):
    code: str
    name: str
    guarantor: str
    amount_cap: Yuan
    tag_caps: dict[Tag, Yuan] = {}
    fee_rate: Percent
    entity_types: list[EntityType] = ALL_ENTITY_TYPES
    purposes: list[Purpose] = Field(min_length=1)
    requires_any_tag: list[Tag] = []
    regions: list[Region] = []
    note: str = ""
    backs_loans: bool = True


class CatalogIn(_Entry):
    sample: bool = False
    note: str = ""
    templates: dict[str, Any] = {}  # YAML anchors merged into entries; not read otherwise
    banks: list[BankIn] = Field(min_length=1)
    parks: list[ParkIn] = []
    products: list[ProductIn] = []
    guarantees: list[GuaranteeIn] = []
