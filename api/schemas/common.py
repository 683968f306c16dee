"""What every resource's schemas share: times and days as ISO 8601 text (in China time in
answers), the request body base that forbids unknown fields and takes null as not given, the
error shape, and the small references (bank, manager, park, bilingual text)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)
from pydantic_core import PydanticCustomError

from matching.request import NullsAsAbsent, no_nul
from matching.workdays import FIRST_YEAR, LAST_YEAR, to_china_time, within_years

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]")


def _text_only(value: object) -> object:
    """A time comes as ISO 8601 text; a number is not taken for a Unix timestamp."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise PydanticCustomError("datetime_type", "give a time as ISO 8601 text with its offset")


_Day = TypeVar("_Day", bound=date)


def _in_years(value: _Day) -> _Day:
    """A day or a time within the years Yinqi takes (`matching.workdays.within_years`)."""
    if not within_years(value.year):
        raise PydanticCustomError(
            "year_range",
            "the year must be between {first} and {last}",
            {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


IsoTime = Annotated[AwareDatetime, BeforeValidator(_text_only), AfterValidator(_in_years)]
"""A moment with its offset, as ISO 8601 text (`2026-11-23T10:00:00+08:00`)."""

ChinaTime = Annotated[datetime, AfterValidator(to_china_time)]
"""A moment in an answer, in China time (`2026-11-24T17:30:00+08:00`): the offset the
managers and coordinators reading it live by, not UTC's `Z`."""

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day_only(value: object) -> object:
    """A day comes as ISO 8601 text (2026-11-23); a number is not taken for a timestamp."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.match(value)):
        return value
    raise PydanticCustomError("date_type", "give a day as ISO 8601 text: 2026-11-23")


IsoDate = Annotated[date, BeforeValidator(_day_only), AfterValidator(_in_years)]
"""A day, as ISO 8601 text (`2026-11-23`)."""


class BodyIn(NullsAsAbsent):
    model_config = ConfigDict(extra="forbid")

    _no_nul = field_validator("*", mode="before")(no_nul)


class ViewOut(BaseModel):
    """An answer read attribute by attribute from one of `db`'s read models
    (`Model.model_validate(view)`): a field names the attribute it shows, or its
    `validation_alias` does, so no schema copies a view field by field."""

    model_config = ConfigDict(from_attributes=True)


# --- errors ---


class ErrorBody(BaseModel):
    code: str = Field(examples=["limit_reached"], description="machine-readable, stable")
    message: str = Field(description="for people, in the language of `Accept-Language` (zh, en)")
    field: str | None = Field(None, examples=["reason_code"], description="the field at fault")


class ErrorOut(BaseModel):
    error: ErrorBody


# --- pieces ---


class Bilingual(ViewOut):
    zh: str
    en: str


class BankRef(ViewOut):
    code: str = Field(examples=["sxbank"])
    name: str = Field(examples=["绍兴银行"])


class ManagerRef(ViewOut):
    id: int
    name: str


class ParkRef(ViewOut):
    code: str = Field(examples=["xc-hitech"])
    name: str = Field(examples=["新昌高新技术产业园小微企业园"])
