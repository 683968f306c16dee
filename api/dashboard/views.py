"""What each page's template is given: the gathered figures (`api/dashboard/overview.py`), the
charts drawn from them, the choices of the filter form, and the links to drill down."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from api.dashboard import charts
from api.dashboard.filters import Filters, Narrowed, narrow, own_scope
from api.dashboard.overview import Overview, figures, headlines, overview, trend
from api.dashboard.render import Words
from db.core.errors import NotAllowed, NotFound
from db.core.unit import Actor
from db.core.vocabulary import Channel, Role
from db.leads.queries import get_need
from db.models import MAX_ID, Bank, Park
from db.reports.dashboard import need_in_scope, overdue_leads, source_funnels, sources_placed
from db.reports.filings import filings
from db.reports.progress import GroupBy, ParkCoverage, Progress, coverage
from db.reports.scope import Period, ReportScope
from db.staff.sessions import Viewer
from matching.filing import FilingState

FUNNEL_STAGES = ("scanned", "consented", "submitted", "offered", "accepted", "credit_granted")


def _href(path: str, filters: Filters, **changes: Any) -> str:
    query = filters.query(**changes)
    return f"/dashboard{path}" + (f"?{query}" if query else "")


def bank_chart(rows: tuple[Progress, ...], filters: Filters, tr: Words) -> Any:
    shown = sorted(rows, key=lambda r: (-r.visits, r.label))
    return charts.bars(
        [
            charts.Bar(
                label=r.label,
                value=r.visits,
                inner=r.effective_visits,
                text=f"{r.visits} / {r.effective_visits}",
                href=_href(f"/bank/{r.key}", filters, bank=None),
            )
            for r in shown
        ],
        title=tr("dashboard.chart.banks"),
    )


def week_chart(weeks: tuple[Progress, ...], tr: Words) -> Any:
    return charts.columns(
        [charts.Column((r.key or "")[5:], r.visits, r.effective_visits) for r in weeks],
        title=tr("dashboard.chart.weeks"),
    )


def coverage_chart(parks: tuple[ParkCoverage, ...], filters: Filters, tr: Words) -> Any:
    return charts.bars(
        [
            charts.Bar(
                label=p.name,
                value=p.ratio or 0,
                text=(
                    f"{tr.ratio(p.ratio)} / {tr.ratio(p.target)}"
                    if p.has_roster
                    else tr("coverage.no_roster", registered=p.registered)
                ),
                href=_href(f"/park/{p.code}", filters, park=None),
                target=p.target,
                below=p.below_target,
            )
            for p in parks
        ],
        title=tr("dashboard.chart.coverage"),
        scale=1.0,
    )


def funnel_chart(stages: dict[str, int | None], title: str, tr: Words) -> Any:
    known = [v for v in stages.values() if v is not None]
    return charts.bars(
        [
            charts.Bar(label=tr(f"qr.column.{k}"), value=v or 0, text=tr.count(v))
            for k, v in stages.items()
        ],
        title=title,
        scale=max([*known, 1]),
    )


def _funnels(found: Any, filters: Filters, tr: Words) -> list[dict[str, Any]]:
    out = []
    for f in found:
        stages: dict[str, int | None] = {k: getattr(f.funnel, k) for k in FUNNEL_STAGES}
        if not f.scans_known:
            stages["scanned"] = stages["consented"] = None
        out.append(
            {
                "label": f.label,
                "kind": tr(f"qr.kind.{f.kind.value}"),
                "href": _href(f"/source/{f.token}", filters, source=None),
                "chart": funnel_chart(stages, f.label, tr),
            }
        )
    return out


def options(session: Session, viewer: Viewer, filters: Filters) -> dict[str, Any]:
    """The filter form's choices: only what the viewer's own scope holds."""
    own = own_scope(viewer)
    banks = session.exec(select(Bank).order_by(col(Bank.id))).all()
    if own.bank_id is not None:
        banks = [b for b in banks if b.id == own.bank_id]
    parks_q = select(Park).order_by(col(Park.id))
    if own.region is not None:
        parks_q = parks_q.where(or_(col(Park.city) == own.region, col(Park.county) == own.region))
    parks = session.exec(parks_q).all()
    counties = sorted({p.county for p in parks if p.county})
    coordinator = viewer.role is Role.COORDINATOR
    cities = [] if coordinator else sorted({p.city for p in parks if p.city})
    sources = sources_placed(session, own)
    return {
        "banks": [(b.code, b.name) for b in banks],
        "parks": [(p.code, p.name) for p in parks],
        "counties": counties,
        "cities": cities,
        "sources": [(s.token, s.label) for s in sources],
        "channels": [c.value for c in Channel],
    }


def _common(session: Session, viewer: Viewer, filters: Filters) -> dict[str, Any]:
    tr = Words(filters.lang)
    return {
        "options": options(session, viewer, filters),
        "href": lambda path="", **changes: _href(path, filters, **changes),
        "prev_week": _href("", filters.shifted(-1)),
        "next_week": _href("", filters.shifted(1)),
        "other_lang": _href("", filters, lang="zh" if filters.lang.value == "en" else "en"),
        "role": tr(f"dashboard.role.{viewer.role.value}"),
    }


def overview_context(
    session: Session, viewer: Viewer, filters: Filters, now: datetime
) -> dict[str, Any]:
    narrowed = narrow(session, viewer, filters)
    found: Overview = overview(session, filters, narrowed, now)
    tr = Words(filters.lang)
    due = None
    if viewer.role is not Role.BANK_ADMIN:
        due = filings(session, scope=own_scope(viewer), now=now)
    return {
        **_common(session, viewer, filters),
        "filing": due,
        "states": FilingState,
        "narrowed": narrowed,
        "o": found,
        "bank_chart": bank_chart(found.by_bank, filters, tr),
        "week_chart": week_chart(found.weeks, tr),
        "coverage_chart": coverage_chart(found.parks, filters, tr),
        "funnels": _funnels(found.funnels, filters, tr),
    }


def filing_scope(viewer: Viewer) -> ReportScope:
    """Whose filings a viewer sees and marks: a coordinator's region, an admin's all."""
    if viewer.role is Role.BANK_ADMIN:
        raise NotAllowed.of("coordinators_and_admins_only")
    return own_scope(viewer)


def filings_context(
    session: Session, viewer: Viewer, filters: Filters, now: datetime, quarter: str | None
) -> dict[str, Any]:
    """The quarter's tables, due by whom and when, filed or late (`db.reports.filings`)."""
    found = filings(session, scope=filing_scope(viewer), now=now, quarter=quarter)
    return {**_common(session, viewer, filters), "round": found, "states": FilingState}


def drill_context(
    session: Session, viewer: Viewer, filters: Filters, now: datetime, kind: str
) -> dict[str, Any]:
    """A bank, a park or a QR source: its figures against the previous period, its weekly
    trend, and what belongs to it (the bank's parks, the park's coverage, the code's funnel;
    leads past their deadlines)."""
    narrowed = narrow(session, viewer, filters)
    tr = Words(filters.lang)
    group = GroupBy.PARK if kind == "bank" else GroupBy.BANK
    scope = narrowed.scope
    current, before = figures(session, scope, filters, now, group)
    weeks = trend(session, filters, narrowed, now)
    late, late_total = overdue_leads(session, scope=scope, now=now)
    context: dict[str, Any] = {
        **_common(session, viewer, filters),
        "kind": kind,
        "title": _title(narrowed, kind),
        "narrowed": narrowed,
        "headlines": headlines(current.total, before.total),
        "week_chart": week_chart(weeks, tr),
        "overdue": late,
        "overdue_total": late_total,
        "parts": (),
        "coverage_chart": None,
        "funnels": [],
    }
    if kind == "bank":
        context["parts"] = tuple(r for r in current.rows if r.key is not None)
    elif kind == "park":
        parks = coverage(session, scope=scope).parks
        context["coverage_chart"] = coverage_chart(parks, filters, tr)
    else:
        period = Period.of(filters.date_from, filters.date_to)
        found = source_funnels(session, scope=scope, period=period)
        context["funnels"] = _funnels(found, filters, tr)
    context["back"] = _href("", filters, **{kind: None})
    return context


def _title(narrowed: Narrowed, kind: str) -> str:
    if kind == "bank":
        return narrowed.bank_name or ""
    if kind == "park":
        return narrowed.park_name or ""
    return narrowed.source_label or ""


def need_context(
    session: Session, viewer: Viewer, filters: Filters, need_id: int, now: datetime
) -> dict[str, Any]:
    """A need's leads and timeline, as the API gives coordinators (no contact); a bank admin
    sees their own bank's leads and the need's own events only."""
    own = own_scope(viewer)
    if need_id > MAX_ID or not need_in_scope(session, own, need_id):
        raise NotFound.of("need_not_found", need_id=need_id)
    record = get_need(session, actor=Actor.system(), region=None, need_id=need_id, now=now)
    leads, timeline = record.leads, record.timeline
    if own.bank_id is not None:
        bank = session.get(Bank, own.bank_id)
        mine = bank.code if bank else None
        leads = tuple(lead for lead in leads if lead.bank.code == mine)
        timeline = tuple(e for e in timeline if e.bank_code in (None, mine))
    other = "zh" if filters.lang.value == "en" else "en"
    return {
        "need": record,
        "leads": leads,
        "timeline": timeline,
        "back": _href("", filters, **{"from": None, "to": None}),
        "other_lang": f"/dashboard/need/{need_id}?lang={other}",
        "role": Words(filters.lang)(f"dashboard.role.{viewer.role.value}"),
    }
