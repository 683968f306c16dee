"""A demo season played through the use cases, in time order: each registration, offer, claim,
acceptance, follow-up, decline, expiry and withdrawal is the real use case called with the
moment it happens as `now`, and what it sets off (the next bank offered a need after a decline
or an expiry) is picked up and played on in turn."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select as select_columns  # sqlmodel's select takes at most 4
from sqlmodel import Session, col, select

from db.core.engine import reading
from db.core.errors import LimitReached, StorageError
from db.core.unit import Actor
from db.core.vocabulary import AssignmentStatus, Channel, DeclineReason, FollowUp, QrKind
from db.demo.clock import staff_delay
from db.demo.firms import Applicant
from db.intake.register import register_need
from db.intake.withdrawal import withdraw
from db.leads.assignments import accept, claim, decline, reassign, record_follow_up
from db.leads.expiry import expire_overdue
from db.leads.overdue import flag_overdue
from db.models import Assignment, Candidate
from matching.loan_terms import MAX_TERM_MONTHS, LoanTerms, LoanType
from matching.model import Collateral, Route, Standards, Tag
from matching.registration import NeedDraft
from matching.workdays import CHINA_TZ, deadlines

SWEEPS = (time(8, 30), time(13, 0), time(18, 30))
"""When the season's worker expires overdue offers and flags overdue leads (China time)."""


@dataclass(frozen=True, slots=True)
class Cast:
    """The staff and QR codes the season's actors use."""

    coordinator: Actor
    managers: dict[int, list[Actor]]  # bank id → its managers
    bank_admins: dict[int, Actor]  # bank id → its admin
    tokens: dict[tuple[QrKind, str], list[str]]  # (kind, park code or city; "" for all) → tokens
    cities: dict[int, str] = field(default_factory=dict)  # manager's staff id → branch's city


@dataclass
class _Lead:
    need_id: int
    bank_id: int
    manager_id: int | None


@dataclass
class _Need:
    amount_yuan: int
    momentum: float
    city: str = ""
    terms: LoanTerms = field(default_factory=LoanTerms)  # what a bank's credit records


@dataclass(order=True)
class _Due:
    at: datetime
    seq: int
    run: Callable[[datetime], None] = field(compare=False)


@dataclass
class Tally:
    registrations: int = 0
    refused: int = 0  # steps a use case refused (a claim over the limit, a step too late …)
    refused_at_limit: int = 0
    scans: list[tuple[str, datetime, datetime | None]] = field(default_factory=list)


class Season:
    """The season's clock and what is due on it; `play` runs everything before `end`."""

    def __init__(self, engine: Any, rng: random.Random, cast: Cast, end: datetime) -> None:
        self.engine, self.rng, self.cast, self.end = engine, rng, cast, end
        self.due: list[_Due] = []
        self.seq = itertools.count()
        self.leads: dict[int, _Lead] = {}
        self.needs: dict[int, _Need] = {}
        self.last_lead = 0
        self.tally = Tally()

    def at(self, moment: datetime, run: Callable[[datetime], None]) -> None:
        if moment < self.end:
            heapq.heappush(self.due, _Due(moment, next(self.seq), run))

    def play(self, progress: Callable[[], None]) -> None:
        while self.due:
            item = heapq.heappop(self.due)
            item.run(item.at)
            progress()

    def sweeps(self, first: datetime) -> None:
        """The worker's passes, three a day, and one as the season ends."""
        day = first.astimezone(CHINA_TZ).date()
        while datetime.combine(day, time(), tzinfo=CHINA_TZ) < self.end:
            for moment in SWEEPS:
                self.at(datetime.combine(day, moment, tzinfo=CHINA_TZ), self._sweep)
            day += timedelta(days=1)

    def final_sweep(self) -> None:
        self._sweep(self.end - timedelta(microseconds=1))

    def _sweep(self, now: datetime) -> None:
        with Session(self.engine) as session:
            expire_overdue(session, now=now)
            flag_overdue(session, now=now)
        self._new_leads(now)

    def _step(self, now: datetime, run: Callable[[Session], Any], *, leads: bool = False) -> Any:
        """Run one use case; a refusal is part of the season (counted), not an error. `leads`:
        the step may have made leads (an offer to the next bank, a claim)."""
        with Session(self.engine) as session:
            try:
                result = run(session)
            except StorageError as refusal:
                self.tally.refused += 1
                self.tally.refused_at_limit += isinstance(refusal, LimitReached)
                return None
        if leads:
            self._new_leads(now)
        return result

    def _new_leads(self, now: datetime) -> None:
        """Leads the last step made (offers to the next bank, claims): each plays its part."""
        query = (
            select_columns(
                col(Assignment.id),
                col(Assignment.need_id),
                col(Assignment.bank_id),
                col(Assignment.manager_id),
                col(Assignment.status),
            )
            .where(col(Assignment.id) > self.last_lead)
            .order_by(col(Assignment.id))
        )
        with reading(self.engine) as session:
            rows = session.execute(query).all()
        for lead_id, need_id, bank_id, manager_id, status in rows:
            lead_id = lead_id or 0
            self.last_lead = max(self.last_lead, lead_id)
            self.leads[lead_id] = _Lead(need_id, bank_id, manager_id)
            if status == AssignmentStatus.OFFERED:
                self._offered(lead_id, now)
            elif status == AssignmentStatus.ACCEPTED:
                self._accepted(lead_id, now)

    # --- firms -------------------------------------------------------------------------------

    def register(self, applicant: Applicant, *, again: bool = False) -> None:
        self.at(applicant.at, lambda now: self._register(applicant, now, again))

    def _register(self, applicant: Applicant, now: datetime, again: bool) -> None:
        token = self._token(applicant)
        online = applicant.channel is not Channel.OFFLINE  # the firm itself: web chat or bot
        actor = Actor.firm() if online else self.cast.coordinator
        registration = self._step(
            now,
            lambda session: register_need(
                session,
                draft=NeedDraft(
                    applicant.firm, applicant.need, applicant.standards, applicant.contact, token
                ),
                channel=applicant.channel,
                actor=actor,
                now=now,
            ),
            leads=True,
        )
        if not again:
            self.tally.registrations += 1
        if registration is None:
            return
        if online and token:
            scanned = now - timedelta(minutes=self.rng.uniform(3, 12))
            self.tally.scans.append((token, scanned, scanned + timedelta(seconds=40)))
        need_id = registration.need_id
        if registration.duplicate:
            return
        self.needs[need_id] = _Need(
            applicant.need.amount_yuan, applicant.momentum, applicant.firm.city,
            _terms(applicant, need_id),
        )  # fmt: skip
        self._afterwards(applicant, registration.route, need_id, now, again)

    def _afterwards(
        self, applicant: Applicant, route: Route, need_id: int, now: datetime, again: bool
    ) -> None:
        """What the firm does next: repairs its credit and comes back, registers again by
        mistake, withdraws; and whether another bank claims it from the pool."""
        rng = self.rng
        if route is Route.CREDIT_REPAIR and not again and rng.random() < 0.7:
            later = now + timedelta(days=rng.uniform(3, 21))
            self.register(replace(applicant, standards=Standards(), at=later), again=True)
        elif route is Route.ASSIGN and not again and rng.random() < 0.06:
            later = now + timedelta(days=rng.uniform(0.5, 9))
            self.register(replace(applicant, at=later), again=True)
        if self.tally.registrations % 70 == 11:  # one firm in seventy withdraws its consent
            later = now + timedelta(days=rng.uniform(0.5, 6))
            self.at(
                later,
                lambda when: self._step(
                    when, lambda s: withdraw(s, need_id=need_id, now=when), leads=True
                ),
            )
        if route is Route.ASSIGN and rng.random() < 0.22:
            self.at(staff_delay(rng, now, 10, 1.0), lambda when: self._claim(need_id, when))

    def _token(self, applicant: Applicant) -> str | None:
        kind = applicant.source
        if kind is None:
            return None
        key = applicant.firm.park if kind is QrKind.PARK else ""
        if kind in (QrKind.BRANCH, QrKind.MANAGER):
            key = applicant.firm.city
        choices = self.cast.tokens.get((kind, key), [])
        return self.rng.choice(choices) if choices else None

    def _claim(self, need_id: int, now: datetime) -> None:
        """A manager of another eligible bank takes the need from the pool (the use case refuses
        a firm at its limit)."""
        with Session(self.engine) as session:
            held = select(Assignment.bank_id).where(Assignment.need_id == need_id)
            banks = session.exec(
                select(Candidate.bank_id)
                .where(Candidate.need_id == need_id, col(Candidate.bank_id).not_in(held))
                .order_by(col(Candidate.rank))
            ).all()
        staff = self._local([m for b in banks for m in self.cast.managers.get(b, [])], need_id)
        if staff:
            manager = self.rng.choice(staff)
            self._step(now, lambda s: claim(s, need_id=need_id, actor=manager, now=now), leads=True)

    # --- banks -------------------------------------------------------------------------------

    def _actor(self, lead_id: int) -> Actor:
        lead = self.leads[lead_id]
        for manager in self.cast.managers.get(lead.bank_id, []):
            if manager.staff_id == lead.manager_id:
                return manager
        return self.cast.bank_admins[lead.bank_id]

    def _lapse(self, lead_id: int) -> float:
        """0–1: how likely the lead's bank and firm are to let it slide (parks differ)."""
        need = self.needs.get(self.leads[lead_id].need_id)
        return 1 - (need.momentum if need else 0.6)

    def _then(
        self,
        lead_id: int,
        when: datetime,
        run: Callable[[Session, Actor], Any],
        after: Callable[[int, datetime], None] | None = None,
        *,
        leads: bool = False,
    ) -> None:
        """At `when`, the lead's manager does `run`; if it is done, `after` plays on."""

        def act(now: datetime) -> None:
            done = self._step(now, lambda session: run(session, self._actor(lead_id)), leads=leads)
            if done is not None and after is not None:
                after(lead_id, now)

        self.at(when, act)

    def _offered(self, lead_id: int, now: datetime) -> None:
        rng, lapse = self.rng, self._lapse(lead_id)
        roll = rng.random()
        if roll < 0.02 + 0.12 * lapse:
            return  # nobody looks at it: it expires
        when = staff_delay(rng, now, 1.5 + 5 * lapse, 0.6 + 0.9 * lapse)
        if roll > 1 - 0.06 * lapse:  # accepted first thing after the deadline, before the sweep
            when = _early_next_morning(rng, deadlines(now).accept_by)
        elif roll < 0.04 + 0.2 * lapse:
            self._decline(lead_id, when)
            return
        self._then(
            lead_id,
            when,
            lambda s, a: accept(s, lead_id=lead_id, actor=a, now=when),
            self._accepted,
        )

    def _decline(self, lead_id: int, when: datetime) -> None:
        reason = self.rng.choices(tuple(DeclineReason), (0.55, 0.25, 0.2))[0]
        self._then(
            lead_id,
            when,
            lambda s, a: decline(s, lead_id=lead_id, actor=a, reason_code=reason, now=when),
            leads=True,
        )

    def _accepted(self, lead_id: int, now: datetime) -> None:
        rng, lapse = self.rng, self._lapse(lead_id)
        roll = rng.random()
        if roll < 0.01 + 0.08 * lapse:
            self._decline(lead_id, staff_delay(rng, now, 12, 1.0))
            return
        if roll < 0.02 + 0.18 * lapse:
            return  # left lying: it goes overdue
        managers = self.cast.managers.get(self.leads[lead_id].bank_id, [])
        if len(managers) > 1 and rng.random() < 0.05:
            self._reassign(lead_id, staff_delay(rng, now, 3, 0.8), managers)
        when = staff_delay(rng, now, 4 + 8 * lapse, 1.2)
        if rng.random() < 0.15:  # went round without calling first
            self._visit(lead_id, when)
        else:
            self._follow(lead_id, when, FollowUp.CONTACTED, self._contacted)

    def _local(self, managers: list[Actor], need_id: int) -> list[Actor]:
        """The managers in the firm's city, where there are any: a bank sends its own people."""
        need = self.needs.get(need_id)
        city = need.city if need else ""
        near = [m for m in managers if self.cast.cities.get(m.staff_id or 0) == city]
        return near or managers

    def _reassign(self, lead_id: int, when: datetime, managers: list[Actor]) -> None:
        lead = self.leads[lead_id]
        others = self._local([m for m in managers if m.staff_id != lead.manager_id], lead.need_id)
        target = self.rng.choice(others).staff_id or 0
        admin = self.cast.bank_admins[lead.bank_id]

        def moved(lead_id: int, now: datetime) -> None:
            self.leads[lead_id].manager_id = target

        self._then(
            lead_id,
            when,
            lambda s, a: reassign(s, lead_id=lead_id, manager_id=target, actor=admin, now=when),
            moved,
        )

    def _follow(
        self,
        lead_id: int,
        when: datetime,
        kind: FollowUp,
        after: Callable[[int, datetime], None] | None = None,
        **facts: Any,
    ) -> None:
        self._then(
            lead_id,
            when,
            lambda s, a: record_follow_up(
                s, lead_id=lead_id, actor=a, kind=kind, at=when, now=when, **facts
            ),
            after,
        )

    def _contacted(self, lead_id: int, now: datetime) -> None:
        rng, lapse = self.rng, self._lapse(lead_id)
        roll = rng.random()
        if roll < 0.85:
            self._visit(lead_id, staff_delay(rng, now, 8 + 12 * lapse, 0.9))
        elif roll < 0.95:
            self._grant(lead_id, staff_delay(rng, now, 20, 1.0))
        elif roll < 0.98 or rng.random() > lapse:
            self._decline(lead_id, staff_delay(rng, now, 16, 1.0))
        # else: contacted, and nothing more

    def _visit(self, lead_id: int, when: datetime) -> None:
        effective = self.rng.random() < 0.85 - 0.5 * self._lapse(lead_id)
        self._follow(lead_id, when, FollowUp.VISITED, self._visited, effective=effective)

    def _visited(self, lead_id: int, now: datetime) -> None:
        rng, lapse = self.rng, self._lapse(lead_id)
        if rng.random() < 0.07:
            self._visit(lead_id, staff_delay(rng, now, 20, 0.8))  # a second visit
        elif rng.random() < 0.97 - 0.7 * lapse:
            self._grant(lead_id, staff_delay(rng, now, 10 + 16 * lapse, 1.0))
        elif rng.random() < 0.6:
            self._decline(lead_id, staff_delay(rng, now, 24, 1.0))
        # else: still undecided, past its decision deadline

    def _grant(self, lead_id: int, when: datetime) -> None:
        rng, need = self.rng, self.needs.get(self.leads[lead_id].need_id)
        asked = need.amount_yuan if need else 1_000_000
        amount = max(10_000, int(asked * rng.uniform(0.6, 1.0)) // 10_000 * 10_000)
        rate = Decimal(rng.randrange(345, 580, 5)) / 100

        def grant(session: Session, actor: Actor) -> Any:
            product = _product(session, lead_id, self.leads[lead_id].bank_id)
            return record_follow_up(
                session,
                lead_id=lead_id,
                actor=actor,
                kind=FollowUp.CREDIT_GRANTED,
                at=when,
                now=when,
                amount_yuan=amount,
                rate_pct=rate,
                product=product,
                terms=need.terms if need else None,
            )

        def granted(lead_id: int, now: datetime) -> None:
            if rng.random() < 0.85:
                loan = max(10_000, int(amount * rng.uniform(0.7, 1.0)) // 10_000 * 10_000)
                self._follow(
                    lead_id, staff_delay(rng, now, 16, 1.0), FollowUp.LOAN_ISSUED, amount_yuan=loan
                )

        self._then(lead_id, when, grant, granted)


_TECH = frozenset({Tag.HIGH_TECH, Tag.TECH_SME, Tag.SPECIALIZED_SME})


def _terms(applicant: Applicant, need_id: int) -> LoanTerms:
    """The credit's terms, from the need (no draw on the season's random numbers): against
    its collateral when it offers some, under a policy guarantee for a tech firm, else on
    credit; one need in eight gets a bank whose system sends no terms (read as unknown)."""
    if need_id % 8 == 0:
        return LoanTerms()
    months = min(max(applicant.need.term_months, 1), MAX_TERM_MONTHS)
    if set(applicant.need.collateral) - {Collateral.NONE}:
        return LoanTerms(LoanType.SECURED, None, Decimal(0), months)
    if applicant.firm.tags & _TECH:
        return LoanTerms(LoanType.GUARANTEED, None, Decimal("0.5"), months)
    return LoanTerms(LoanType.CREDIT, None, Decimal(0), months)


def _early_next_morning(rng: random.Random, deadline: datetime) -> datetime:
    """A moment between 07:40 and 08:25 (China time) of the day after `deadline`: before the
    worker's morning pass (SWEEPS) expires the offer."""
    day = deadline.astimezone(CHINA_TZ).date() + timedelta(days=1)
    return datetime.combine(day, time(7, 40), tzinfo=CHINA_TZ) + timedelta(
        minutes=rng.uniform(0, 45)
    )


def _product(session: Session, lead_id: int, bank_id: int) -> str | None:
    """The first product the matcher found at this bank for the lead's need."""
    need_id = select(Assignment.need_id).where(Assignment.id == lead_id).scalar_subquery()
    products = session.exec(
        select(Candidate.products).where(Candidate.need_id == need_id, Candidate.bank_id == bank_id)
    ).first()
    return str(products[0])[:100] if products else None
