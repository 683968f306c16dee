"""Leads: what a bank's managers and admins pull, accept, decline and follow up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import TypeAdapter

from api.core.deps import CallerDep, Now, ReadSession, WriteSession, known_query
from api.routes import PREFIX, LeadId, Total, errors, shaped
from api.schemas.common import IsoTime
from api.schemas.leads import (
    DeclineIn,
    FollowUpIn,
    LeadEventsOut,
    LeadOut,
    LeadPageOut,
    ReassignIn,
)
from db.core.vocabulary import AssignmentStatus
from db.leads import assignments
from db.leads.queries import MAX_PAGE, LeadPage, get_lead, list_leads
from db.leads.timeline import lead_timeline

router = APIRouter(prefix=PREFIX, tags=["leads"], dependencies=[Depends(known_query)])

PAGE_WRITER = TypeAdapter(LeadPage)
"""A page of leads to JSON, in `LeadPageOut`'s shape: pydantic's serializer built once for
the read model's type writes twice as fast as one inferring each value's type."""


@router.get("/leads", response_model=LeadPageOut, responses=errors(401, 403, 422))
def leads(
    session: ReadSession,
    caller: CallerDep,
    now: Now,
    status: Annotated[
        list[AssignmentStatus] | None,
        Query(description="only these statuses (repeat the parameter for several)"),
    ] = None,
    updated_since: Annotated[
        IsoTime | None,
        Query(
            description="only leads changed at or after this time",
            examples=["2026-11-23T00:00:00+08:00"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="page size")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page")
    ] = None,
    total: Total = False,
) -> Response:
    """The caller's leads, most recently changed first: a manager's own, a bank admin's bank's.
    Page with `next_cursor`; poll with `updated_since` for what changed; `total=true` also
    counts them all."""
    page = list_leads(
        session,
        actor=caller.actor,
        statuses=status or (),
        updated_since=updated_since,
        limit=limit,
        cursor=cursor,
        total=total,
        now=now,
    )
    return shaped(PAGE_WRITER, page)


@router.get("/leads/{lead_id}", response_model=LeadOut, responses=errors(401, 403, 404, 422))
def lead(lead_id: LeadId, session: ReadSession, caller: CallerDep, now: Now) -> LeadOut:
    """One lead. Another bank's lead is "not found", exactly like one that does not exist."""
    return LeadOut.model_validate(get_lead(session, actor=caller.actor, lead_id=lead_id, now=now))


@router.get(
    "/leads/{lead_id}/events", response_model=LeadEventsOut, responses=errors(401, 403, 404, 422)
)
def timeline(lead_id: LeadId, session: ReadSession, caller: CallerDep) -> LeadEventsOut:
    """The lead's timeline, oldest first: offered or claimed, accepted, each follow-up,
    reassignments, overdue flags, its end; who (the firm, the system, or staff by role and
    bank; by name only the bank's own staff), what and when."""
    events = lead_timeline(session, actor=caller.actor, lead_id=lead_id)
    return LeadEventsOut.model_validate({"lead_id": lead_id, "items": events})


@router.post(
    "/leads/{lead_id}/accept", response_model=LeadOut, responses=errors(401, 403, 404, 409, 422)
)
def accept(lead_id: LeadId, session: WriteSession, caller: CallerDep, now: Now) -> LeadOut:
    """Accept an offered lead (within 1 working day); the firm's contact becomes visible and
    the firm is told."""
    accepted = assignments.accept(session, lead_id=lead_id, actor=caller.actor, now=now)
    return LeadOut.model_validate(accepted)


@router.post(
    "/leads/{lead_id}/decline", response_model=LeadOut, responses=errors(401, 403, 404, 409, 422)
)
def decline(
    lead_id: LeadId,
    body: DeclineIn,
    session: WriteSession,
    caller: CallerDep,
    now: Now,
) -> LeadOut:
    """Give the lead up, saying why; the need goes to the next eligible bank."""
    declined = assignments.decline(
        session,
        lead_id=lead_id,
        actor=caller.actor,
        reason_code=body.reason_code,
        detail=body.detail,
        now=now,
    )
    return LeadOut.model_validate(declined)


@router.post(
    "/leads/{lead_id}/events", response_model=LeadOut, responses=errors(401, 403, 404, 409, 422)
)
def follow_up(
    lead_id: LeadId,
    body: FollowUpIn,
    session: WriteSession,
    caller: CallerDep,
    now: Now,
) -> LeadOut:
    """Record a follow-up: contacted, visited (effective or not), credit granted (amount, rate,
    product; the kind of loan, guarantee, fees and term), loan issued (amount; terms it
    restates). Each moves the lead on; steps may be skipped, never undone."""
    followed = assignments.record_follow_up(
        session,
        lead_id=lead_id,
        actor=caller.actor,
        kind=body.type,
        at=body.at,
        effective=body.effective,
        amount_yuan=body.amount_yuan,
        rate_pct=body.rate_pct,
        product=body.product,
        terms=body.terms,
        note=body.note,
        now=now,
    )
    return LeadOut.model_validate(followed)


@router.post(
    "/leads/{lead_id}/reassign", response_model=LeadOut, responses=errors(401, 403, 404, 409, 422)
)
def reassign(
    lead_id: LeadId,
    body: ReassignIn,
    session: WriteSession,
    caller: CallerDep,
    now: Now,
) -> LeadOut:
    """(bank admin) Hand the lead to another active manager of the bank."""
    moved = assignments.reassign(
        session, lead_id=lead_id, manager_id=body.manager, actor=caller.actor, now=now
    )
    return LeadOut.model_validate(moved)
