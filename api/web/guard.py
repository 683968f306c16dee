"""A public page's defences: the session cookie, a CSRF token on every post, a honeypot, a cap
on the body, rate limits per client address and per session, and strict headers.

The CSRF token is an HMAC of the session's secret (the cookie, which a page of another site can
neither read nor, with SameSite=Lax, send with a post): nothing to store, and a post without it
is refused. The rate limits reuse the API's sliding-window `Throttle`, counting every request
rather than failures."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import Response

from api.core.throttle import Throttle, address_of

COOKIE: Final = "yinqi_web"
COOKIE_DAYS: Final = 180
MAX_BODY: Final = 4096
"""A form of ours is a few hundred bytes; typed text is capped at 200 characters."""
HONEYPOT: Final = "website"
"""A field people never see (hidden by the style sheet) and bots fill in."""
LOCAL: Final = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

SECURITY_HEADERS: Final = {
    # our own style sheet and script, nothing inline, nothing from another host
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the status page's key stays in its own URL
    "Cache-Control": "no-store",
}


@dataclass
class Limits:
    """Requests allowed per session, per client address, and new sessions per address. An
    address may be a park's Wi-Fi at a matching event or a carrier's NAT, shared by dozens of
    firms: its allowances are wide, a session's is what one person tapping needs (an answer
    without script is a post and a page)."""

    per_address: Throttle = field(default_factory=lambda: Throttle(most=600, window=60.0))
    per_session: Throttle = field(default_factory=lambda: Throttle(most=40, window=60.0))
    new_sessions: Throttle = field(default_factory=lambda: Throttle(most=120, window=600.0))


def limits_of(request: Request) -> Limits:
    limits: Limits = request.app.state.web_limits
    return limits


def spend(throttle: Throttle, key: str) -> int | None:
    """Count one request of `key`; the seconds it must wait first when over its allowance."""
    wait = throttle.wait(key)
    if wait is None:
        throttle.failed(key)  # a request counted, whether or not it fails
    return wait


def over_limit(request: Request, secret: str | None) -> int | None:
    """Seconds to wait when this address or this session asked too often; None when not."""
    limits = limits_of(request)
    wait = spend(limits.per_address, address_of(request))
    if wait is None and secret is not None:
        wait = spend(limits.per_session, hashlib.sha256(secret.encode()).hexdigest()[:32])
    return wait


def session_secret(request: Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if value and len(value) <= 100 else None


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    """HttpOnly, SameSite=Lax (a scan from WeChat opens the page as a top-level visit), Secure
    unless the page is served on this machine over http."""
    response.set_cookie(
        COOKIE,
        secret,
        max_age=COOKIE_DAYS * 86400,
        path="/",
        secure=request.url.hostname not in LOCAL,
        httponly=True,
        samesite="lax",
    )


def csrf_token(secret: str) -> str:
    return hmac.new(secret.encode(), b"yinqi web csrf", hashlib.sha256).hexdigest()[:32]


def status_key(secret: str) -> str:
    """The key of the session's private status link: derived from the cookie's secret, so the
    chat page can always show it, while the link never reveals the cookie."""
    return hmac.new(secret.encode(), b"yinqi web status", hashlib.sha256).hexdigest()[:32]


def csrf_ok(secret: str | None, form: dict[str, str]) -> bool:
    return secret is not None and hmac.compare_digest(form.get("csrf", ""), csrf_token(secret))


def is_bot(form: dict[str, str]) -> bool:
    """The honeypot was filled in."""
    return bool(form.get(HONEYPOT))


class TooLarge(Exception):
    """A body larger than `MAX_BODY`."""


async def read_form(request: Request) -> dict[str, str]:
    """A small urlencoded form; TooLarge past `MAX_BODY` (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise TooLarge
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise TooLarge
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items() if v}
