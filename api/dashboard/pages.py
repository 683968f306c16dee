"""The dashboard's pages: sign in and out, the overview, the drill-downs (a bank, a park, a QR
source, a need's timeline) and the Excel downloads, each for the viewer's scope only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.core.deps import engine_of
from api.core.throttle import address_of, throttle_of
from api.dashboard import views
from api.dashboard.auth import (
    COOKIE,
    PATH,
    clock_of,
    current_viewer,
    form,
    safe_next,
    same_site,
    session_id,
    set_session_cookie,
)
from api.dashboard.filters import Filters, narrow
from api.dashboard.render import SECURITY_HEADERS, page, page_lang
from api.routes.reports import xlsx_response
from api.workbooks import weekly_xlsx
from api.workbooks.annexes import ANNEXES, Annex, Ask, Takes
from db.core.engine import reading
from db.core.errors import InvalidInput, NotFound, StorageError
from db.core.unit import Actor
from db.core.vocabulary import ActorKind
from db.reports.filings import mark_filed
from db.reports.ledgers import Quarter
from db.staff.sessions import Viewer, sign_in, sign_out
from matching.i18n import DEFAULT_LANG, Lang, t

router = APIRouter(prefix=PATH, include_in_schema=False)
ViewerDep = Annotated[Viewer, Depends(current_viewer)]
Code = Annotated[str, Path(max_length=64)]


def _shown(
    request: Request, viewer: Viewer, build: Callable[[Session, Filters], dict[str, Any]], name: str
) -> Response:
    """Render `name` with what `build` gathers, or the refusal as a page of its own."""
    lang = page_lang(request)
    try:
        filters = Filters.parse(request.query_params, clock_of(request))
        with reading(engine_of(request)) as session:
            context = build(session, filters)
    except StorageError as err:
        return page("error.html", lang, err.status, viewer=viewer, message=err.render(lang))
    return page(name, filters.lang, viewer=viewer, filters=filters, **context)


@router.get("")
def overview(request: Request, viewer: ViewerDep) -> Response:
    now = clock_of(request)
    return _shown(
        request,
        viewer,
        lambda s, f: views.overview_context(s, viewer, f, now),
        "overview.html",
    )


def _drill(
    request: Request, viewer: Viewer, kind: str, narrowed: Callable[[Filters], Filters]
) -> Response:
    """A bank's, a park's or a QR source's page: the overview's filters with that one set."""
    now = clock_of(request)
    return _shown(
        request,
        viewer,
        lambda s, f: views.drill_context(s, viewer, narrowed(f), now, kind),
        "drill.html",
    )


@router.get("/bank/{code}")
def bank(request: Request, viewer: ViewerDep, code: Code) -> Response:
    return _drill(request, viewer, "bank", lambda f: replace(f, bank=code))


@router.get("/park/{code}")
def park(request: Request, viewer: ViewerDep, code: Code) -> Response:
    return _drill(request, viewer, "park", lambda f: replace(f, park=code))


@router.get("/source/{token}")
def source(request: Request, viewer: ViewerDep, token: Code) -> Response:
    return _drill(request, viewer, "source", lambda f: replace(f, source=token))


@router.get("/need/{need_id}")
def need(request: Request, viewer: ViewerDep, need_id: Annotated[int, Path(ge=1)]) -> Response:
    now = clock_of(request)
    return _shown(
        request,
        viewer,
        lambda s, f: views.need_context(s, viewer, f, need_id, now),
        "need.html",
    )


def _download(
    request: Request, viewer: Viewer, make: Callable[[Session, Filters], tuple[bytes, str]]
) -> Response:
    lang = page_lang(request)
    try:
        filters = Filters.parse(request.query_params, clock_of(request))
        with reading(engine_of(request)) as session:
            data, name = make(session, filters)
    except StorageError as err:
        return page("error.html", lang, err.status, viewer=viewer, message=err.render(lang))
    response = xlsx_response(data, name)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/weekly.xlsx")
def weekly(request: Request, viewer: ViewerDep) -> Response:
    """The weekly workbook (`yinqi report weekly`) for the viewer's region or bank, narrowed to
    the filters' city, county, bank, park or QR code (named in its title), over the filters'
    period."""
    now = clock_of(request)

    def make(session: Session, f: Filters) -> tuple[bytes, str]:
        narrowed = narrow(session, viewer, f)
        data = weekly_xlsx(
            session,
            scope=narrowed.scope,
            date_from=f.date_from,
            date_to=f.date_to,
            now=now,
            lang=f.lang,
            focus=(narrowed.park_name, narrowed.source_label, _channel_name(f)),
        )
        return data, f"weekly-{f.date_from}-{f.date_to}.xlsx"

    return _download(request, viewer, make)


def _channel_name(f: Filters) -> str | None:
    return t(f"channel.{f.channel}", f.lang) if f.channel else None


def _quarter(f: Filters) -> Quarter:
    return Quarter(f.date_to.year, (f.date_to.month - 1) // 3 + 1)


def _annex_download(annex: Annex) -> None:
    """`/dashboard/<slug>.xlsx`: the annex for the quarter the filters' period ends in, for the
    viewer's scope narrowed by the filters (and the filters' park, when the annex takes one)."""

    def download(request: Request, viewer: ViewerDep) -> Response:
        now = clock_of(request)

        def make(session: Session, f: Filters) -> tuple[bytes, str]:
            if annex.takes is Takes.PARK and f.park is None:
                raise NotFound.of("unknown_park", park="")
            scope = narrow(session, viewer, f).scope
            quarter = _quarter(f)
            park = f.park if annex.takes is not Takes.REGION else None
            data = annex.make(session, Ask(scope, quarter, park, now, f.lang))
            return data, annex.file_name(quarter, park)

        return _download(request, viewer, make)

    router.add_api_route(
        f"/{annex.slug}.xlsx", download, methods=["GET"], name=f"dashboard_{annex.slug}"
    )


for _annex in ANNEXES:
    _annex_download(_annex)


@router.get("/filings")
def filing_page(request: Request, viewer: ViewerDep) -> Response:
    """The quarter's tables (附表1–5): due by whom and when, filed or late, each to mark filed."""
    now, quarter = clock_of(request), request.query_params.get("quarter") or None
    return _shown(
        request,
        viewer,
        lambda s, f: views.filings_context(s, viewer, f, now, quarter),
        "filings.html",
    )


@router.post("/filings")
async def filing_mark(request: Request, viewer: ViewerDep) -> Response:
    """Mark a table filed (已报送) with who and when, then back to the list."""
    fields = await form(request)
    lang = Lang.EN if fields.get("lang") == "en" else DEFAULT_LANG
    if not same_site(request):
        return page("error.html", lang, 403, viewer=viewer, message=t("dashboard.cross_site", lang))
    engine, now = engine_of(request), clock_of(request)
    quarter = fields.get("quarter", "")[:10]

    def mark() -> None:
        annex = fields.get("annex", "")
        if not annex.isdigit() or len(annex) > 1:
            raise InvalidInput.of("not_filed_by", field="annex", annex=annex[:5], filer="")
        actor = Actor(ActorKind.STAFF, viewer.staff_id, viewer.role, viewer.bank_id)
        with Session(engine) as session:
            mark_filed(
                session, scope=views.filing_scope(viewer), actor=actor, quarter=quarter,
                annex=int(annex), filer=fields.get("filer", "")[:20],
                code=fields.get("code", "")[:40], now=now,
            )  # fmt: skip

    try:
        await anyio.to_thread.run_sync(mark)
    except StorageError as err:
        return page("error.html", lang, err.status, viewer=viewer, message=err.render(lang))
    back = urlencode({"quarter": quarter, **({"lang": "en"} if lang is Lang.EN else {})})
    return RedirectResponse(f"{PATH}/filings?{back}", status_code=303)


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    lang = page_lang(request)
    wanted = safe_next(request.query_params.get("next"))
    return page("sign_in.html", lang, next=wanted, message=None, viewer=None)


@router.post("/sign-in")
async def sign_in_post(request: Request) -> Response:
    fields = await form(request)
    lang = Lang.EN if fields.get("lang") == "en" else DEFAULT_LANG
    wanted = safe_next(fields.get("next"))
    if not same_site(request):
        return page("error.html", lang, 403, viewer=None, message=t("dashboard.cross_site", lang))
    token = fields.get("token", "").strip()
    if not token or len(token) > 200:
        return _refused(lang, wanted, "dashboard.token_missing", 401)
    engine, now = engine_of(request), clock_of(request)

    def open_session() -> str:
        with Session(engine) as session:
            sid, _ = sign_in(session, token=token, now=now)
            return sid

    try:
        sid = await anyio.to_thread.run_sync(open_session)
    except StorageError as err:
        status = 403 if err.code == "dashboard_not_for_managers" else 401
        if status == 401:  # a wrong token: slowed from an address that sends many
            throttle, address = throttle_of(request), address_of(request)
            throttle.failed(address)
            wait = throttle.wait(address)
            if wait is not None:
                refused = _refused(lang, wanted, "dashboard.too_many_attempts", 429)
                refused.headers["Retry-After"] = str(wait)
                return refused
        return page(
            "sign_in.html", lang, status, next=wanted, message=err.render(lang), viewer=None
        )
    response = RedirectResponse(wanted, status_code=303)
    set_session_cookie(response, sid)
    return response


def _refused(lang: Lang, wanted: str, key: str, status: int) -> Response:
    return page("sign_in.html", lang, status, next=wanted, message=t(key, lang), viewer=None)


@router.post("/sign-out")
async def sign_out_post(request: Request) -> Response:
    fields = await form(request)
    lang = Lang.EN if fields.get("lang") == "en" else DEFAULT_LANG
    if not same_site(request):
        return page("error.html", lang, 403, viewer=None, message=t("dashboard.cross_site", lang))
    sid = session_id(request)
    if sid is not None:
        engine, now = engine_of(request), clock_of(request)

        def end() -> None:
            with Session(engine) as session:
                sign_out(session, session_id=sid, now=now)

        await anyio.to_thread.run_sync(end)
    query = "?lang=en" if lang is Lang.EN else ""
    response = RedirectResponse(f"{PATH}/sign-in{query}", status_code=303)
    response.delete_cookie(COOKIE, path=PATH, secure=True, httponly=True, samesite="strict")
    return response


_CSS = files("api.dashboard").joinpath("static/dashboard.css")


@router.get("/static/dashboard.css")
def stylesheet() -> Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"}
    return Response(_CSS.read_bytes(), media_type="text/css", headers=headers)
