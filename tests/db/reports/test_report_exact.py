"""The progress report read from its copies (`db/reports/copies.py`) equals the report computed
straight from needs, leads and events (`tests/db/report_reference.py`, the code before the
copies), figure for figure, on random weeks of matchmaking played through the real use cases:
offers, claims, acceptances, declines, expiries, reassignments, follow-ups backdated to any
moment since the lead was made, firms registering again (superseding their earlier need),
with the copies refreshed at random moments, so that reports read copies made before the data
changed as well as up-to-date ones; every group_by, scope, period, and report moment (at the
period's end, or in its middle, with deadlines falling due that very day)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import col, select

import db.reports.progress
from db.core.engine import reading
from db.core.errors import StorageError
from db.core.vocabulary import AssignmentStatus, Channel
from db.intake.qr_sources import create_source
from db.leads.assignments import accept, claim, decline, reassign, record_follow_up
from db.leads.expiry import expire_overdue
from db.models import (
    Assignment,
    Bank,
    Candidate,
    Need,
    Park,
    Problem,
    QrSource,
    VisitCheck,
    report_lead,
)
from db.problems.firm import answer_visit
from db.problems.tracking import update_problem
from db.reports.copies import refresh
from db.reports.figures import TOTAL, progress_figures
from db.reports.progress import progress
from db.reports.scope import Period, ReportScope
from matching.model import Standards
from matching.workdays import CHINA_TZ
from tests.db import report_reference
from tests.db.builders import MONDAY, Seeded, firm, need, register

GROUPS = (None, "bank", "park", "county", "source", "week", "channel")
NEXT = {"accepted": "contacted", "contacted": "visited", "visited": "credit_granted",
        "credit_granted": "loan_issued"}  # fmt: skip
PLACES = (("越城区", "yc-gxq"), ("越城区", None), ("新昌县", "xc-gxq"), ("新昌县", None))


class Play:
    """Random matchmaking, one step at a time, on a clock that only moves forward."""

    def __init__(self, seeded: Seeded, rng: random.Random) -> None:
        self.s, self.rng, self.now = seeded, rng, MONDAY
        with seeded.session() as session:
            self.sources = [
                create_source(session, kind=kind, target=target, label=target, now=MONDAY).token
                for kind, target in (("park", "yc-gxq"), ("event", "周三对接会"))
            ]
        self.firms: list[tuple[str, str, str | None]] = []
        # the reference's figures so far, by (scope, period, group, as_of): a refresh changes
        # only the copies, so a comparison right after one finds here those the source tables
        # gave for the same question; each step may change them, and forgets them all
        self.expected: dict[tuple[object, ...], Found] = {}

    def step(self) -> None:
        self.expected.clear()
        self.now += timedelta(minutes=self.rng.choice((7, 30, 90, 300, 900)))
        roll = self.rng.random()
        try:
            if roll < 0.22:
                self.register()
            elif roll < 0.32:
                self.on_a_lead(AssignmentStatus.OFFERED, self.accept)
            elif roll < 0.37:
                self.on_a_lead(AssignmentStatus.OFFERED, self.decline)
            elif roll < 0.42:
                self.claim()
            elif roll < 0.80:
                self.on_a_lead(tuple(NEXT), self.follow_up)
            elif roll < 0.85:
                self.on_a_lead(None, self.reassign)
            elif roll < 0.90:
                self.answer_a_visit()
            elif roll < 0.96:
                self.rule_on_a_dispute()
            else:
                with self.s.session() as session:
                    expire_overdue(session, now=self.now)
        except StorageError:
            pass  # refused (an illegal step, the bank limit …): changes nothing

    def register(self) -> None:
        rng = self.rng
        if self.firms and rng.random() < 0.25:  # the same firm again: its need superseded
            name, county, park = rng.choice(self.firms)
        else:
            county, park = rng.choice(PLACES)
            name = f"{county[:2]}{len(self.firms)}号材料有限公司"
            self.firms.append((name, county, park))
        offline = rng.random() < 0.2
        register(
            self.s,
            now=self.now,
            firm=firm(name=name, county=county, park=park, existing_banks=()),
            need=need(amount_yuan=rng.choice((300_000, 1_000_000, 2_000_000))),
            standards=Standards(good_credit=rng.random() > 0.05),
            source_token=rng.choice([None, *self.sources]),
            channel=Channel.OFFLINE if offline else rng.choice((Channel.BOT, Channel.WEB)),
            actor=self.s.coordinator if offline else None,
            chat_id=None if offline else rng.randrange(1, 10**6),
        )

    def on_a_lead(self, status: str | tuple[str, ...] | None, act: object) -> None:
        """`act` on a random lead (of the `status` or statuses given)."""
        with self.s.session() as session:
            query = select(Assignment.id, Bank.code).join(Bank, Bank.id == Assignment.bank_id)
            if status is not None:
                statuses = (status,) if isinstance(status, str) else status
                query = query.where(col(Assignment.status).in_(statuses))
            leads = session.exec(query.order_by(Assignment.id)).all()  # the same on every run
        if leads:
            lead_id, bank = self.rng.choice(leads)
            act(lead_id, bank)  # type: ignore[operator]

    def answer_a_visit(self) -> None:
        """The firm confirms a recorded visit, or (mostly) says there was none."""
        with self.s.session() as session:
            asked = session.exec(
                select(VisitCheck.event_id, Need.chat_id)
                .join(Need, Need.id == VisitCheck.need_id)
                .where(col(VisitCheck.answer).is_(None), col(Need.chat_id).is_not(None))
                .order_by(VisitCheck.event_id)
            ).all()
        if asked:
            visit_id, chat_id = self.rng.choice(asked)
            answer = "disputed" if self.rng.random() < 0.7 else "confirmed"
            with self.s.session() as session:
                answer_visit(
                    session, chat_id=chat_id or 0, visit_id=visit_id, answer=answer, now=self.now
                )

    def rule_on_a_dispute(self) -> None:
        """A coordinator rules a disputed visit held or struck, or takes a ruling back."""
        with self.s.session() as session:
            disputes = session.exec(
                select(Problem.id).where(Problem.kind == "visit_disputed").order_by(Problem.id)
            ).all()
        if disputes:
            problem_id = self.rng.choice(disputes)
            ruling = self.rng.choice(("held", "struck"))
            with self.s.session() as session:
                update_problem(
                    session, problem_id=problem_id or 0, actor=self.s.admin, region=None,
                    status="solved", ruling=ruling, now=self.now,
                )  # fmt: skip

    def accept(self, lead_id: int, bank: str) -> None:
        with self.s.session() as session:
            accept(session, lead_id=lead_id, actor=self.s.bank_admins[bank], now=self.now)

    def decline(self, lead_id: int, bank: str) -> None:
        reason = self.rng.choice(("firm_reason", "bank_service", "other"))
        with self.s.session() as session:
            decline(
                session, lead_id=lead_id, actor=self.s.bank_admins[bank], reason_code=reason,
                now=self.now,
            )  # fmt: skip

    def claim(self) -> None:
        with self.s.session() as session:
            pool = session.exec(
                select(Candidate.need_id, Bank.code)
                .join(Bank, Bank.id == Candidate.bank_id)
                .join(Need, Need.id == Candidate.need_id)
                .where(Need.status == "open")
                .order_by(Candidate.need_id, Candidate.rank)
            ).all()
        if pool:
            need_id, bank = self.rng.choice(pool)
            with self.s.session() as session:
                claim(session, need_id=need_id, actor=self.s.manager(bank), now=self.now)

    def follow_up(self, lead_id: int, bank: str) -> None:
        rng = self.rng
        with self.s.session() as session:
            made = session.get(Assignment, lead_id)
            assert made is not None
            created, status = made.created_at, made.status
        kind = rng.choice(("contacted", "visited", "visited", "credit_granted", "loan_issued"))
        if rng.random() < 0.6:  # most often the lead's next step
            kind = NEXT.get(status, kind)
        at = None  # now, or backdated to any moment since the lead was made
        if rng.random() < 0.6:
            at = created + (self.now - created) * rng.random()
        extra: dict[str, object] = {}
        if kind == "visited":
            extra["effective"] = rng.random() < 0.7
        elif kind in ("credit_granted", "loan_issued"):
            extra["amount_yuan"] = rng.choice((100_000, 500_000))
        with self.s.session() as session:
            record_follow_up(
                session, lead_id=lead_id, actor=self.s.bank_admins[bank], kind=kind, at=at,
                now=self.now, **extra,
            )  # fmt: skip

    def reassign(self, lead_id: int, bank: str) -> None:
        manager = self.rng.choice(self.s.managers[bank])
        assert manager.staff_id is not None
        with self.s.session() as session:
            reassign(
                session, lead_id=lead_id, manager_id=manager.staff_id,
                actor=self.s.bank_admins[bank], now=self.now,
            )  # fmt: skip


def _scopes(seeded: Seeded) -> list[ReportScope]:
    with seeded.session() as session:
        sxbank = session.exec(select(Bank.id).where(Bank.code == "sxbank")).one()
        park = session.exec(select(Park.id).where(Park.code == "yc-gxq")).one()
        event = session.exec(select(QrSource.id).where(QrSource.kind == "event")).one()
    return [ReportScope(), ReportScope(region="绍兴市"), ReportScope(region="新昌县"),
            ReportScope(bank_id=sxbank), ReportScope(park_id=park),
            ReportScope(bank_id=sxbank, source_id=event), ReportScope(channel="web"),
            ReportScope(region="新昌县", channel="offline")]  # fmt: skip


def _periods(play: Play) -> list[tuple[Period, datetime]]:
    """The whole time so far and a random stretch of it, each as at its end and as at now
    (whose day is in the period: its deadlines due before now and after it)."""
    first = MONDAY.astimezone(CHINA_TZ).date()
    today = play.now.astimezone(CHINA_TZ).date()
    start = first + timedelta(days=play.rng.randrange((today - first).days + 1))
    found = []
    for date_from in (first, start):
        period = Period.of(date_from, today)
        found += [(period, period.end), (period, play.now)]
    return found


def _compare(seeded: Seeded, play: Play, scopes: list[ReportScope]) -> int:
    compared = 0
    with seeded.session() as session:
        for scope in scopes:
            for period, as_of in _periods(play):
                for group in GROUPS:
                    key = (scope, period, group, min(as_of, period.end))
                    if key not in play.expected:
                        play.expected[key] = _listed(
                            report_reference.progress_figures(session, *key), weeks=group == "week"
                        )
                    expected = play.expected[key]
                    found = progress_figures(session, *key)
                    assert found == expected, (scope, period, as_of, group, _diff(found, expected))
                    compared += 1
    return compared


Found = dict[object, dict[str, object]]


def _listed(figures: Found, *, weeks: bool) -> Found:
    """The reference's figures as the report lists them: a figure with nothing to count (a
    count of 0, a median of none) left out, and a group with none left (but the `weeks`: each
    week of the period has its row)."""
    listed = {
        k: {n: v for n, v in f.items() if v is not None and (v != 0 or isinstance(v, float))}
        for k, f in figures.items()
    }
    return {k: f for k, f in listed.items() if f or (weeks and k != TOTAL)}


def _diff(found: Found, expected: Found) -> object:
    """What differs, group by group: (figure, found, expected)."""
    return {
        k: [
            (n, found.get(k, {}).get(n), expected.get(k, {}).get(n))
            for n in {*found.get(k, {}), *expected.get(k, {})}
            if found.get(k, {}).get(n) != expected.get(k, {}).get(n)
        ]
        for k in {*found, *expected}
        if found.get(k) != expected.get(k)
    }


@pytest.mark.heavy
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reports_from_the_copies_equal_the_reports_from_the_source_tables(
    seeded: Seeded, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db.reports.progress, "REFRESH_COPIES", False)
    rng = random.Random(seed)
    play = Play(seeded, rng)
    scopes = _scopes(seeded)
    compared = 0
    for rounds in range(4):
        for _ in range(rng.randrange(25, 60)):
            play.step()
            if rng.random() < 0.05:
                assert refresh(seeded.engine)
        compared += _compare(seeded, play, scopes)
        if rounds % 2:
            assert refresh(seeded.engine)
            compared += _compare(seeded, play, scopes)
    assert compared >= 4 * 4 * 4 * len(GROUPS)
    with seeded.session() as session:  # the play did touch every kind of figure
        total = progress_figures(session, ReportScope(), _periods(play)[0][0], None, play.now)
    total = total[TOTAL]
    assert all(total[name] for name in ("needs", "offered", "accepted", "contacted", "visits"))
    assert total["credit_granted"] and total["loans_issued"] and total["overdue_accept"]
    with seeded.session() as session:  # and visits were disputed, and ruled on, along the way
        checks = session.exec(select(VisitCheck)).all()
    assert any(c.answer == "disputed" for c in checks) and any(c.ruling for c in checks)


def test_a_report_refreshes_its_copies_and_then_reads_them(seeded: Seeded) -> None:
    """progress() in a session for reads brings the copies up to date itself, then reads
    them: the same report as from a session holding SQLite's write lock, which reads the
    changed leads fresh instead."""
    play = Play(seeded, random.Random(7))
    for _ in range(80):
        play.step()
    first, today = MONDAY.astimezone(CHINA_TZ).date(), play.now.astimezone(CHINA_TZ).date()
    assert _copied(seeded.engine) == 0
    for group in GROUPS[1:]:
        with seeded.session() as session:
            fresh = progress(session, scope=ReportScope(), date_from=first, date_to=today,
                             group_by=group, now=play.now)  # fmt: skip
        with reading(seeded.engine) as session:
            copied = progress(session, scope=ReportScope(), date_from=first, date_to=today,
                              group_by=group, now=play.now)  # fmt: skip
        assert copied == fresh
    assert _copied(seeded.engine) == _leads(seeded.engine) > 0


def _copied(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(report_lead)).scalar_one())


def _leads(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Assignment)).scalar_one())
