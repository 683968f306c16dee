"""The key-problem list worked to a solution: coordinators (their region) and admins list the
problems still open, give each an owner, a status and the measure taken, rule on a disputed
visit, answer a complaint, and send a stuck need to another eligible bank, or to one bank past
the firm's 3/2 limit with a reason."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import Session

from api.core.deps import Caller, CallerDep, Now, ReadSession, WriteSession, known_query
from api.routes import PREFIX, errors
from api.routes.reports import Region, scope_of
from api.schemas.problems import (
    EligibleBankOut,
    ProblemDetailOut,
    ProblemIn,
    ProblemPageOut,
    SendIn,
    SentOut,
    TrackedProblemOut,
)
from db.core.engine import READ_ONLY
from db.core.vocabulary import STILL_OPEN, ProblemStatus
from db.models import MAX_ID
from db.problems.listing import ProblemRecord, problem_record
from db.problems.tracking import send_to_bank, update_problem
from db.reports.problems import Problem, open_problems

router = APIRouter(prefix=f"{PREFIX}/problems", tags=["problems"],
                   dependencies=[Depends(known_query)])  # fmt: skip
ProblemId = Annotated[int, Path(ge=1, le=MAX_ID, description="the problem's id", examples=[7])]


class _Aged:
    """A problem of the list with its age at `now`, as `TrackedProblemOut` reads it."""

    def __init__(self, entry: Problem, now: datetime) -> None:
        self._entry, self.age_days = entry, entry.age_days(now)

    def __getattr__(self, name: str) -> object:
        return getattr(self._entry, name)


def tracked(entry: Problem, now: datetime) -> TrackedProblemOut:
    return TrackedProblemOut.model_validate(_Aged(entry, now))


def _detail(record: ProblemRecord, now: datetime) -> ProblemDetailOut:
    return ProblemDetailOut(
        problem=tracked(record.entry, now),
        detail=record.detail,
        visit_at=datetime.fromisoformat(record.visit_at) if record.visit_at else None,
        visit_ruling=record.visit_ruling,
        need_open=record.need_open,
        bank_limit=record.bank_limit,
        serving=record.serving,
        may_approve=record.may_approve,
        banks=[EligibleBankOut.model_validate(b) for b in record.banks],
    )


def _region(caller: Caller) -> str | None:
    scope_of(caller, None)  # a coordinator of nowhere, or bank staff: refused here
    return caller.region


def _read_back(
    session: Session, caller: Caller, problem_id: int, now: datetime
) -> ProblemDetailOut:
    """The problem after a change, read in a new, read-only transaction."""
    session.connection(execution_options={READ_ONLY: True})
    try:
        record = problem_record(
            session, problem_id=problem_id, actor=caller.actor, region=_region(caller)
        )
        return _detail(record, now)
    finally:
        session.rollback()


@router.get("", response_model=ProblemPageOut, responses=errors(401, 403, 422))
def problem_list(
    session: ReadSession,
    caller: CallerDep,
    now: Now,
    status: Annotated[
        list[ProblemStatus] | None,
        Query(description="only these statuses (repeat for several); default open, in_progress"),
    ] = None,
    region: Region = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="at most this many items")] = 1000,
) -> ProblemPageOut:
    """The problems of the caller's region (an admin's: all, or `region`) in these statuses,
    whenever raised, newest first, each with its age in days."""
    wanted = tuple(status) if status else tuple(sorted(STILL_OPEN))
    items, cut = open_problems(
        session, scope=scope_of(caller, region), statuses=wanted, limit=limit
    )
    return ProblemPageOut(items=[tracked(p, now) for p in items], truncated=cut)


@router.get("/{problem_id}", response_model=ProblemDetailOut, responses=errors(401, 403, 404, 422))
def problem(
    problem_id: ProblemId, session: ReadSession, caller: CallerDep, now: Now
) -> ProblemDetailOut:
    """One problem with the firm's words (a complaint), the visit in dispute, the banks its
    need may be sent to and the firm's bank limit. Another region's is "not found"."""
    record = problem_record(
        session, problem_id=problem_id, actor=caller.actor, region=_region(caller)
    )
    return _detail(record, now)


@router.patch(
    "/{problem_id}", response_model=ProblemDetailOut, responses=errors(401, 403, 404, 422)
)
def change(
    problem_id: ProblemId, body: ProblemIn, session: WriteSession, caller: CallerDep, now: Now
) -> ProblemDetailOut:
    """Give the problem an owner, move its status, write the measure taken. Closing a disputed
    visit takes a `ruling`; closing a complaint takes the `measure`, which the firm is told."""
    update_problem(
        session, problem_id=problem_id, actor=caller.actor, region=_region(caller),
        status=body.status, owner_id=body.owner_id, measure=body.measure, ruling=body.ruling,
        now=now,
    )  # fmt: skip
    return _read_back(session, caller, problem_id, now)


@router.post(
    "/{problem_id}/send",
    response_model=SentOut,
    status_code=201,
    responses=errors(401, 403, 404, 409, 422),
)
def send(
    problem_id: ProblemId, body: SendIn, session: WriteSession, caller: CallerDep, now: Now
) -> SentOut:
    """Send the problem's need to another bank eligible for it, within the firm's 3/2 limit
    (409 at the limit); with `past_limit`, to one bank past it, approved with a `reason` (001 §七:
    other banks "应审慎介入", the coordinator decides). Both are in the need's timeline with
    who did it."""
    lead_id = send_to_bank(
        session, problem_id=problem_id, bank_code=body.bank, actor=caller.actor,
        region=_region(caller), reason=body.reason, past_limit=body.past_limit, now=now,
    )  # fmt: skip
    return SentOut(lead_id=lead_id, at=now)
