"""The weekly progress workbook (工作进度周报; 月报 when it covers a calendar month): a period's
progress figures (by bank, park, county and channel), its key problems and park coverage, for a
coordinator to forward.

Headers come from the text catalogs (Chinese by default); money is in 万元 (ten thousand yuan),
as the ledgers keep it; ratios are percentages. No personal contact data is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from api.workbooks.xlsx import (
    COUNT,
    HOURS,
    MOMENT,
    PERCENT,
    WAN,
    Column,
    add_table,
    cause_text,
    local,
    new_workbook,
    title_line,
    to_bytes,
    wan,
)
from db.models import Bank, utcnow
from db.reports.problems import open_problems
from db.reports.progress import (
    Coverage,
    GroupBy,
    ParkCoverage,
    Problem,
    ProblemCount,
    Problems,
    Progress,
    ProgressReport,
    ReportScope,
    coverage,
    problems,
    progress,
)
from db.reports.scope import narrowed
from matching.i18n import Lang, t
from matching.roster import RosterClass

OPEN_LISTED = 5000  # the open problems a workbook lists, oldest cut first


def narrowed_focus(
    session: Session,
    scope: ReportScope,
    *,
    park: str | None,
    source: str | None,
    channel: str | None,
    lang: Lang,
) -> tuple[ReportScope, tuple[str | None, ...]]:
    """The scope narrowed to a park (its code), a QR code (its token) and a channel, as
    `db.reports.scope.narrowed` checks them, and the `focus` the workbook's title names."""
    narrower, found_park, found_source = narrowed(
        session, scope, park=park, source=source, channel=channel
    )
    focus = (
        found_park.name if found_park else None,
        found_source.label if found_source else None,
        t(f"channel.{channel}", lang) if channel else None,
    )
    return narrower, focus


def weekly_xlsx(
    session: Session,
    *,
    scope: ReportScope,
    date_from: date,
    date_to: date,
    now: datetime | None = None,
    lang: Lang = Lang.ZH,
    focus: Sequence[str | None] = (),
) -> bytes:
    """The weekly progress workbook: progress by bank, by park, by county and by channel (bot,
    web chat, offline), the key-problem list, its counts by cause, and park credit coverage. Its
    title names the scope's region and bank, and `focus`, what the scope is narrowed to beyond
    them (a park, a QR code, a channel; None for what was not chosen)."""
    now = now or utcnow()
    book = new_workbook()
    region = scope.region or t("workbook.all_regions", lang)
    title = t(_title_key(date_from, date_to), lang, region=region)
    bank = session.get(Bank, scope.bank_id) if scope.bank_id is not None else None
    named = tuple(name for name in (bank.name if bank else None, *focus) if name)
    if named:
        title = t("workbook.weekly.title_focus", lang, title=title, focus=named)
    period = t("workbook.weekly.period", lang, start=date_from, end=date_to)
    subtitle = title_line(lang, period, now, money=True)
    for group in (GroupBy.BANK, GroupBy.PARK, GroupBy.COUNTY, GroupBy.CHANNEL):
        report = progress(
            session, scope=scope, date_from=date_from, date_to=date_to, group_by=group, now=now
        )
        _progress_sheet(book, report, title, subtitle, lang)
    found = problems(session, scope=scope, date_from=date_from, date_to=date_to)
    _problem_sheets(book, found, title, subtitle, lang)
    still_open, _ = open_problems(session, scope=scope, limit=OPEN_LISTED)
    _open_sheet(book, still_open, title, title_line(lang, "", now), lang, now)
    _coverage_sheet(book, coverage(session, scope=scope), title, title_line(lang, "", now), lang)
    return to_bytes(book)


def _title_key(first: date, last: date) -> str:
    """A whole calendar month makes a 月报 (001 §六: 按月通报); any other period a 周报."""
    same_month = (first.year, first.month) == (last.year, last.month)
    last_day = date.fromordinal(last.toordinal() + 1).day == 1
    whole = same_month and first.day == 1 and last_day
    return "workbook.monthly.title" if whole else "workbook.weekly.title"


def _progress_sheet(
    book: Any, report: ProgressReport, title: str, subtitle: str, lang: Lang
) -> None:
    group = report.group_by.value
    none = t(f"workbook.none.{group}", lang) if group in ("park", "county") else ""

    def name(row: Progress) -> str:
        if row is report.total:
            return t("workbook.total", lang)
        if report.group_by is GroupBy.CHANNEL and row.key:
            return t(f"channel.{row.key}", lang)
        return row.label or none

    figures = [
        ("needs", "needs", COUNT), ("offered", "offered", COUNT), ("accepted", "accepted", COUNT),
        ("contacted", "contacted", COUNT), ("visits", "visits", COUNT),
        ("effective_visits", "effective_visits", COUNT),
        ("effective_visit_ratio", "effective_visit_ratio", PERCENT),
        ("credit_granted", "credit_granted", COUNT),
        ("credit_amount", "credit_amount_yuan", WAN),
        ("first_loan_credit", "first_loan_credit", COUNT),
        ("first_loan_ratio", "first_loan_ratio", PERCENT),
        ("loans_issued", "loans_issued", COUNT), ("loan_amount", "loan_amount_yuan", WAN),
        ("online_rate", "online_rate", PERCENT),
        ("hours_to_accept", "median_hours_to_accept", HOURS),
        ("hours_to_contact", "median_hours_to_contact", HOURS),
        ("overdue_accept", "overdue_accept", COUNT), ("overdue_contact", "overdue_contact", COUNT),
        ("overdue_decide", "overdue_decide", COUNT), ("overdue_final", "overdue_final", COUNT),
    ]  # fmt: skip
    if report.group_by is GroupBy.BANK:  # a bank holds a need once: its needs are its leads
        figures = figures[1:]
    columns = [Column(t(f"workbook.col.{group}", lang), name)]
    columns += [_figure(t(f"workbook.col.{key}", lang), attr, fmt) for key, attr, fmt in figures]
    add_table(
        book,
        sheet=t(f"workbook.sheet.{group}", lang),
        title=title,
        subtitle=subtitle,
        columns=columns,
        rows=report.rows,
        total=report.total,
    )


def _figure(header: str, attr: str, number_format: str) -> Column:
    if number_format == WAN:
        return Column(header, lambda row: wan(getattr(row, attr)), WAN)
    return Column(header, lambda row: getattr(row, attr), number_format)


def _problem_sheets(book: Any, found: Problems, title: str, subtitle: str, lang: Lang) -> None:
    """The key-problem list, newest first, and its counts by cause (whole, even when the list
    was cut at its limit)."""

    def cause(problem: Problem | ProblemCount) -> str:
        return cause_text(problem.kind.value, problem.cause, lang)

    def kind(problem: Problem | ProblemCount) -> str:
        return t(f"workbook.problem.{problem.kind.value}", lang)

    columns = [
        Column(t("workbook.col.number", lang), lambda n_p: n_p[0], COUNT),
        Column(t("workbook.col.kind", lang), lambda n_p: kind(n_p[1])),
        Column(t("workbook.col.cause", lang), lambda n_p: cause(n_p[1])),
        Column(t("workbook.col.at", lang), lambda n_p: local(n_p[1].at), MOMENT),
        Column(t("workbook.col.need_id", lang), lambda n_p: n_p[1].need_id),
        Column(t("workbook.col.firm", lang), lambda n_p: n_p[1].firm),
        Column(
            t("workbook.col.entity_type", lang), lambda n_p: t(f"entity.{n_p[1].entity_type}", lang)
        ),
        Column(t("workbook.col.county", lang), lambda n_p: n_p[1].county),
        Column(t("workbook.col.park", lang), lambda n_p: n_p[1].park_name or ""),
        Column(t("workbook.col.amount", lang), lambda n_p: wan(n_p[1].amount_yuan), WAN),
        Column(t("workbook.col.tier", lang), lambda n_p: t(f"tier.{n_p[1].tier}", lang)),
        Column(t("workbook.col.bank", lang), lambda n_p: n_p[1].bank_name or ""),
        Column(
            t("workbook.col.status", lang), lambda n_p: t(f"problem.status.{n_p[1].status}", lang)
        ),
        Column(t("workbook.col.owner", lang), lambda n_p: n_p[1].owner or ""),
    ]
    add_table(
        book,
        sheet=t("workbook.sheet.problems", lang),
        title=title,
        subtitle=subtitle,
        columns=columns,
        rows=list(enumerate(found.items, start=1)),
        frozen_columns=2,
    )
    counts = [(kind(c), cause(c), c.count) for c in found.by_cause]
    add_table(
        book,
        sheet=t("workbook.sheet.causes", lang),
        title=title,
        subtitle=subtitle,
        columns=[
            Column(t("workbook.col.kind", lang), lambda row: row[0]),
            Column(t("workbook.col.cause", lang), lambda row: row[1]),
            Column(t("workbook.col.count", lang), lambda row: row[2], COUNT),
        ],
        rows=counts,
        total=(t("workbook.total", lang), "", sum(c for _, _, c in counts)),
    )


def _open_sheet(
    book: Any, items: Sequence[Problem], title: str, subtitle: str, lang: Lang, now: datetime
) -> None:
    """The problems not yet solved, whenever found (跟踪问题解决进度), with their age."""

    def kind(problem: Problem) -> str:
        return t(f"workbook.problem.{problem.kind.value}", lang)

    add_table(
        book,
        sheet=t("workbook.sheet.open_problems", lang),
        title=title,
        subtitle=subtitle,
        columns=[
            Column(t("workbook.col.problem_id", lang), lambda p: p.id),
            Column(t("workbook.col.kind", lang), kind),
            Column(t("workbook.col.cause", lang), lambda p: cause_text(p.kind, p.cause, lang)),
            Column(t("workbook.col.at", lang), lambda p: local(p.at), MOMENT),
            Column(t("workbook.col.age_days", lang), lambda p: p.age_days(now), COUNT),
            Column(t("workbook.col.firm", lang), lambda p: p.firm),
            Column(t("workbook.col.county", lang), lambda p: p.county),
            Column(t("workbook.col.bank", lang), lambda p: p.bank_name or ""),
            Column(t("workbook.col.status", lang), lambda p: t(f"problem.status.{p.status}", lang)),
            Column(t("workbook.col.owner", lang), lambda p: p.owner or ""),
            Column(t("workbook.col.measure", lang), lambda p: p.measure or ""),
        ],
        rows=items,
        frozen_columns=2,
    )


def _coverage_sheet(book: Any, found: Coverage, title: str, subtitle: str, lang: Lang) -> None:
    def meets(park: ParkCoverage) -> str:
        if not park.has_roster:
            return t("workbook.no_roster", lang)
        return t("workbook.misses" if park.below_target else "workbook.meets", lang)

    def count_of(kind: RosterClass) -> Column:
        name = t(f"roster.class.{kind.value}", lang)
        title = t("workbook.col.class", lang, name=name)
        return Column(title, lambda p: p.classes.get(kind) if p.has_roster else None, COUNT)

    add_table(
        book,
        sheet=t("workbook.sheet.coverage", lang),
        title=title,
        subtitle=subtitle,
        columns=[
            Column(t("workbook.col.park", lang), lambda p: p.name),
            Column(t("workbook.col.park_code", lang), lambda p: p.code),
            Column(t("workbook.col.city", lang), lambda p: p.city),
            Column(t("workbook.col.county", lang), lambda p: p.county),
            Column(t("workbook.col.stars", lang), lambda p: p.stars, COUNT),
            Column(t("workbook.col.firms", lang), lambda p: p.firms, COUNT),
            Column(t("workbook.col.firms_with_credit", lang), lambda p: p.firms_with_credit, COUNT),
            Column(t("workbook.col.coverage", lang), lambda p: p.ratio, PERCENT),
            Column(t("workbook.col.target", lang), lambda p: p.target, PERCENT),
            Column(t("workbook.col.meets", lang), meets),
            *(count_of(kind) for kind in RosterClass if kind is not RosterClass.CREDIT),
            Column(t("workbook.col.registered", lang), lambda p: p.registered, COUNT),
        ],
        rows=found.parks,
    )
