"""Webhooks: a bank admin registers the bank's endpoints, rotates their secrets, reads each
delivery's attempts and replays one; the events themselves are described under the document's
`webhooks` (OpenAPI 3.1), one per event type."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response

from api.core.deps import CallerDep, Now, ReadSession, WriteSession, known_query
from api.routes import PREFIX, errors
from api.schemas.webhooks import (
    DeliveryOut,
    DeliveryPageOut,
    EndpointIn,
    EndpointListOut,
    EndpointOut,
    LeadEventOut,
    PoolEventOut,
    SecretOut,
)
from api.webhooks.config import WebhookSettings
from api.webhooks.urls import check_url
from db.models import MAX_ID
from db.webhooks import deliveries, endpoints
from db.webhooks.events import EventType

router = APIRouter(prefix=PREFIX, tags=["webhooks"], dependencies=[Depends(known_query)])

EndpointId = Annotated[int, Path(ge=1, le=MAX_ID, description="the endpoint's id", examples=[3])]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID, description="the delivery's id", examples=[1234])]


def _settings(request: Request) -> WebhookSettings:
    settings: WebhookSettings = request.app.state.webhook_settings
    return settings


@router.post(
    "/webhooks", response_model=SecretOut, status_code=201, responses=errors(401, 403, 409, 422)
)
def add(
    body: EndpointIn, request: Request, session: WriteSession, caller: CallerDep, now: Now
) -> SecretOut:
    """(bank admin) Register an endpoint for the bank's events; its signing secret is in this
    answer only. The URL must be https and resolve to public addresses only."""
    endpoints.check_manager(caller.actor)
    endpoints.check_events(body.events)
    check_url(body.url, allow_local=_settings(request).webhooks_allow_localhost)
    made = endpoints.add_endpoint(
        session, actor=caller.actor, url=body.url.strip(), events=body.events,
        description=body.description, now=now,
    )  # fmt: skip
    return SecretOut.model_validate(made)


@router.get("/webhooks", response_model=EndpointListOut, responses=errors(401, 403, 422))
def listed(session: ReadSession, caller: CallerDep, now: Now) -> EndpointListOut:
    """(bank admin) The bank's endpoints, disabled ones with when and why."""
    found = endpoints.list_endpoints(session, actor=caller.actor, now=now)
    return EndpointListOut(items=[EndpointOut.model_validate(e) for e in found])


@router.get(
    "/webhooks/{endpoint_id}", response_model=EndpointOut, responses=errors(401, 403, 404, 422)
)
def one(endpoint_id: EndpointId, session: ReadSession, caller: CallerDep, now: Now) -> EndpointOut:
    """(bank admin) One endpoint; another bank's is "not found"."""
    found = endpoints.get_endpoint(session, actor=caller.actor, endpoint_id=endpoint_id, now=now)
    return EndpointOut.model_validate(found)


@router.delete("/webhooks/{endpoint_id}", status_code=204, responses=errors(401, 403, 404, 422))
def remove(endpoint_id: EndpointId, session: WriteSession, caller: CallerDep, now: Now) -> Response:
    """(bank admin) Remove an endpoint: nothing more is sent to it."""
    endpoints.remove_endpoint(session, actor=caller.actor, endpoint_id=endpoint_id, now=now)
    return Response(status_code=204)


@router.post(
    "/webhooks/{endpoint_id}/rotate",
    response_model=SecretOut,
    responses=errors(401, 403, 404, 422),
)
def rotate(
    endpoint_id: EndpointId, session: WriteSession, caller: CallerDep, now: Now
) -> SecretOut:
    """(bank admin) A new signing secret, in this answer only; for 24 hours the previous one
    signs too (two `v1,` signatures), while the receiver moves to the new one."""
    made = endpoints.rotate_secret(session, actor=caller.actor, endpoint_id=endpoint_id, now=now)
    return SecretOut.model_validate(made)


@router.post(
    "/webhooks/{endpoint_id}/enable",
    response_model=EndpointOut,
    responses=errors(401, 403, 404, 422),
)
def enable(
    endpoint_id: EndpointId, session: WriteSession, caller: CallerDep, now: Now
) -> EndpointOut:
    """(bank admin) Take a disabled endpoint back into service; replay what it missed."""
    found = endpoints.enable_endpoint(session, actor=caller.actor, endpoint_id=endpoint_id, now=now)
    return EndpointOut.model_validate(found)


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    response_model=DeliveryPageOut,
    responses=errors(401, 403, 404, 422),
)
def delivered(
    endpoint_id: EndpointId,
    request: Request,
    session: ReadSession,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=deliveries.MAX_PAGE, description="page size")] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="`next_cursor` of the previous page")
    ] = None,
) -> DeliveryPageOut:
    """(bank admin) The endpoint's deliveries, newest first, each with every attempt: the
    endpoint's HTTP status and how long it took. A delivery delivered or given up is kept
    `kept_days` from then (30 unless the operator set `WEBHOOKS_KEPT_DAYS`), then deleted: ask
    for a replay within that time. A pending one is always listed, however old."""
    page = deliveries.list_deliveries(
        session, actor=caller.actor, endpoint_id=endpoint_id, limit=limit, before=before
    )
    items = [DeliveryOut.model_validate(d) for d in page.items]
    kept = _settings(request).webhooks_kept_days
    return DeliveryPageOut(items=items, next_cursor=page.next_cursor, kept_days=kept)


@router.post(
    "/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay",
    response_model=DeliveryOut,
    status_code=202,
    responses=errors(401, 403, 404, 409, 422),
)
def replay(
    endpoint_id: EndpointId,
    delivery_id: DeliveryId,
    session: WriteSession,
    caller: CallerDep,
    now: Now,
) -> DeliveryOut:
    """(bank admin) Send a delivered or given-up delivery again, with the same `webhook-id`
    and the lead as it is now, on a fresh retry schedule. 409 while it is still pending, or
    while the endpoint is disabled; 404 once it is past the kept period (`kept_days` of the
    deliveries' list: 30 days after it was delivered or given up, by default)."""
    found = deliveries.replay(
        session, actor=caller.actor, endpoint_id=endpoint_id, delivery_id=delivery_id, now=now
    )
    return DeliveryOut.model_validate(found)


# --- the events, as the OpenAPI document's `webhooks` ---

WebhookId = Annotated[str, Header(alias="webhook-id", description="`msg_<id>`: drop a repeat")]
WebhookTimestamp = Annotated[
    str, Header(alias="webhook-timestamp", description="Unix seconds when this attempt was signed")
]
WebhookSignature = Annotated[
    str,
    Header(
        alias="webhook-signature",
        description="`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, space-separated if several",
    ),
]


def describe_events(app: FastAPI) -> None:
    """One entry of the document's `webhooks` per event type: what the bank's endpoint
    receives (Standard Webhooks headers, a JSON body); any 2xx answer acknowledges it."""
    for event in EventType:
        model: type[LeadEventOut | PoolEventOut] = LeadEventOut if event.of_a_lead else PoolEventOut

        def receive(
            body: LeadEventOut,
            webhook_id: WebhookId,
            webhook_timestamp: WebhookTimestamp,
            webhook_signature: WebhookSignature,
        ) -> None:
            """Answer 2xx within 10 s; anything else is retried for about a day."""

        receive.__annotations__["body"] = model  # this event's payload
        receive.__doc__ = f"{_SAYS[event]} {receive.__doc__}"
        name = "webhook_" + event.value.replace(".", "_")
        app.webhooks.post(event.value, summary=event.value, status_code=204, operation_id=name)(
            receive
        )


_SAYS = {
    EventType.LEAD_OFFERED: "A need was offered to the bank: accept or decline within 1 working "
    "day.",
    EventType.LEAD_REASSIGNED: "A bank admin handed the lead to another manager.",
    EventType.LEAD_EXPIRED: "Nobody accepted the offer in time; it went to the next bank.",
    EventType.LEAD_WITHDRAWN: "The firm withdrew its consent: stop work; its data is erased.",
    EventType.NEED_UPDATED: "The firm updated the need behind the lead (amount, purpose, term, "
    "collateral or contact): read it again.",
    EventType.POOL_OPENED: "A new need the bank may claim from the pool.",
}
