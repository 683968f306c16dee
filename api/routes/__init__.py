"""The HTTP API's routes, one module per resource; every path is under `/api/v1`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from api.schemas import MAX_ID, ErrorOut

PREFIX = "/api/v1"

_DESCRIPTIONS = {
    401: "No token, or an unknown or revoked one",
    403: "The caller's role may not do this",
    404: "No such thing, or not the caller's to see (the two are answered alike)",
    409: "The state of things refuses it (limit reached, already held, not open, wrong status)",
    422: "A field is missing or wrong: `error.field` names it",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers of a route, all shaped as `ErrorOut`."""
    return {s: {"model": ErrorOut, "description": _DESCRIPTIONS[s]} for s in statuses}


LeadId = Annotated[int, Path(ge=1, le=MAX_ID, description="the lead's id", examples=[42])]
NeedId = Annotated[int, Path(ge=1, le=MAX_ID, description="the need's id", examples=[17])]
