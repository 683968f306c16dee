"""Reports for the coordination team: weekly progress, the key-problem list, park coverage, and
the Excel ledgers a coordinator forwards as they are. Coordinators see their region; admins
everything (or one region with `region`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response
from sqlmodel import Session

from api.core.deps import Caller, CallerDep, LangDep, Now, ReadSession, known_query
from api.routes import PREFIX, errors
from api.schemas.common import IsoDate
from api.schemas.reports import CoverageOut, ProblemsOut, ProgressOut
from api.workbooks import narrowed_focus, weekly_xlsx
from api.workbooks.annexes import ANNEXES, Annex, Ask, Takes
from db.core.errors import NotAllowed
from db.core.vocabulary import Channel, Role
from db.reports.coverage import coverage
from db.reports.problems import problems
from db.reports.progress import GroupBy, progress
from db.reports.scope import Period, ReportScope, narrowed
from matching.workdays import to_china_time

router = APIRouter(
    prefix=f"{PREFIX}/reports", tags=["reports"], dependencies=[Depends(known_query)]
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

From = Annotated[
    IsoDate | None,
    Query(alias="from", description="first day (China time); default: last week's Monday"),
]
To = Annotated[
    IsoDate | None, Query(description="last day, included; default: 6 days after `from`")
]
Region = Annotated[
    str | None,
    Query(max_length=40, description="(admin) only this city or county", examples=["绍兴"]),
]
ParkQ = Annotated[
    str | None,
    Query(max_length=40, description="only the needs of this park (its code)", examples=["yc-gxq"]),
]
SourceQ = Annotated[
    str | None,
    Query(max_length=64, description="only the needs that came through this QR code (its token)"),
]
ChannelQ = Annotated[
    Channel | None,
    Query(description="only the needs that came this way: bot (Telegram), web (the web chat a "
          "loan QR code opens), offline (registered in person)"),
]
QuarterQ = Annotated[str, Query(max_length=10, description="the quarter", examples=["2026Q4"])]
_XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {}}, "description": "the workbook"}
}


def narrowed_scope(
    session: Session,
    caller: Caller,
    region: str | None,
    park: str | None,
    source: str | None,
    channel: Channel | None = None,
) -> ReportScope:
    """The caller's scope (see `scope_of`), narrowed to a park, a QR code or a channel when
    asked; a park outside it, or an unknown code, answers 404."""
    found = narrowed(
        session, scope_of(caller, region), park=park, source=source,
        channel=channel.value if channel else None,
    )  # fmt: skip
    return found[0]


def scope_of(caller: Caller, region: str | None) -> ReportScope:
    """What the caller may count: a coordinator their region, an admin all or one region."""
    if caller.role is Role.ADMIN:
        return ReportScope.for_region(region)
    if caller.role is not Role.COORDINATOR:
        raise NotAllowed.of("coordinators_and_admins_only")
    if caller.region is None:  # a coordinator of nowhere sees nothing, not everything
        raise NotAllowed.of("report_no_region")
    return ReportScope(region=caller.region)


def period(first: date | None, last: date | None, now: datetime) -> tuple[date, date]:
    """The days asked for; by default last week, Monday to Sunday (China time)."""
    if first is None and last is None:
        today = to_china_time(now).date()
        first = today - timedelta(days=today.weekday() + 7)
    if first is None:
        assert last is not None
        first = last - timedelta(days=6)
    last = last or first + timedelta(days=6)
    Period.of(first, last)  # in order and not too long, as the dashboard asks
    return first, last


@router.get("/progress", response_model=ProgressOut, responses=errors(401, 403, 404, 422))
def progress_report(
    session: ReadSession,
    caller: CallerDep,
    now: Now,
    date_from: From = None,
    to: To = None,
    group_by: Annotated[GroupBy, Query(description="how to group the figures")] = GroupBy.BANK,
    region: Region = None,
    park: ParkQ = None,
    source: SourceQ = None,
    channel: ChannelQ = None,
) -> ProgressOut:
    """Weekly visit progress (百行进万企): needs, offers, acceptances, contacts, visits and the
    effective-visit ratio, first-loan ratio, online matching rate, credit granted and loans
    issued (count, amount), median hours to accept and to contact, missed deadlines."""
    first, last = period(date_from, to, now)
    report = progress(
        session,
        scope=narrowed_scope(session, caller, region, park, source, channel),
        date_from=first,
        date_to=last,
        group_by=group_by,
        now=now,
    )
    return ProgressOut.model_validate(report, context={"park": park, "source": source})


@router.get("/problems", response_model=ProblemsOut, responses=errors(401, 403, 404, 422))
def problem_list(
    session: ReadSession,
    caller: CallerDep,
    now: Now,
    date_from: From = None,
    to: To = None,
    region: Region = None,
    park: ParkQ = None,
    source: SourceQ = None,
    channel: ChannelQ = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="at most this many items")] = 1000,
) -> ProblemsOut:
    """The key-problem list: needs with no bank, failed standards, declines by reason code,
    expiries, each with its cause."""
    first, last = period(date_from, to, now)
    scope = narrowed_scope(session, caller, region, park, source, channel)
    found = problems(session, scope=scope, date_from=first, date_to=last, limit=limit)
    return ProblemsOut.model_validate(found, context={"park": park, "source": source})


@router.get("/coverage", response_model=CoverageOut, responses=errors(401, 403, 422))
def park_coverage(session: ReadSession, caller: CallerDep, region: Region = None) -> CoverageOut:
    """Per park: firms, firms with credit, and coverage against the star-rating target (≥ 70%
    for 4–5 stars, ≥ 60% for 3, ≥ 50% otherwise)."""
    return CoverageOut.model_validate(coverage(session, scope=scope_of(caller, region)))


def xlsx_response(data: bytes, name: str) -> Response:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


@dataclass(frozen=True, slots=True)
class Where:
    """The park or region an annex is asked for (what its `Takes` allows)."""

    park: str | None = None
    region: str | None = None


def _one_park(
    park: Annotated[str, Query(max_length=40, description="the park's code", examples=["yc-gxq"])],
) -> Where:
    return Where(park=park)


def _park_or_region(
    park: Annotated[
        str | None, Query(max_length=40, description="one park (default: every park in scope)")
    ] = None,
    region: Region = None,
) -> Where:
    return Where(park=park, region=region)


def _region(region: Region = None) -> Where:
    return Where(region=region)


_WHERE: dict[Takes, Callable[..., Where]] = {
    Takes.PARK: _one_park,
    Takes.PARK_OR_REGION: _park_or_region,
    Takes.REGION: _region,
}


def _annex_route(annex: Annex) -> None:
    """`GET /reports/<slug>.xlsx`: the annex for the caller's scope and a quarter."""

    def workbook(
        session: ReadSession,
        caller: CallerDep,
        now: Now,
        lang: LangDep,
        quarter: QuarterQ,
        where: Where,
    ) -> Response:
        scope = scope_of(caller, where.region)
        data = annex.make(session, Ask(scope, quarter, where.park, now, lang))
        return xlsx_response(data, annex.file_name(quarter, where.park or where.region))

    # the annex's own query parameters: set as an object, the module's annotations being text
    workbook.__annotations__["where"] = Annotated[Where, Depends(_WHERE[annex.takes])]

    statuses = (401, 403, 404, 422) if annex.takes is not Takes.REGION else (401, 403, 422)
    router.add_api_route(
        f"/{annex.slug}.xlsx",
        workbook,
        methods=["GET"],
        name=f"{annex.slug}_workbook",
        summary=f"附表{annex.number}",
        description=annex.doc,
        response_class=Response,
        responses={**_XLSX_RESPONSE, **errors(*statuses)},
    )


for _annex in ANNEXES:
    _annex_route(_annex)


@router.get(
    "/weekly.xlsx",
    response_class=Response,
    responses={**_XLSX_RESPONSE, **errors(401, 403, 404, 422)},
)
def weekly_workbook(
    session: ReadSession,
    caller: CallerDep,
    now: Now,
    lang: LangDep,
    date_from: From = None,
    to: To = None,
    region: Region = None,
    park: ParkQ = None,
    source: SourceQ = None,
    channel: ChannelQ = None,
) -> Response:
    """The weekly progress workbook (what `yinqi report weekly` writes): progress by bank, park,
    county and channel, the key problems and their causes, park coverage; narrowed to a park, a
    QR code or a channel when asked (named in its title)."""
    first, last = period(date_from, to, now)
    scope, focus = narrowed_focus(
        session, scope_of(caller, region), park=park, source=source,
        channel=channel.value if channel else None, lang=lang,
    )  # fmt: skip
    data = weekly_xlsx(
        session, scope=scope, date_from=first, date_to=last, now=now, lang=lang, focus=focus
    )
    return xlsx_response(data, f"weekly-{first}-{last}.xlsx")
