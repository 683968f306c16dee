"""The pool: open needs a bank is eligible for and may still take under the 3/2 limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.core.deps import CallerDep, Now, ReadSession, WriteSession, known_query
from api.routes import PREFIX, NeedId, Total, errors
from api.schemas.leads import LeadOut
from api.schemas.pool import PoolPageOut
from db.leads import assignments
from db.leads.queries import MAX_PAGE, open_pool

router = APIRouter(prefix=PREFIX, tags=["pool"], dependencies=[Depends(known_query)])


@router.get("/pool", response_model=PoolPageOut, responses=errors(401, 403, 422))
def pool(
    session: ReadSession,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="page size")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page")
    ] = None,
    total: Total = False,
) -> PoolPageOut:
    """Open needs the caller's bank fits and may still take, newest first, anonymised: no
    name, no USCC, no contact. A need may be gone by the time you claim it."""
    found = open_pool(session, actor=caller.actor, limit=limit, cursor=cursor, total=total)
    return PoolPageOut.model_validate(found)


@router.post(
    "/pool/{need_id}/claim",
    response_model=LeadOut,
    status_code=201,
    responses=errors(401, 403, 404, 409, 422),
)
def claim(need_id: NeedId, session: WriteSession, caller: CallerDep, now: Now) -> LeadOut:
    """Take an open need from the pool: it is the caller's bank's lead at once, accepted (a
    manager's own; a bank admin's goes to the bank's best-placed manager). 409 with the reason
    when the firm is at its bank limit or the bank holds or held it; claims racing for the last
    slot never break the limit."""
    taken = assignments.claim(session, need_id=need_id, actor=caller.actor, now=now)
    return LeadOut.model_validate(taken)
