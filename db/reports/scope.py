"""Who a report is for and which days it covers: a coordinator sees their region (a city or a
county), a bank its own leads, an admin everything; a period is whole days in China time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, NamedTuple

from sqlalchemy import bindparam, or_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from db.core.errors import InvalidInput, NotAllowed, NotFound
from db.core.vocabulary import Channel, Role
from db.models import Assignment, Need, Park, QrSource, Staff
from matching.regions import canonical_city, canonical_county
from matching.workdays import CHINA_TZ, FIRST_YEAR, LAST_YEAR, within_years


def check_year(year: int, field: str) -> None:
    """Refuse a day or a quarter outside the years Yinqi takes (`within_years`), naming the
    field: date arithmetic near year 1 or 9999 would overflow."""
    if not within_years(year):
        raise InvalidInput.of("year_range", field=field, first=FIRST_YEAR, last=LAST_YEAR)


@dataclass(frozen=True, slots=True)
class ReportScope:
    """What a report may count: needs of one region (a city or county name, as needs record
    them) or of all; leads of one bank or of all; and, narrower still, the needs of one park, of
    one QR source, or of one channel (`bot`, `web`, `offline`: a lead carries its need's park,
    source and channel)."""

    region: str | None = None
    bank_id: int | None = None
    park_id: int | None = None
    source_id: int | None = None
    channel: str | None = None

    @classmethod
    def of(cls, staff: Staff) -> ReportScope:
        """What a staff member may see: a coordinator their region, bank staff their bank."""
        role = Role(staff.role)
        if role is Role.ADMIN:
            return cls()
        if role.of_a_bank:
            return cls(bank_id=staff.bank_id)
        if staff.region is None:  # a coordinator of nowhere sees nothing, not everything
            raise NotAllowed.of("report_no_region")
        return cls(region=staff.region)

    @classmethod
    def for_region(cls, region: str | None) -> ReportScope:
        """A region as typed (绍兴, 新昌县) made canonical; None or blank: everywhere."""
        if region is None or not region.strip():
            return cls()
        found = canonical_city(region.strip()) or canonical_county(region.strip())
        if found is None:
            raise InvalidInput.of("unknown_region", field="region", region=region)
        return cls(region=found)


def narrowed(
    session: Session,
    scope: ReportScope,
    *,
    park: str | None = None,
    source: str | None = None,
    channel: str | None = None,
) -> tuple[ReportScope, Park | None, QrSource | None]:
    """The scope narrowed to one park (by its code), to one QR code (by its token) and to one
    channel, with the park and the code it names. A park outside the scope's region, or an
    unknown code, is "not found", as an id of another's is; an unknown channel is refused."""
    found_park = found_source = None
    if channel is not None:
        if channel not in tuple(Channel):
            allowed = ", ".join(Channel)
            raise InvalidInput.of("report_channel", field="channel", allowed=allowed)
        scope = replace(scope, channel=channel)
    if park is not None:
        found_park = session.exec(select(Park).where(col(Park.code) == park)).first()
        region = scope.region
        if found_park is None or region not in (None, found_park.city, found_park.county):
            raise NotFound.of("unknown_park", park=park)
        scope = replace(scope, park_id=found_park.id)
    if source is not None:
        found_source = session.exec(select(QrSource).where(col(QrSource.token) == source)).first()
        if found_source is None:
            raise NotFound.of("unknown_qr_token", token=source)
        scope = replace(scope, source_id=found_source.id)
    return scope, found_park, found_source


class ScopeShape(NamedTuple):
    """Which of a scope's narrowings are set: what a report's statements depend on, their
    values being bound (`bound`, `scope_values`), so that one built for a shape serves every
    scope of it."""

    region: bool
    bank: bool
    park: bool
    source: bool
    channel: bool

    @classmethod
    def of(cls, scope: ReportScope) -> ScopeShape:
        return cls(*(getattr(scope, f) is not None for f in _SCOPE_FIELDS))

    def bound(self) -> ReportScope:
        """A scope of this shape whose values are bound parameters, to build statements on."""
        return ReportScope(
            *(
                _BOUND[f] if narrowed else None
                for f, narrowed in zip(_SCOPE_FIELDS, self, strict=True)
            )
        )


_SCOPE_FIELDS: Final = ("region", "bank_id", "park_id", "source_id", "channel")
_BOUND: Final[dict[str, Any]] = {f: bindparam(f"scope_{f}") for f in _SCOPE_FIELDS}


def scope_values(scope: ReportScope) -> dict[str, Any]:
    """The bound values of a statement built on `ScopeShape.of(scope).bound()`."""
    return {f"scope_{f}": getattr(scope, f) for f in _SCOPE_FIELDS if getattr(scope, f) is not None}


def in_scope(scope: ReportScope, *, leads: bool = True) -> list[ColumnElement[bool]]:
    """Conditions that keep a query in scope: on `assignment` when `leads` (a lead carries its
    need's city, county, park and source), else on `need`."""
    where: list[ColumnElement[bool]] = []
    place = Assignment if leads else Need
    if scope.region is not None:
        where.append(or_(col(place.city) == scope.region, col(place.county) == scope.region))
    if scope.park_id is not None:
        where.append(col(place.park_id) == scope.park_id)
    if scope.source_id is not None:
        where.append(col(place.source_id) == scope.source_id)
    if scope.channel is not None:
        where.append(col(place.channel) == scope.channel)
    if scope.bank_id is not None and leads:
        where.append(col(Assignment.bank_id) == scope.bank_id)
    return where


MAX_REPORT_DAYS: Final = 366
"""The longest period a report covers, both ends counted: a calendar year, a leap one included.
The coordination team reports weekly and monthly, files quarterly and sums up a year (001 §六,
000 §五); nothing it files spans more, and a longer period only costs the database."""


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days in China time, both ends included, at most `MAX_REPORT_DAYS` of them."""

    date_from: date
    date_to: date

    @classmethod
    def of(cls, date_from: date, date_to: date) -> Period:
        """The period the API, the dashboard and the CLI ask for: in order, and not too long."""
        if date_to < date_from:
            raise InvalidInput.of("report_dates", field="to", start=date_from, end=date_to)
        if (date_to - date_from).days + 1 > MAX_REPORT_DAYS:
            raise InvalidInput.of("report_too_long", field="to", days=MAX_REPORT_DAYS)
        return cls(date_from, date_to)

    @property
    def start(self) -> datetime:
        """The first moment of the period, in UTC."""
        return datetime.combine(self.date_from, time.min, tzinfo=CHINA_TZ).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the period, in UTC."""
        after = self.date_to + timedelta(days=1)
        return datetime.combine(after, time.min, tzinfo=CHINA_TZ).astimezone(UTC)


def within(moment: Any, period: Period) -> ColumnElement[bool]:
    """`moment` falls in the period."""
    condition: ColumnElement[bool] = (moment >= period.start) & (moment < period.end)
    return condition
