"""The web chat's addresses: `/q/{token}` opens a loan code's chat, `/q` shows it and takes
each answer (a form post, then a redirect to `/q`; or, from our script, the conversation's new
HTML), `/web/static/…` its style sheet and script."""

from __future__ import annotations

import re
import time
from functools import cache
from importlib.resources import files
from typing import Annotated, Any, Final

import anyio.to_thread
from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from api.core.deps import lang_of
from api.core.metrics import server_timing
from api.core.throttle import address_of
from api.web.guard import (
    SECURITY_HEADERS,
    TooLarge,
    csrf_ok,
    csrf_token,
    is_bot,
    limits_of,
    over_limit,
    read_form,
    session_secret,
    set_session_cookie,
    spend,
    status_key,
)
from api.web.render import html, refusal
from api.web.service import Answered, Page, WebChats
from api.web.transcript import event_of
from bot.config import BotSettings
from bot.qr import deep_link
from db.intake.qr_tokens import TOKEN_MAX
from db.intake.web_sessions import WebChat
from matching.i18n import Lang

router = APIRouter(include_in_schema=False)
TOKEN: Final = re.compile(rf"[A-Za-z0-9_-]{{1,{TOKEN_MAX}}}")
Token = Annotated[str, Path(max_length=200)]


def chats_of(request: Request) -> WebChats:
    chats: WebChats = request.app.state.web_chats
    return chats


def fetched(request: Request) -> bool:
    """Sent by our script (answered with the conversation's HTML, errors as JSON)."""
    return request.headers.get("x-requested-with") == "fetch"


@router.get("/q/{token}")
async def scanned(request: Request, token: Token) -> Response:
    """A loan code scanned: its chat starts, or goes on where this browser was."""
    lang = lang_of(request)
    if not TOKEN.fullmatch(token):
        return refusal(lang, 404, "web.error.not_found")
    secret = session_secret(request)
    wait = over_limit(request, secret)
    if wait is not None:
        return refusal(lang, 429, "web.error.too_many", wait=wait)
    chats = chats_of(request)
    found = await anyio.to_thread.run_sync(chats.find, secret)
    if found is None:
        wait = spend(limits_of(request).new_sessions, address_of(request))
        if wait is not None:
            return refusal(lang, 429, "web.error.too_many", wait=wait)
        secret = await anyio.to_thread.run_sync(chats.create)
    assert secret is not None
    english, key = lang is Lang.EN, status_key(secret)

    def scan() -> tuple[WebChat, Page] | None:
        chats.scan(secret, token, english=english)
        return chats.shown(secret, key)

    response = _chat_page(request, secret, await anyio.to_thread.run_sync(scan))
    if found is None:
        set_session_cookie(request, response, secret)
    return response


@router.get("/q")
async def chat(request: Request) -> Response:
    """This browser's chat as it stands (where every answer redirects to)."""
    secret = session_secret(request)
    wait = over_limit(request, secret)
    if wait is not None:
        return refusal(lang_of(request), 429, "web.error.too_many", wait=wait)
    key = status_key(secret) if secret else ""
    return _chat_page(
        request, secret, await anyio.to_thread.run_sync(chats_of(request).shown, secret, key)
    )


@router.post("/q")
async def answer(request: Request) -> Response:
    """One answer: a button, typed text, or a menu command."""
    lang, fetch, secret = lang_of(request), fetched(request), session_secret(request)
    wait = over_limit(request, secret)
    if wait is not None:
        return refusal(lang, 429, "web.error.too_many", fetch=fetch, wait=wait)
    try:
        form = await read_form(request)
    except TooLarge:
        return refusal(lang, 413, "web.error.too_large", fetch=fetch)
    if not csrf_ok(secret, form):
        return refusal(lang, 403, "web.error.forbidden", fetch=fetch)
    assert secret is not None
    event = event_of(form)
    chats, key, turn = chats_of(request), status_key(secret), form.get("n", "")
    answering = None if is_bot(form) else event

    asked, began = time.perf_counter(), 0.0

    def answer_and_show() -> tuple[Answered | None, tuple[WebChat, Page] | None]:
        """The answer given, and for our script the page after it: in one trip to a thread."""
        nonlocal began
        began = time.perf_counter()
        answered, shown = None, None
        if answering is not None:
            answered, shown = chats.answer(secret, turn, answering, status_key=key)
        if fetch and shown is None and answered is not Answered.SUBMITTED:
            shown = chats.shown(secret, key)
        return answered, shown

    if answering is None and not fetch:  # nothing to answer, no page to send: back to /q
        return RedirectResponse("/q", status_code=303)
    answered, shown = await anyio.to_thread.run_sync(answer_and_show)
    # where the time went, beside the whole (`app`): waiting for a worker thread to take the
    # turn, and the turn until its outcome was back
    timing = server_timing(queue=began - asked, turn=time.perf_counter() - began)
    if answered is Answered.SUBMITTED:  # the page becomes the need's status page
        response = _go(f"/s/{key}?new=1", fetch=fetch)
    elif fetch:
        response = _chat_page(request, secret, shown, fragment=True)
    else:
        response = RedirectResponse("/q", status_code=303)
    response.headers.append("server-timing", timing)
    return response


def _go(path: str, *, fetch: bool) -> Response:
    """Another page: a redirect, or for our script (which follows none of its own), the
    address to open in `X-Go`."""
    if fetch:
        return Response(status_code=204, headers={**SECURITY_HEADERS, "X-Go": path})
    return RedirectResponse(path, status_code=303, headers=SECURITY_HEADERS)


def _chat_page(
    request: Request,
    secret: str | None,
    shown: tuple[WebChat, Page] | None,
    *,
    fragment: bool = False,
) -> Response:
    """The chat page (`fragment`: the conversation alone, for our script) of a session as
    `WebChats.shown` found it."""
    if shown is None or secret is None:
        return refusal(lang_of(request), 200, "web.no_session")
    found, page = shown
    key = status_key(secret)
    context: dict[str, Any] = {
        "page": page,
        "csrf": csrf_token(secret),
        "buttons": _live(page.transcript),
        "status_key": key,
        "telegram": _telegram(request, found),
    }
    return html("conversation.html" if fragment else "chat.html", page.lang, **context)


def _live(transcript: list[dict[str, object]]) -> object:
    """The last message's buttons, when it is the bot's question."""
    last = next((m for m in reversed(transcript) if m["who"] != "note"), None)
    return last.get("buttons") if last and last["who"] == "bot" else []


def _telegram(request: Request, chat: WebChat) -> str | None:
    """ "Continue in Telegram" for firms that have it, when a bot runs."""
    settings: BotSettings = request.app.state.bot_settings
    if settings.telegram_bot_token is None or chat.token is None:
        return None
    return deep_link(settings.telegram_bot_username, chat.token)


STATIC: Final = {"chat.css": "text/css", "chat.js": "text/javascript"}


@cache
def _static(name: str) -> bytes:
    return files("api.web").joinpath(f"static/{name}").read_bytes()


@router.get("/web/static/{name}")
def static(name: Annotated[str, Path(max_length=20)]) -> Response:
    """The style sheet and the script (ours: the page loads nothing from elsewhere)."""
    if name not in STATIC:
        return Response(status_code=404, headers=SECURITY_HEADERS)
    headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"}
    return Response(_static(name), media_type=STATIC[name], headers=headers)
