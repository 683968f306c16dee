"""The HTTP API's routes, one module per resource (leads, needs, the pool, QR codes, reports);
every path is under `/api/v1`. Routes are thin: they check the caller, call one use case of `db`
and answer with a model of `api.schemas`; what they share (paths' id bounds, JSON answers) is
here. They may import `api.core`, `api.schemas`, `db` and `matching`."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Path, Query, Response
from pydantic import TypeAdapter

from api.schemas.common import ErrorOut
from db.models import MAX_ID

PREFIX = "/api/v1"

T = TypeVar("T")

_DESCRIPTIONS = {
    400: "The file cannot be read: not CSV or XLSX, an old .xls, or no name column",
    401: "No token, or an unknown or revoked one",
    403: "The caller's role may not do this",
    404: "No such thing, or not the caller's to see (the two are answered alike)",
    409: "The state of things refuses it (limit reached, already held, not open, wrong status)",
    413: "The body is larger than the route takes",
    422: "A field is missing or wrong: `error.field` names it",
    429: "Too many wrong tokens from this address lately: wait `Retry-After` seconds",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers of a route, all shaped as `ErrorOut`; a route that takes a
    token may also answer 429 (`api/core/throttle.py`)."""
    if 401 in statuses:
        statuses = (*statuses, 429)
    return {s: {"model": ErrorOut, "description": _DESCRIPTIONS[s]} for s in statuses}


LeadId = Annotated[int, Path(ge=1, le=MAX_ID, description="the lead's id", examples=[42])]
NeedId = Annotated[int, Path(ge=1, le=MAX_ID, description="the need's id", examples=[17])]
Total = Annotated[
    bool, Query(description="also count every item on all pages (`total`): a query more")
]


def shaped(writer: TypeAdapter[T], data: T, status_code: int = 200) -> Response:
    """JSON of a read model `db` already gives in a response model's shape and order (a
    `LeadPage` for `LeadPageOut`), written by pydantic's serializer for the read model's own
    type, without validating it into the response model: for the hottest answer, a page of
    leads, where validation cost as much as the query. The route keeps its `response_model` for
    the document, and a test holds the answer to it."""
    return Response(writer.dump_json(data), status_code=status_code, media_type="application/json")
