"""`fill_season`: a small generated season (200 firms, 4 weeks), played through the use cases on
each database, holds what the dashboard needs to look alive and never breaks the domain's rules."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from db.core.vocabulary import (
    LIVE,
    AssignmentStatus,
    Attention,
    Channel,
    DeclineReason,
    NeedStatus,
    QrKind,
    Role,
)
from db.demo.firms import applicants
from db.demo.season import COORDINATOR_REGION, DemoSeason, empty_season, fill_season, has_needs
from db.intake.catalog_store import load_catalog
from db.intake.qr_sources import funnel
from db.models import Assignment, Bank, Branch, Enterprise, Event, Need, QrSource, Scan, Staff
from db.reports.progress import FIGURES, ReportScope, coverage, progress
from db.staff.accounts import staff_for_token
from matching.data import sample_catalog
from matching.roster import RosterClass
from matching.workdays import CHINA_TZ
from tests.databases import PostgresSchema, SqliteTemplate, backends

# the season is played once per database for the module: on one xdist worker, not on each;
# each database's on a worker of its own, so that the two seasons may be played side by side
ON_ONE_WORKER = [pytest.param(b, marks=pytest.mark.xdist_group(f"demo-{b}")) for b in backends()]

TODAY = date(2026, 12, 2)  # a Wednesday
FIRMS, WEEKS, SEED = 200, 4, 3
EVENT_KINDS = {
    "registered",
    "registered_again",
    "superseded",
    "offered",
    "claimed",
    "accepted",
    "declined",
    "expired",
    "contacted",
    "visited",
    "credit_granted",
    "loan_issued",
    "withdrawn",
    "reassigned",
    "banks_exhausted",
    "contact_overdue",
    "decide_overdue",
}


class Played:
    def __init__(self, engine: Engine, season: DemoSeason) -> None:
        self.engine, self.season = engine, season

    def rows(self, *columns: Any, where: Any = None) -> list[Any]:
        query: Any = select(*columns)
        if where is not None:
            query = query.where(where)
        with Session(self.engine) as session:
            return list(session.exec(query).all())


@pytest.fixture(scope="module", params=ON_ONE_WORKER)
def played(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Played]:
    """One season per database for the whole module (it takes a while to play)."""
    if request.param == "postgresql":
        schema: PostgresSchema = request.getfixturevalue("pg_schema")
        engine = schema.fresh()
    else:
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        engine = template.fresh(tmp_path_factory.mktemp("demo"))
    season = fill_season(engine, firms=FIRMS, weeks=WEEKS, seed=SEED, today=TODAY)
    yield Played(engine, season)
    if request.param == "sqlite":
        engine.dispose()


def test_the_season_spans_the_weeks_before_today(played: Played) -> None:
    season = played.season
    assert season.end == datetime(2026, 12, 2, tzinfo=CHINA_TZ)
    assert season.start == season.end - timedelta(weeks=WEEKS)
    created = played.rows(col(Need.created_at))
    assert season.start <= min(created) and max(created) < season.end
    moments = played.rows(col(Event.at))
    assert max(moments) < season.end
    assert season.firms == len(played.rows(Enterprise.id)) >= FIRMS
    assert season.needs > FIRMS  # firms that repaired their credit came back


def test_no_firm_is_ever_served_by_more_banks_than_its_limit(played: Played) -> None:
    needs = {n.id: n for n in played.rows(Need, where=col(Need.bank_limit).is_not(None))}  # type: ignore[call-overload]
    live = played.rows(
        col(Assignment.need_id),
        col(Assignment.bank_id),
        where=col(Assignment.status).in_(LIVE) & col(Assignment.existing_bank).is_(False),
    )
    new_banks: dict[int, set[int]] = {}
    for need_id, bank_id in live:
        if need_id in needs:
            new_banks.setdefault(needs[need_id].enterprise_id, set()).add(bank_id)
    at_limit = 0
    for need in needs.values():
        serving = need.banks_existing + len(new_banks.get(need.enterprise_id, ()))
        assert serving <= (need.bank_limit or 0), f"need {need.id} served by {serving} banks"
        at_limit += serving == need.bank_limit
    assert at_limit > 0  # the limit was reached, by matching or by claims
    assert played.season.refused_at_limit > 0  # and banks claiming beyond it were refused


def test_every_status_reason_and_event_kind_appears(played: Played) -> None:
    assert set(played.rows(col(Assignment.status))) == set(AssignmentStatus)
    assert set(played.rows(col(Need.status))) == set(NeedStatus)
    assert set(played.rows(col(Need.attention), where=col(Need.attention).is_not(None))) == set(
        Attention
    )
    reasons = played.rows(
        col(Assignment.decline_reason), where=col(Assignment.decline_reason) != ""
    )
    assert set(reasons) - {None} == set(DeclineReason)
    assert set(played.rows(col(Need.channel))) == set(Channel)
    assert set(played.rows(col(Event.kind))) >= EVENT_KINDS
    effective = [
        e.payload.get("effective") for e in played.rows(Event, where=Event.kind == "visited")
    ]
    assert True in effective and False in effective
    claimed = played.rows(col(Assignment.id), where=col(Assignment.claimed).is_(True))
    assert claimed


def test_overdue_and_late_steps_are_there_to_see(played: Played) -> None:
    end = played.season.end
    last = end - timedelta(microseconds=1)  # the worker's last pass: a lead due then is not late
    leads = played.rows(Assignment)
    not_contacted = [
        a for a in leads if a.status == AssignmentStatus.ACCEPTED and a.contact_by < last
    ]
    assert not_contacted and all(a.contact_overdue_at is not None for a in not_contacted)
    undecided = {AssignmentStatus.ACCEPTED, AssignmentStatus.CONTACTED, AssignmentStatus.VISITED}
    not_decided = [a for a in leads if a.status in undecided and a.decide_by < last]
    assert not_decided and all(a.decide_overdue_at is not None for a in not_decided)
    assert any(a.accepted_at and not a.claimed and a.accepted_at > a.accept_by for a in leads)
    assert any(a.contacted_at and a.contacted_at > a.contact_by for a in leads)
    assert any(a.status == AssignmentStatus.OFFERED and a.accept_by >= end for a in leads)


def test_the_progress_report_over_the_season_has_every_figure(played: Played) -> None:
    season = played.season
    last_day = (season.end - timedelta(days=1)).date()
    with Session(played.engine) as session:
        report = progress(
            session,
            scope=ReportScope(),
            date_from=season.start.date(),
            date_to=last_day,
            group_by="week",
            now=season.end,
        )
    month_missed = {"overdue_final"} if WEEKS * 7 <= 30 else set()  # no lead outlives the month
    for figure in FIGURES:
        assert bool(getattr(report.total, figure)) is (figure not in month_missed), figure
    assert len(report.rows) >= WEEKS and all(row.needs for row in report.rows)
    assert report.total.visits == season.visits


def test_wednesdays_are_busiest_and_weekends_quiet(played: Played) -> None:
    created = played.rows(col(Need.created_at))
    by_weekday = Counter(moment.astimezone(CHINA_TZ).weekday() for moment in created)
    assert by_weekday.most_common(1)[0][0] == 2
    assert by_weekday[5] + by_weekday[6] < by_weekday[0]


def test_parks_fall_both_above_and_below_their_coverage_targets(played: Played) -> None:
    with Session(played.engine) as session:
        parks = coverage(session, scope=ReportScope()).parks
    assert all(park.has_roster and park.firms > park.registered for park in parks)
    assert any(park.below_target for park in parks)
    assert any(not park.below_target for park in parks)
    seen = {kind for park in parks for kind, count in park.classes.items() if count}
    assert seen == set(RosterClass)  # every 分类建档 class is there to see


def test_firm_names_read_like_firms_and_managers_serve_their_own_city(played: Played) -> None:
    names = played.rows(Enterprise.name)
    assert names and not [n for n in names if any(ch.isdigit() for ch in n)]
    query: Any = (
        select(Need.city, Branch.city)
        .join(Assignment, col(Assignment.need_id) == col(Need.id))
        .join(Staff, col(Staff.id) == col(Assignment.manager_id))
        .join(Branch, col(Branch.id) == col(Staff.branch_id))
    )
    with Session(played.engine) as session:
        pairs = session.execute(query).all()
    far = [pair for pair in pairs if pair[0] != pair[1]]
    assert pairs and len(far) <= 0.02 * len(pairs), far[:5]


def test_every_kind_of_loan_qr_code_brings_firms_through_its_funnel(played: Played) -> None:
    with Session(played.engine) as session:
        funnels = funnel(session)
        sources = session.exec(select(Need.source_id).distinct()).all()
        kind_of = dict(session.exec(select(QrSource.id, QrSource.kind)).all())
    assert {kind_of[s] for s in sources if s is not None} == set(QrKind)
    total = Counter[str]()
    for stages in funnels.values():
        total.update({k: getattr(stages, k) for k in stages.__dataclass_fields__})
    order = ("scanned", "consented", "submitted", "offered", "accepted", "credit_granted")
    figures = [total[stage] for stage in order]
    assert figures[-1] > 0 and figures == sorted(figures, reverse=True), figures
    assert len(played.rows(Scan.id)) == played.season.scans


def test_the_demo_staff_can_sign_in_with_their_tokens(played: Played) -> None:
    season = played.season
    banks = {b.code for b in sample_catalog().banks}
    assert {s.bank_code for s in season.of_role(Role.BANK_ADMIN)} == banks
    assert {s.bank_code for s in season.of_role(Role.MANAGER)} == banks
    with Session(played.engine) as session:
        for member in season.staff:
            holder = staff_for_token(session, member.token)
            assert holder is not None and holder.role is member.role
        coordinator = session.get(Staff, season.coordinator.staff_id)
        assert coordinator is not None and coordinator.region == COORDINATOR_REGION
        # a coordinator of no region is refused every report: this one has a region with needs
        mine = progress(
            session,
            scope=ReportScope(region=COORDINATOR_REGION),
            date_from=season.start.date(),
            date_to=(season.end - timedelta(days=1)).date(),
            group_by="bank",
            now=season.end,
        )
    assert mine.total.needs > 0


def test_a_database_with_needs_is_refused(played: Played) -> None:
    assert has_needs(played.engine)
    with pytest.raises(ValueError, match="already holds needs"):
        fill_season(played.engine, firms=5, weeks=1, today=TODAY)


def test_the_same_seed_draws_the_same_firms_and_another_seed_others() -> None:
    catalog, start = sample_catalog(), date(2026, 11, 2)
    one = applicants(random.Random(1), catalog, 50, start, 14)
    assert one == applicants(random.Random(1), catalog, 50, start, 14)
    assert one != applicants(random.Random(2), catalog, 50, start, 14)
    assert [a.at for a in one] == sorted(a.at for a in one)


def _digest(engine: Engine) -> list[tuple[Any, ...]]:
    """The season as stored, without the ids and tokens a database hands out."""
    with Session(engine) as session:
        banks = dict(session.exec(select(Bank.id, Bank.code)).all())
        out: list[tuple[Any, ...]] = []
        for need in session.exec(select(Need).order_by(col(Need.created_at), col(Need.id))):
            out.append((need.created_at, need.status, need.route, need.attention, need.amount_yuan))
        leads = select(Assignment).order_by(col(Assignment.created_at), col(Assignment.id))
        for a in session.exec(leads):
            out.append(
                (
                    banks[a.bank_id],
                    a.status,
                    a.created_at,
                    a.accepted_at,
                    a.contacted_at,
                    a.visited_at,
                    a.credit_granted_at,
                    a.credit_amount_yuan,
                    a.loan_issued_at,
                    a.ended_at,
                    a.decline_reason,
                )
            )
        kinds = session.exec(select(Event.at, Event.kind).order_by(col(Event.at), col(Event.id)))
        out.extend(kinds.all())
        scans = session.exec(select(Scan.scanned_at, Scan.consented_at).order_by(col(Scan.id)))
        out.extend(scans.all())
        names = session.exec(select(Enterprise.name, Enterprise.uscc).order_by(col(Enterprise.id)))
        out.extend(names.all())
    return out


def test_emptied_and_played_again_with_the_same_seed_the_season_is_the_same(
    played: Played,
) -> None:
    """Last in the module: it plays the season over again, on the same database."""
    before = _digest(played.engine)
    with Session(played.engine) as session:
        catalog = load_catalog(session)
    empty_season(played.engine)
    assert not has_needs(played.engine)
    assert not played.rows(Staff.id)
    with Session(played.engine) as session:
        assert load_catalog(session) == catalog
    fill_season(played.engine, firms=FIRMS, weeks=WEEKS, seed=SEED, today=TODAY)
    assert _digest(played.engine) == before
