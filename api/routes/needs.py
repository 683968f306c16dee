"""Needs: registered by the coordination team for firms met in person, and looked up."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from api.core.deps import CallerDep, Now, ReadSession, WriteSession, known_query
from api.routes import PREFIX, NeedId, errors
from api.schemas.needs import NeedOut, NeedRegistrationIn, RegistrationOut
from db.core.errors import InvalidInput, NotAllowed
from db.core.vocabulary import Channel, Role
from db.intake.register import register_need
from db.leads.queries import get_need
from matching.registration import Contact, NeedDraft
from matching.request import parse_request

router = APIRouter(prefix=PREFIX, tags=["needs"], dependencies=[Depends(known_query)])


@router.post(
    "/needs",
    response_model=RegistrationOut,
    status_code=201,
    responses={
        200: {"description": "The firm already had a live need: that one, unchanged"},
        **errors(401, 403, 422),
    },
)
def register(
    body: NeedRegistrationIn,
    response: Response,
    session: WriteSession,
    caller: CallerDep,
    now: Now,
) -> RegistrationOut:
    """(coordinator, admin) Register a firm's need met in person, as the park ledgers require.
    It goes through the same checks, matching and offers as a registration in the bot, with the
    channel recorded as `offline`."""
    if caller.role not in (Role.COORDINATOR, Role.ADMIN):
        raise NotAllowed.of("coordinators_and_admins_only")
    request = parse_request(
        {
            "firm": body.firm.model_dump(mode="json"),
            "need": body.need.model_dump(mode="json"),
            "standards": body.standards.model_dump(mode="json"),
        }
    )
    if caller.role is Role.COORDINATOR and caller.region is None:
        raise NotAllowed.of("report_no_region")
    region = caller.region if caller.role is Role.COORDINATOR else None
    if region and region not in (request.firm.city, request.firm.county):
        raise InvalidInput.of("outside_region", field="firm.county", region=region)
    contact = Contact(body.contact.name, body.contact.phone)
    registration = register_need(
        session,
        draft=NeedDraft(request.firm, request.need, request.standards, contact, body.source),
        channel=Channel.OFFLINE,
        actor=caller.actor,
        now=now,
    )
    if registration.duplicate:
        response.status_code = 200
    return RegistrationOut.model_validate(registration)


@router.get("/needs/{need_id}", response_model=NeedOut, responses=errors(401, 403, 404, 422))
def need(need_id: NeedId, session: ReadSession, caller: CallerDep, now: Now) -> NeedOut:
    """(coordinator, admin) A need with every bank's lead and its timeline; no contact data. A
    need outside a coordinator's region is "not found"."""
    record = get_need(session, actor=caller.actor, region=caller.region, need_id=need_id, now=now)
    return NeedOut.model_validate(record)
