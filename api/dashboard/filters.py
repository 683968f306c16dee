"""The dashboard's filters, kept in the URL so a view can be shared: a week or a date range, a
city or county, a bank, a park, a QR source, a channel (bot, web, offline), and the language;
and the report scope they give a viewer, never wider than the viewer's own (a coordinator's
region, a bank admin's bank)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Final
from urllib.parse import urlencode

from sqlmodel import Session, select

from db.core.errors import InvalidInput, NotAllowed, NotFound
from db.core.vocabulary import Role
from db.models import Bank
from db.reports.scope import Period, ReportScope, check_year, narrowed
from db.staff.sessions import Viewer
from matching.i18n import DEFAULT_LANG, Lang
from matching.regions import city_of_county
from matching.workdays import to_china_time

TEXT_MAX: Final = 64
KEYS: Final = ("from", "to", "city", "county", "bank", "park", "source", "channel", "lang")


@dataclass(frozen=True, slots=True)
class Filters:
    """What the viewer asked to see; None: not narrowed by that."""

    date_from: date
    date_to: date
    city: str | None = None
    county: str | None = None
    bank: str | None = None  # bank code
    park: str | None = None  # park code
    source: str | None = None  # QR source token
    channel: str | None = None  # how needs came: bot, web, offline
    lang: Lang = DEFAULT_LANG

    @classmethod
    def parse(cls, query: Mapping[str, str], now: datetime) -> Filters:
        """From the URL's query: `week` (any day of it) or `from`/`to`; default last week."""
        lang = Lang.EN if query.get("lang") == "en" else DEFAULT_LANG
        week = _day(query.get("week"), "week")
        first, last = _day(query.get("from"), "from"), _day(query.get("to"), "to")
        if week is not None:
            first = week - timedelta(days=week.weekday())
            last = first + timedelta(days=6)
        if first is None and last is None:
            today = to_china_time(now).date()
            first = today - timedelta(days=today.weekday() + 7)
        if first is None:
            assert last is not None
            first = last - timedelta(days=6)
        last = last or first + timedelta(days=6)
        Period.of(first, last)  # in order and not too long, as the API asks
        texts = {
            k: _text(query.get(k)) for k in ("city", "county", "bank", "park", "source", "channel")
        }
        return cls(first, last, lang=lang, **texts)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before this one."""
        return replace(
            self,
            date_from=self.date_from - timedelta(days=self.days),
            date_to=self.date_from - timedelta(days=1),
        )

    def shifted(self, weeks: int) -> Filters:
        step = timedelta(weeks=weeks)
        return replace(self, date_from=self.date_from + step, date_to=self.date_to + step)

    def params(self, **changes: Any) -> dict[str, str]:
        """The query that gives this view (with `changes`; None drops a filter)."""
        values: dict[str, Any] = {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "city": self.city,
            "county": self.county,
            "bank": self.bank,
            "park": self.park,
            "source": self.source,
            "channel": self.channel,
            "lang": self.lang.value if self.lang is not DEFAULT_LANG else None,
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v is not None and v != ""}

    def query(self, **changes: Any) -> str:
        return urlencode(self.params(**changes))

    @property
    def narrowed(self) -> bool:
        return any((self.city, self.county, self.bank, self.park, self.source, self.channel))


def _day(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise InvalidInput.of("dashboard_bad_date", field=field, value=text[:20]) from None
    check_year(day.year, field)
    return day


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value[:TEXT_MAX] or None


@dataclass(frozen=True, slots=True)
class Narrowed:
    """The scope a viewer's filters give (region, bank, park, QR source), and the names of what
    they chose, for the page's titles."""

    scope: ReportScope
    park_name: str | None = None
    source_label: str | None = None
    bank_name: str | None = None


def own_scope(viewer: Viewer) -> ReportScope:
    """What the viewer may see at all, as the API's reports allow it."""
    if viewer.role is Role.ADMIN:
        return ReportScope()
    if viewer.role is Role.BANK_ADMIN:
        return ReportScope(bank_id=viewer.bank_id)
    if viewer.role is not Role.COORDINATOR:
        raise NotAllowed.of("dashboard_not_for_managers")
    if viewer.region is None:  # a coordinator of nowhere sees nothing, not everything
        raise NotAllowed.of("report_no_region")
    return ReportScope(region=viewer.region)


def narrow(session: Session, viewer: Viewer, filters: Filters) -> Narrowed:
    """The scope of the viewer's own narrowed by the filters; a filter reaching outside it
    is refused (a park or bank elsewhere is "not found", as the API answers)."""
    own = own_scope(viewer)
    region = own.region
    asked = filters.county or filters.city
    if asked is not None:
        wanted = ReportScope.for_region(asked).region
        assert wanted is not None
        if own.region is not None and own.region not in (wanted, city_of_county(wanted)):
            raise NotAllowed.of("dashboard_region_outside", region=asked)
        region = wanted
    bank_id, bank_name = own.bank_id, None
    if filters.bank is not None:
        bank = session.exec(select(Bank).where(Bank.code == filters.bank)).first()
        if bank is None or (own.bank_id is not None and bank.id != own.bank_id):
            raise NotFound.of("dashboard_unknown_bank", bank=filters.bank)
        bank_id, bank_name = bank.id, bank.name
    scope, park, source = narrowed(
        session,
        ReportScope(region=region, bank_id=bank_id),
        park=filters.park,
        source=filters.source,
        channel=filters.channel,
    )
    park_name = park.name if park is not None else None
    source_label = source.label if source is not None else None
    return Narrowed(scope, park_name, source_label, bank_name)
