"""Every error the API answers is JSON: `{"error": {"code", "message", "field"}}`; the dashboard
answers the same errors as a page for people.

The use cases' refusals carry their HTTP status (`db/core/errors.py`); bad input is a 422 naming the
field; a missing or unknown token a 401; anything unforeseen a 500 whose request id (also in the
`X-Request-ID` header) is in the message and in the log line with the traceback. Messages are in
the reader's language.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.deps import lang_of
from api.dashboard.auth import PATH as DASHBOARD
from api.dashboard.render import page, page_lang
from db.core.errors import StorageError
from matching.errors import MatchingError
from matching.i18n import CATALOGS, Lang, t
from matching.request import describe_problem

log = logging.getLogger(__name__)

REQUEST_ID: Final = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}

_LOCATIONS = ("body", "query", "path", "header", "cookie")


def error_json(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return JSONResponse(body, status_code=status)


def install(app: FastAPI) -> None:
    """The error handlers, and the request ids (`RequestIds`) every answer carries."""
    app.add_middleware(RequestIds)

    @app.exception_handler(StorageError)
    async def storage_error(request: Request, err: StorageError) -> Response:
        return _answer(request, err.status, err.code, err.render(_lang(request)), err.field)

    @app.exception_handler(MatchingError)
    async def matching_error(request: Request, err: MatchingError) -> Response:
        message = err.text.render(_lang(request))
        return _answer(request, 422, err.code, message, err.field)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> Response:
        first = err.errors()[0]
        if first.get("type") == "json_invalid":  # its place is a character of the text: no field
            return _answer(request, 422, "invalid", t("api.bad_json", _lang(request)), "body")
        location = [str(p) for p in first.get("loc", ())]
        if location and location[0] in _LOCATIONS:
            where, location = location[0], location[1:]
            if where != "body":  # a repeated query parameter: name it, not its position
                location = [p for p in location if not p.isdigit()]
        field = ".".join(location) or "body"
        message = describe_problem(first).render(_lang(request))
        return _answer(request, 422, "invalid", message, field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> Response:
        lang = _lang(request)
        if err.status_code == 400:  # a body that could not be read as JSON at all
            return _answer(request, 422, "invalid", t("api.bad_json", lang), "body")
        code = _HTTP_CODES.get(err.status_code, "error")
        key = f"api.http_{err.status_code}"
        message = t(key, lang) if key in CATALOGS[lang] else str(err.detail)
        response = _answer(request, err.status_code, code, message)
        for name, value in (err.headers or {}).items():
            response.headers[name] = value
        if err.status_code == 405:
            response.headers["Allow"] = ", ".join(_allowed(request))
        return response


def _for_people(request: Request) -> bool:
    path = request.url.path
    return path == DASHBOARD or path.startswith(DASHBOARD + "/")


def _lang(request: Request) -> Lang:
    """The API's reader's language (`Accept-Language`), or the dashboard page's (`?lang=`)."""
    return page_lang(request) if _for_people(request) else lang_of(request)


def _answer(
    request: Request, status: int, code: str, message: str, field: str | None = None
) -> Response:
    """The error as JSON, or as the dashboard's error page for a page's address."""
    if _for_people(request):
        return page("error.html", page_lang(request), status, viewer=None, message=message)
    return error_json(status, code, message, field)


class RequestIds:
    """Pure ASGI middleware: each request gets an id (the client's `X-Request-ID` when it sent
    a sane one, else a new one) in `request.state.request_id` and in the answer's header; an
    exception nothing else handled is logged with it and its traceback, and answered 500 in the
    errors' shape with the id in the message, never as plain text. It is answered here, not by
    Starlette's `exception_handler(Exception)`, which re-raises after answering, so the server
    would log the traceback a second time without the id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = Headers(scope=scope).get(REQUEST_ID, "")
        request_id = sent if _SANE_ID.fullmatch(sent) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID] = request_id
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            log.exception(
                "unhandled error, request %s: %s %s", request_id, scope["method"], scope["path"]
            )
            if started:  # too late for an answer of our own: the server ends the connection
                raise
            request = Request(scope)
            message = t("error.internal", _lang(request), request_id=request_id)
            await _answer(request, 500, "internal", message)(scope, receive, sending)


def _allowed(request: Request) -> list[str]:
    """Every method any route takes at this path (Starlette names only the first route's)."""
    templates: list[tuple[re.Pattern[str], list[str]]] | None = getattr(
        request.app.state, "path_templates", None
    )
    if templates is None:
        templates = [
            (re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$"), list(ops))
            for path, ops in request.app.openapi()["paths"].items()
        ]
        request.app.state.path_templates = templates
    path = request.url.path
    return sorted({m.upper() for pattern, ops in templates if pattern.match(path) for m in ops})
