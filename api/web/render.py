"""The web chat's pages from Jinja2 templates, autoescaped (whatever a firm typed is shown as
text, never as markup), with the strict headers of `guard`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from api.dashboard.render import Words
from api.web.guard import SECURITY_HEADERS
from matching.i18n import Lang, t


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("api.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html(template: str, lang: Lang, status: int = 200, **context: Any) -> HTMLResponse:
    body = environment().get_template(template).render(tr=Words(lang), lang=lang.value, **context)
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


def refusal(
    lang: Lang, status: int, key: str, *, fetch: bool = False, wait: int | None = None
) -> Response:
    """An error for people (a page) or for our script (JSON in the API's error shape)."""
    message = t(key, lang, seconds=wait or 0) if wait is not None else t(key, lang)
    headers = {"Retry-After": str(wait)} if wait is not None else {}
    if fetch:
        code = key.rsplit(".", 1)[-1]
        body = {"error": {"code": code, "message": message, "field": None}}
        return JSONResponse(body, status_code=status, headers={**SECURITY_HEADERS, **headers})
    response = html("message.html", lang, status, title=t("web.error.title", lang), message=message)
    response.headers.update(headers)
    return response
