"""A match request as operators and clients send it (JSON), checked field by field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from matching.amounts import DEFAULT_MAX_YUAN, parse_amount
from matching.catalog import Catalog
from matching.errors import InputError, MatchingError
from matching.i18n import Text
from matching.model import Collateral, EntityType, Firm, Need, Purpose, Standards, Tag
from matching.regions import canonical_city, canonical_county, city_of_county
from matching.rules import uscc_fits_entity
from matching.uscc import parse_uscc


def no_nul(value: Any) -> Any:
    """Refuse text holding a NUL character (\\u0000): no person types one, and PostgreSQL cannot
    store it. For a `field_validator("*", mode="before")`."""
    texts = value if isinstance(value, list | tuple) else (value,)
    if any(isinstance(text, str) and "\x00" in text for text in texts):
        raise PydanticCustomError("nul_character", "text must not contain a NUL character")
    return value


class NullsAsAbsent(BaseModel):
    """JSON clients send `null` for a field they leave out: an optional field that is null is
    taken as not given (its default), and the JSON schema says that null is allowed there. A
    required field that is null is still refused, as missing."""

    @model_validator(mode="before")
    @classmethod
    def _nulls_absent(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {
            k: v
            for k, v in data.items()
            if v is not None or k not in fields or fields[k].is_required()
        }

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        required = set(target.get("required", ()))
        properties = target.get("properties", {})
        for name, prop in properties.items():
            if name not in required and not _takes_null(prop):
                outer = {k: prop.pop(k) for k in _OUTER_KEYS if k in prop}
                properties[name] = {"anyOf": [prop, {"type": "null"}], **outer}
        return schema


_OUTER_KEYS = ("title", "description", "default", "examples")


def _takes_null(prop: dict[str, Any]) -> bool:
    kinds = prop.get("type")
    return (
        kinds == "null"
        or (isinstance(kinds, list) and "null" in kinds)
        or any(_takes_null(p) for p in prop.get("anyOf", ()))
    )


class _Strict(NullsAsAbsent):
    model_config = ConfigDict(extra="forbid", frozen=True)

    _no_nul = field_validator("*", mode="before")(no_nul)


_YUAN: Any = {
    "description": "yuan as a number, or as people type it (500万, 0.5亿); at most 10亿",
    "maximum": DEFAULT_MAX_YUAN,  # numbers only: `parse_amount` holds text to it too
}


class FirmIn(_Strict):
    entity_type: EntityType
    name: str = Field("", max_length=200)
    uscc: str = Field("", max_length=40)
    city: str = Field("", max_length=40)
    county: str = Field("", max_length=40)
    park: str = Field("", max_length=100)
    industry: str = Field("", max_length=100)
    tags: list[Tag] = []
    existing_banks: list[str] = Field([], max_length=50)
    existing_credit_yuan: StrictInt | StrictFloat | StrictStr = Field(0, json_schema_extra=_YUAN)
    months_operating: StrictInt | None = Field(None, ge=0, le=1200)


class NeedIn(_Strict):
    amount: StrictInt | StrictFloat | StrictStr = Field(json_schema_extra=_YUAN)
    purpose: Purpose
    term_months: StrictInt = Field(12, ge=1, le=360)
    collateral: list[Collateral] = [Collateral.NONE]
    products: list[str] = Field([], max_length=10)


class StandardsIn(_Strict):
    compliant_operation: StrictBool
    fixed_premises: StrictBool
    real_need: StrictBool
    good_credit: StrictBool
    lawful_purpose: StrictBool


class RequestIn(_Strict):
    firm: FirmIn
    need: NeedIn
    standards: StandardsIn
    loads: dict[str, Annotated[StrictInt, Field(ge=0)]] = {}
    live_banks: list[str] = Field([], max_length=20)
    rotation: StrictInt | None = None
    assigned_at: AwareDatetime | None = None

    @field_validator("assigned_at")
    @classmethod
    def _plausible_time(cls, value: datetime | None) -> datetime | None:
        if value is not None and not 2000 <= value.year <= 2100:
            raise ValueError("assigned_at must lie between the years 2000 and 2100")
        return value


@dataclass(frozen=True, slots=True)
class MatchRequest:
    firm: Firm
    need: Need
    standards: Standards
    loads: Mapping[str, int]
    live_banks: frozenset[str]
    rotation: int | None
    assigned_at: datetime | None = None


def parse_request(data: Any) -> MatchRequest:
    """Check a decoded JSON request; every error names the field (`need.amount`)."""
    try:
        raw = RequestIn.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "request"
        raise InputError("request.invalid", describe_problem(first), field=field) from None
    return MatchRequest(
        firm=_firm(raw.firm),
        need=_need(raw.need),
        standards=Standards(**raw.standards.model_dump()),
        loads=dict(raw.loads),
        live_banks=frozenset(raw.live_banks),
        rotation=raw.rotation,
        assigned_at=raw.assigned_at,
    )


_PROBLEMS = {
    "missing": "request.missing",
    "extra_forbidden": "request.unknown_field",
    "enum": "request.not_one_of",
    "string_too_long": "request.too_long",
    "too_long": "request.too_many",
    "bool_type": "request.not_boolean",
    "int_type": "request.not_number",
    "int_parsing": "request.not_number",
    "greater_than_equal": "request.too_small",
    "less_than_equal": "request.too_large",
    "model_type": "request.not_object",
    "dict_type": "request.not_object",
    "list_type": "request.not_list",
    "model_attributes_type": "request.not_object",
    "nul_character": "error.nul_character",
    "timezone_aware": "error.naive_time",
    "datetime_type": "request.not_time",
    "datetime_parsing": "request.not_time",
    "datetime_from_date_parsing": "request.not_time",
    "date_type": "request.not_day",
    "date_parsing": "request.not_day",
    "date_from_datetime_parsing": "request.not_day",
    "date_from_datetime_inexact": "request.not_day",
    "year_range": "error.year_range",
    "greater_than": "request.above",
    "less_than": "request.below",
    "string_too_short": "request.too_short",
    "too_short": "request.too_few",
    "string_type": "request.not_text",
    "float_type": "request.not_decimal",
    "float_parsing": "request.not_decimal",
    "decimal_type": "request.not_decimal",
    "decimal_parsing": "request.not_decimal",
}


_PARAMS = ("expected", "max_length", "min_length", "ge", "le", "gt", "lt", "first", "last")


def describe_problem(error: Any) -> Text:
    """A pydantic error in the catalog's words (its English message for the rare others)."""
    key = _PROBLEMS.get(error["type"])
    if key is None:
        return Text.of("request.invalid", problem=error["msg"])
    ctx = error.get("ctx") or {}
    return Text.of(key, **{k: ctx[k] for k in _PARAMS if k in ctx})


def _firm(raw: FirmIn) -> Firm:
    city, county = _place(raw.city, raw.county)
    uscc = _uscc(raw.uscc, raw.entity_type) if raw.uscc.strip() else ""
    return Firm(
        entity_type=raw.entity_type,
        name=raw.name.strip(),
        uscc=uscc,
        city=city,
        county=county,
        park=raw.park.strip(),
        industry=raw.industry.strip(),
        tags=frozenset(raw.tags),
        existing_banks=tuple(b.strip() for b in raw.existing_banks if b.strip()),
        existing_credit_yuan=_yuan(
            raw.existing_credit_yuan, "firm.existing_credit_yuan", zero_ok=True
        ),
        months_operating=raw.months_operating,
    )


def _uscc(typed: str, entity_type: EntityType) -> str:
    """A valid USCC whose registrant category agrees with the entity type the firm chose."""
    try:
        uscc = parse_uscc(typed)
    except MatchingError as err:
        raise err.with_field("firm.uscc") from None
    if not uscc_fits_entity(uscc, entity_type):
        raise InputError.of(
            "uscc.entity_mismatch",
            "uscc.entity_mismatch",
            field="firm.uscc",
            entity=Text.of(f"entity.{entity_type.value}"),
            actual=Text.of(f"uscc.category.{uscc.category.value}"),
        )
    return uscc.code


def _place(city_typed: str, county_typed: str) -> tuple[str, str]:
    city = canonical_city(city_typed) if city_typed.strip() else None
    if city_typed.strip() and city is None:
        raise InputError.of(
            "region.unknown_city", "region.unknown_city", field="firm.city", city=city_typed
        )
    county = ""
    if county_typed.strip():
        found = canonical_county(county_typed, city)
        if found is None or (city is not None and city_of_county(found) != city):
            key = "region.unknown_county_in_city" if city else "region.unknown_county"
            raise InputError.of(
                "region.unknown_county", key, field="firm.county", county=county_typed, city=city
            )
        county = found
        city = city or city_of_county(found)
    if city is None:
        raise InputError.of("region.missing", "region.missing", field="firm.city")
    return city, county


def _need(raw: NeedIn) -> Need:
    collateral = frozenset(raw.collateral) or frozenset({Collateral.NONE})
    return Need(
        amount_yuan=_yuan(raw.amount, "need.amount"),
        purpose=raw.purpose,
        term_months=raw.term_months,
        collateral=collateral,
        products=tuple(p.strip() for p in raw.products if p.strip()),
    )


def _yuan(value: int | float | str, field: str, *, zero_ok: bool = False) -> int:
    if zero_ok and isinstance(value, str) and not value.strip():
        return 0
    try:
        return parse_amount(value)
    except MatchingError as err:
        if zero_ok and err.code == "amount.zero":  # "0", "0元", "0万": no credit yet
            return 0
        raise err.with_field(field) from None


def check_codes(request: MatchRequest, catalog: Catalog) -> None:
    """Bank codes a client sends (`live_banks`, `loads`) must be the catalog's."""
    for field, codes in (
        ("live_banks", sorted(request.live_banks)),
        ("loads", sorted(request.loads)),
    ):
        for code in codes:
            if code not in catalog.bank_by_code:
                raise InputError.of(
                    "request.unknown_bank_code",
                    "request.unknown_bank_code",
                    field=field,
                    bank_code=code,
                )
