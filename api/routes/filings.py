"""The quarterly filing (000 §五–七): what the parks, the banks and the 分局 of the caller's
region owe for a quarter, due when, filed or late; and marking a table filed (已报送).
Coordinators see their region; admins everything (or one region with `region`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.core.deps import CallerDep, Now, ReadSession, WriteSession, known_query
from api.routes import PREFIX, errors
from api.routes.reports import Region, scope_of
from api.schemas.filings import FiledIn, FilingOut, FilingsOut
from db.reports.filings import filings, mark_filed

router = APIRouter(
    prefix=f"{PREFIX}/filings", tags=["reports"], dependencies=[Depends(known_query)]
)


@router.get("", response_model=FilingsOut, responses=errors(401, 403, 422))
def quarter_filings(
    session: ReadSession,
    caller: CallerDep,
    now: Now,
    quarter: Annotated[
        str | None,
        Query(max_length=10, description="default: the quarter being filed (the last ended)"),
    ] = None,
    region: Region = None,
) -> FilingsOut:
    """Every table owed for the quarter: the parks' 附表1–2 and the banks' 附表4–5 within 15
    days after it, the 分局's 附表3–4 by the 20th (a due date on a weekend or holiday moves to
    the next working day); each upcoming, due soon, late, filed or filed late."""
    found = filings(session, scope=scope_of(caller, region), now=now, quarter=quarter)
    return FilingsOut(
        quarter=str(found.quarter),
        today=found.today,
        items=[FilingOut.model_validate(item) for item in found.items],
    )


@router.post("", response_model=FilingOut, responses=errors(401, 403, 404, 422))
def mark_filing(body: FiledIn, session: WriteSession, caller: CallerDep, now: Now) -> FilingOut:
    """Mark a table filed (已报送), recorded with who and when; marking it again changes
    nothing. A filer outside the caller's region answers 404."""
    item = mark_filed(
        session,
        scope=scope_of(caller, None),
        actor=caller.actor,
        quarter=body.quarter,
        annex=body.annex,
        filer=body.filer,
        code=body.code,
        now=now,
    )
    return FilingOut.model_validate(item)
