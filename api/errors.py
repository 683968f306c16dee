"""Every error the API answers is JSON: `{"error": {"code", "message", "field"}}`.

The use cases' refusals carry their HTTP status (`db/errors.py`); bad input is a 422 naming the
field; a missing or unknown token a 401. Messages are in the reader's language.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import lang_of
from db.errors import StorageError
from matching.errors import MatchingError
from matching.i18n import CATALOGS, Text, t
from matching.request import describe_problem

log = logging.getLogger(__name__)

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
    @app.exception_handler(StorageError)
    async def storage_error(request: Request, err: StorageError) -> JSONResponse:
        return error_json(err.status, err.code, err.render(lang_of(request)), err.field)

    @app.exception_handler(MatchingError)
    async def matching_error(request: Request, err: MatchingError) -> JSONResponse:
        message = err.text.render(lang_of(request))
        return error_json(422, err.code, message, err.field)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        first = err.errors()[0]
        location = [str(p) for p in first.get("loc", ())]
        if location and location[0] in _LOCATIONS:
            where, location = location[0], location[1:]
            if where != "body":  # a repeated query parameter: name it, not its position
                location = [p for p in location if not p.isdigit()]
        field = ".".join(location) or "body"
        if first.get("type") == "json_invalid":
            message = Text.of("api.bad_json").render(lang_of(request))
        else:
            message = describe_problem(first).render(lang_of(request))
        return error_json(422, "invalid", message, field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        if err.status_code == 400:  # a body that could not be read as JSON at all
            return error_json(422, "invalid", t("api.bad_json", lang_of(request)), "body")
        code = _HTTP_CODES.get(err.status_code, "error")
        key = f"api.http_{err.status_code}"
        lang = lang_of(request)
        message = t(key, lang) if key in CATALOGS[lang] else str(err.detail)
        response = error_json(err.status_code, code, message)
        for name, value in (err.headers or {}).items():
            response.headers[name] = value
        if err.status_code == 405:
            response.headers["Allow"] = ", ".join(_allowed(request))
        return response


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
