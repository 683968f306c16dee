"""A coordinator works a problem: gives it an owner, moves its status, writes the measure taken;
sends its stuck need to another eligible bank, or approves one bank past the firm's 3/2 limit;
rules on a disputed visit; answers a complaint (the firm is told). Each step is in the event
log with who did it; free text (a measure, a reason) is kept apart from the log, as notes are,
since it may name people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from db.core.errors import Conflict, InvalidInput, NotAllowed, NotEligible, NotFound
from db.core.unit import Actor, use_case
from db.core.vocabulary import (
    NeedStatus,
    Notice,
    ProblemKind,
    ProblemStatus,
    Role,
    VisitRuling,
)
from db.leads.assignments import offer_to
from db.leads.mechanics import lock_need, notify_firm, record
from db.models import (
    MAX_ID,
    Assignment,
    Bank,
    Candidate,
    LeadNote,
    Need,
    Problem,
    Staff,
    VisitCheck,
    utcnow,
)
from matching.policy import DEFAULT_POLICY, Policy

TEXT_MAX = 500


def covers(actor: Actor, region: str | None, problem: Problem) -> bool:
    """Whether the actor may see and work the problem: an admin any, a coordinator those of
    their region (a city or a county); anyone else none."""
    if actor.may(Role.ADMIN):
        return True
    if not actor.has(Role.COORDINATOR):
        raise NotAllowed.of("coordinators_and_admins_only")
    if not region:  # a coordinator of nowhere sees nothing, not everything
        raise NotAllowed.of("report_no_region")
    return region in (problem.city, problem.county)


def problem_for(
    session: Session, problem_id: int, actor: Actor, region: str | None, *, lock: bool = True
) -> Problem:
    """The problem, if the actor may work it: another region's is "not found"."""
    if not 1 <= problem_id <= MAX_ID:
        raise NotFound.of("problem_not_found", problem_id=problem_id)
    query = select(Problem).where(col(Problem.id) == problem_id)
    if lock:
        query = query.with_for_update()
    found = session.exec(query.execution_options(populate_existing=True)).first()
    if found is None or not covers(actor, region, found):
        raise NotFound.of("problem_not_found", problem_id=problem_id)
    return found


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > TEXT_MAX:
        raise InvalidInput.of("too_long", field=field, limit=TEXT_MAX)
    return value or None


@use_case
def update_problem(
    session: Session,
    *,
    problem_id: int,
    actor: Actor,
    region: str | None,
    status: ProblemStatus | str | None = None,
    owner_id: int | None = None,
    measure: str | None = None,
    ruling: VisitRuling | str | None = None,
    now: datetime | None = None,
) -> Problem:
    """Change what is given: the owner (an active coordinator of the problem's region, or an
    admin), the status, the measure taken. Closing a disputed visit takes a ruling (the visit
    held or struck); closing a complaint takes the measure, which the firm is told."""
    now = now or utcnow()
    problem = problem_for(session, problem_id, actor, region)
    target = _status(status) if status is not None else ProblemStatus(problem.status)
    changes: dict[str, Any] = {}
    if owner_id is not None and owner_id != problem.owner_id:
        _check_owner(session, owner_id, problem)
        changes["owner"] = owner_id
        problem.owner_id = owner_id
    text = _text(measure, "measure")
    if measure is not None and text != problem.measure:
        changes["measure_given"] = text is not None
        problem.measure = text
    closing = target.closed and not ProblemStatus(problem.status).closed
    if target != problem.status:
        changes["from"], changes["to"] = problem.status, target.value
        problem.status = target
        problem.closed_at = now if target.closed else None
    if ruling is not None or (closing and problem.kind == ProblemKind.VISIT_DISPUTED):
        changes["ruling"] = _rule_visit(session, problem, ruling, actor, now)
    if closing and problem.kind == ProblemKind.COMPLAINT and not problem.measure:
        raise InvalidInput.of("outcome_required", field="measure")
    if not changes:
        return problem
    problem.updated_at = now
    session.add(problem)
    payload = {"problem_id": problem.id, **changes}
    event_id = record(
        session, actor=actor, at=now, kind="problem_updated", need_id=problem.need_id,
        payload=payload,
    )  # fmt: skip
    if closing and problem.kind == ProblemKind.COMPLAINT:
        _tell_firm(session, problem, event_id, now)
    return problem


def _status(value: ProblemStatus | str) -> ProblemStatus:
    try:
        return ProblemStatus(value)
    except ValueError:
        allowed = ", ".join(ProblemStatus)
        raise InvalidInput.of(
            "bad_problem_status", field="status", value=str(value)[:40], allowed=allowed
        ) from None


def _check_owner(session: Session, owner_id: int, problem: Problem) -> None:
    owner = session.get(Staff, owner_id) if 1 <= owner_id <= MAX_ID else None
    fits = (
        owner is not None
        and owner.active
        and (
            owner.role == Role.ADMIN
            or (owner.role == Role.COORDINATOR and owner.region in (problem.city, problem.county))
        )
    )
    if not fits:
        raise InvalidInput.of("not_an_owner_here", field="owner_id", owner=owner_id)


def _rule_visit(
    session: Session, problem: Problem, ruling: VisitRuling | str | None, actor: Actor,
    now: datetime,
) -> str:  # fmt: skip
    """Rule on the disputed visit of the problem: held (it counts as recorded) or struck."""
    check = session.get(VisitCheck, problem.visit_event_id or 0)
    if problem.kind != ProblemKind.VISIT_DISPUTED or check is None:
        raise InvalidInput.of("no_visit_to_rule", field="ruling")
    try:
        found = VisitRuling(ruling or "")
    except ValueError:
        allowed = ", ".join(VisitRuling)
        raise InvalidInput.of(
            "bad_ruling", field="ruling", value=str(ruling or "")[:40], allowed=allowed
        ) from None
    if check.ruling == found:
        return found.value
    event_id = record(
        session, actor=actor, at=now, kind="visit_ruled", need_id=check.need_id,
        payload={"visit": check.event_id, "ruling": found.value, "problem_id": problem.id},
    )  # fmt: skip
    check.ruling, check.ruled_at, check.changed_event_id = found, now, event_id
    session.add(check)
    return found.value


def _tell_firm(session: Session, problem: Problem, event_id: int, now: datetime) -> None:
    need = session.get(Need, problem.need_id)
    if need is None:
        return
    outcome = problem.measure or ""
    notify_firm(
        session, need, event_id, Notice.FIRM_COMPLAINT_ANSWERED, now,
        problem_id=problem.id, outcome=outcome,
    )  # fmt: skip


@use_case
def send_to_bank(
    session: Session,
    *,
    problem_id: int,
    bank_code: str,
    actor: Actor,
    region: str | None,
    reason: str = "",
    past_limit: bool = False,
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> int:
    """Send the problem's need to another bank eligible for it (one the match found a fitting
    product at), within the firm's 3/2 limit; or, `past_limit`, to one bank past it, which a
    coordinator approves with a reason (001 §七: banks "应审慎介入", the coordinator decides).
    The new lead's id; the problem is then in progress."""
    now = now or utcnow()
    problem = problem_for(session, problem_id, actor, region, lock=False)
    why = _text(reason, "reason")
    if past_limit and why is None:
        raise InvalidInput.of("reason_required", field="reason")
    need = lock_need(session, problem.need_id)
    problem = problem_for(session, problem_id, actor, region)  # locked after its need
    bank = session.exec(select(Bank).where(col(Bank.code) == bank_code[:40])).first()
    if bank is None:
        raise InvalidInput.of("unknown_bank", field="bank", bank=bank_code[:40])
    candidate = session.get(Candidate, (need.id, bank.id))
    if candidate is None or need.status != NeedStatus.OPEN:
        raise NotEligible.of("not_eligible", need_id=need.id)
    if past_limit and need.bank_limit is None:
        raise Conflict.of("limit_does_not_apply", need_id=need.id)
    new = offer_to(
        session, need, bank, candidate, now=now, actor=actor, policy=policy, past_limit=past_limit
    )
    kind = "over_limit_approved" if past_limit else "rerouted"
    payload = {"problem_id": problem.id, "bank": bank.code, "note_given": why is not None}
    if past_limit:
        payload["limit"] = need.bank_limit
    event_id = record(session, actor=actor, at=now, kind=kind, assignment=new, payload=payload)
    if why is not None:
        session.add(LeadNote(assignment_id=new.id, event_id=event_id, text=why, created_at=now))
    if problem.status == ProblemStatus.OPEN:
        problem.status = ProblemStatus.IN_PROGRESS
    problem.updated_at = now
    session.add(problem)
    return new.id


def eligible_banks(session: Session, need_id: int) -> list[tuple[str, str, bool]]:
    """The banks a coordinator may send the need to: (code, name, held before) in the match's
    order; the firm's limit is checked when sending."""
    held = {
        b for (b,) in session.execute(
            select(col(Assignment.bank_id)).where(col(Assignment.need_id) == need_id)
        ).all()
    }  # fmt: skip
    rows = session.exec(
        select(Bank, Candidate)
        .join(Candidate, col(Candidate.bank_id) == col(Bank.id))
        .where(col(Candidate.need_id) == need_id)
        .order_by(col(Candidate.rank))
    ).all()
    return [(b.code, b.name, b.id in held) for b, _ in rows]
