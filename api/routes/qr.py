"""Loan QR codes (贷款码) over HTTP, for admins: make, list, retire, and draw them; each with its
funnel from scans to credit granted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.core.config import ApiSettings
from api.core.deps import Caller, CallerDep, ReadSession, WriteSession, known_query
from api.routes import PREFIX, errors
from api.schemas.qr import QrIn, QrListOut, QrOut
from bot.config import BotSettings
from bot.qr import render_png, render_svg
from db.core.errors import NotAllowed, NotFound
from db.core.vocabulary import QrKind, Role
from db.intake.qr_sources import create_source, deactivate_source, list_sources
from db.intake.qr_tokens import TOKEN_MAX

router = APIRouter(prefix=PREFIX, tags=["qr"], dependencies=[Depends(known_query)])

Token = Annotated[
    str,
    Path(
        min_length=1,
        max_length=TOKEN_MAX,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="the code's token (its /start payload)",
        examples=["pk-xc-hitech-7Hq2"],
    ),
]


def _admin(caller: Caller) -> None:
    if caller.role is not Role.ADMIN:
        raise NotAllowed.of("admins_only")


def _bot(request: Request) -> dict[str, str | None]:
    """What `QrOut` needs beside a code to write its link: the web chat's base (PUBLIC_URL)
    when set, and the bot's username."""
    bot: BotSettings = request.app.state.bot_settings
    api: ApiSettings = request.app.state.api_settings
    return {"bot_username": bot.telegram_bot_username, "public_url": api.public_url}


def _one(session: ReadSession, token: str, request: Request) -> QrOut:
    found = list_sources(session, tokens=(token,))
    return QrOut.model_validate(found[0], context=_bot(request))


@router.post("/qr", response_model=QrOut, status_code=201, responses=errors(401, 403, 409, 422))
def make(body: QrIn, request: Request, session: WriteSession, caller: CallerDep) -> QrOut:
    """Make a code for a park, a branch, a manager, a campaign or a weekly matching event."""
    _admin(caller)
    source = create_source(
        session, kind=body.kind, target=body.target, label=body.label, token=body.token
    )
    return QrOut.model_validate(source, context=_bot(request))


@router.get("/qr", response_model=QrListOut, responses=errors(401, 403, 422))
def codes(
    request: Request,
    session: ReadSession,
    caller: CallerDep,
    kind: Annotated[QrKind | None, Query(description="only codes of this kind")] = None,
    active: Annotated[bool | None, Query(description="only live (or only retired) codes")] = None,
) -> QrListOut:
    """Every code, oldest first, with its funnel."""
    _admin(caller)
    found = list_sources(session, kind=kind, active=active)
    return QrListOut.model_validate({"items": found}, context=_bot(request))


@router.get(
    "/qr/{token}.png",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "the code, labelled"},
        **errors(401, 403, 404, 422),
    },
)
def png(token: Token, request: Request, session: ReadSession, caller: CallerDep) -> Response:
    """The code as a PNG with its label underneath, ready to print."""
    _admin(caller)
    source = _one(session, token, request)
    return Response(render_png(source.link, source.label), media_type="image/png")


@router.get(
    "/qr/{token}.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "the code, unlabelled"},
        **errors(401, 403, 404, 422),
    },
)
def svg(token: Token, request: Request, session: ReadSession, caller: CallerDep) -> Response:
    """The code as SVG, for posters (no label: a designer places it)."""
    _admin(caller)
    source = _one(session, token, request)
    return Response(render_svg(source.link), media_type="image/svg+xml")


@router.get("/qr/{token}", response_model=QrOut, responses=errors(401, 403, 404, 422))
def code(token: Token, request: Request, session: ReadSession, caller: CallerDep) -> QrOut:
    """One code with its funnel."""
    _admin(caller)
    return _one(session, token, request)


@router.post("/qr/{token}/deactivate", response_model=QrOut, responses=errors(401, 403, 404, 422))
def deactivate(token: Token, request: Request, session: WriteSession, caller: CallerDep) -> QrOut:
    """Retire a code: scans of it no longer attribute anything; its counts are kept."""
    _admin(caller)
    deactivate_source(session, token=token)
    with_funnel = list_sources(session, tokens=(token,))
    if not with_funnel:
        raise NotFound.of("unknown_qr_token", token=token)
    return QrOut.model_validate(with_funnel[0], context=_bot(request))
