"""Signing in to the dashboard: an API token typed once into a form, then a session cookie.

The cookie holds a random session id (its hash is stored, `db/staff/sessions.py`) and is
`Secure`, `HttpOnly` and `SameSite=Strict`, scoped to `/dashboard`: a page of another site can
neither read it nor make the browser send it, so the dashboard's two POST forms (sign in, sign
out) need no token of their own; a POST whose `Origin` or `Sec-Fetch-Site` says it came from
another site is refused all the same (a forged sign-in would otherwise still go through)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from api.core.deps import engine_of
from db.core.engine import reading
from db.staff.sessions import LIFETIME, Viewer, viewer_of

COOKIE: Final = "yinqi_dashboard"
PATH: Final = "/dashboard"
MAX_FORM: Final = 4096


class SignInNeeded(Exception):
    """No live session: the viewer is sent to the sign-in form, then back to `wanted`."""

    def __init__(self, wanted: str) -> None:
        super().__init__(wanted)
        self.wanted = wanted


def clock_of(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def session_id(request: Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if value and len(value) <= 100 else None


def current_viewer(request: Request) -> Viewer:
    """The dashboard's viewer, or SignInNeeded (the app answers it with the sign-in form)."""
    sid = session_id(request)
    if sid is not None:
        with reading(engine_of(request)) as session:
            viewer = viewer_of(session, sid, now=clock_of(request))
        if viewer is not None:
            return viewer
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise SignInNeeded(wanted)


def to_sign_in(wanted: str, lang: str | None = None) -> RedirectResponse:
    query = f"?next={quote(wanted, safe='')}" + (f"&lang={lang}" if lang == "en" else "")
    response = RedirectResponse(f"{PATH}/sign-in{query}", status_code=303)
    response.delete_cookie(COOKIE, path=PATH, secure=True, httponly=True, samesite="strict")
    return response


def set_session_cookie(response: Response, sid: str) -> None:
    response.set_cookie(
        COOKIE,
        sid,
        max_age=int(LIFETIME.total_seconds()),
        path=PATH,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def safe_next(wanted: str | None) -> str:
    """Where to go after signing in: a dashboard page of this site, nothing else."""
    if not wanted or not wanted.startswith(PATH) or "//" in wanted or "\\" in wanted:
        return PATH
    return wanted


def same_site(request: Request) -> bool:
    """Whether a POST comes from a page of this site (as far as the browser tells)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def form(request: Request) -> dict[str, str]:
    """A small urlencoded form (no multipart parser needed for two fields)."""
    body = await request.body()
    if len(body) > MAX_FORM:
        return {}
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items() if v}
