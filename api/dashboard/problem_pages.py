"""The key-problem list worked on the dashboard: the problems not yet solved (any age), and one
problem's page whose forms give it an owner, a status and the measure taken, rule on a disputed
visit, answer a complaint, or send its need to another bank (past the firm's limit, with a
reason). The forms post back to the page, as the sign-in form does: the session cookie is
`SameSite=Strict` and a post from another site is refused (`same_site`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.core.deps import engine_of
from api.dashboard.auth import PATH, clock_of, current_viewer, form, same_site
from api.dashboard.filters import Filters, narrow
from api.dashboard.render import page, page_lang
from db.core.engine import reading
from db.core.errors import InvalidInput, StorageError
from db.core.unit import Actor
from db.core.vocabulary import ActorKind, ProblemStatus, Role, VisitRuling
from db.models import MAX_ID
from db.problems.listing import owners_for, problem_record
from db.problems.tracking import send_to_bank, update_problem
from db.reports.problems import open_problems
from db.staff.sessions import Viewer
from matching.i18n import Lang, t

router = APIRouter(prefix=PATH, include_in_schema=False)
ViewerDep = Annotated[Viewer, Depends(current_viewer)]
ProblemId = Annotated[int, Path(ge=1, le=MAX_ID)]
SHOWN = 200


def _actor(viewer: Viewer) -> Actor:
    return Actor(ActorKind.STAFF, viewer.staff_id, viewer.role, viewer.bank_id)


@router.get("/problems")
def problem_list(request: Request, viewer: ViewerDep) -> Response:
    """The viewer's problems not yet solved, whenever found, newest first, with their age."""
    lang, now = page_lang(request), clock_of(request)
    try:
        filters = Filters.parse(request.query_params, now)
        with reading(engine_of(request)) as session:
            scope = narrow(session, viewer, filters).scope
            items, cut = open_problems(session, scope=scope, limit=SHOWN)
    except StorageError as err:
        return page("error.html", lang, err.status, viewer=viewer, message=err.render(lang))
    works = viewer.role in (Role.COORDINATOR, Role.ADMIN)
    return page(
        "problems.html", filters.lang, viewer=viewer, filters=filters, items=items, cut=cut,
        now=now, works=works, back=f"{PATH}?{filters.query()}",
        role=t(f"dashboard.role.{viewer.role.value}", filters.lang),
    )  # fmt: skip


def _page(
    request: Request, viewer: Viewer, problem_id: int, lang: Lang, status: int = 200,
    message: str | None = None, error: str | None = None,
) -> Response:  # fmt: skip
    """The problem's page (another region's is "not found", bank staff are refused)."""
    try:
        with reading(engine_of(request)) as session:
            record = problem_record(
                session, problem_id=problem_id, actor=_actor(viewer), region=viewer.region
            )
            owners = owners_for(session, record.city, record.county)
    except StorageError as err:
        return page("error.html", lang, err.status, viewer=viewer, message=err.render(lang))
    other = "zh" if lang is Lang.EN else "en"
    return page(
        "problem.html", lang, status, viewer=viewer, record=record, p=record.entry, owners=owners,
        statuses=[s.value for s in ProblemStatus], rulings=[r.value for r in VisitRuling],
        now=clock_of(request), message=message, error=error,
        action=f"{PATH}/problem/{problem_id}", lang_query="?lang=en" if lang is Lang.EN else "",
        other_lang=f"{PATH}/problem/{problem_id}?lang={other}",
        role=t(f"dashboard.role.{viewer.role.value}", lang),
    )  # fmt: skip


@router.get("/problem/{problem_id}")
def problem(request: Request, viewer: ViewerDep, problem_id: ProblemId) -> Response:
    lang = page_lang(request)
    done = request.query_params.get("done")
    message = None
    if done == "saved":
        message = t("dashboard.problem.saved", lang)
    elif done and done.isdigit():
        message = t("dashboard.problem.sent", lang, lead_id=int(done))
    return _page(request, viewer, problem_id, lang, message=message)


async def _post(
    request: Request, viewer: Viewer, problem_id: int,
    act: Callable[[Session, dict[str, str], Actor], str],
) -> Response:  # fmt: skip
    """Run `act` on the posted form, then back to the page (with what was done), or the page
    again with the refusal."""
    fields = await form(request)
    lang = Lang.EN if fields.get("lang") == "en" else Lang.ZH
    if not same_site(request):
        return page("error.html", lang, 403, viewer=viewer, message=t("dashboard.cross_site", lang))
    engine = engine_of(request)

    def run() -> str:
        with Session(engine) as session:
            return act(session, fields, _actor(viewer))

    try:
        done = await anyio.to_thread.run_sync(run)
    except StorageError as err:
        status, said = err.status, err.render(lang)
        return await anyio.to_thread.run_sync(
            lambda: _page(request, viewer, problem_id, lang, status, error=said)
        )
    query = urlencode({"done": done, **({"lang": "en"} if lang is Lang.EN else {})})
    return RedirectResponse(f"{PATH}/problem/{problem_id}?{query}", status_code=303)


@router.post("/problem/{problem_id}")
async def problem_post(request: Request, viewer: ViewerDep, problem_id: ProblemId) -> Response:
    """Owner, status, measure and ruling, from the update form."""
    now = clock_of(request)

    def act(session: Session, fields: dict[str, str], actor: Actor) -> str:
        owner = fields.get("owner_id", "")
        if owner and not owner.isdigit():
            raise InvalidInput.of("not_an_owner_here", field="owner_id", owner=owner[:20])
        update_problem(
            session, problem_id=problem_id, actor=actor, region=viewer.region,
            status=fields.get("status") or None, owner_id=int(owner) if owner else None,
            measure=fields.get("measure"), ruling=fields.get("ruling") or None, now=now,
        )  # fmt: skip
        return "saved"

    return await _post(request, viewer, problem_id, act)


@router.post("/problem/{problem_id}/send")
async def send_post(request: Request, viewer: ViewerDep, problem_id: ProblemId) -> Response:
    """Send the need to another bank; `past_limit=1`: one bank past the firm's limit."""
    now = clock_of(request)

    def act(session: Session, fields: dict[str, str], actor: Actor) -> str:
        lead_id = send_to_bank(
            session, problem_id=problem_id, bank_code=fields.get("bank", ""), actor=actor,
            region=viewer.region, reason=fields.get("reason", ""),
            past_limit=fields.get("past_limit") == "1", now=now,
        )  # fmt: skip
        return str(lead_id)

    return await _post(request, viewer, problem_id, act)
